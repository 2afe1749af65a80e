"""The harness: fake Slack on 127.0.0.1, the real app behind a real WSGI server, real SQLite."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from bot.app import create_app
from bot.config import Settings
from bot.context import Deps
from bot.pacing import unlimited
from bot.server import build_wsgi
from bot.slack import build_client
from storage.db import make_engine, session_factory
from tests.fakeslack import FakeSlack
from tests.slackhttp import SlackSender

# Generated-input tests: the same examples every run (a failure is reproducible, never a
# one-in-three flake), no deadline (the machine is noisy), fixtures shared across examples.
settings.register_profile(
    "mentorbot",
    max_examples=500,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "mentorbot"))

SIGNING_SECRET = "test-signing-secret"
# A Monday morning in UTC: working hours in London.
START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


class FakeClock:
    """The injected clock: tests move time by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class TrackingExecutor(ThreadPoolExecutor):
    """Bolt's listener pool, counting work in flight so a test can wait until it is done."""

    def __init__(self) -> None:
        super().__init__(max_workers=5, thread_name_prefix="listener")
        self._idle = threading.Condition()
        self._in_flight = 0

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        with self._idle:
            self._in_flight += 1
        future = super().submit(fn, *args, **kwargs)
        future.add_done_callback(self._done)
        return future

    def _done(self, _future: Future[Any]) -> None:
        with self._idle:
            self._in_flight -= 1
            self._idle.notify_all()

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every listener started so far (and any it started) has finished."""
        with self._idle:
            if not self._idle.wait_for(lambda: self._in_flight == 0, timeout):
                raise AssertionError(f"{self._in_flight} listener(s) still running")


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack().start()
    yield fake
    fake.stop()
    assert not fake.invalid, f"the app sent Block Kit that Slack would refuse: {fake.invalid}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_settings(fake: FakeSlack, database_url: str, **overrides: Any) -> Settings:
    values = {
        "SLACK_BOT_TOKEN": "xoxb-test-token",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "MENTORBOT_COORDINATORS": "U0COORD01",
        "MENTORBOT_DIGEST_CHANNEL": "C0DIGEST1",
        **overrides,
    }
    return Settings.model_validate(values)


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings for its tests."""
    return {}


@pytest.fixture
def engine(tmp_path: Any) -> Iterator[Engine]:
    """SQLite in a temporary file; or, to run the suite on PostgreSQL, the database at
    MENTORBOT_TEST_DATABASE_URL (emptied before each test)."""
    url = os.environ.get("MENTORBOT_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(url)
    if not url.startswith("sqlite"):
        with engine.begin() as connection:  # a previous test's app threads may linger
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            )
        SQLModel.metadata.drop_all(engine)
    SQLModel.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def deps(
    fake_slack: FakeSlack, engine: Engine, clock: FakeClock, settings_overrides: dict[str, Any]
) -> Deps:
    database_url = engine.url.render_as_string(hide_password=False)
    settings = make_settings(fake_slack, database_url, **settings_overrides)
    return Deps(settings=settings, engine=engine, open_session=session_factory(engine), clock=clock)


@pytest.fixture
def session(deps: Deps) -> Iterator[Session]:
    """A session for arranging and inspecting data directly; commit to make it visible."""
    with deps.open_session() as session:
        yield session


@dataclass
class Harness:
    slack: SlackSender
    fake: FakeSlack
    deps: Deps
    clock: FakeClock
    url: str
    listeners: TrackingExecutor

    def drain(self) -> None:
        """Wait until the work the app started after its acks is done."""
        self.listeners.drain()

    def settle(self) -> None:
        """Wait until the app's work and deliveries are done and Slack has been quiet a
        moment: what a test does next (a failure it arms at the fake) meets nothing old."""
        self.listeners.drain()
        self.fake.settle(quiet=0.1)


@pytest.fixture
def harness(fake_slack: FakeSlack, deps: Deps, clock: FakeClock) -> Iterator[Harness]:
    """The real app from the factory, served over HTTP, talking to the fake Slack."""
    client = build_client(deps.settings)
    listeners = TrackingExecutor()
    app = create_app(
        deps, client, listener_executor=listeners, delivery_executor=listeners, pacer=unlimited()
    )
    server = make_server(
        "127.0.0.1",
        0,
        build_wsgi(app, deps.engine, signing_secret=SIGNING_SECRET),
        server_class=_ThreadingWSGIServer,
        handler_class=_QuietHandler,
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield Harness(
            SlackSender(url, SIGNING_SECRET, fake_slack), fake_slack, deps, clock, url, listeners
        )
        listeners.drain()
        fake_slack.settle(quiet=0.1, timeout=2)
    finally:
        server.shutdown()
        server.server_close()
        listeners.shutdown(wait=True)


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
