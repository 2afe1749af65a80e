"""Alembic owns the schema: migrating an empty database gives exactly the models' schema."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import storage.models  # noqa: F401
from storage.db import alembic_config, make_engine, upgrade


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
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            connection.exec_driver_sql("DROP SCHEMA public CASCADE")
            connection.exec_driver_sql("CREATE SCHEMA public")
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
