"""The personal-data map names every column that refers to a person."""

from __future__ import annotations

from sqlmodel import SQLModel

import storage.models  # noqa: F401  (registers every table)
from storage.personal_data import MAP, NOT_A_PERSON, PRIVATE_TEXTS, person_columns


def _looks_like_a_person(table: str, column: str) -> bool:
    col = SQLModel.metadata.tables[table].c[column]
    if any(fk.column.table.name == "person" for fk in col.foreign_keys):
        return True
    name = column.lower()
    return (
        name.endswith(("slack_id", "_by_id", "user", "user_id", "users", "email"))
        or name in {"recipient", "person_id", "owner_id", "manager", "channel"}
        or "person" in name
        or name.endswith("_channel")
        or "channel_id" in name
    )


def test_every_column_that_refers_to_a_person_is_on_the_map() -> None:
    tombstone = {("person", "slack_id"), ("person", "email")}  # the person row itself
    named = set(person_columns()) | set(NOT_A_PERSON) | tombstone
    missing = [
        f"{table.name}.{column.name}"
        for table in SQLModel.metadata.sorted_tables
        for column in table.columns
        if _looks_like_a_person(table.name, column.name) and (table.name, column.name) not in named
    ]
    assert missing == [], (
        "columns that refer to a person but are not in storage/personal_data.py's MAP "
        f"(or NOT_A_PERSON, with why): {missing}"
    )


def test_the_map_names_only_tables_and_columns_that_exist() -> None:
    tables = SQLModel.metadata.tables
    for ref in MAP:
        assert ref.table in tables, ref
        target = tables[ref.via[-1][1]] if ref.via else tables[ref.table]
        assert ref.column in target.c, ref
        for text in ref.texts:
            assert text in tables[ref.table].c, ref
    for table, column, _via in PRIVATE_TEXTS:
        assert column in tables[table].c
    for table, column in NOT_A_PERSON:
        assert column in tables[table].c
