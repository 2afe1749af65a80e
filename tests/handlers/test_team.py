"""`/mentor team`: the manager's check-in, its anonymous pulse and private notes, through
signed requests and the fake Slack (which validates every message and view it is sent;
the views the app answers a submission with are validated here)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.connections import answer_met, log_met
from bot.context import Deps
from bot.conversations import RequestForm, create_request
from bot.ids import ActionId, BlockId
from bot.offers import ensure_catalogue
from bot.slack import build_client
from handlers import jobs
from storage.models import PulseAnswer, PulseInvite, TeamCheckin, TeamPulse
from storage.people import get_by_slack_id
from tests.blockkit import assert_valid_message, assert_valid_view
from tests.conftest import START, FakeClock, Harness
from tests.factories import make_person
from tests.handlers.journey import QUESTIONS, buttons, text_of
from tests.handlers.team_steps import (
    MANAGER,
    NON_MANAGER,
    OTHER_MANAGER,
    OTHER_REPORTS,
    REPORTS,
    Steps,
    checkin_values,
    make_team,
    pulse_values,
    visible,
)
from tests.inprocess import InProcessSender
from tests.mentors import offer

TODAY = START.date().isoformat()


@pytest.fixture
def steps(inproc: InProcessSender) -> Steps:
    return Steps(inproc, inproc.fake)


def _saved(reply: Any) -> dict[str, Any]:
    """The view a submission was answered with (validated: the fake never sees it)."""
    assert reply.status == 200, reply
    assert reply.json["response_action"] == "update", reply.json
    view = dict(reply.json["view"])
    assert_valid_view(view)
    return view


# --- the journey over real HTTP ---------------------------------------------------------------


def test_five_reports_get_the_pulse_and_totals_show_only_from_the_third_answer(
    harness: Harness, session: Session
) -> None:
    make_team(session, MANAGER, REPORTS)
    steps = Steps(harness.slack, harness.fake)

    before = steps.team(MANAGER)
    assert "20 minutes on mentoring" in text_of(before)
    assert "Are you using it? If so, how? If not, what is in your way?" in text_of(before)
    assert "mostly listen" in text_of(before) and "No one has to answer" in text_of(before)
    assert "not performance advising" in text_of(before)

    sent = steps.send_pulse(MANAGER)
    assert "Sent to the 5 people" in text_of(sent)
    for report in REPORTS:
        dm = steps.pulse_dm(report)
        assert f"<@{MANAGER}> sees only totals" in text_of(dm.params)
        assert "without your name" in text_of(dm.params)

    assert _saved(steps.answer(REPORTS[0], "often", how="I ask Priya about design reviews"))
    assert _saved(steps.answer(REPORTS[1], "not_yet", obstacles=["no_time"]))
    waiting = steps.team(MANAGER)
    assert "2 of 5 answered: waiting for more" in text_of(waiting)
    assert "Priya" not in text_of(waiting) and "No time" not in text_of(waiting)

    steps.answer(REPORTS[2], "sometimes", in_the_way="Our sprint never leaves room")
    shown = steps.team(MANAGER)
    text = text_of(shown)
    assert "3 of 5 answered" in text
    assert "Often 1 · Sometimes 1 · Not yet 1" in text
    assert "No time 1" in text
    assert "I ask Priya about design reviews" in text
    assert "Our sprint never leaves room" in text
    assert "without names" in text
    for report in REPORTS:
        assert report not in visible(shown)
    assert_valid_message(shown)


# --- who may see and do what --------------------------------------------------------------------


def test_someone_with_no_reports_is_told_kindly_what_team_is_for(
    steps: Steps, session: Session
) -> None:
    make_team(session, MANAGER, REPORTS[:3])
    make_person(session, NON_MANAGER)
    session.commit()
    for user in (NON_MANAGER, REPORTS[0], "U0UNKNOWN"):
        answer = text_of(steps.team(user))
        assert "is for managers" in answer
        assert "Often" not in answer and "of 3" not in answer


def test_others_pressing_the_managers_buttons_see_and_change_nothing_of_that_team(
    steps: Steps, session: Session, inproc: InProcessSender
) -> None:
    make_team(session, MANAGER, REPORTS)
    make_team(session, OTHER_MANAGER, OTHER_REPORTS, area="Sales")
    make_person(session, NON_MANAGER)
    session.commit()
    steps.send_pulse(MANAGER)
    for report in REPORTS[:3]:
        steps.answer(report, "not_yet", in_the_way=f"secret of {report}")
    pulse = str(session.exec(select(TeamPulse.id)).one())

    for user in (NON_MANAGER, REPORTS[0]):
        for action, value in (
            (ActionId.TEAM_SEND_PULSE, "pulse"),
            (ActionId.TEAM_STOP_REMINDING, "stop"),
            (ActionId.TEAM_SNOOZE_REMINDER, "snooze"),
            (ActionId.TEAM_REMIND_MONTHLY, "monthly"),
            (ActionId.TEAM_RECORD_CHECKIN, "notes"),
        ):
            answer = text_of(steps.answer_to_click(action, value, user=user))
            assert "is for managers" in answer
            assert "secret of" not in answer and "Not yet" not in answer
    # The other manager's clicks act on their own team only, and show only it.
    other = steps.send_pulse(OTHER_MANAGER)
    assert "Sent to the 3 people" in text_of(other)
    for report in REPORTS:
        assert (
            len([c for c in steps.dms_to(report) if ActionId.PULSE_ANSWER in buttons(c.params)])
            == 1
        )
    for report in OTHER_REPORTS:
        steps.pulse_dm(report)
    assert "secret of" not in visible(steps.team(OTHER_MANAGER))
    # A pulse answer from someone it was not sent to changes nothing.
    session.expire_all()
    answers = len(session.exec(select(PulseAnswer)).all())
    view = {"id": "V0FORGED1", "callback_id": "pulse_answer_modal", "private_metadata": pulse}
    for user in (OTHER_MANAGER, OTHER_REPORTS[0], NON_MANAGER, MANAGER):
        reply = inproc.submit(view, pulse_values("often", how="forged"), user=user)
        assert "wasn't sent to you" in str(reply.json["view"])
    session.expire_all()
    assert len(session.exec(select(PulseAnswer)).all()) == answers
    assert "forged" not in visible(steps.team(MANAGER))
    # Notes submitted by anyone but a manager are refused; a manager's go to their own team.
    notes = {"id": "V0FORGED2", "callback_id": "team_checkin_modal", "private_metadata": MANAGER}
    for user in (NON_MANAGER, REPORTS[1]):
        reply = inproc.submit(notes, checkin_values(TODAY, "x", "y", share=True), user=user)
        assert "is for managers" in str(reply.json["view"])
    session.expire_all()
    assert session.exec(select(TeamCheckin)).all() == []
    assert session.exec(select(PulseInvite)).all() != []  # the pulse is still open


def test_a_team_of_two_never_shows_counts(steps: Steps, session: Session) -> None:
    make_team(session, MANAGER, REPORTS[:2])
    make_person(session, "U0FRIEND1", area="Sales")
    session.commit()
    screens = [steps.team(MANAGER), steps.home(MANAGER)]
    answer = steps.answer_to_click(ActionId.TEAM_SEND_PULSE, "pulse", user=MANAGER)
    assert "fewer than 3" in text_of(answer)
    for screen in screens:
        text = text_of(screen)
        assert "too few to show without identifying anyone" in text
        assert " of 2" not in text and "Often" not in text
        assert ActionId.TEAM_SEND_PULSE not in buttons(screen)
    assert "2 people report to you" in text_of(screens[1])
    for report in REPORTS[:2]:
        assert steps.dms_to(report) == []


# --- answers and notes -------------------------------------------------------------------------


def test_an_answer_can_be_changed_until_the_pulse_closes_and_is_then_unlinked(
    steps: Steps, session: Session, inproc: InProcessSender, clock: FakeClock, deps: Deps
) -> None:
    make_team(session, MANAGER, REPORTS[:3])
    steps.send_pulse(MANAGER)
    steps.answer(REPORTS[0], "not_yet", obstacles=["who_to_ask"])
    pulse = buttons(steps.pulse_dm(REPORTS[0]).params)[ActionId.PULSE_ANSWER]

    again = steps.open_modal(ActionId.PULSE_ANSWER, pulse, user=REPORTS[0])
    usage = next(b for b in again["blocks"] if b.get("block_id") == BlockId.PULSE_USAGE)
    assert usage["element"]["initial_option"]["value"] == "not_yet"
    changed = _saved(
        inproc.submit(again, pulse_values("often", how="Weekly coffee"), user=REPORTS[0])
    )
    assert "updated" in text_of(changed)
    session.expire_all()
    (answer,) = session.exec(select(PulseAnswer)).all()
    assert (answer.usage, answer.how) == ("often", "Weekly coffee")

    clock.advance(days=7)
    jobs.install(deps, build_client(deps.settings))
    jobs.team_checkins()
    session.expire_all()
    assert session.exec(select(PulseInvite)).all() == []
    (kept,) = session.exec(select(PulseAnswer)).all()
    assert kept.usage == "often"  # kept, with nothing linking it to anyone
    refused = inproc.submit(again, pulse_values("sometimes"), user=REPORTS[0])
    assert "has closed" in str(refused.json["view"])
    closed = text_of(steps.team(MANAGER))
    assert "1 of 3 answered: too few to show without identifying anyone" in closed


def test_notes_stay_private_and_the_shared_line_reaches_the_team(
    steps: Steps, session: Session, inproc: InProcessSender
) -> None:
    make_team(session, MANAGER, REPORTS[:3])
    steps.send_pulse(MANAGER)
    steps.answer(REPORTS[0], "sometimes")

    reply = steps.record_checkin(
        MANAGER,
        TODAY,
        heard="Dana feels stuck on the promotion case",
        will_try="each of us asks one person outside the team this month",
        share=True,
    )
    saved = _saved(reply)
    assert "private to you" in text_of(saved) and "3 people" in text_of(saved)

    for report in REPORTS[:3]:
        (shared,) = [c for c in steps.dms_to(report) if "what we'll try" in text_of(c.params)]
        assert "each of us asks one person outside the team this month" in text_of(shared.params)
        assert "Dana" not in visible(shared.params)
    secret = "Dana feels stuck"
    assert not any(secret in str(c.params) for c in inproc.fake.calls)
    manager_screen = steps.team(MANAGER)
    assert secret in text_of(manager_screen)  # the manager's own notes, to them alone
    (seen,) = [c for c in inproc.fake.calls if secret in str(c.params)]
    assert seen.params == manager_screen
    assert secret not in visible(steps.home(MANAGER))
    # Recording the check-in closed the pulse: no answer can change, none is linked.
    session.expire_all()
    assert session.exec(select(PulseInvite)).all() == []
    assert session.exec(select(TeamPulse)).one().closed_at is not None
    (checkin,) = session.exec(select(TeamCheckin)).all()
    assert checkin.shared and checkin.held_on == START.date()


def test_notes_not_shared_reach_no_one(steps: Steps, session: Session) -> None:
    make_team(session, MANAGER, REPORTS[:3])
    _saved(steps.record_checkin(MANAGER, TODAY, heard="quiet", will_try="try pairing"))
    for report in REPORTS[:3]:
        assert steps.dms_to(report) == []


def test_sharing_with_no_line_to_share_is_a_field_error(steps: Steps, session: Session) -> None:
    make_team(session, MANAGER, REPORTS[:3])
    reply = steps.record_checkin(MANAGER, TODAY, heard="notes", share=True)
    assert reply.json["response_action"] == "errors"
    assert set(reply.json["errors"]) == {BlockId.CHECKIN_TRY}
    session.expire_all()
    assert session.exec(select(TeamCheckin)).all() == []


# --- the snapshot -----------------------------------------------------------------------------


def test_the_snapshot_counts_the_team_and_never_shows_a_requests_own_words(
    steps: Steps, session: Session, deps: Deps
) -> None:
    make_team(session, MANAGER, REPORTS)
    newcomer = START.date() - timedelta(days=30)
    for report in REPORTS[:3]:
        person = get_by_slack_id(report, session=session)
        assert person is not None
        person.start_date = newcomer
        session.add(person)
    ensure_catalogue(session, now=START)
    design = offer(
        session, make_person(session, "U0DESIGN1", area="Design", level=4), ("Public speaking",)
    )
    sales = offer(
        session, make_person(session, "U0SALES01", area="Sales", level=4), ("Negotiation",)
    )
    reviewer = get_by_slack_id(REPORTS[3], session=session)
    assert reviewer is not None
    offer(session, reviewer, ("Kubernetes",))
    # Three people connected (two newcomers and a colleague): two areas.
    for report, other in ((REPORTS[0], design), (REPORTS[1], sales), (REPORTS[3], sales)):
        logged = log_met(session, report, other.slack_id, "coffee", now=START)
        answer_met(session, logged.met_id, other.slack_id, confirm=True, now=START)
    # Three people asked: two catalogue topics and words of their own.
    gap = deps.settings.max_level_gap
    for report, mentor, topic in (
        (REPORTS[0], design, "public speaking"),
        (REPORTS[1], sales, "Negotiation"),
        (REPORTS[2], design, "leaving quietly without telling my boss"),
    ):
        form = RequestForm(topic, QUESTIONS)
        create_request(session, report, mentor.slack_id, form, now=START, max_level_gap=gap)
    session.commit()

    text = text_of(steps.team(MANAGER))
    assert "5 people report to you" in text
    assert "3 of 5 had a mentoring conversation in the last 90 days" in text
    assert "1 of 5 offer mentoring" in text
    assert "Newcomers: 2 on pace, 1 behind, 0 reached their goal" in text
    assert "Topics the team asked for: Negotiation, Public speaking" in text
    assert "leaving quietly" not in text
    assert "Topics the team offers: Kubernetes" in text
    assert "Areas the team connected with: Sales, Design" in text
    for report in REPORTS:
        assert report not in visible(steps.home(MANAGER))
