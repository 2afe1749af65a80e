"""`/mentor forget-me` and `/mentor export`, through signed requests and the fake Slack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlalchemy import String, cast, or_, select
from sqlmodel import Session, SQLModel

from bot.ids import ActionId, BlockId, CallbackId
from storage.connections import connected_ids
from storage.people import get_by_slack_id
from tests.conftest import Harness
from tests.fakeslack import conversation_id
from tests.handlers.journey import (
    MENTEE,
    MENTOR,
    accept,
    command_modal,
    directory,
    send_request,
)

SECRET = "narwhal-saffron-5150"  # what the mentee writes, everywhere they can


def _text(params: dict[str, Any]) -> str:
    return json.dumps(params.get("blocks", []), ensure_ascii=False) + str(params.get("text", ""))


def _met(harness: Harness, logger: str, other: str, note: str) -> None:
    harness.slack.command(f"met <@{other}> {note}", user=logger)
    dm = harness.fake.last(
        "chat.postMessage", where=lambda c: ActionId.MET_CONFIRM in _text(c.params)
    )
    actions = [b for b in dm.params["blocks"] if b["type"] == "actions"][0]["elements"]
    harness.slack.action(ActionId.MET_CONFIRM, str(actions[0]["value"]), user=other)
    harness.settle()


def _connections(session: Session, slack_id: str) -> int:
    session.expire_all()
    person = get_by_slack_id(slack_id, session=session)
    assert person is not None and person.id is not None
    return len(connected_ids(person.id, session=session))


UNDERSTOOD = {
    BlockId.FORGET_UNDERSTOOD: {
        BlockId.FORGET_UNDERSTOOD: {
            "type": "checkboxes",
            "selected_options": [
                {"value": "understood", "text": {"type": "plain_text", "text": "I"}}
            ],
        }
    }
}


def _rows_naming(session: Session, *needles: str) -> list[str]:
    """table.column of every value in the database containing one of ``needles``."""
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            matches = [cast(column, String).contains(n) for n in needles]
            if session.execute(select(table).where(or_(*matches)).limit(1)).first():
                found.append(f"{table.name}.{column.name}")
    return found


def _database_files(harness: Harness) -> bytes:
    path = Path(harness.deps.engine.url.database or "")
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def _journey(harness: Harness, session: Session) -> int:
    directory(session)
    harness.fake.add_user(MENTEE, "Alice Able", email="alice@example.com")
    cid = send_request(harness, questions=(f"How do I {SECRET}?", "And what next?"))
    accept(harness, cid)
    _met(harness, MENTOR, MENTEE, "coffee")  # the mentor's note stays theirs
    _met(harness, MENTEE, "U0CAROL01", f"we discussed {SECRET}")
    return cid


def test_forget_me_deletes_everything_of_theirs_and_the_mentor_keeps_the_connection(
    harness: Harness, session: Session
) -> None:
    _journey(harness, session)
    mentor_connections = _connections(session, MENTOR)
    stored = get_by_slack_id(MENTEE, session=session)
    assert stored is not None and stored.email
    email = stored.email
    assert _rows_naming(session, SECRET)  # planted: the check below proves something
    sqlite = harness.deps.engine.dialect.name == "sqlite"  # (PostgreSQL: no file to read)
    assert SECRET.encode() in _database_files(harness) or not sqlite

    view = command_modal(harness, "forget-me", user=MENTEE)
    assert view["callback_id"] == CallbackId.FORGET_ME_MODAL
    shown = _text(view)
    assert "What goes" in shown and "What stays" in shown and "cannot be undone" in shown
    reply = harness.slack.submit(view, UNDERSTOOD, user=MENTEE)
    assert reply.status == 200 and reply.json["response_action"] == "update"
    assert "deleted your data" in _text(reply.json["view"])
    harness.settle()

    assert _rows_naming(session, SECRET, MENTEE, email) == []
    assert not sqlite or SECRET.encode() not in _database_files(harness)
    assert _connections(session, MENTOR) == mentor_connections  # anonymous, still counted
    assert get_by_slack_id(MENTEE, session=session) is None


def test_forget_me_twice_or_replayed_is_calm_and_forgets_only_the_submitter(
    harness: Harness, session: Session
) -> None:
    _journey(harness, session)
    view = command_modal(harness, "forget-me", user=MENTEE)
    submitted = {**view, "id": "V0FORGET1"}
    first = harness.slack.submit(submitted, UNDERSTOOD, user=MENTEE)
    again = harness.slack.submit(submitted, UNDERSTOOD, user=MENTEE)  # Slack's retry
    assert first.status == again.status == 200
    assert "deleted your data" in _text(again.json["view"])
    assert get_by_slack_id(MENTOR, session=session) is not None  # only the submitter

    view = command_modal(harness, "forget-me", user=MENTEE)
    reply = harness.slack.submit(view, UNDERSTOOD, user=MENTEE)
    assert "nothing to forget" in _text(reply.json["view"])


def test_forget_me_without_ticking_that_they_understand_is_a_field_error_and_forgets_nothing(
    harness: Harness, session: Session
) -> None:
    _journey(harness, session)
    view = command_modal(harness, "forget-me", user=MENTEE)
    reply = harness.slack.submit(view, {}, user=MENTEE)
    assert reply.json["response_action"] == "errors"
    assert BlockId.FORGET_UNDERSTOOD in reply.json["errors"]
    session.expire_all()
    assert get_by_slack_id(MENTEE, session=session) is not None
    assert _rows_naming(session, SECRET)


def test_export_sends_everything_about_them_as_a_file_in_their_dm(
    harness: Harness, session: Session
) -> None:
    _journey(harness, session)
    harness.slack.command("export", user=MENTEE)
    harness.fake.wait_for("files.completeUploadExternal")
    harness.settle()
    completed = harness.fake.last("files.completeUploadExternal").params
    assert completed["channel_id"] == conversation_id([MENTEE])  # their own DM
    (uploaded,) = harness.fake.uploads.values()
    data = json.loads(uploaded.decode())
    assert data["slack_id"] == MENTEE
    tables = data["tables"]
    assert {"person", "conversation", "connection", "metlog"} <= set(tables)
    assert SECRET in uploaded.decode()  # their own words are theirs to take
    (me,) = tables["person"]
    stored = get_by_slack_id(MENTEE, session=session)
    assert stored is not None
    assert (me["slack_id"], me["email"]) == (MENTEE, stored.email)
    assert all(me["id"] in (c["person_id"], c["other_id"]) for c in tables["connection"])
    assert "on its way" in text_of_reply(harness)


def test_export_for_someone_never_in_the_directory_says_there_is_nothing(
    harness: Harness,
) -> None:
    harness.slack.command("export", user="U0NOBODY1")
    harness.settle()
    assert "nothing to export" in text_of_reply(harness)
    assert harness.fake.calls_to("files.getUploadURLExternal") == []


def text_of_reply(harness: Harness) -> str:
    return _text(harness.fake.last("response_url").params)
