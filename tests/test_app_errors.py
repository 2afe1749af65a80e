"""The unexpected is logged with its traceback and the person is told kindly, never left waiting."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import text
from sqlmodel import Session

from bot.ids import ActionId
from tests.conftest import Harness
from tests.factories import make_person


def _break_the_database(session: Session, table: str) -> None:
    # A real failure below the handlers: the table the next step needs is gone.
    session.execute(text(f"DROP TABLE {table}"))
    session.commit()


def test_a_command_that_fails_unexpectedly_answers_sorry_and_logs_the_traceback(
    harness: Harness, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    make_person(session, "U0ALICE01")
    session.commit()
    _break_the_database(session, "connection")

    assert harness.slack.command("progress", user="U0ALICE01").status == 200

    answer = harness.fake.last("response_url").params
    assert "Sorry, something went wrong on our side" in answer["text"]
    assert answer["response_type"] == "ephemeral"
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR and r.exc_info]
    assert failures, "the failure must be logged with its traceback"


def test_a_home_tab_click_that_fails_unexpectedly_is_answered_by_dm(
    harness: Harness, session: Session
) -> None:
    make_person(session, "U0ALICE01")
    session.commit()
    _break_the_database(session, "offertopic")  # it refers to mentoroffer
    _break_the_database(session, "mentoroffer")
    home = {"id": "V0HOME001", "type": "home", "blocks": []}

    harness.slack.action(ActionId.OFFER_TOGGLE_PAUSE, "pause", user="U0ALICE01", view=home)

    dm = harness.fake.last(
        "chat.postMessage", where=lambda c: "Sorry, something went wrong" in c.params["text"]
    )
    assert dm.params["channel"] == "U0ALICE01"
