"""Modal submissions have a lane of their own: their ack never queues behind other work."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from wsgiref.simple_server import make_server

import pytest
from sqlmodel import Session

from bot.app import LISTENER_THREADS, create_app
from bot.context import Deps
from bot.ids import ActionId, request_button_value
from bot.server import build_wsgi
from bot.slack import build_client
from tests.conftest import SIGNING_SECRET, _QuietHandler, _ThreadingWSGIServer
from tests.fakeslack import FakeSlack
from tests.handlers.journey import MENTEE, MENTOR, OTHER_MENTOR, directory, request_values
from tests.slackhttp import SlackSender


@pytest.fixture
def production_app(fake_slack: FakeSlack, deps: Deps) -> Iterator[SlackSender]:
    """The app with the executors it has in production (not the tests' tracking one)."""
    app = create_app(deps, build_client(deps.settings))
    server = make_server(
        "127.0.0.1",
        0,
        build_wsgi(app, deps.engine, signing_secret=SIGNING_SECRET),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield SlackSender(f"http://127.0.0.1:{server.server_port}", SIGNING_SECRET, fake_slack)
    finally:
        fake_slack.release()
        server.shutdown()
        server.server_close()


def test_a_submission_is_acknowledged_at_once_while_every_listener_waits_on_slack(
    production_app: SlackSender, fake_slack: FakeSlack, session: Session
) -> None:
    directory(session)
    button = request_button_value(OTHER_MENTOR, "public speaking")
    fake_slack.hold("views.open", times=LISTENER_THREADS + 2)  # a Slack that hangs
    for _ in range(LISTENER_THREADS + 2):  # every listener thread waits on views.open
        production_app.action(ActionId.REQUEST_CONVERSATION, button, user=MENTEE)
    fake_slack.wait_for("views.open", LISTENER_THREADS, timeout=10)

    view = {"callback_id": "request_modal", "private_metadata": f'{{"mentor":"{MENTOR}"}}'}
    started = time.monotonic()
    reply = production_app.submit(view, request_values("How to open?\nHow long?"), user=MENTEE)
    took = time.monotonic() - started

    assert reply.status == 200
    assert took < 2.0, f"the submission's ack waited {took:.1f} s behind other work"
