"""Asking: a request is sent, answered (accepted, more info, passed on, declined)."""

from __future__ import annotations

from sqlmodel import Session

from bot import conversations as svc
from bot.blocks.card import build_conversation_card
from bot.blocks.help import build_notice
from bot.blocks.requests import (
    build_info_requested,
    build_request_declined,
    build_request_passed,
    build_request_sent,
    build_request_withdrawn,
)
from bot.context import Deps
from bot.effects import Effect, dm, refresh_homes, welcome_pair
from bot.flows.common import answer_card, new_card, welcome_key
from bot.usecase import Done, run

ANSWER_SENT = "Thanks: <@{mentor}> has your answer."
ANSWER_SAVED = (
    "Thanks: your answer is saved, but I couldn't send it to <@{mentor}> in Slack just now. "
    "Your request is waiting for them on their Home tab."
)


def send_request(
    deps: Deps, mentee: str, mentor: str, form: svc.RequestForm, *, claim: str | None = None
) -> Done[svc.RequestSnapshot]:
    """The mentee asks: the card goes to the mentor; the mentee hears that it reached them,
    or, if Slack cannot deliver it, that it is saved and waits on the mentor's Home."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.RequestSnapshot, tuple[Effect, ...]]:
        request = svc.create_request(
            s, mentee, mentor, form, now=now, max_level_gap=deps.settings.max_level_gap
        )
        cid = request.conversation_id

        def told(delivered: bool) -> Effect:
            message = build_request_sent(
                mentor, request.topic, delivered=delivered, conversation_id=cid
            )
            return dm(f"request:{cid}:sent:{'ok' if delivered else 'saved'}", mentee, message)

        card = new_card(s, request, then=(told(True),), otherwise=(told(False),))
        return request, (card, *refresh_homes(f"request:{cid}:sent", mentee, mentor))

    return run(deps.open_session, work, now=now, claim=claim)


def accept(deps: Deps, cid: int, mentor: str, *, claim: str | None = None) -> Done[svc.AgendaView]:
    """The mentor accepts: the pair's group DM opens with their card (the agenda, and the
    next step's button, updated in place from then on); the request card says so."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.AgendaView, tuple[Effect, ...]]:
        max_sessions = deps.settings.max_sessions
        agenda = svc.accept_request(s, cid, mentor, now=now, max_sessions=max_sessions)
        state = svc.card_state(s, cid, max_sessions=max_sessions)
        assert state is not None  # just accepted
        request = svc.request_snapshot(s, cid)
        pair = (agenda.mentee_slack_id, agenda.mentor_slack_id)
        outcome = f"Accepted: the agenda is in your group DM with <@{request.mentee_slack_id}>."
        return agenda, (
            welcome_pair(welcome_key(cid), pair, build_conversation_card(state)),
            *answer_card(s, request, outcome, event="accepted"),
            *refresh_homes(f"request:{cid}:accepted", *pair),
        )

    return run(deps.open_session, work, now=now, claim=claim)


def ask_for_info(
    deps: Deps, cid: int, mentor: str, question: str, *, claim: str | None = None
) -> Done[svc.RequestSnapshot]:
    """The mentor asks the mentee for more: the mentee gets the question with a button."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.RequestSnapshot, tuple[Effect, ...]]:
        request = svc.ask_for_info(s, cid, mentor, question, now=now)
        event = f"request:{cid}:info-asked:{now.timestamp():.6f}"
        asked = build_info_requested(cid, request.mentor_slack_id, question)
        outcome = "You asked for more info; the answer will come here."
        return request, (
            dm(f"{event}:to-mentee", request.mentee_slack_id, asked),
            *answer_card(s, request, outcome, event=f"info-asked:{now.timestamp():.6f}"),
            *refresh_homes(event, request.mentee_slack_id, request.mentor_slack_id),
        )

    return run(deps.open_session, work, now=now, claim=claim)


def answer_info(
    deps: Deps, cid: int, mentee: str, answer: str, *, claim: str | None = None
) -> Done[svc.RequestSnapshot]:
    """The mentee answers: the request goes back to the mentor as a new card."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.RequestSnapshot, tuple[Effect, ...]]:
        request = svc.answer_info(s, cid, mentee, answer, now=now)
        stamp = f"{now.timestamp():.6f}"
        outcome = "The mentee answered: see the updated request below."
        old_card = answer_card(s, request, outcome, event=f"info-answered:{stamp}")
        mentor = request.mentor_slack_id

        def thanks(text: str, how: str) -> Effect:
            message = build_notice(text.format(mentor=mentor))
            return dm(f"request:{cid}:info-answered:{stamp}:{how}", mentee, message)

        card = new_card(
            s,
            request,
            then=(thanks(ANSWER_SENT, "ok"),),
            otherwise=(thanks(ANSWER_SAVED, "saved"),),
        )
        homes = refresh_homes(f"request:{cid}:info-answered:{stamp}", mentee, mentor)
        return request, (*old_card, card, *homes)

    return run(deps.open_session, work, now=now, claim=claim)


