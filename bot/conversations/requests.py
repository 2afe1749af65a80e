"""Requests: asked, answered (accepted, more info, passed on, declined) or expired."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot import matching
from bot.conversations.common import (
    AgendaView,
    FieldErrors,
    NotYours,
    RequestSnapshot,
    StaleAction,
    _agenda_view,
    _by_id,
    _cid,
    _conversation,
    _person,
    _pid,
    _set_status,
    _sid,
    _slack,
    _stale,
    question_problem,
    snapshot,
)
from bot.errors import MentorbotError
from storage import conversations as store
from storage import people
from storage.directory import manager_chain
from storage.models import (
    OPEN_REQUEST_STATUSES,
    Conversation,
    ConversationStatus,
    Person,
)

REQUEST_TTL = timedelta(days=7)
OPEN_OR_ACTIVE = (*OPEN_REQUEST_STATUSES, ConversationStatus.ACTIVE)  # one per pair at a time
MIN_QUESTIONS, MAX_QUESTIONS = 2, 3
FORMATS = ("call", "coffee", "async")


# --- input ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestForm:
    topic: str
    questions: tuple[str, ...]
    context: str = ""
    format: str = "call"

    def problems(self) -> dict[str, str]:
        """Field name ("topic", "questions", "format") → what is wrong."""
        errors: dict[str, str] = {}
        if len(self.topic.strip()) < 3:
            errors["topic"] = "Say in a few words what you'd like help with."
        problem = question_problem(self.questions, least=MIN_QUESTIONS, most=MAX_QUESTIONS)
        if problem:
            errors["questions"] = problem
        if self.format not in FORMATS:
            errors["format"] = "Choose a format."
        return errors


# --- what handlers render ------------------------------------------------------------------


@dataclass(frozen=True)
class Suggested:
    slack_id: str
    why: str
    name: str = ""  # for a select's option, where Slack renders no mention


@dataclass(frozen=True)
class Answered:
    """A request that was declined, expired or withdrawn, with the next best mentors for
    the mentee: for its topic, or (``general``) for any topic when nobody offers it."""

    request: RequestSnapshot
    suggestions: tuple[Suggested, ...]
    general: bool = False


@dataclass(frozen=True)
class Passed:
    request: RequestSnapshot  # now addressed to the new mentor
    old_mentor_slack_id: str


# --- helpers --------------------------------------------------------------------------------


def _open_request_for_mentor(
    session: Session, conversation_id: int, actor_slack_id: str, *, statuses: Sequence[str]
) -> tuple[Conversation, Person]:
    """The open request ``actor`` may answer as its mentor, or why not."""
    conversation = _conversation(session, conversation_id)
    actor = _person(session, actor_slack_id)
    if conversation.mentor_id != actor.id:
        if conversation.passed_from_id == actor.id:
            raise StaleAction(
                "You passed this request on to "
                f"<@{_slack(session, conversation.mentor_id)}>, so nothing was changed."
            )
        raise NotYours("This request was sent to someone else, so only they can answer it.")
    if conversation.status not in statuses:
        raise _stale(conversation)
    return conversation, actor


# --- eligibility and suggestions (the matching module owns the rules) --------------------


def next_best_mentors(
    session: Session,
    mentee: Person,
    topic: str,
    *,
    now: datetime,
    max_level_gap: int,
    exclude_ids: Sequence[int] = (),
    limit: int = 3,
) -> tuple[Suggested, ...]:
    """Other mentors the mentee could ask about ``topic``, best first."""
    found = matching.suggest_mentors(
        session,
        mentee,
        topic or None,
        now=now,
        max_level_gap=max_level_gap,
        limit=limit,
        exclude_ids=set(exclude_ids),
    )
    return tuple(
        Suggested(s.mentor.slack_id, "; ".join(s.reasons) or "available to mentor", s.mentor.name)
        for s in found
    )


def next_best_or_any(
    session: Session,
    mentee: Person,
    topic: str,
    *,
    now: datetime,
    max_level_gap: int,
    exclude_ids: Sequence[int] = (),
    limit: int = 3,
) -> tuple[tuple[Suggested, ...], bool]:
    """The next best mentors for ``topic``; when nobody fits it, the best for any topic
    (then the flag is True), so the mentee always has somewhere to go. Never someone the
    mentee is already waiting on or talking with (besides ``exclude_ids``)."""
    if mentee.id is not None:
        exclude_ids = [*exclude_ids, *_asked_ids(session, mentee.id)]
    found = next_best_mentors(
        session,
        mentee,
        topic,
        now=now,
        max_level_gap=max_level_gap,
        exclude_ids=exclude_ids,
        limit=limit,
    )
    if found or not topic:
        return found, False
    general = next_best_mentors(
        session,
        mentee,
        "",
        now=now,
        max_level_gap=max_level_gap,
        exclude_ids=exclude_ids,
        limit=limit,
    )
    return general, bool(general)


def _asked_ids(session: Session, mentee_id: int) -> list[int]:
    """Mentors the mentee has an open request to or an active conversation with."""
    return [
        c.mentor_id
        for c in store.as_mentee(mentee_id, session=session)
        if c.status in OPEN_OR_ACTIVE
    ]


# --- requests -----------------------------------------------------------------------------


def check_can_request(
    session: Session,
    mentee_slack_id: str,
    mentor_slack_id: str,
    *,
    now: datetime,
    max_level_gap: int,
) -> None:
    """Raise when ``mentee`` can't request ``mentor`` now (open request, active, ineligible).

    Eligibility is matching's ``check_mentor``, the same decision `/mentor ask` makes.
    """
    mentee = _person(session, mentee_slack_id)
    mentor = people.get_by_slack_id(mentor_slack_id, session=session)
    if mentor is None:
        raise MentorbotError(
            "The person you asked is not in the mentoring directory, so they can't be asked."
        )
    existing = store.between(_pid(mentee), _pid(mentor), OPEN_OR_ACTIVE, session=session)
    if existing:
        if existing[0].status == ConversationStatus.ACTIVE:
            raise MentorbotError(
                f"You already have an active conversation with <@{mentor_slack_id}>."
            )
        raise MentorbotError(
            f"You already asked <@{mentor_slack_id}>; the request is waiting for an answer."
        )
    eligibility = matching.check_mentor(
        session, mentee, mentor, now=now, max_level_gap=max_level_gap
    )
    if not eligibility.allowed:
        raise MentorbotError(" ".join(b[0].upper() + b[1:] + "." for b in eligibility.blockers))


def create_request(
    session: Session,
    mentee_slack_id: str,
    mentor_slack_id: str,
    form: RequestForm,
    *,
    now: datetime,
    max_level_gap: int,
) -> RequestSnapshot:
    """Validate the form, re-check the mentor, and store the request (status: requested)."""
    errors = form.problems()
    if errors:
        raise FieldErrors(errors)
    check_can_request(
        session, mentee_slack_id, mentor_slack_id, now=now, max_level_gap=max_level_gap
    )
    mentee = _person(session, mentee_slack_id)
    mentor = _person(session, mentor_slack_id)
    try:
        conversation = store.add(
            Conversation(
                mentee_id=_pid(mentee),
                mentor_id=_pid(mentor),
                status=ConversationStatus.REQUESTED,
                topic=form.topic.strip()[:200],
                questions=list(form.questions),
                context=form.context.strip(),
                format=form.format,
                created_at=now,
                status_changed_at=now,
            ),
            session=session,
        )
    except IntegrityError:
        # The same request sent twice at once (a double click): the database kept one.
        session.rollback()
        raise MentorbotError(
            f"You already asked <@{mentor_slack_id}>; the request is waiting for an answer."
        ) from None
    return snapshot(session, conversation)


def request_snapshot(session: Session, conversation_id: int) -> RequestSnapshot:
    return snapshot(session, _conversation(session, conversation_id))


def is_active(session: Session, conversation_id: int) -> bool:
    conversation = store.get(conversation_id, session=session)
    return conversation is not None and conversation.status == ConversationStatus.ACTIVE


def check_mentor_can_answer(
    session: Session, conversation_id: int, actor_slack_id: str, *, info: bool = False
) -> RequestSnapshot:
    """Before opening a modal for the mentor: raise when the click is stale or foreign."""
    conversation, _ = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=OPEN_REQUEST_STATUSES
    )
    if info and conversation.status == ConversationStatus.INFO_REQUESTED:
        raise StaleAction("You already asked for more information; the mentee is answering.")
    return snapshot(session, conversation)


def accept_request(
    session: Session, conversation_id: int, actor_slack_id: str, *, now: datetime, max_sessions: int
) -> AgendaView:
    """The mentor accepts: the conversation becomes active with session 1 on its agenda."""
    conversation, _ = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=OPEN_REQUEST_STATUSES
    )
    _set_status(session, conversation, ConversationStatus.ACTIVE, now)
    conversation.responded_at = conversation.accepted_at = now
    first = store.add_session(_cid(conversation), 1, session=session, now=now)
    store.replace_agenda(_sid(first), list(conversation.questions), session=session)
    first.agenda_posted_at = now
    return _agenda_view(session, conversation, first, max_sessions)


def ask_for_info(
    session: Session, conversation_id: int, actor_slack_id: str, question: str, *, now: datetime
) -> RequestSnapshot:
    question = question.strip()
    if len(question) < 5:
        raise FieldErrors({"info_question": "Write the question you'd like answered."})
    conversation, _ = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=(ConversationStatus.REQUESTED,)
    )
    _set_status(session, conversation, ConversationStatus.INFO_REQUESTED, now)
    conversation.info_question = question[:1000]
    conversation.info_answer = None
    return snapshot(session, conversation)


def check_mentee_can_answer_info(
    session: Session, conversation_id: int, actor_slack_id: str
) -> RequestSnapshot:
    conversation = _conversation(session, conversation_id)
    actor = _person(session, actor_slack_id)
    if conversation.mentee_id != actor.id:
        raise NotYours("Only the person who sent this request can answer the mentor's question.")
    if conversation.status != ConversationStatus.INFO_REQUESTED:
        if conversation.status == ConversationStatus.REQUESTED and conversation.info_answer:
            raise StaleAction("You already answered; the mentor has your answer.")
        raise _stale(conversation, "Your request")
    return snapshot(session, conversation)


def answer_info(
    session: Session, conversation_id: int, actor_slack_id: str, answer: str, *, now: datetime
) -> RequestSnapshot:
    """The mentee's answer is added to the request, which goes back to the mentor."""
    answer = answer.strip()
    if not answer:
        raise FieldErrors({"info_answer": "Write your answer."})
    check_mentee_can_answer_info(session, conversation_id, actor_slack_id)
    conversation = _conversation(session, conversation_id)
    _set_status(session, conversation, ConversationStatus.REQUESTED, now)
    conversation.info_answer = answer[:2000]
    return snapshot(session, conversation)


