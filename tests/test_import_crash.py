"""A SIGKILL in the middle of `mentorbot import-people` leaves the directory as it was:
the import writes in one transaction, so the next import starts from a clean state."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

from storage.db import make_engine, upgrade
from tests.processes import clean_env, mentorbot, run_mentorbot

ROWS = 20_000  # enough that SQLite spills the open transaction's pages into the WAL


def _csv(path: Path) -> None:
    lines = ["slack_id,email,name,area,title,level,manager,mentor_topics,mentor_capacity"]
    for n in range(ROWS):
        manager = f"U{(n - 1) // 8:09d}" if n else ""
        topics = "Python;SQL" if n % 10 == 0 else ""
        capacity = "2" if topics else ""
        lines.append(
            f"U{n:09d},p{n}@example.com,Person {n},Area {n % 9},Engineer,{n % 8},"
            f"{manager},{topics},{capacity}"
        )
    path.write_text("\n".join(lines) + "\n")


def _people(database: Path) -> int:
    with sqlite3.connect(database) as connection:
        return int(connection.execute("SELECT count(*) FROM person").fetchone()[0])


def test_an_import_killed_mid_write_leaves_the_directory_as_before_and_can_be_rerun(
    tmp_path: Path,
) -> None:
    database = tmp_path / "bot.db"
    upgrade(make_engine(f"sqlite:///{database}"))
    _csv(tmp_path / "people.csv")
    env = clean_env(SLACK_BOT_TOKEN="xoxb-test-token", DATABASE_URL=f"sqlite:///{database}")
    wal = tmp_path / "bot.db-wal"
    before = wal.stat().st_size if wal.exists() else 0

    process = subprocess.Popen(
        [*mentorbot(), "import-people", str(tmp_path / "people.csv")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    # The import's write transaction has begun writing pages: kill it there.
    while (wal.stat().st_size if wal.exists() else 0) <= before + 64 * 1024:
        assert process.poll() is None, "the import ended before it was caught writing"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL

    assert _people(database) == 0  # nothing of the killed import is visible

    with sqlite3.connect(database) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    (tmp_path / "few.csv").write_text("slack_id,name\nU000000001,Ann\nU000000002,Ben\n")
    again = run_mentorbot("import-people", str(tmp_path / "few.csv"), cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("2 created, 0 updated, 0 failed")
    assert _people(database) == 2
