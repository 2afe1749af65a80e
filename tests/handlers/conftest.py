"""Fixtures for the handler tests that send signed requests in process."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from bot.context import Deps
from tests.conftest import SIGNING_SECRET
from tests.fakeslack import FakeSlack
from tests.handlers.inprocess import World, build_world
from tests.inprocess import InProcessSender, in_process_app


@pytest.fixture
def inproc(fake_slack: FakeSlack, deps: Deps) -> InProcessSender:
    """The real app, its listeners run inline: signed requests with no HTTP in between."""
    return in_process_app(deps, fake_slack, SIGNING_SECRET)


@pytest.fixture
def world(session: Session, deps: Deps) -> World:
    return build_world(session, deps)
