"""`mentorbot db backup FILE`: a consistent copy of a SQLite database taken while it is
being written to; PostgreSQL is sent to pg_dump; an existing file is never overwritten."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime
from pathlib import Path

from storage.db import make_engine, session_factory, unit_of_work, upgrade
from storage.models import Person
from tests.processes import clean_env, run_mentorbot

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _env(url: str) -> dict[str, str]:
    return clean_env(SLACK_BOT_TOKEN="xoxb-test-token", DATABASE_URL=url)


def test_a_backup_taken_while_people_are_written_is_a_consistent_database(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    upgrade(engine)
    open_session = session_factory(engine)
    stop = threading.Event()
    written = []

    def write() -> None:  # batches of 50 people, each batch committed at once
        batch = 0
        while not stop.is_set():
            with unit_of_work(open_session) as session:
                for n in range(50):
                    session.add(
                        Person(slack_id=f"U{batch:05d}{n:03d}", created_at=NOW, updated_at=NOW)
                    )
            written.append(batch)
            batch += 1

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 5:  # the writer is under way before the copy starts
            stop.wait(0.01)
        done = run_mentorbot(
            "db",
            "backup",
            str(tmp_path / "copy.db"),
            cwd=tmp_path,
            env=_env(f"sqlite:///{tmp_path / 'bot.db'}"),
        )
    finally:
        stop.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"Backed up the database to {tmp_path / 'copy.db'} (")
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    (people,) = copy.execute("SELECT count(*) FROM person").fetchone()
    assert people > 0 and people % 50 == 0  # whole batches only: a snapshot, not a tear
    assert copy.execute("SELECT version_num FROM alembic_version").fetchone()
    assert not (tmp_path / "copy.db.partial").exists()


def test_a_backup_never_overwrites_a_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    upgrade(engine)
    (tmp_path / "old.db").write_text("keep me")
    done = run_mentorbot(
        "db",
        "backup",
        str(tmp_path / "old.db"),
        cwd=tmp_path,
        env=_env(f"sqlite:///{tmp_path / 'bot.db'}"),
    )
    assert done.returncode == 2
    assert "exists already" in done.stderr and "Traceback" not in done.stderr
    assert (tmp_path / "old.db").read_text() == "keep me"


def test_on_postgresql_backup_points_to_pg_dump(tmp_path: Path) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/nothing"
    done = run_mentorbot("db", "backup", str(tmp_path / "copy.dump"), cwd=tmp_path, env=_env(url))
    assert done.returncode == 2
    assert "pg_dump" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "copy.dump").exists()
