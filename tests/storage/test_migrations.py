"""Alembic owns the schema: migrating an empty database gives exactly the models' schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel

import storage.models  # noqa: F401
from bot.offers import ensure_catalogue
from bot.topics import normalise, seed_topics
from storage.db import alembic_config, make_engine, upgrade
from tests.dbstate import empty_postgres


# SQLite cannot reflect the expression index on met logs: the test below checks it instead.
@pytest.mark.filterwarnings("ignore:.*uq_metlog_pending_pair")
def test_upgrade_from_empty_matches_the_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    upgrade(engine)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_sqlite_runs_with_wal_and_foreign_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'twice.db'}")
    upgrade(engine)
    upgrade(engine)
    assert "person" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_migrated_database_keeps_one_open_request_and_one_pending_met_per_pair(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pairs.db'}")
    upgrade(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO person (id, slack_id, name, is_active, nudges_muted, created_at, "
            "updated_at) VALUES (1, 'U0ALICE01', '', 1, 0, '2026-01-01', '2026-01-01'), "
            "(2, 'U0BOB0001', '', 1, 0, '2026-01-01', '2026-01-01')"
        )
    conversation = (
        "INSERT INTO conversation (mentee_id, mentor_id, status, topic, created_at, "
        "status_changed_at, on_call, questions, context, format) "
        "VALUES (1, 2, '{}', '', '2026-01-01', '2026-01-01', 0, '[]', '', 'call')"
    )
    met = (
        "INSERT INTO metlog (logger_id, other_id, note, status, created_at) "
        "VALUES ({}, {}, '', '{}', '2026-01-01')"
    )
    with engine.begin() as connection:
        connection.exec_driver_sql(conversation.format("closed"))
        connection.exec_driver_sql(conversation.format("requested"))
        connection.exec_driver_sql(met.format(1, 2, "declined"))
        connection.exec_driver_sql(met.format(1, 2, "pending"))
    for duplicate in (
        conversation.format("active"),
        met.format(1, 2, "pending"),
        met.format(2, 1, "pending"),
    ):
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.exec_driver_sql(duplicate)


@pytest.fixture
def empty_database(tmp_path: Path) -> Iterator[Engine]:
    """An empty database of the kind the suite runs on: a new SQLite file, or the
    PostgreSQL database at MENTORBOT_TEST_DATABASE_URL with every table dropped."""
    url = os.environ.get("MENTORBOT_TEST_DATABASE_URL") or f"sqlite:///{tmp_path / 'trip.db'}"
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        empty_postgres(engine)
    yield engine
    engine.dispose()


@pytest.mark.filterwarnings("ignore:.*uq_metlog_pending_pair")
def test_every_migration_goes_down_to_empty_and_up_again(empty_database: Engine) -> None:
    """upgrade head, downgrade base, upgrade head: on SQLite, and on PostgreSQL when the
    suite runs there (.ci/with-postgres); the schema is the models' both times up."""
    config = alembic_config(empty_database.url.render_as_string(hide_password=False))
    upgrade(empty_database)
    _assert_matches_the_models(empty_database)
    command.downgrade(config, "base")
    assert set(inspect(empty_database).get_table_names()) <= {"alembic_version"}
    upgrade(empty_database)
    _assert_matches_the_models(empty_database)


def _assert_matches_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "compare_type": True,
                # SQLite cannot reflect it; PostgreSQL gives back its own formatting.
                "include_object": lambda _o, name, type_, *_: (
                    not (type_ == "index" and name == "uq_metlog_pending_pair")
                ),
            },
        )
        assert compare_metadata(context, SQLModel.metadata) == []