PASS_CHOICES = 10  # eligible colleagues the pass modal offers, best first

# Why a colleague can't take a passed request, in plain words: a field error shows no mention.
PASS_REFUSALS: dict[matching.ConcernCode, str] = {
    matching.ConcernCode.YOURSELF: "That's the person asking; pick a colleague.",
    matching.ConcernCode.INACTIVE: (
        "That colleague is no longer in the directory; pick someone else."
    ),
    matching.ConcernCode.NO_OFFER: (
        "That colleague hasn't offered to mentor; pick one of the mentors listed."
    ),
    matching.ConcernCode.PAUSED: "That colleague has paused mentoring; pick someone else.",
    matching.ConcernCode.AT_CAPACITY: (
        "That colleague has no free slot right now; pick someone else."
    ),
    matching.ConcernCode.OWN_AREA: (
        "That colleague works in the mentee's own area, and mentoring here is across areas; "
        "pick someone else."
    ),
    matching.ConcernCode.MANAGEMENT_CHAIN: (
        "That colleague is in their management chain; pick someone else."
    ),
    matching.ConcernCode.REPORTS_TO_YOU: "That colleague reports to them; pick someone else.",
    matching.ConcernCode.LEVEL_GAP: (
        "That colleague is too many levels apart from the mentee; pick someone else."
    ),
    matching.ConcernCode.JUNIOR: (
        "That colleague is junior to the mentee and hasn't offered reverse mentoring; "
        "pick someone else."
    ),
}


