"""Signed requests straight into the app, in process, for generated-input tests.

The request is signed and verified exactly as over HTTP; only the socket is skipped. Bolt
runs each listener in its thread pool after ``ack()``; here that pool runs the listener
inline, so when ``dispatch`` returns every listener has finished (and with it every call
it made to the fake Slack), and properties can be checked at once, without sleeping.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, select

from bot import conversations as svc
from bot.app import create_app
from bot.connections import log_met
from bot.context import Deps
from bot.conversations import ActionDraft, RequestForm
from bot.ids import ActionId, CallbackId
from bot.offers import ensure_catalogue
from bot.slack import build_client
from storage.models import ActionItem
from tests.fakeslack import Call, FakeSlack
from tests.handlers.journey import COLLEAGUE, MENTEE, MENTOR, OTHER_MENTOR, QUESTIONS, STRANGER
from tests.handlers.journey import directory as journey_directory
from tests.slackhttp import Reply, SlackSender

NOT_IN_DIRECTORY = "U0NOBODY9"
# Someone in the directory but party to none of the world's conversations.
OUTSIDER = STRANGER
OUTSIDERS = (OUTSIDER, NOT_IN_DIRECTORY)

# An input element without dispatch_action: Slack sends no block_actions for it.
NOT_CLICKABLE = {ActionId.HOME_FIND_TOPIC_INPUT}
# A modal without a submit button: Slack cannot send a submission for it.
NOT_SUBMITTABLE = {CallbackId.CONVERSATION_NOTICE}


class _Inline(Executor):
    """Runs each submitted function at once, in the caller's thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # Bolt's runner catches listener errors itself
            future.set_exception(exc)
        return future


class InProcessSender(SlackSender):
    """SlackSender's request shapes, signed, dispatched to ``app`` without HTTP."""

    def __init__(self, app: App, engine: Engine, signing_secret: str, fake: FakeSlack) -> None:
        super().__init__("http://in-process", signing_secret, fake)
        self.app = app
        self.engine = engine

    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Reply:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or SignatureVerifier(self.secret).generate_signature(
            timestamp=ts, body=body.decode()
        )
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": sig,
            **{k.lower(): v for k, v in (extra_headers or {}).items()},
        }
        response = self.app.dispatch(BoltRequest(body=body.decode(), headers=headers))
        return Reply(response.status, response.body or "")


def in_process_app(deps: Deps, fake: FakeSlack, signing_secret: str) -> InProcessSender:
    """The real app from the factory, its listeners run inline."""
    app = create_app(deps, build_client(deps.settings))
    app.listener_runner.listener_executor = _Inline()
    return InProcessSender(app, deps.engine, signing_secret, fake)


# --- what must hold after refused input ------------------------------------------------------


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table: refused input must leave this exactly as it was."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(table.select())), key=repr)
            for table in SQLModel.metadata.sorted_tables
        }


def integrity_ok(engine: Engine) -> bool:
    if engine.dialect.name != "sqlite":
        return True
    with engine.connect() as connection:
        return connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"


SORRY = re.compile(r"something went wrong", re.IGNORECASE)


def sorry_calls(calls: list[Call]) -> list[Call]:
    return [c for c in calls if SORRY.search(str(c.params))]


# --- a world with something to forge against ------------------------------------------------


@dataclass(frozen=True)
class World:
    active: int  # MENTEE ↔ MENTOR, one session held with its follow-ups
    requested: int  # MENTEE → OTHER_MENTOR, waiting for an answer
    closed: int  # MENTEE ↔ COLLEAGUE, closed early, not yet rated
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
    svc.close_early(session, closed, MENTEE, "", now=now)
    met = log_met(session, COLLEAGUE, OTHER_MENTOR, "coffee", now=now).met_id
    session.commit()
    assert item.id is not None
    return World(active, requested, closed, item.id, met, 2)