def _migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def _rows(engine: Engine, sql: str) -> list[tuple[Any, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(sql)]


OLD_CATALOGUE = """
INSERT INTO person (id, slack_id, name, is_active, nudges_muted, created_at, updated_at,
    learning, learning_key) VALUES
 (1, 'U0ALICE01', '', 1, 0, '2026-01-01', '2026-01-01', 'Developing career plans',
  'developing career plan'),
 (2, 'U0BOB0001', '', 1, 0, '2026-01-01', '2026-01-01', 'career objectives and python',
  'working toward career objective python'),
 (3, 'U0CAROL01', '', 1, 0, '2026-01-01', '2026-01-01', 'Python', 'python');
INSERT INTO topic (id, key, label, kind, created_at) VALUES
 (1, 'developing career plan', 'Developing career plans', 'need', '2026-01-01'),
 (2, 'career plan', 'Career planning', 'offered', '2026-01-02'),
 (3, 'working toward career objective', 'Working toward career objectives', 'need',
  '2026-01-01'),
 (4, 'python', 'Python', 'offered', '2026-01-02'),
 (5, 'developing career plan tech', 'Developing career plans in tech', 'offered',
  '2026-01-03');
INSERT INTO mentoroffer (id, person_id, help_with, out_of_scope, capacity,
    reverse_mentoring, paused, created_at, updated_at) VALUES
 (1, 1, '', '', 2, 0, 0, '2026-01-01', '2026-01-01'),
 (2, 2, '', '', 2, 0, 0, '2026-01-01', '2026-01-01'),
 (3, 3, '', '', 2, 0, 0, '2026-01-01', '2026-01-01');
INSERT INTO offertopic (offer_id, topic_id) VALUES (1, 1), (1, 2), (2, 2), (3, 4), (3, 5);
INSERT INTO topicdemand (key, label, day, searches, unmatched) VALUES
 ('developing career plan', 'developing career plans', '2026-01-05', 3, 1),
 ('career plan', 'career planning', '2026-01-05', 2, 0),
 ('developing career plan', 'developing career plans', '2026-01-06', 1, 1),
 ('python', 'python', '2026-01-05', 5, 0);
INSERT INTO conversation (mentee_id, mentor_id, status, topic, created_at,
    status_changed_at, on_call, questions, context, format) VALUES
 (3, 1, 'closed', 'Career planning', '2026-01-01', '2026-01-01', 0, '[]', '', 'call'),
 (3, 2, 'closed', 'career planning for my team', '2026-01-01', '2026-01-01', 0, '[]', '',
  'call');
"""


def test_upgrading_an_old_catalogue_merges_near_duplicate_topics_and_what_points_to_them(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    _migrate(engine, "0006")
    with engine.begin() as connection:
        for statement in OLD_CATALOGUE.split(";"):
            if statement.strip():
                connection.exec_driver_sql(statement)

    _migrate(engine, "head")

    assert _rows(engine, "SELECT id, key, label FROM topic ORDER BY id") == [
        (1, "career plan", "Developing career plans"),  # the seed is kept, under today's key
        (3, "career objective", "Working toward career objectives"),
        (4, "python", "Python"),
        (5, "career plan tech", "Developing career plans in tech"),
    ]
    # The offer that covered both covers the kept topic once; the other moved over.
    assert _rows(engine, "SELECT offer_id, topic_id FROM offertopic ORDER BY 1, 2") == [
        (1, 1),
        (2, 1),
        (3, 4),
        (3, 5),
    ]
    assert _rows(
        engine, "SELECT key, day, searches, unmatched FROM topicdemand ORDER BY key, day"
    ) == [
        ("career plan", "2026-01-05", 5, 1),  # one day's searches of both keys, added up
        ("career plan", "2026-01-06", 1, 1),
        ("python", "2026-01-05", 5, 0),
    ]
    assert _rows(engine, "SELECT topic FROM conversation ORDER BY id") == [
        ("Developing career plans",),
        ("career planning for my team",),  # words of the mentee's own, left as written
    ]
    assert _rows(engine, "SELECT learning_key FROM person ORDER BY id") == [
        ("career plan",),
        ("career objective python",),
        ("python",),
    ]
    # Now as a new database: every key is what the code computes, and no seed is added again.
    with Session(engine) as session:
        ensure_catalogue(session, now=datetime(2026, 2, 1, tzinfo=UTC))
        session.commit()
    topics = _rows(engine, "SELECT key, label FROM topic")
    assert len(topics) == 4 + len(seed_topics()) - 2
    assert all(normalise(label) == key for key, label in topics)


def test_downgrading_the_topic_merge_gives_the_seeds_their_former_keys(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'down.db'}")
    _migrate(engine, "0006")
    with engine.begin() as connection:
        for statement in OLD_CATALOGUE.split(";"):
            if statement.strip():
                connection.exec_driver_sql(statement)
    _migrate(engine, "head")

    _migrate(engine, "0006", down=True)

    assert _rows(engine, "SELECT version_num FROM alembic_version") == [("0006",)]
    assert _rows(engine, "SELECT id, key FROM topic ORDER BY id") == [
        (1, "developing career plan"),
        (3, "working toward career objective"),
        (4, "python"),
        (5, "career plan tech"),
    ]
    _migrate(engine, "head")  # and up again, with nothing left to merge
    assert _rows(engine, "SELECT id, key FROM topic WHERE id IN (1, 3) ORDER BY id") == [
        (1, "career plan"),
        (3, "career objective"),
    ]


CONNECTIONS_BEFORE_0012 = """
INSERT INTO person (id, slack_id, name, is_active, nudges_muted, created_at, updated_at) VALUES
 (1, 'U0ALICE01', '', TRUE, FALSE, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
 (2, 'U0BOB0001', '', TRUE, FALSE, '2026-01-01 00:00:00', '2026-01-01 00:00:00'),
 (3, 'U0CAROL01', '', TRUE, FALSE, '2026-01-01 00:00:00', '2026-01-01 00:00:00');
INSERT INTO connection (id, person_id, other_id, source, made_at) VALUES
 (1, 1, 2, 'session', '2026-03-01 10:00:00.000000'),
 (2, 2, 1, 'session', '2026-03-01 10:00:00.000000'),
 (3, 1, 2, 'met', '2026-02-01 10:00:00.000000'),
 (4, 2, 1, 'met', '2026-02-01 10:00:00.000000'),
 (5, 1, 3, 'met', '2026-04-01 10:00:00.000000'),
 (6, 3, 1, 'met', '2026-04-01 10:00:00.000000'),
 (7, 1, 3, 'session', '2026-04-01 10:00:00.000000'),
 (8, 3, 1, 'session', '2026-04-01 10:00:00.000000'),
 (9, 2, 3, 'session', '2026-05-01 10:00:00.000000')
"""


@pytest.mark.filterwarnings("ignore:.*uq_metlog_pending_pair")
def test_upgrading_marks_the_first_connection_of_every_pair_each_way(
    empty_database: Engine,
) -> None:
    """On SQLite, and on PostgreSQL when the suite runs there: the earliest row each way
    round is marked (a `met` recorded after a session but dated before it; the lower ID
    between two made at the same moment), and down and up again gives the same marks."""
    _migrate(empty_database, "0011")
    with empty_database.begin() as connection:
        for statement in CONNECTIONS_BEFORE_0012.split(";"):
            connection.exec_driver_sql(statement)

    _migrate(empty_database, "head")

    marked = "SELECT id FROM connection WHERE first_of_pair ORDER BY id"
    assert _rows(empty_database, marked) == [(3,), (4,), (5,), (6,), (9,)]
    _migrate(empty_database, "0011", down=True)
    _migrate(empty_database, "head")
    assert _rows(empty_database, marked) == [(3,), (4,), (5,), (6,), (9,)]
