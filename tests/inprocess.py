"""Signed requests dispatched in process through Bolt, for generated-input tests.

The same request shapes and the same real signatures as ``SlackSender`` over HTTP, but
``App.dispatch`` instead of a socket, and listeners run to completion before the answer
returns (an inline executor), so a test checks what happened without waiting or polling.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from slack_bolt import App
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.engine import Engine

from bot.app import create_app
from bot.context import Deps
from bot.server import build_wsgi
from bot.slack import build_client
from tests.fakeslack import FakeSlack
from tests.slackhttp import Reply, SlackSender


class InlineExecutor(Executor):
    """Runs each submitted listener at once, in the dispatching thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # Bolt's runner catches listener errors itself
            future.set_exception(exc)
        return future


class InProcessSender(SlackSender):
    """``SlackSender`` whose requests go straight to the front door's WSGI callable (so
    they are verified and parsed exactly as over HTTP), fully handled on return."""

    def __init__(self, app: App, engine: Engine, signing_secret: str, fake: FakeSlack) -> None:
        super().__init__("http://in-process", signing_secret, fake)
        self.app = app
        self.engine = engine
        self.wsgi = build_wsgi(app, engine, signing_secret=signing_secret)

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
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
            "HTTP_X_SLACK_SIGNATURE": sig,
            **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in (extra_headers or {}).items()},
        }
        statuses: list[str] = []
        chunks = self.wsgi(environ, lambda status, headers, exc_info=None: statuses.append(status))  # type: ignore[arg-type,misc,return-value]
        answer = b"".join(chunks)
        return Reply(int(statuses[0].split()[0]), answer.decode(), body, content_type)


def in_process_app(deps: Deps, fake: FakeSlack, signing_secret: str) -> InProcessSender:
    """The real app from the factory, its listeners run inline, behind its front door."""
    app = create_app(deps, build_client(deps.settings), listener_executor=InlineExecutor())
    return InProcessSender(app, deps.engine, signing_secret, fake)
