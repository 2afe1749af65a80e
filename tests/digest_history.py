"""A programme's history with known answers, for the digest's tests: built through the
services (requests, accepts, sessions, follow-ups, expiry, passing on, `met`, ratings,
transitions, searches), each at a chosen moment, with a secret planted in everything a
pair or a mentor writes.

The digest's zone is America/New_York: week 2026-W47 runs from Monday 16 November 05:00
UTC to Monday 23 November 05:00 UTC. A request made on 16 November at 04:00 UTC (Sunday
evening in New York) belongs to W46; one made on 23 November at 04:30 UTC to W47.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlmodel import Session

from bot import conversations as svc
from bot.celebrations import consent
from bot.config import Settings
from bot.connections import answer_met, log_met, start_transition
from bot.conversations import ActionDraft, RequestForm
from bot.offers import ensure_catalogue
from bot.topics import normalise
from storage import digest as digest_store
from storage.models import TransitionKind
from storage.offers import record_demand
from storage.people import get_by_slack_id
from tests.factories import make_person
from tests.mentors import offer

SECRET = "PLANTED-SECRET-7f3a"
ZONE = "America/New_York"
WEEK = "2026-W47"
START = datetime(2026, 11, 16, 5, 0, tzinfo=UTC)
END = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)
# Settings for these tests: a goal of 3 connections so a newcomer can reach it.
SETTINGS = {"MENTORBOT_DIGEST_TZ": ZONE, "MENTORBOT_CONNECTION_GOAL": "3"}

M1, M2, M3, M4, M5, M6 = (f"U0MENTEE{i}" for i in range(1, 7))
T1, T2, T3, T4, T5, T6 = (f"U0MENTOR{i}" for i in range(1, 7))


def at(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class History:
    requests: dict[str, int]  # "R1" … "R9" → conversation ID
    sessions: dict[str, int]  # "R2.s1" … → session ID


def _ids(session: Session, cid: int) -> dict[int, int]:
    return {s.number: s.id or 0 for s in svc.store.sessions_of(cid, session=session)}


def build_history(session: Session, settings: Settings) -> History:
    """The programme of the module docstring; expected figures are in ``EXPECTED``."""
    ensure_catalogue(session, now=at(1, 0, month=10))
    engineering = {
        M1: date(2026, 10, 1),
        M2: date(2026, 9, 1),
        M3: None,
        M4: date(2026, 1, 1),
        M5: date(2026, 6, 1),
        M6: date(2026, 11, 20),
    }
    for slack_id, start in engineering.items():
        make_person(session, slack_id, area="Engineering", level=3, start_date=start)
    mentors = {
        T1: ("Design", ("Public speaking",), 2),
        T2: ("Sales", ("Public speaking",), 2),
        T3: ("Finance", ("Public speaking",), 2),
        T4: ("Design", ("Negotiation",), 1),
        T5: ("Sales", ("Negotiation",), 1),
        T6: ("Sales", ("Negotiation",), 1),
    }
    for slack_id, (area, topics, capacity) in mentors.items():
        offer(
            session, make_person(session, slack_id, area=area, level=4), topics, capacity=capacity
        )
    session.commit()
    gap, most = settings.max_level_gap, settings.max_sessions
    questions = (f"How do I open a talk? {SECRET}", f"What if the demo breaks? {SECRET}")
    requests: dict[str, int] = {}

    def ask(
        name: str, mentee: str, mentor: str, when: datetime, topic: str = "public speaking"
    ) -> int:
        form = RequestForm(topic, questions, context=SECRET)
        made = svc.create_request(session, mentee, mentor, form, now=when, max_level_gap=gap)
        requests[name] = made.conversation_id
        session.commit()
        return made.conversation_id

    def commit(_: Any = None) -> None:
        session.commit()

    r7 = ask("R7", M6, T4, at(20, 10, month=10), "negotiation")
    commit(svc.accept_request(session, r7, T4, now=at(21, 10, month=10), max_sessions=most))
    ask("R3", M3, T3, at(10, 10))
    r2 = ask("R2", M2, T2, at(15, 12))
    ask("R8", M4, T3, at(16, 4))  # Sunday evening in New York: week 46
    commit(svc.accept_request(session, r2, T2, now=at(16, 6), max_sessions=most))
    r1 = ask("R1", M1, T1, at(16, 10))
    mentor_one = get_by_slack_id(T1, session=session)
    assert mentor_one is not None
    start_transition(
        session, mentor_one, TransitionKind.FIRST_TIME_SUPERVISOR, settings=settings, now=at(16, 12)
    )
    commit()
    commit(svc.accept_request(session, r1, T1, now=at(16, 14), max_sessions=most))
    r4 = ask("R4", M4, T5, at(17, 9), "negotiation")
    commit(svc.log_session(session, r1, M1, number=None, now=at(17, 10), max_sessions=most))
    commit(svc.log_session(session, r2, M2, number=None, now=at(17, 11), max_sessions=most))
    commit(svc.expire_stale_requests(session, now=at(17, 12), max_level_gap=gap))
    commit(svc.decline_request(session, r4, T5, SECRET, now=at(17, 21), max_level_gap=gap))
    actions = [ActionDraft(f"Rehearse the opening {SECRET}")]
    commit(
        svc.post_followups(
            session,
            r1,
            M1,
            1,
            {1: "answered", 2: "partly"},
            actions,
            now=at(18, 10),
            max_sessions=most,
        )
    )
    ask("R5", M3, T1, at(18, 10, 30))
    r6 = ask("R6", M5, T2, at(18, 11))
    commit(svc.pass_request(session, r6, T2, T3, now=at(18, 12), max_level_gap=gap))
    met = log_met(session, M1, T3, f"coffee {SECRET}", now=at(19, 10)).met_id
    commit(answer_met(session, met, T3, confirm=True, now=at(19, 11)))
    digest_store.add_advice_request(person_id=mentor_one.id or 0, session=session, now=at(19, 12))
    commit()
    commit(svc.log_session(session, r2, M2, number=None, now=at(20, 10), max_sessions=most))
    met = log_met(session, M2, M1, f"lunch {SECRET}", now=at(20, 11)).met_id
    commit(answer_met(session, met, M1, confirm=True, now=at(20, 12)))
    commit(svc.post_followups(session, r2, T2, 2, {}, actions, now=at(21, 10), max_sessions=most))
    commit(svc.wrap_up(session, r1, M1, SECRET, now=at(21, 11)))
    for who, score, minute in ((M1, 5, 0), (T1, 4, 30)):
        commit(
            svc.record_rating(
                session,
                r1,
                who,
                keep_open=True,
                usefulness=score,
                comment=SECRET,
                now=at(21, 13, minute),
            )
        )
    commit(consent(session, M1, "newcomer:2026-10-01", settings, now=at(21, 12)))
    for day, topic, matched in ((17, "public speaking", True), (17, "public speaking", True)):
        record_demand(
            normalise(topic), topic, matched=matched, day=date(2026, 11, day), session=session
        )
    record_demand(
        normalise("underwater basket weaving"),
        "underwater basket weaving",
        matched=False,
        day=date(2026, 11, 18),
        session=session,
    )
    commit()
    ask("R9", M6, T1, at(23, 4, 30))  # Sunday evening in New York: still week 47
    sessions = {
        **{f"R1.s{n}": i for n, i in _ids(session, r1).items()},
        **{f"R2.s{n}": i for n, i in _ids(session, r2).items()},
    }
    return History(requests, sessions)
