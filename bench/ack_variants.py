"""Scratch variants of mentorbot's HTTP app, for `bench.bench_ack --experiments` only.

Not the design: experiments that show where an ack's time goes, built from the real
pieces (settings, engine, the front door in ``bot.server.build_wsgi``, the `/mentor`
routing table) without changing ``bot/`` or ``handlers/``. Each is a gunicorn app
factory reading the same environment as ``mentorbot run --http``:

- ``wide_pool()``: the real ``create_app`` with a listener pool of 64 threads instead of
  Bolt's 5 (acks still wait for a free thread; the pool only moves the queue).
- ``lazy()``: `/mentor` alone, as a Bolt lazy listener with ``process_before_response``:
  ``ack`` runs in the request thread, the subcommand on the listener pool. The replay
  claim (a database write) runs before the ack, as mentorbot's middleware did before
  clicks were claimed in their listener's thread; ``lazy(claim=False)`` leaves it out
  to show its share.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App, BoltResponse, Respond
from slack_sdk import WebClient

from bot import replays
from bot.app import create_app
from bot.clock import utc_now
from bot.config import load_settings, require_http
from bot.context import Deps
from bot.server import build_wsgi
from bot.slack import build_client
from handlers.commands import run_mentor
from storage.db import make_engine, session_factory

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication


def _deps() -> Deps:
    settings = load_settings()
    engine = make_engine(settings.database_url)
    open_session = session_factory(engine)
    return Deps(settings=settings, engine=engine, open_session=open_session, clock=utc_now)


def wide_pool() -> WSGIApplication:
    """The real app with a 64-thread listener pool."""
    deps = _deps()
    app = create_app(deps, build_client(deps.settings), listener_executor=ThreadPoolExecutor(64))
    return build_wsgi(app, deps.engine, signing_secret=require_http(deps.settings))


def lazy(claim: bool = True) -> WSGIApplication:
    """`/mentor` as a lazy listener: the ack needs no free pool thread."""
    deps = _deps()
    app = App(
        client=build_client(deps.settings),
        request_verification_enabled=False,
        raise_error_for_unhandled_request=False,
        process_before_response=True,
    )
    if claim:

        def claim_first(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse:
            """The replay claim, a database write, in the request thread before the ack."""
            key = replays.listener_key(body)
            if key and not replays.claim_delivery(deps.open_session, key, now=deps.clock()):
                return BoltResponse(status=200, body="")
            return next()

        app.use(claim_first)

    def acknowledge(ack: Ack) -> None:
        ack()

    def work(command: dict[str, str], respond: Respond, client: WebClient) -> None:
        run_mentor(deps, command, respond, client)

    app.command("/mentor")(ack=acknowledge, lazy=[work])
    return build_wsgi(app, deps.engine, signing_secret=require_http(deps.settings))
