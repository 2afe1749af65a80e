"""Requests through signed HTTP: more info, pass on, decline, expiry, capacity, stale clicks."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.ids import ActionId, BlockId, CallbackId, request_button_value
from handlers import jobs
from storage.models import Conversation, ConversationStatus
from tests.conftest import Harness
from tests.fakeslack import FakeSlack
from tests.handlers.journey import (
    COLLEAGUE,
    MENTEE,
    MENTOR,
    OTHER_MENTOR,
    QUESTIONS,
    STRANGER,
    accept,
    all_buttons,
    buttons,
    card_calls,
    card_message,
    command_modal,
    directory,
    in_dm,
    is_dm,
    open_modal,
    request_values,
    send_request,
    text_input,
    text_of,
    wait_post,
)
from tests.mentors import conversation


def _status(session: Session, cid: int) -> str:
    session.expire_all()
    row = session.get(Conversation, cid)
    assert row is not None
    return row.status


def _said(h: Harness, words: str) -> None:
    h.fake.wait_for("response_url", where=lambda c: words in text_of(c.params))


def _dm_to(h: Harness, user: str, words: str) -> dict:
    """A DM to ``user``: in their DM channel, or posted to their user ID (the outbox does)."""
    return dict(
        wait_post(
            h,
            lambda c: in_dm(c, user) and words in text_of(c.params),
        ).params
    )


def test_declining_tells_the_mentee_why_and_offers_other_mentors_in_one_click(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    modal = open_modal(
        h, ActionId.DECLINE_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )
    reply = h.slack.submit(
        modal,
        {BlockId.DECLINE_REASON: text_input(BlockId.DECLINE_REASON, "Out until January")},
        user=MENTOR,
    )
    assert not reply.body
    told = _dm_to(h, MENTEE, "can't take your request")
    assert "Out until January" in text_of(told)
    suggested = all_buttons(told, ActionId.REQUEST_CONVERSATION)
    assert suggested and not any(v.startswith(MENTOR) for v in suggested)
    assert {v.split("|")[0] for v in suggested} <= {OTHER_MENTOR, COLLEAGUE}
    assert _status(session, cid) == ConversationStatus.DECLINED
    update = h.fake.wait_for("chat.update", where=lambda c: c.params.get("ts") == ts)[-1]
    assert "Declined" in text_of(update.params) and not buttons(update.params)

    # one click on a suggestion opens a new request to that mentor
    view = open_modal(h, ActionId.REQUEST_CONVERSATION, suggested[0], user=MENTEE)
    assert view["callback_id"] == "request_modal"

    # the stale Accept on the declined card changes nothing
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=channel)
    _said(h, "already declined")
    assert _status(session, cid) == ConversationStatus.DECLINED
    assert not h.fake.calls_to("conversations.open") or all(
        "," not in str(c.params.get("users")) for c in h.fake.calls_to("conversations.open")
    )


def test_asking_for_more_info_adds_the_mentees_answer_to_the_request(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    modal = open_modal(
        h, ActionId.ASK_MORE_INFO, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )
    h.slack.submit(
        modal,
        {BlockId.INFO_QUESTION: text_input(BlockId.INFO_QUESTION, "How big is the audience?")},
        user=MENTOR,
    )
    asked = _dm_to(h, MENTEE, "would like to know more")
    assert "How big is the audience?" in text_of(asked)
    assert _status(session, cid) == ConversationStatus.INFO_REQUESTED

    # while waiting, the mentor can't ask again from the old card
    h.slack.action(ActionId.ASK_MORE_INFO, str(cid), user=MENTOR, channel=channel)
    _said(h, "already asked")

    # someone else can't answer for the mentee
    h.slack.action(ActionId.ANSWER_INFO, str(cid), user=STRANGER, channel="D0EV0000")
    _said(h, "Only the person who sent this request")

    answer_modal = open_modal(h, ActionId.ANSWER_INFO, str(cid), user=MENTEE)
    h.slack.submit(
        answer_modal,
        {BlockId.INFO_ANSWER: text_input(BlockId.INFO_ANSWER, "About 200 people")},
        user=MENTEE,
    )
    h.fake.wait_for("chat.postMessage", where=lambda c: "About 200 people" in text_of(c.params))
    assert len(card_calls(h)) == 2
    assert "About 200 people" in text_of(card_calls(h)[-1].params)
    assert _status(session, cid) == ConversationStatus.REQUESTED

    # the new card works
    accept(h, cid)
    assert _status(session, cid) == ConversationStatus.ACTIVE


def test_passing_to_a_colleague_hands_over_the_request_and_tells_the_mentee(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    modal = open_modal(
        h, ActionId.PASS_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )

    # someone outside the directory is refused on the field
    h.fake.add_user("U0ZED0001", "Zed Outsider")
    reply = h.slack.submit(
        modal, {BlockId.PASS_TO: {BlockId.PASS_TO: {"selected_user": "U0ZED0001"}}}, user=MENTOR
    )
    assert reply.json["response_action"] == "errors"
    # Field errors are plain text: a mention would show as a raw <@U…> code.
    assert "isn't in the mentoring directory" in reply.json["errors"][BlockId.PASS_TO]
    assert "<@" not in reply.json["errors"][BlockId.PASS_TO]

    reply = h.slack.submit(
        modal, {BlockId.PASS_TO: {BlockId.PASS_TO: {"selected_user": COLLEAGUE}}}, user=MENTOR
    )
    assert not reply.body
    new_card = h.fake.wait_for(
        "chat.postMessage",
        where=lambda c: (
            is_dm(str(c.params["channel"]), COLLEAGUE)
            and ActionId.ACCEPT_REQUEST in buttons(c.params)
        ),
    )[-1]
    assert QUESTIONS[0] in text_of(new_card.params)
    assert "passed this request on" in text_of(new_card.params)
    _dm_to(h, MENTEE, "passed your request")

    # the old mentor's card is stale now
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=channel)
    _said(h, "You passed this request on")
    accept(h, cid, mentor=COLLEAGUE)
    session.expire_all()
    row = session.get(Conversation, cid)
    assert row is not None and row.status == ConversationStatus.ACTIVE
    assert row.mentor_id == directory_id(session, COLLEAGUE)


def directory_id(session: Session, slack_id: str) -> int:
    from storage.people import get_by_slack_id

    person = get_by_slack_id(slack_id, session=session)
    assert person is not None and person.id is not None
    return person.id


def test_an_unanswered_request_expires_after_seven_days_with_other_mentors_offered(
    harness: Harness, session: Session, fake_slack: FakeSlack
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    jobs.install(h.deps, _client(h))

    h.clock.advance(days=6)
    jobs.expire_requests()
    assert _status(session, cid) == ConversationStatus.REQUESTED

    h.clock.advance(days=2)
    jobs.expire_requests()
    assert _status(session, cid) == ConversationStatus.EXPIRED
    told = _dm_to(h, MENTEE, "has expired")
    assert all_buttons(told, ActionId.REQUEST_CONVERSATION)
    h.fake.wait_for("chat.update", where=lambda c: c.params.get("ts") == ts)

    # running again changes nothing; the mentor's late Accept is refused
    jobs.expire_requests()
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=channel)
    _said(h, "has expired")
    assert _status(session, cid) == ConversationStatus.EXPIRED
    assert (
        len([c for c in h.fake.calls_to("chat.postMessage") if "has expired" in text_of(c.params)])
        == 1
    )


def _client(h: Harness):  # type: ignore[no-untyped-def]
    from bot.slack import build_client

    return build_client(h.deps.settings)


def test_someone_elses_accept_button_changes_nothing(harness: Harness, session: Session) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=STRANGER, channel="D0EV0000")
    _said(h, "sent to someone else")
    h.slack.action(ActionId.DECLINE_REQUEST, str(cid), user=MENTEE, channel="D0AL0000")
    _said(h, "sent to someone else")
    assert _status(session, cid) == ConversationStatus.REQUESTED
    assert not h.fake.calls_to("chat.update")


def test_a_mentor_at_capacity_cannot_be_asked_and_the_mentee_is_told_why(
    harness: Harness, session: Session
) -> None:
    h = harness
    people = directory(session)
    conversation(session, people[OTHER_MENTOR], people[MENTOR])
    conversation(session, people[COLLEAGUE], people[MENTOR])
    session.commit()
    h.slack.action(ActionId.REQUEST_CONVERSATION, request_button_value(MENTOR), user=MENTEE)
    _said(h, "at capacity")
    assert not h.fake.calls_to("views.open")


def test_the_mentor_filling_up_while_the_modal_is_open_is_caught_on_submit(
    harness: Harness, session: Session
) -> None:
    h = harness
    people = directory(session)
    view = open_modal(h, ActionId.REQUEST_CONVERSATION, request_button_value(MENTOR), user=MENTEE)
    conversation(session, people[OTHER_MENTOR], people[MENTOR])
    conversation(session, people[COLLEAGUE], people[MENTOR])
    session.commit()
    reply = h.slack.submit(view, request_values("\n".join(QUESTIONS)), user=MENTEE)
    assert reply.json["response_action"] == "update"
    assert "at capacity" in text_of(reply.json["view"])
    session.expire_all()
    assert len(session.exec(select(Conversation)).all()) == 2


def _mentor_full_but_on_call_with_the_mentee(session: Session) -> None:
    """MENTOR has 2 of 2 active conversations; MENTEE and MENTOR kept the door open before."""
    people = directory(session)
    earlier = conversation(session, people[MENTEE], people[MENTOR], ConversationStatus.CLOSED)
    earlier.on_call = True
    conversation(session, people[OTHER_MENTOR], people[MENTOR])
    conversation(session, people[COLLEAGUE], people[MENTOR])
    session.commit()


def test_a_pair_on_call_can_ask_again_even_when_the_mentor_is_full(
    harness: Harness, session: Session
) -> None:
    h = harness
    _mentor_full_but_on_call_with_the_mentee(session)
    cid = send_request(h)
    assert _status(session, cid) == ConversationStatus.REQUESTED


def test_mentor_ask_lets_an_on_call_mentee_ask_the_full_mentor_and_refuses_anyone_else(
    harness: Harness, session: Session
) -> None:
    h = harness
    _mentor_full_but_on_call_with_the_mentee(session)
    view = command_modal(h, f"ask <@{MENTOR}> public speaking", user=MENTEE)
    assert view["callback_id"] == CallbackId.REQUEST_MODAL
    reply = h.slack.submit(view, request_values("\n".join(QUESTIONS)), user=MENTEE)
    assert reply.status == 200 and not reply.body, reply.body
    h.fake.wait_for(
        "chat.postMessage", where=lambda c: ActionId.ACCEPT_REQUEST in buttons(c.params)
    )

    h.slack.command(f"ask <@{MENTOR}>", user=STRANGER)
    _said(h, f"<@{MENTOR}> is at capacity (2 of 2 conversations)")
    h.fake.settle(quiet=0.2)
    assert len(h.fake.calls_to("views.open")) == 1  # only the on-call mentee's modal


def test_asking_the_same_mentor_twice_is_refused(harness: Harness, session: Session) -> None:
    h = harness
    directory(session)
    send_request(h)
    h.slack.action(ActionId.REQUEST_CONVERSATION, request_button_value(MENTOR), user=MENTEE)
    _said(h, "already asked")


def test_the_mentee_sees_where_each_request_stands_in_progress(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    send_request(h)
    h.slack.command("progress", user=MENTEE)
    answer = h.fake.wait_for("response_url", where=lambda c: "Your requests" in text_of(c.params))[
        -1
    ]
    assert "sent" in text_of(answer.params)
    assert f"<@{MENTOR}>" in text_of(answer.params)


def test_accepting_from_the_home_tab_opens_the_group_dm_and_refreshes_both_homes(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    h.settle()
    home = {"id": "V0HOME001", "type": "home", "blocks": []}
    published = len(h.fake.calls_to("views.publish"))
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, view=home)
    wait_post(h, lambda c: str(c.params["channel"]).startswith("G"))
    h.fake.wait_for("chat.update", where=lambda c: c.params.get("ts") == ts)
    h.fake.wait_for("views.publish", published + 2)
    assert _status(session, cid) == ConversationStatus.ACTIVE

    # a second Accept from a stale Home tab is answered by DM
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, view=home)
    _dm_to(h, MENTOR, "already accepted")


def test_when_slack_refuses_the_group_dm_both_still_get_the_agenda(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    h.settle()
    h.fake.fail("conversations.open", error="method_not_supported_for_channel_type")
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts)
    for user in (MENTEE, MENTOR):
        _dm_to(h, user, "Agenda for conversation 1")
    assert _status(session, cid) == ConversationStatus.ACTIVE


def test_a_request_slack_cannot_deliver_is_kept_and_the_mentee_is_told_honestly(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    view = open_modal(
        h,
        ActionId.REQUEST_CONVERSATION,
        request_button_value(MENTOR, "public speaking"),
        user=MENTEE,
    )
    published = len(h.fake.calls_to("views.publish"))
    h.fake.fail("chat.postMessage", error="channel_not_found")  # the card to the mentor
    reply = h.slack.submit(view, request_values("\n".join(QUESTIONS)), user=MENTEE)
    assert reply.status == 200 and not reply.body
    told = _dm_to(h, MENTEE, "Home tab")
    assert f"<@{MENTOR}>" in text_of(told) and "couldn't" in text_of(told)
    h.fake.wait_for("views.publish", published + 2)
    home = next(
        c.params
        for c in reversed(h.fake.calls_to("views.publish"))
        if c.params["user_id"] == MENTOR
    )
    assert ActionId.ACCEPT_REQUEST in buttons(home["view"])  # the mentor can still answer it
    session.expire_all()
    (row,) = session.exec(select(Conversation)).all()
    assert row.status == ConversationStatus.REQUESTED


def test_accepting_when_slack_refuses_the_group_dm_post_still_shares_the_agenda(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    h.settle()
    h.fake.fail("chat.postMessage", error="channel_not_found")  # the welcome in the group DM
    h.slack.action(ActionId.ACCEPT_REQUEST, str(cid), user=MENTOR, channel=channel, message_ts=ts)
    for user in (MENTEE, MENTOR):
        _dm_to(h, user, "Agenda for conversation 1")
    h.fake.wait_for("chat.update", where=lambda c: c.params.get("ts") == ts)  # card answered
    assert _status(session, cid) == ConversationStatus.ACTIVE
    for call in h.fake.calls_to("response_url"):
        assert "nothing was changed" not in text_of(call.params)


def test_an_answer_slack_cannot_deliver_to_the_mentor_is_not_claimed_as_delivered(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    channel, ts = card_message(h)
    modal = open_modal(
        h, ActionId.ASK_MORE_INFO, str(cid), user=MENTOR, channel=channel, message_ts=ts
    )
    h.slack.submit(
        modal,
        {BlockId.INFO_QUESTION: text_input(BlockId.INFO_QUESTION, "How big is the audience?")},
        user=MENTOR,
    )
    _dm_to(h, MENTEE, "would like to know more")
    answer_modal = open_modal(h, ActionId.ANSWER_INFO, str(cid), user=MENTEE)
    h.settle()
    h.fake.fail("chat.postMessage", error="channel_not_found")  # the updated card
    h.slack.submit(
        answer_modal,
        {BlockId.INFO_ANSWER: text_input(BlockId.INFO_ANSWER, "About 200 people")},
        user=MENTEE,
    )
    told = text_of(_dm_to(h, MENTEE, "your answer"))
    assert "saved" in told and f"<@{MENTOR}>" in told and "has your answer" not in told
    assert _status(session, cid) == ConversationStatus.REQUESTED


def test_a_request_whose_topic_is_a_performance_plan_gets_the_triage_card_and_saves_nothing(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    button = request_button_value(MENTOR, "public speaking")
    view = open_modal(h, ActionId.REQUEST_CONVERSATION, button, user=MENTEE)

    reply = h.slack.submit(
        view, request_values("What do I do?\nWho can help?", topic="my PIP"), user=MENTEE
    )

    assert reply.json["response_action"] == "update"
    card = text_of(reply.json["view"])
    assert "HR" in card and "manager" not in card.lower()
    assert session.exec(select(Conversation)).all() == []
    h.settle()
    assert not [c for c in h.fake.calls_to("chat.postMessage") if in_dm(c, MENTOR)]