@dataclass(frozen=True)
class PassChoices:
    """The request a mentor may pass on, and the colleagues who could take it, best first."""

    request: RequestSnapshot
    mentors: tuple[Suggested, ...]


def pass_choices(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    *,
    now: datetime,
    max_level_gap: int,
    limit: int = PASS_CHOICES,
) -> PassChoices:
    """Who the mentor may pass the request to: the mentors ``find`` would suggest to the
    mentee (the same eligibility and ranking), its topic first, then for any topic; never
    the mentor, whoever passed it before, or someone the mentee already asked."""
    conversation, actor = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=OPEN_REQUEST_STATUSES
    )
    mentee = _by_id(session, conversation.mentee_id)
    assert mentee is not None
    exclude = {_pid(actor), *_asked_ids(session, _pid(mentee))}
    if conversation.passed_from_id is not None:
        exclude.add(conversation.passed_from_id)
    found: list[matching.Suggestion] = []
    for topic in (conversation.topic or None, None):
        if len(found) >= limit:
            break
        more = matching.suggest_mentors(
            session,
            mentee,
            topic,
            now=now,
            max_level_gap=max_level_gap,
            limit=limit - len(found),
            exclude_ids=exclude,
        )
        found += more
        exclude |= {s.mentor.id for s in more if s.mentor.id is not None}
        if topic is None:
            break
    mentors = tuple(
        Suggested(s.mentor.slack_id, "; ".join(s.reasons) or "available to mentor", s.mentor.name)
        for s in found
    )
    return PassChoices(snapshot(session, conversation), mentors)


