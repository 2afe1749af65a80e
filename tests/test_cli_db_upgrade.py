"""`mentorbot db upgrade`: one line of what it did, and safe with two processes at once.

Two processes starting at once on a fresh database both come up, the schema migrated once.
Two real processes, with everything imported (Python's start-up is slow and uneven enough
to hide the race), wait at a barrier on stdin; each round releases both at the same moment
on a new empty database, and both run the `mentorbot` console script's own entry point,
`db upgrade`, so their migrations overlap.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table)
from storage.db import alembic_config, make_engine
from tests.processes import clean_env, run_mentorbot

ROUNDS = 5
HEAD = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()

# Imports what `mentorbot db upgrade` needs, says so, then for each database URL it is
# given runs the console script's entry point on it and reports the exit code.
AT_THE_BARRIER = """
import os, sys, traceback
import alembic.command, alembic.autogenerate, sqlalchemy, sqlmodel
import bot.cli, bot.context, storage.db, storage.models
print("ready", flush=True)
for url in sys.stdin:
    os.environ["DATABASE_URL"] = url.strip()
    try:
        code = bot.cli.main(["db", "upgrade"])
    except BaseException:
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    print(f"exit={code}", flush=True)
"""

Release = Callable[[str], list[tuple[int, str]]]


@contextmanager
def upgrade_processes(cwd: Path, count: int = 2) -> Iterator[Release]:
    """``count`` processes at the barrier; calling the result with a database URL releases
    them all at once on it and gives each one's (exit code, output)."""
    env = clean_env(SLACK_BOT_TOKEN="xoxb-test-token")
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", AT_THE_BARRIER],
            cwd=cwd,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(count)
    ]

    def release(url: str) -> list[tuple[int, str]]:
        for process in processes:  # the go: one short write each, back to back
            assert process.stdin is not None
            process.stdin.write(url + "\n")
            process.stdin.flush()
        return [_outcome(process) for process in processes]

    try:
        for process in processes:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        yield release
    finally:
        for process in processes:
            if process.stdin is not None:
                process.stdin.close()
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _outcome(process: subprocess.Popen[str]) -> tuple[int, str]:
    assert process.stdout is not None
    output = []
    for line in process.stdout:
        if line.startswith("exit="):
            return int(line.removeprefix("exit=")), "".join(output)
        output.append(line)
    raise AssertionError("the process ended at the barrier: " + "".join(output))


# An expression index: SQLite cannot reflect it, PostgreSQL gives back its expressions in
# its own formatting, so it is checked by name (and by behaviour in test_migrations.py).
EXPRESSION_INDEX = "uq_metlog_pending_pair"


def _not_the_expression_index(obj: Any, name: str | None, type_: str, *_: Any) -> bool:
    return not (type_ == "index" and name == EXPRESSION_INDEX)


def _assert_schema_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "include_object": _not_the_expression_index},
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []
    if engine.dialect.name == "postgresql":
        assert EXPRESSION_INDEX in {
            index["name"] for index in inspect(engine).get_indexes("metlog")
        }


def _assert_both_came_up(results: list[tuple[int, str]]) -> None:
    """Both exit 0 without a traceback; one migrated, the other waited and found it done."""
    for code, output in results:
        assert code == 0, output
        assert "Traceback" not in output, output
    outputs = sorted(output.strip() for _, output in results)
    assert outputs == [
        f"Database is up to date (revision {HEAD}).",
        f"Database migrated from empty to revision {HEAD}.",
    ]


def test_upgrade_says_in_one_line_what_it_did_and_nothing_from_alembic(tmp_path: Path) -> None:
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test-token", DATABASE_URL=f"sqlite:///{tmp_path / 'bot.db'}"
    )
    first = run_mentorbot("db", "upgrade", cwd=tmp_path, env=env)
    again = run_mentorbot("db", "upgrade", cwd=tmp_path, env=env)
    assert (first.returncode, again.returncode) == (0, 0), first.stderr + again.stderr
    # stdout and stderr together: Alembic's INFO lines would be on stderr.
    assert (first.stdout + first.stderr).splitlines() == [
        f"Database migrated from empty to revision {HEAD}."
    ]
    assert (again.stdout + again.stderr).splitlines() == [
        f"Database is up to date (revision {HEAD})."
    ]


# SQLite cannot reflect the expression index on met logs (checked in test_migrations.py).
@pytest.mark.filterwarnings("ignore:.*uq_metlog_pending_pair")
def test_two_upgrades_at_once_on_a_fresh_sqlite_file_both_succeed(tmp_path: Path) -> None:
    with upgrade_processes(tmp_path) as release_both:
        for round_ in range(ROUNDS):
            url = f"sqlite:///{tmp_path / f'fresh-{round_}.db'}"
            _assert_both_came_up(release_both(url))
            engine = make_engine(url)
            try:
                _assert_schema_matches_the_models(engine)
            finally:
                engine.dispose()


@pytest.fixture
def empty_postgres() -> Iterator[tuple[str, Engine]]:
    url = os.environ.get("MENTORBOT_TEST_DATABASE_URL", "")
    if not url or url.startswith("sqlite"):
        pytest.skip("MENTORBOT_TEST_DATABASE_URL names no PostgreSQL database")
    engine = make_engine(url)
    yield url, engine
    _drop_everything(engine)
    engine.dispose()


def _drop_everything(engine: Engine) -> None:
    """Every table, including Alembic's and APScheduler's: the next start is a first start."""
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    metadata = MetaData()
    metadata.reflect(engine)
    metadata.drop_all(engine)
    assert inspect(engine).get_table_names() == []


def test_two_upgrades_at_once_on_an_empty_postgres_database_both_succeed(
    empty_postgres: tuple[str, Engine], tmp_path: Path
) -> None:
    url, engine = empty_postgres
    with upgrade_processes(tmp_path) as release_both:
        for _ in range(ROUNDS):
            _drop_everything(engine)
            _assert_both_came_up(release_both(url))
            _assert_schema_matches_the_models(engine)