def pass_on(
    deps: Deps, cid: int, mentor: str, to: str, *, claim: str | None = None
) -> Done[svc.Passed]:
    """The mentor passes the request to someone better placed; the mentee is told."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.Passed, tuple[Effect, ...]]:
        before = svc.check_mentor_can_answer(s, cid, mentor)  # whose card is answered
        passed = svc.pass_request(
            s, cid, mentor, to, now=now, max_level_gap=deps.settings.max_level_gap
        )
        request = passed.request
        event = f"request:{cid}:passed-to:{request.mentor_slack_id}:{now.timestamp():.6f}"
        outcome = f"Passed on to <@{request.mentor_slack_id}>."
        told = build_request_passed(
            passed.old_mentor_slack_id, request.mentor_slack_id, request.topic
        )
        return passed, (
            *answer_card(s, before, outcome, event=f"passed:{now.timestamp():.6f}"),
            new_card(s, request),
            dm(f"{event}:to-mentee", request.mentee_slack_id, told),
            *refresh_homes(
                event, request.mentee_slack_id, passed.old_mentor_slack_id, request.mentor_slack_id
            ),
        )

    return run(deps.open_session, work, now=now, claim=claim)


def decline(
    deps: Deps, cid: int, mentor: str, reason: str, *, claim: str | None = None
) -> Done[svc.Answered]:
    """The mentor declines: the mentee is told kindly, with other mentors a click away."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.Answered, tuple[Effect, ...]]:
        answered = svc.decline_request(
            s, cid, mentor, reason, now=now, max_level_gap=deps.settings.max_level_gap
        )
        request = answered.request
        told = build_request_declined(
            request.mentor_slack_id,
            request.topic,
            reason or None,
            answered.suggestions,
            general=answered.general,
        )
        return answered, (
            *answer_card(s, request, "Declined. Thank you for answering.", event="declined"),
            dm(f"request:{cid}:declined:to-mentee", request.mentee_slack_id, told),
            *refresh_homes(
                f"request:{cid}:declined", request.mentee_slack_id, request.mentor_slack_id
            ),
        )

    return run(deps.open_session, work, now=now, claim=claim)


def withdraw(
    deps: Deps, cid: int, mentee: str, *, ask_next: bool = False, claim: str | None = None
) -> Done[svc.Answered]:
    """The mentee withdraws a waiting request: the mentor's card says so, both Homes
    change, and the mentee hears it is done (with ``ask_next``, who to ask instead)."""
    now = deps.clock()

    def work(s: Session) -> tuple[svc.Answered, tuple[Effect, ...]]:
        answered = svc.withdraw_request(
            s, cid, mentee, now=now, max_level_gap=deps.settings.max_level_gap
        )
        request = answered.request
        told = build_request_withdrawn(
            request.mentor_slack_id,
            request.topic,
            answered.suggestions,
            general=answered.general,
            ask_next=ask_next,
        )
        outcome = f"Withdrawn by <@{request.mentee_slack_id}>: nothing more to do."
        return answered, (
            *answer_card(s, request, outcome, event="withdrawn"),
            dm(f"request:{cid}:withdrawn:to-mentee", request.mentee_slack_id, told),
            *refresh_homes(
                f"request:{cid}:withdrawn", request.mentee_slack_id, request.mentor_slack_id
            ),
        )

    return run(deps.open_session, work, now=now, claim=claim)