def pass_request(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    to_slack_id: str,
    *,
    now: datetime,
    max_level_gap: int = 2,
) -> Passed:
    """Hand the request, questions included, to a colleague who could take it.

    Only someone the mentee could have found and asked themselves: a mentor with a free
    slot, not paused, outside the mentee's area and reporting line, within the level gap
    (or open to reverse mentoring). Anyone else (a forged submission) is a field error.
    """
    conversation, actor = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=OPEN_REQUEST_STATUSES
    )
    target = people.get_by_slack_id(to_slack_id, session=session)
    if target is None or not target.is_active:
        raise FieldErrors(
            {"pass_to": "That colleague isn't in the mentoring directory yet; pick someone else."}
        )
    if target.id == actor.id:
        raise FieldErrors({"pass_to": "Pick a colleague other than yourself."})
    if target.id == conversation.mentee_id:
        raise FieldErrors({"pass_to": "That's the person asking; pick a colleague."})
    # The questions are private to the mentee, who looked for help outside their own
    # reporting line: never forward them to their managers or their reports.
    mentee_slack_id = _slack(session, conversation.mentee_id)
    if target.slack_id in manager_chain(mentee_slack_id, session=session):
        raise FieldErrors(
            {"pass_to": "That colleague is in their management chain; pick someone else."}
        )
    if mentee_slack_id in manager_chain(target.slack_id, session=session):
        raise FieldErrors({"pass_to": "That colleague reports to them; pick someone else."})
    if store.between(conversation.mentee_id, _pid(target), OPEN_OR_ACTIVE, session=session):
        raise FieldErrors({"pass_to": "That colleague already has a request from them."})
    if target.id == conversation.passed_from_id:
        raise FieldErrors({"pass_to": "That colleague passed this request on; pick someone else."})
    mentee = _by_id(session, conversation.mentee_id)
    assert mentee is not None
    eligibility = matching.check_mentor(
        session, mentee, target, now=now, max_level_gap=max_level_gap
    )
    if eligibility.concerns:  # warnings too: a passed request must fit as a found one does
        raise FieldErrors({"pass_to": PASS_REFUSALS[eligibility.concerns[0].code]})
    _set_status(session, conversation, ConversationStatus.REQUESTED, now)
    conversation.passed_from_id = actor.id
    conversation.mentor_id = _pid(target)
    conversation.passed_at = now
    conversation.mentor_dm_channel = conversation.mentor_dm_ts = None
    return Passed(snapshot(session, conversation), actor.slack_id)


def decline_request(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    reason: str | None,
    *,
    now: datetime,
    max_level_gap: int,
) -> Answered:
    conversation, _ = _open_request_for_mentor(
        session, conversation_id, actor_slack_id, statuses=OPEN_REQUEST_STATUSES
    )
    _set_status(session, conversation, ConversationStatus.DECLINED, now)
    conversation.responded_at = now
    conversation.decline_reason = (reason or "").strip()[:500] or None
    return _answered(session, conversation, now=now, max_level_gap=max_level_gap)


def _answered(
    session: Session, conversation: Conversation, *, now: datetime, max_level_gap: int
) -> Answered:
    """A request its mentor didn't take, with other mentors the mentee could ask instead
    (for any topic when nobody else offers this one)."""
    mentee = _by_id(session, conversation.mentee_id)
    assert mentee is not None
    suggestions, general = next_best_or_any(
        session,
        mentee,
        conversation.topic,
        now=now,
        max_level_gap=max_level_gap,
        exclude_ids=[conversation.mentor_id],
    )
    return Answered(snapshot(session, conversation), suggestions, general)


def withdraw_request(
    session: Session,
    conversation_id: int,
    actor_slack_id: str,
    *,
    now: datetime,
    max_level_gap: int,
) -> Answered:
    """The mentee takes back a request still waiting for an answer; the next best mentors
    come with it. Someone else's request, or one already answered, changes nothing."""
    conversation = _conversation(session, conversation_id)
    actor = _person(session, actor_slack_id)
    if conversation.mentee_id != actor.id:
        raise NotYours("Only the person who sent this request can withdraw it.")
    if conversation.status not in OPEN_REQUEST_STATUSES:
        raise _stale(conversation, "Your request")
    _set_status(session, conversation, ConversationStatus.WITHDRAWN, now)
    return _answered(session, conversation, now=now, max_level_gap=max_level_gap)


def expire_stale_requests(
    session: Session, *, now: datetime, max_level_gap: int = 2, limit: int = 200
) -> list[Answered]:
    """Up to ``limit`` requests unanswered for 7 days expire in the caller's transaction,
    in one compare-and-set statement; each comes with other mentors to ask.

    The seven days run from the request (or from its passing on to a colleague). The
    scheduled job (``bot.batch_jobs``) applies the same rule in short batches.
    """
    cutoff = now - REQUEST_TTL
    due = store.due_request_ids(cutoff, after_id=0, limit=limit, session=session)
    expired = []
    for cid in store.expire_requests(due, cutoff, session=session, now=now):
        conversation = _conversation(session, cid)
        session.refresh(conversation)  # the update went around the session
        expired.append(_answered(session, conversation, now=now, max_level_gap=max_level_gap))
    return expired
