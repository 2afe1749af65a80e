"""Signed requests dispatched in process through Bolt, for generated-input tests.

The same request shapes and the same real signatures as ``SlackSender`` over HTTP, but
``App.dispatch`` instead of a socket, and listeners run to completion before the answer
returns (an inline executor), so a test checks what happened without waiting or polling.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from slack_bolt import App, BoltRequest
from slack_sdk.signature import SignatureVerifier

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
    """``SlackSender`` whose requests go straight to ``app.dispatch``, fully handled on return."""

    def __init__(self, app: App, signing_secret: str, fake: FakeSlack) -> None:
        super().__init__("http://in-process", signing_secret, fake)
        app.listener_runner.listener_executor = InlineExecutor()
        self.app = app

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
        text = body.decode()
        sig = signature or SignatureVerifier(self.secret).generate_signature(
            timestamp=ts, body=text
        )
        headers = {
            "content-type": content_type,
            "x-slack-request-timestamp": ts,
            "x-slack-signature": sig,
            **{k.lower(): v for k, v in (extra_headers or {}).items()},
        }
        response = self.app.dispatch(BoltRequest(body=text, headers=headers))
        return Reply(response.status, response.body)
