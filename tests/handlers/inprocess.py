"""What the generated-input and authorization tests forge against, and what they check.

The sender itself (signed requests through the front door, listeners run inline) is
``tests.inprocess``; here are the world of real rows to name, and the properties.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from bot import conversations as svc
from bot.connections import log_met
from bot.context import Deps
from bot.conversations import ActionDraft, RequestForm
from bot.ids import ActionId, CallbackId
from bot.offers import ensure_catalogue
from storage.models import ActionItem
from tests.dbstate import database_state
from tests.fakeslack import Call
from tests.handlers.journey import COLLEAGUE, MENTEE, MENTOR, OTHER_MENTOR, QUESTIONS, STRANGER
from tests.handlers.journey import directory as journey_directory

NOT_IN_DIRECTORY = "U0NOBODY9"
# Someone in the directory but party to none of the world's conversations.
OUTSIDER = STRANGER
OUTSIDERS = (OUTSIDER, NOT_IN_DIRECTORY)

# An input element without dispatch_action: Slack sends no block_actions for it.
NOT_CLICKABLE = {ActionId.HOME_FIND_TOPIC_INPUT, ActionId.HOME_LEARNING_INPUT}
# A modal without a submit button: Slack cannot send a submission for it.
NOT_SUBMITTABLE = {CallbackId.CONVERSATION_NOTICE}


# --- what must hold after refused input ------------------------------------------------------


# The answer to the person who acted, when a view has no thread to answer in, is a DM
# through the outbox (``bot.flows.notices``): a message, not a change of state.
ANSWER_ROW = re.compile(r"^\(\d+, '(home:[^:']+:)?notice:")


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table but delivery bookkeeping and the outbox rows answering the
    person who acted: refused input leaves it as it was."""
    rows = database_state(engine)[0]
    if "outbox" in rows:
        rows["outbox"] = [row for row in rows["outbox"] if not ANSWER_ROW.match(row)]
    return rows


def integrity_ok(engine: Engine) -> bool:
    return database_state(engine)[1] == "ok"


SORRY = re.compile(r"something went wrong", re.IGNORECASE)


def sorry_calls(calls: list[Call]) -> list[Call]:
    return [c for c in calls if SORRY.search(str(c.params))]


# --- a world with something to forge against ------------------------------------------------


@dataclass(frozen=True)
class World:
    active: int  # MENTEE ↔ MENTOR, one session held with its follow-ups
    requested: int  # MENTEE → OTHER_MENTOR, waiting for an answer
    closed: int  # MENTEE ↔ COLLEAGUE, wrapped up, not yet rated
    action_item: int
    met: int  # COLLEAGUE logged meeting OTHER_MENTOR, waiting for OTHER_MENTOR
    session_number: int  # the next session of ``active``


def build_world(session: Session, deps: Deps) -> World:
    """Real rows made by the services, so forged IDs can name things that exist."""
    journey_directory(session)
    now = deps.clock()
    gap, most = deps.settings.max_level_gap, deps.settings.max_sessions
    ensure_catalogue(session, now=now)
    form = RequestForm("public speaking", QUESTIONS)

    def request(mentor: str) -> int:
        created = svc.create_request(session, MENTEE, mentor, form, now=now, max_level_gap=gap)
        return created.conversation_id

    active = request(MENTOR)
    svc.accept_request(session, active, MENTOR, now=now, max_sessions=most)
    svc.post_followups(
        session,
        active,
        MENTEE,
        1,
        {},
        [ActionDraft("Rehearse the opening", due_date=(now + timedelta(days=7)).date())],
        now=now,
        max_sessions=most,
    )
    item = session.exec(select(ActionItem)).one()
    requested = request(OTHER_MENTOR)
    closed = request(COLLEAGUE)
    svc.accept_request(session, closed, COLLEAGUE, now=now, max_sessions=most)
    svc.wrap_up(session, closed, MENTEE, "", now=now)
    met = log_met(session, COLLEAGUE, OTHER_MENTOR, "coffee", now=now).met_id
    session.commit()
    assert item.id is not None
    return World(active, requested, closed, item.id, met, 2)
