"""Signed requests dispatched in process through Bolt, for generated-input tests.

The same request shapes and the same real signatures as ``SlackSender`` over HTTP, but
``App.dispatch`` instead of a socket, and listeners run to completion before the answer
returns (an inline executor), so a test checks what happened without waiting or polling.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from slack_bolt import App
from sqlalchemy.engine import Engine

from bot.app import create_app
from bot.context import Deps
from bot.pacing import unlimited
from bot.server import build_wsgi
from bot.slack import build_client
from tests.fakeslack import FakeSlack
from tests.slackhttp import SlackSender


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

    def transport(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """Call the front door's WSGI callable with the environ a server would build."""
        environ: dict[str, Any] = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/slack/events",
            "CONTENT_LENGTH": str(len(body)),
            "wsgi.input": io.BytesIO(body),
            **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()},
        }
        environ["CONTENT_TYPE"] = environ.pop("HTTP_CONTENT_TYPE", "")
        statuses: list[str] = []

        def start_response(status: str, _headers: Any, _exc_info: Any = None) -> Any:
            statuses.append(status)

        answer = b"".join(self.wsgi(environ, start_response))
        return int(statuses[0].split()[0]), answer.decode()


def in_process_app(deps: Deps, fake: FakeSlack, signing_secret: str) -> InProcessSender:
    """The real app from the factory, its listeners run inline, behind its front door."""
    inline = InlineExecutor()
    app = create_app(
        deps,
        build_client(deps.settings),
        listener_executor=inline,
        delivery_executor=inline,
        pacer=unlimited(),
    )
    return InProcessSender(app, deps.engine, signing_secret, fake)
