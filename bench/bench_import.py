"""Benchmark `mentorbot import-people` at HR-system size.

Writes a CSV of 50,000 people (slack_id, email, name, area, title, level, manager,
start_date, location; one in ten with the mentor columns), imports it into an empty,
migrated database through the import service the CLI calls (``bot.people.import_people``
with ``bot.offers.apply_offer``), then re-imports it with 10% of the rows changed. Slack
is not asked: every row names its slack_id (the email lookup is Slack's own speed).

As the floor on this machine, the same run times a bare ``executemany`` INSERT of the
same people into an empty table (no checks, no offers, no report).

    .venv/bin/python -m bench.bench_import                      # SQLite, 50,000 rows
    .venv/bin/python -m bench.bench_import --rows 5000
    .venv/bin/python -m bench.bench_import --database-url postgresql+psycopg://…/empty_db

Target: at least 5,000 rows/s for both imports, with the same report of bad rows.
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Engine

from bot.offers import apply_offers
from bot.people import import_people
from storage.db import make_engine, session_factory, upgrade
from storage.people import NEW_PERSON_DEFAULTS

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
AREAS = "Engineering Finance Sales Marketing Design People Legal Operations Data Product".split()
TOPICS = "python;leadership;negotiation;sql;hiring;roadmaps;feedback;writing;pricing".split(";")
HEADER = [
    "slack_id", "email", "name", "area", "title", "level", "manager", "start_date", "location",
    "mentor_topics", "mentor_capacity", "reverse_mentoring",
]  # fmt: skip


def slack_id(n: int) -> str:
    return f"U{n:09d}"


def rows(count: int, rng: random.Random, *, changed: float = 0.0) -> list[list[str]]:
    out = []
    for n in range(count):
        area = AREAS[n % len(AREAS)]
        manager = slack_id((n - 1) // 8) if n else ""
        title = "Senior engineer" if rng.random() < changed else "Engineer"
        mentor = n % 10 == 0
        out.append(
            [
                slack_id(n), f"person{n}@example.com", f"Person {n}", area, title,
                str(1 + n % 8), manager, "2026-06-01", "Lisbon",
                ";".join(rng.sample(TOPICS, 3)) if mentor else "",
                "2" if mentor else "", "yes" if mentor and n % 20 == 0 else "",
            ]
        )  # fmt: skip
    return out


def as_csv(data: list[list[str]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    writer.writerows(data)
    return buffer.getvalue()


def timed_import(engine: Engine, csv_text: str, label: str, count: int) -> float:
    started = time.perf_counter()
    report = import_people(
        csv_text,
        open_session=session_factory(engine),
        resolve_email=lambda _email: None,
        now=NOW,
        apply_offers=apply_offers,
    )
    elapsed = time.perf_counter() - started
    problems = len(report.errors) + len(report.warnings)
    print(  # noqa: T201
        f"{label:<28} {elapsed:7.2f} s  {count / elapsed:9,.0f} rows/s   "
        f"created {report.created:,}, updated {report.updated:,}, "
        f"failed {report.failed}, partial {report.partial}, problems reported {problems}"
    )
    return count / elapsed


def floor(engine: Engine, data: list[list[str]]) -> float:
    """A bare executemany of the same people into a scratch copy of the person table."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("CREATE TABLE bench_person_floor (LIKE person)"))
        else:
            connection.execute(
                text("CREATE TABLE bench_person_floor AS SELECT * FROM person WHERE 0")
            )
    values = [
        {
            **NEW_PERSON_DEFAULTS,
            "id": n + 1, "slack_id": r[0], "email": r[1], "name": r[2], "area": r[3],
            "title": r[4], "level": int(r[5]), "manager_slack_id": r[6] or None,
            "start_date": "2026-06-01", "location": r[8],
            "created_at": NOW.isoformat(), "updated_at": NOW.isoformat(),
        }
        for n, r in enumerate(data)
    ]  # fmt: skip
    columns = list(values[0])
    statement = text(
        f"INSERT INTO bench_person_floor ({', '.join(columns)}) "
        f"VALUES ({', '.join(':' + c for c in columns)})"
    )
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(statement, values)
    elapsed = time.perf_counter() - started
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE bench_person_floor"))
    print(f"{'floor: bare executemany':<28} {elapsed:7.2f} s  {len(data) / elapsed:9,.0f} rows/s")  # noqa: T201
    return len(data) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--database-url", help="an EMPTY database to use instead of a new SQLite file"
    )
    args = parser.parse_args()
    rng = random.Random(11)
    first = rows(args.rows, rng)
    again = rows(args.rows, random.Random(11), changed=0.10)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'import.db'}"
        engine = make_engine(url)
        upgrade(engine)
        print(f"{engine.dialect.name}, {args.rows:,} rows (a tenth with mentor columns)")  # noqa: T201
        base = floor(engine, first)
        fresh = timed_import(engine, as_csv(first), "import into an empty db", args.rows)
        update = timed_import(engine, as_csv(again), "re-import, 10% changed", args.rows)
        worst = min(fresh, update)
        print(  # noqa: T201
            f"slowest import {worst:,.0f} rows/s (target 5,000), "
            f"{base / worst:.1f}x the bare insert"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
