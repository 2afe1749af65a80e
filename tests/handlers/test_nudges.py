"""Check-ins through the outbox and the fake Slack: delivered once, in the recipient's DM,
each with a button straight to the action (answered by the same checks as anywhere);
skipped when their reason went away; `/mentor mute`, `unmute` and the Home's toggle."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.ids import ActionId, CallbackId
from bot.nudges import kinds
from bot.nudges.sending import Rendered
from bot.nudges.sending import renderer as nudge_renderer
from bot.pacing import unlimited
from bot.slack import build_client
from handlers.deliver import Sender, sender_for
from storage.models import (
    Conversation,
    ConversationStatus,
    MentoringSession,
    OutboxMessage,
    OutboxStatus,
    Person,
)
from tests.conftest import START, Harness
from tests.factories import make_person
from tests.fakeslack import Call
from tests.handlers.journey import COLLEAGUE, STRANGER, buttons, dms_to, in_dm, text_of
from tests.nudgescene import (
    MENTEE,
    MENTOR,
    OTHER_MENTOR,
    active_pair,
    directory,
    met_logged,
    nudge_rows,
    plan_at,
    requested,
    schedule,
    set_person,
)

MONDAY = START  # 10:00 in London, where everyone here lives


@pytest.fixture
def sender(harness: Harness) -> Sender:
    """A sender as `mentorbot scheduler` runs it (rendering Homes and check-ins), unpaced."""
    return sender_for(
        harness.deps, build_client(harness.deps.settings, resend=False), pacer=unlimited()
    )


def _deliver(sender: Sender) -> None:
    while sender.drain_once():
        pass


def _nudges_to(h: Harness, user: str) -> list[Call]:
    return [c for c in dms_to(h, user) if "gentle check-in" in text_of(c.params)]


def _row(session: Session, key: str) -> OutboxMessage:
    session.expire_all()
    return session.exec(select(OutboxMessage).where(OutboxMessage.key == key)).one()


def _person(session: Session, slack_id: str) -> Person:
    session.expire_all()
    return session.exec(select(Person).where(Person.slack_id == slack_id)).one()


def _reply(h: Harness) -> str:
    call = h.fake.last("response_url")
    return json.dumps(call.params, ensure_ascii=False)


def test_an_agenda_reminder_reaches_the_mentee_once_and_its_button_opens_the_agenda_form(
    harness: Harness, session: Session, sender: Sender
) -> None:
    directory(session)
    pair = active_pair(session, at=MONDAY - timedelta(days=3))
    schedule(session, pair.first_session, MONDAY + timedelta(hours=20))

    for minutes in (0, 15, 30):
        plan_at(harness.deps, MONDAY + timedelta(minutes=minutes))
        _deliver(sender)

    (reminder,) = _nudges_to(harness, MENTEE)
    assert "has no agenda yet" in text_of(reminder.params)
    assert buttons(reminder.params)[ActionId.OPEN_AGENDA] == str(pair.conversation_id)
    assert _row(session, kinds.agenda_key(pair.first_session)).kind == "nudge-agenda"

    before = len(harness.fake.calls_to("views.open"))
    harness.slack.action(ActionId.OPEN_AGENDA, str(pair.conversation_id), user=MENTEE)
    (opened,) = harness.fake.wait_for("views.open", before + 1)[before:]
    assert opened.params["view"]["callback_id"] == CallbackId.AGENDA_MODAL


def test_a_check_in_whose_reason_went_away_before_it_was_sent_is_skipped_not_sent(
    harness: Harness, session: Session, sender: Sender
) -> None:
    directory(session)
    pair = active_pair(session, at=MONDAY - timedelta(days=3))
    schedule(session, pair.first_session, MONDAY + timedelta(hours=20))
    plan_at(harness.deps, MONDAY)
    schedule(session, pair.first_session, MONDAY + timedelta(hours=20), agenda=True)  # posted

    _deliver(sender)

    assert _nudges_to(harness, MENTEE) == []
    row = _row(session, kinds.agenda_key(pair.first_session))
    assert (row.status, row.last_error) == (OutboxStatus.SKIPPED, "its reason went away")


def test_a_check_in_to_someone_who_muted_meanwhile_is_skipped(
    harness: Harness, session: Session, sender: Sender
) -> None:
    directory(session)
    cid = requested(session, at=MONDAY - timedelta(days=4))
    plan_at(harness.deps, MONDAY)
    harness.slack.command("mute", user=MENTOR)
    harness.settle()

    _deliver(sender)

    assert _nudges_to(harness, MENTOR) == []
    assert _row(session, kinds.request_key(cid, MENTOR)).status == OutboxStatus.SKIPPED


def test_a_request_reminder_carries_the_answers_and_a_click_goes_through_the_same_checks(
    harness: Harness, session: Session, sender: Sender
) -> None:
    directory(session)
    cid = requested(session, at=MONDAY - timedelta(days=4))
    plan_at(harness.deps, MONDAY)
    _deliver(sender)

    (reminder,) = _nudges_to(harness, MENTOR)
    offered = buttons(reminder.params)
    for answer in (
        ActionId.ACCEPT_REQUEST,
        ActionId.ASK_MORE_INFO,
        ActionId.PASS_REQUEST,
        ActionId.DECLINE_REQUEST,
    ):
        assert offered[answer] == str(cid)

    harness.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=STRANGER)  # not theirs
    harness.settle()
    session.expire_all()
    assert session.get(Conversation, cid).status == ConversationStatus.REQUESTED  # type: ignore[union-attr]

    harness.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR)
    harness.settle()
    session.expire_all()
    assert session.get(Conversation, cid).status == ConversationStatus.ACTIVE  # type: ignore[union-attr]


def test_a_welcome_offers_find_the_home_learning_and_the_newcomers_goal_once(
    harness: Harness, session: Session, sender: Sender
) -> None:
    newcomer = make_person(session, "U0NEWBIE1", start_date=date(2026, 11, 16))
    newcomer.created_at = MONDAY - timedelta(hours=1)
    session.commit()

    for day in range(3):
        plan_at(harness.deps, MONDAY + timedelta(days=day))
        _deliver(sender)

    (welcome,) = [c for c in dms_to(harness, "U0NEWBIE1") if "Welcome" in text_of(c.params)]
    shown = buttons(welcome.params)
    assert {ActionId.HOME_FIND_MENTOR, ActionId.NUDGE_OPEN_HOME, ActionId.HOME_LEARNING} <= set(
        shown
    )
    assert "10 different connections" in text_of(welcome.params)

    published = len(harness.fake.calls_to("views.publish"))
    harness.slack.action(ActionId.NUDGE_OPEN_HOME, "home", user="U0NEWBIE1")
    harness.fake.wait_for("views.publish", published + 1)
    assert "Home* tab" in _reply(harness)


def test_mute_until_a_date_and_unmute_by_command(harness: Harness, session: Session) -> None:
    directory(session)

    harness.slack.command("mute until 2026-12-01", user=MENTEE)
    harness.settle()
    assert "muted until 2026-12-01" in _reply(harness)
    person = _person(session, MENTEE)
    assert (person.nudges_muted, person.nudges_muted_until) == (True, date(2026, 12, 1))

    harness.slack.command("unmute", user=MENTEE)
    harness.settle()
    assert "on again" in _reply(harness)
    person = _person(session, MENTEE)
    assert (person.nudges_muted, person.nudges_muted_until) == (False, None)


@pytest.mark.parametrize("typed", ["until someday", "2026-11-01", "until 2026-13-40", "x y z"])
def test_mute_with_a_date_it_cannot_use_says_so_kindly_and_changes_nothing(
    harness: Harness, session: Session, typed: str
) -> None:
    directory(session)

    harness.slack.command(f"mute {typed}", user=MENTEE)
    harness.settle()

    assert "/mentor mute" in _reply(harness)
    assert _person(session, MENTEE).nudges_muted is False


def _home_of(h: Harness, user: str) -> dict[str, Any]:
    call = h.fake.last("views.publish", where=lambda c: c.params.get("user_id") == user)
    return dict(call.params["view"])


def test_the_homes_toggle_mutes_and_unmutes_check_ins(harness: Harness, session: Session) -> None:
    directory(session)
    harness.slack.event({"type": "app_home_opened", "user": MENTEE, "tab": "home"})
    harness.settle()
    home = _home_of(harness, MENTEE)
    assert buttons(home)[ActionId.HOME_MUTE_TOGGLE] == "mute"

    harness.slack.action(ActionId.HOME_MUTE_TOGGLE, "mute", user=MENTEE, view=home)
    harness.settle()
    assert _person(session, MENTEE).nudges_muted is True
    home = _home_of(harness, MENTEE)
    assert buttons(home)[ActionId.HOME_MUTE_TOGGLE] == "unmute"

    harness.slack.action(ActionId.HOME_MUTE_TOGGLE, "unmute", user=MENTEE, view=home)
    harness.settle()
    assert _person(session, MENTEE).nudges_muted is False


def test_nothing_is_sent_to_anyone_in_the_dm_of_someone_else(
    harness: Harness, session: Session, sender: Sender
) -> None:
    directory(session)
    requested(session, at=MONDAY - timedelta(days=4))
    pair = active_pair(session, at=MONDAY - timedelta(days=3), mentor="U0CAROL01")
    schedule(session, pair.first_session, MONDAY + timedelta(hours=20))
    plan_at(harness.deps, MONDAY)
    _deliver(sender)

    posts = harness.fake.calls_to("chat.postMessage")
    assert {str(c.params["channel"]) for c in posts} == {MENTOR, MENTEE}
    assert all(in_dm(c, MENTOR) or in_dm(c, MENTEE) for c in posts)
    assert session.exec(select(MentoringSession)).all()


def test_check_ins_are_rechecked_together_and_one_whose_reason_went_away_skips_only_itself(
    harness: Harness, session: Session
) -> None:
    directory(session)
    cid = requested(session, at=MONDAY - timedelta(days=4))  # → the mentor
    pair = active_pair(session, at=MONDAY - timedelta(days=3), mentor=OTHER_MENTOR)
    schedule(session, pair.first_session, MONDAY + timedelta(hours=20))  # → the mentee
    met_colleague = met_logged(session, MENTEE, COLLEAGUE, at=MONDAY - timedelta(days=4))
    met_stranger = met_logged(session, MENTEE, STRANGER, at=MONDAY - timedelta(days=4))
    plan_at(harness.deps, MONDAY)
    assert len(nudge_rows(session)) == 4
    # Before they go: the agenda is posted, the colleague mutes, the stranger leaves.
    schedule(session, pair.first_session, MONDAY + timedelta(hours=20), agenda=True)
    set_person(session, COLLEAGUE, nudges_muted=True)
    set_person(session, STRANGER, is_active=False)
    asked: list[list[str]] = []
    render = nudge_renderer(harness.deps.open_session, harness.deps.settings, harness.deps.clock)

    def counting(nudges: Sequence[tuple[str, str]]) -> Mapping[str, Rendered]:
        asked.append([key for key, _ in nudges])
        return render(nudges)

    sender = Sender(
        harness.deps.open_session,
        build_client(harness.deps.settings, resend=False),
        clock=harness.deps.clock,
        pacer=unlimited(),
        nudges=counting,
    )
    _deliver(sender)

    assert len(asked) == 1 and len(asked[0]) == 4  # one look for the whole batch
    (reminder,) = _nudges_to(harness, MENTOR)
    assert buttons(reminder.params)[ActionId.ACCEPT_REQUEST] == str(cid)
    for user in (MENTEE, COLLEAGUE, STRANGER):
        assert _nudges_to(harness, user) == []
    outcomes = {
        key: (row.status, row.last_error)
        for key in (
            kinds.request_key(cid, MENTOR),
            kinds.agenda_key(pair.first_session),
            kinds.met_key(met_colleague),
            kinds.met_key(met_stranger),
        )
        for row in [_row(session, key)]
    }
    assert outcomes == {
        kinds.request_key(cid, MENTOR): (OutboxStatus.SENT, None),
        kinds.agenda_key(pair.first_session): (OutboxStatus.SKIPPED, "its reason went away"),
        kinds.met_key(met_colleague): (OutboxStatus.SKIPPED, "the person muted check-ins"),
        kinds.met_key(met_stranger): (
            OutboxStatus.SKIPPED,
            "the person is not in the directory any more",
        ),
    }


def test_a_check_in_the_renderer_left_out_is_retried_later_never_skipped_unseen(
    harness: Harness, session: Session
) -> None:
    directory(session)
    cid = requested(session, at=MONDAY - timedelta(days=4))
    plan_at(harness.deps, MONDAY)
    sender = Sender(
        harness.deps.open_session,
        build_client(harness.deps.settings, resend=False),
        clock=harness.deps.clock,
        pacer=unlimited(),
        nudges=lambda nudges: {},
    )

    sender.drain_once()

    row = _row(session, kinds.request_key(cid, MENTOR))
    assert row.status == OutboxStatus.PENDING
    assert "LookupError" in (row.last_error or "")
    assert _nudges_to(harness, MENTOR) == []
