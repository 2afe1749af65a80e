"""Requests that never get stuck and never break the rules, through signed HTTP requests:
a pass goes only to someone the mentee could have found, the mentee can withdraw, the
mentor's Home answers a request as its card does, and an expiry always has a next step."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.ids import ActionId, BlockId, CallbackId, withdraw_option
from handlers import jobs
from storage.models import Conversation, ConversationStatus
from storage.people import get_by_slack_id
from tests.conftest import Harness
from tests.factories import make_person
from tests.handlers.journey import (
    COLLEAGUE,
    MENTEE,
    MENTOR,
    OTHER_MENTOR,
    QUESTIONS,
    STRANGER,
    all_buttons,
    buttons,
    card_message,
    in_dm,
    open_modal,
    send_request,
    text_of,
    wait_post,
)
from tests.mentors import conversation, offer

NON_MENTOR = "U0FAY0001"  # outside the mentee's area, never offered to mentor
SAME_AREA = "U0GUS0001"  # offers the topic, in the mentee's own area
PAUSED = "U0HAL0001"  # offers the topic, paused
FAR_ABOVE = "U0IDA0001"  # offers the topic, five levels above the mentee


def _directory(session: Session, *, others: bool = True) -> None:
    """The mentee and her mentor; with ``others``, two eligible mentors and four who are not."""
    mentee = make_person(session, MENTEE, area="Engineering", level=3)
    offer(session, make_person(session, MENTOR, area="Design", level=4), ("Public speaking",))
    make_person(session, STRANGER, area="Finance", level=3)
    if others:
        for slack_id, area in ((OTHER_MENTOR, "Sales"), (COLLEAGUE, "Marketing")):
            offer(session, make_person(session, slack_id, area=area, level=4), ("Public speaking",))
        make_person(session, NON_MENTOR, area="Legal", level=4)
        offer(session, make_person(session, SAME_AREA, area=" engineering", level=4))
        paused = make_person(session, PAUSED, area="Support", level=4)
        offer(session, paused, ("Public speaking",), paused=True)
        offer(session, make_person(session, FAR_ABOVE, area="Legal", level=8), ("Public speaking",))
    assert mentee.id is not None
    session.commit()


def _row(session: Session, cid: int) -> Conversation:
    session.expire_all()
    row = session.get(Conversation, cid)
    assert row is not None
    return row


def _said(h: Harness, words: str) -> None:
    h.fake.wait_for("response_url", where=lambda c: words in text_of(c.params))


def _dm_to(h: Harness, user: str, words: str) -> dict[str, Any]:
    return dict(wait_post(h, lambda c: in_dm(c, user) and words in text_of(c.params)).params)


def _picked(value: str) -> dict[str, dict[str, Any]]:
    chosen = {"type": "static_select", "selected_option": {"value": value}}
    return {BlockId.PASS_TO: {BlockId.PASS_TO: chosen}}


def _options(view: dict[str, Any]) -> list[str]:
    (block,) = [b for b in view["blocks"] if b.get("block_id") == BlockId.PASS_TO]
    return [o["value"] for o in block["element"]["options"]]


def _home_of(h: Harness, user: str, where: Any, count: int = 1) -> dict[str, Any]:
    calls = h.fake.wait_for(
        "views.publish",
        count,
        where=lambda c: c.params["user_id"] == user and where(c.params["view"]),
    )
    view: dict[str, Any] = calls[-1].params["view"]
    return view


def test_a_pass_to_a_non_mentor_to_the_mentees_area_or_to_a_paused_mentor_is_refused(
    harness: Harness, session: Session
) -> None:
    h = harness
    _directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    modal = open_modal(
        h, ActionId.PASS_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )
    # the modal offers only mentors find would suggest to the mentee, best first
    offered = _options(modal)
    assert set(offered) == {OTHER_MENTOR, COLLEAGUE}

    # a forged pass to anyone else is refused on the field, and nothing changes
    for forged, why in (
        (NON_MENTOR, "hasn't offered to mentor"),
        (SAME_AREA, "own area"),
        (PAUSED, "paused"),
        (FAR_ABOVE, "levels apart"),
        (MENTEE, "the person asking"),
    ):
        reply = h.slack.submit(modal, _picked(forged), user=MENTOR)
        assert reply.json["response_action"] == "errors", forged
        assert why in reply.json["errors"][BlockId.PASS_TO], forged
        assert "<@" not in reply.json["errors"][BlockId.PASS_TO]
        row = _row(session, cid)
        assert row.status == ConversationStatus.REQUESTED and row.passed_from_id is None

    # an offered mentor takes it
    reply = h.slack.submit(modal, _picked(offered[0]), user=MENTOR)
    assert not reply.body
    _dm_to(h, MENTEE, "passed your request")
    assert _row(session, cid).passed_from_id is not None


def test_with_nobody_eligible_the_pass_modal_says_so_kindly_and_offers_to_decline(
    harness: Harness, session: Session
) -> None:
    h = harness
    _directory(session, others=False)
    cid = send_request(h)
    channel, ts = card_message(h)
    modal = open_modal(
        h, ActionId.PASS_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )
    assert modal["callback_id"] == CallbackId.CONVERSATION_NOTICE
    assert "no other mentor fits" in text_of(modal)
    assert buttons(modal) == {ActionId.DECLINE_REQUEST: str(cid)}
    # its button opens the decline modal
    declined = open_modal(h, ActionId.DECLINE_REQUEST, str(cid), user=MENTOR, view=modal)
    assert declined["callback_id"] == CallbackId.DECLINE_MODAL


def test_withdraw_works_including_on_stale_and_foreign_clicks(
    harness: Harness, session: Session
) -> None:
    h = harness
    _directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    sent = _dm_to(h, MENTEE, "is sent")
    assert "if there's no answer in 7 days" in text_of(sent)
    assert buttons(sent)[ActionId.WITHDRAW_REQUEST] == str(cid)
    assert buttons(sent)[ActionId.WITHDRAW_ASK_NEXT] == str(cid)

    # someone else's click, the mentor's included, changes nothing
    for user in (STRANGER, MENTOR):
        h.slack.action(ActionId.WITHDRAW_REQUEST, str(cid), user=user, channel="D0XX00001")
    h.fake.wait_for(
        "response_url", 2, where=lambda c: "Only the person who sent" in text_of(c.params)
    )
    assert _row(session, cid).status == ConversationStatus.REQUESTED

    _home_of(h, MENTOR, lambda view: ActionId.ACCEPT_REQUEST in json.dumps(view))

    def without_it(view: dict[str, Any]) -> bool:
        return ActionId.ACCEPT_REQUEST not in json.dumps(view)

    homes_without = len(
        [
            c
            for c in h.fake.calls_to("views.publish")
            if c.params["user_id"] == MENTOR and without_it(c.params["view"])
        ]
    )
    h.slack.action(ActionId.WITHDRAW_REQUEST, str(cid), user=MENTEE, channel="D0AL00001")
    told = _dm_to(h, MENTEE, "is withdrawn")
    assert ActionId.HOME_FIND_MENTOR in buttons(told)
    assert _row(session, cid).status == ConversationStatus.WITHDRAWN
    # the mentor's card says so, its buttons gone; their Home no longer lists it
    update = h.fake.wait_for("chat.update", where=lambda c: c.params.get("ts") == ts)[-1]
    assert "Withdrawn" in text_of(update.params) and not buttons(update.params)
    _home_of(h, MENTOR, without_it, count=homes_without + 1)  # refreshed without it

    # stale clicks: withdrawing again, or the mentor's Accept on the old card
    h.slack.action(ActionId.WITHDRAW_ASK_NEXT, str(cid), user=MENTEE, channel="D0AL00001")
    _said(h, "was withdrawn")
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=channel)
    h.fake.wait_for("response_url", 2, where=lambda c: "was withdrawn" in text_of(c.params))
    assert _row(session, cid).status == ConversationStatus.WITHDRAWN
    assert len(h.fake.calls_to("views.open")) == 1  # the request modal only: nothing new


def test_withdraw_and_ask_the_next_best_from_the_home(harness: Harness, session: Session) -> None:
    h = harness
    _directory(session)
    cid = send_request(h)
    home = _home_of(h, MENTEE, lambda view: ActionId.WITHDRAW_MENU in json.dumps(view))
    menu = [
        b["accessory"]
        for b in home["blocks"]
        if b.get("accessory", {}).get("action_id") == ActionId.WITHDRAW_MENU
    ]
    values = [o["value"] for o in menu[0]["options"]]
    assert values == [withdraw_option(cid, ask_next=False), withdraw_option(cid, ask_next=True)]

    before = len(h.fake.calls_to("views.open"))
    overflow = {
        "type": "overflow",
        "action_id": ActionId.WITHDRAW_MENU,
        "block_id": "b",
        "selected_option": {"value": values[1]},
    }
    h.slack.action(ActionId.WITHDRAW_MENU, user=MENTEE, view=home, actions=[overflow])
    # the request modal opens for the best next mentor, the topic carried over
    view = h.fake.wait_for("views.open", before + 1)[-1].params["view"]
    assert view["callback_id"] == CallbackId.REQUEST_MODAL
    meta = json.loads(view["private_metadata"])
    assert meta["mentor"] in {OTHER_MENTOR, COLLEAGUE} and meta["topic"] == "public speaking"
    # and the DM lists the next best mentors, each a click away
    told = _dm_to(h, MENTEE, "is withdrawn")
    suggested = {v.split("|")[0] for v in all_buttons(told, ActionId.REQUEST_CONVERSATION)}
    assert suggested == {OTHER_MENTOR, COLLEAGUE}
    assert _row(session, cid).status == ConversationStatus.WITHDRAWN


def test_progress_offers_to_withdraw_a_waiting_request(harness: Harness, session: Session) -> None:
    h = harness
    _directory(session)
    cid = send_request(h)
    h.slack.command("progress", user=MENTEE)
    answer = h.fake.wait_for(
        "response_url", where=lambda c: ActionId.WITHDRAW_MENU in json.dumps(c.params)
    )[-1]
    assert withdraw_option(cid, ask_next=True) in json.dumps(answer.params)


def test_the_mentors_home_shows_a_waiting_requests_questions_and_four_answers(
    harness: Harness, session: Session
) -> None:
    h = harness
    _directory(session)
    cid = send_request(h)
    home = _home_of(h, MENTOR, lambda view: QUESTIONS[0] in json.dumps(view))
    shown = text_of(home)
    assert QUESTIONS[1] in shown and "Public speaking".lower() in shown.lower()
    (row,) = [b for b in home["blocks"] if b.get("block_id") == f"home_waiting_{cid}"]
    assert [e["action_id"] for e in row["elements"]] == [
        ActionId.ACCEPT_REQUEST,
        ActionId.ASK_MORE_INFO,
        ActionId.PASS_REQUEST,
        ActionId.DECLINE_REQUEST,
    ]
    assert {e["value"] for e in row["elements"]} == {str(cid)}
    # a button on the Home works as the card's does
    modal = open_modal(h, ActionId.PASS_REQUEST, str(cid), user=MENTOR, view=home)
    assert modal["callback_id"] == CallbackId.PASS_MODAL


def _client(h: Harness):  # type: ignore[no-untyped-def]
    from bot.slack import build_client

    return build_client(h.deps.settings)


def test_expiry_with_nobody_for_the_topic_still_offers_buttons(
    harness: Harness, session: Session
) -> None:
    h = harness
    _directory(session, others=False)
    # someone who has time, but for another topic
    offer(session, make_person(session, COLLEAGUE, area="Marketing", level=4), ("Negotiation",))
    session.commit()
    cid = send_request(h)
    jobs.install(h.deps, _client(h))
    h.clock.advance(days=8)
    jobs.expire_requests()
    told = _dm_to(h, MENTEE, "has expired")
    assert _row(session, cid).status == ConversationStatus.EXPIRED
    assert "Nobody else offers this topic" in text_of(told)
    assert [v.split("|")[0] for v in all_buttons(told, ActionId.REQUEST_CONVERSATION)] == [
        COLLEAGUE
    ]
    assert buttons(told)[ActionId.HOME_FIND_MENTOR] == "find"
    # "search with other words" opens the find modal
    view = open_modal(h, ActionId.HOME_FIND_MENTOR, "find", user=MENTEE)
    assert view["callback_id"] == CallbackId.HOME_FIND_MODAL


def test_a_decline_with_nobody_else_at_all_still_offers_a_search(
    harness: Harness, session: Session
) -> None:
    h = harness
    _directory(session, others=False)
    cid = send_request(h)
    channel, ts = card_message(h)
    modal = open_modal(
        h, ActionId.DECLINE_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )
    h.slack.submit(modal, {}, user=MENTOR)
    told = _dm_to(h, MENTEE, "can't take your request")
    assert not all_buttons(told, ActionId.REQUEST_CONVERSATION)
    assert buttons(told)[ActionId.HOME_FIND_MENTOR] == "find"


def test_an_expiry_suggests_nobody_the_mentee_already_waits_on_or_talks_with(
    harness: Harness, session: Session
) -> None:
    h = harness
    _directory(session)  # OTHER_MENTOR and COLLEAGUE offer the topic too
    talking_with = make_person(session, "U0IVY0001", area="Operations", level=4)
    offer(session, talking_with, ("Public speaking",))
    session.commit()
    cid = send_request(h)  # to MENTOR, who will let it expire
    jobs.install(h.deps, _client(h))
    h.clock.advance(days=3)
    for mentor, status in (
        (OTHER_MENTOR, ConversationStatus.REQUESTED),  # a newer request, still waiting
        ("U0IVY0001", ConversationStatus.ACTIVE),
    ):
        _open_with(session, mentor, status, h.clock())
    h.clock.advance(days=5)

    jobs.expire_requests()

    told = _dm_to(h, MENTEE, "has expired")
    assert _row(session, cid).status == ConversationStatus.EXPIRED
    suggested = {v.split("|")[0] for v in all_buttons(told, ActionId.REQUEST_CONVERSATION)}
    assert suggested == {COLLEAGUE}


def _open_with(session: Session, mentor_slack_id: str, status: str, at: datetime) -> None:
    mentee, mentor = (
        get_by_slack_id(slack_id, session=session) for slack_id in (MENTEE, mentor_slack_id)
    )
    assert mentee is not None and mentee.id is not None
    assert mentor is not None and mentor.id is not None
    session.add(
        Conversation(
            mentee_id=mentee.id,
            mentor_id=mentor.id,
            status=status,
            topic="Public speaking",
            created_at=at,
            status_changed_at=at,
        )
    )
    session.commit()


def test_the_pass_choices_are_ranked_as_find_ranks_them_for_the_mentee(
    harness: Harness, session: Session
) -> None:
    h = harness
    _directory(session)
    busier = get_by_slack_id(OTHER_MENTOR, session=session)
    stranger = get_by_slack_id(STRANGER, session=session)
    assert busier is not None and stranger is not None
    conversation(session, stranger, busier)  # one of two slots taken: a heavier load
    session.commit()
    h.slack.command("find public speaking", user=MENTEE)
    found = h.fake.wait_for("response_url", where=lambda c: "<@" in text_of(c.params))[-1]
    ranked = [v.split("|")[0] for v in all_buttons(found.params, ActionId.REQUEST_CONVERSATION)]
    cid = send_request(h)
    channel, ts = card_message(h)

    modal = open_modal(
        h, ActionId.PASS_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )

    assert _options(modal) == [m for m in ranked if m != MENTOR] == [COLLEAGUE, OTHER_MENTOR]


def test_withdrawing_from_progress_takes_the_request_back(
    harness: Harness, session: Session
) -> None:
    h = harness
    _directory(session)
    cid = send_request(h)
    h.slack.command("progress", user=MENTEE)
    h.fake.wait_for("response_url", where=lambda c: ActionId.WITHDRAW_MENU in json.dumps(c.params))
    overflow = {
        "type": "overflow",
        "action_id": ActionId.WITHDRAW_MENU,
        "block_id": "b",
        "selected_option": {"value": withdraw_option(cid, ask_next=False)},
    }

    h.slack.action(ActionId.WITHDRAW_MENU, user=MENTEE, actions=[overflow])

    _dm_to(h, MENTEE, "is withdrawn")
    assert _row(session, cid).status == ConversationStatus.WITHDRAWN
    # the same menu clicked again is stale, and says so
    h.slack.action(ActionId.WITHDRAW_MENU, user=MENTEE, actions=[overflow])
    _said(h, "was withdrawn")


def test_withdraw_and_ask_someone_else_from_the_confirmation_opens_the_next_request(
    harness: Harness, session: Session
) -> None:
    h = harness
    _directory(session)
    cid = send_request(h)
    sent = _dm_to(h, MENTEE, "is sent")

    view = open_modal(
        h, ActionId.WITHDRAW_ASK_NEXT, buttons(sent)[ActionId.WITHDRAW_ASK_NEXT], user=MENTEE
    )

    assert view["callback_id"] == CallbackId.REQUEST_MODAL
    meta = json.loads(view["private_metadata"])
    assert meta["mentor"] in {OTHER_MENTOR, COLLEAGUE} and meta["topic"] == "public speaking"
    assert _row(session, cid).status == ConversationStatus.WITHDRAWN
