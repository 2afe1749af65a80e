"""How long does the coordinators' digest take for a large company, and in how much memory?

Builds a year of programme history in SQLite (default: 50,000 people, 8,000 mentors over
200 topics, about 300,000 requests, 200,000 sessions with their agenda questions, 400,000
connection rows, ratings, searches, transitions), then, in a fresh process so that the
figures are the digest's own, computes the digest of the last whole week
(``bot.digest.compute_digest``), builds its Slack message (both versions) and its CSV
export, and prints the time of each step and the process's peak RSS.
Targets: the digest under 2 seconds and under 300 MB.

On the 2-core development VM, 2026-12-01, load average 0.8-0.9, six runs in fresh
processes: total 1.46-1.85 s (compute 1.34-1.65 s, rendering 0.12-0.2 s), peak RSS 84 MB.
Beside it, the same database without the second connection (the danger signs and the
supply read in a thread while the figures are read) took 1.95-2.31 s at load 1.1-1.3,
and the code before the first-connection mark (migration 0012) and the covering indexes
(0013) 3.0-3.3 s at load 1.0 (2.20-2.39 s measured earlier on an idle machine). The
first run after the database file changed reads it from disk: 2.9 s once. Figures move
by a few tenths of a second with the machine's load: compare runs made side by side.

Run from the repository root:

    .venv/bin/python -m bench.bench_digest                   # 50,000 people, a year
    .venv/bin/python -m bench.bench_digest --people 5000     # a quick look
    .venv/bin/python -m bench.bench_digest --keep /tmp/d.db  # keep the database
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday: the digest of 2026-W47 is due
DAYS = 365
AREAS = [f"Area {n:02d}" for n in range(30)]
TOPICS = 200
TZS = ["Europe/London", "America/New_York", "Asia/Tokyo", "Europe/Berlin", None]


def _ts(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def build(database: Path, people: int, *, seed: int = 13) -> dict[str, int]:
    """A year of history for ``people`` people (the schema from the real migrations)."""
    from storage.db import make_engine, upgrade

    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    engine.dispose()
    rng = random.Random(seed)
    db = sqlite3.connect(database)
    db.execute("PRAGMA synchronous=OFF")
    start = NOW - timedelta(days=DAYS)
    created = _ts(start)
    counts: dict[str, int] = {}

    def insert(table: str, columns: str, rows: list[tuple[object, ...]]) -> None:
        marks = ",".join("?" * len(columns.split(",")))
        db.executemany(f"INSERT OR IGNORE INTO {table} ({columns}) VALUES ({marks})", rows)
        counts[table] = counts.get(table, 0) + len(rows)

    weights = [1 / (n + 1) for n in range(len(AREAS))]
    areas = rng.choices(AREAS, weights, k=people)
    person_rows = []
    for i in range(1, people + 1):
        roll = rng.random()
        if roll < 0.2:
            started: date | None = (NOW - timedelta(days=rng.randrange(0, 183))).date()
        elif roll < 0.8:
            started = (NOW - timedelta(days=rng.randrange(183, 3000))).date()
        else:
            started = None
        person_rows.append(
            (
                i,
                f"U{i:08d}",
                f"Person {i}",
                areas[i - 1],
                rng.randint(1, 7),
                started.isoformat() if started else None,
                rng.choice(TZS),
                1,
                0,
                created,
                created,
            )
        )
    insert(
        "person",
        "id,slack_id,name,area,level,start_date,tz,is_active,nudges_muted,created_at,updated_at",
        person_rows,
    )
    insert(
        "topic",
        "id,key,label,kind,created_at",
        [(t, f"topic {t}", f"Topic {t}", "offered", created) for t in range(1, TOPICS + 1)],
    )
    mentors = rng.sample(range(1, people + 1), k=max(2, people * 8 // 50))
    capacity = {m: rng.randint(1, 3) for m in mentors}
    insert(
        "mentoroffer",
        "id,person_id,help_with,out_of_scope,capacity,reverse_mentoring,paused,created_at,updated_at",
        [
            (n, m, "", "", capacity[m], 0, int(rng.random() < 0.05), created, created)
            for n, m in enumerate(mentors, 1)
        ],
    )
    insert(
        "offertopic",
        "offer_id,topic_id",
        [(n, t) for n in range(1, len(mentors) + 1) for t in rng.sample(range(1, TOPICS + 1), 3)],
    )

    requests = people * 6
    conversations, sessions, items, links, ratings = [], [], [], [], []
    open_pairs: set[tuple[int, int]] = set()
    session_id = 0
    for cid in range(1, requests + 1):
        made = start + timedelta(seconds=rng.randrange(DAYS * 86400))
        mentee, mentor = rng.randrange(1, people + 1), rng.choice(mentors)
        if mentee == mentor:
            mentee = mentee % people + 1
        status, responded, accepted, closed, changed = "closed", None, None, None, made
        passed_from, passed_at = None, None
        roll = rng.random()
        if NOW - made < timedelta(days=7) and roll < 0.5:
            status = "requested"
        elif roll < 0.60:
            accepted = responded = made + timedelta(hours=rng.uniform(0.1, 120))
            if accepted > NOW:
                accepted = responded = None
                status = "requested"
        elif roll < 0.75:
            status, responded = "declined", made + timedelta(hours=rng.uniform(0.1, 120))
            changed = responded
        elif roll < 0.85:
            status, changed = "expired", made + timedelta(days=7)
        elif roll < 0.93:
            status, changed = "withdrawn", made + timedelta(hours=rng.uniform(1, 100))
        else:
            passed_from, passed_at = rng.choice(mentors), made + timedelta(hours=rng.uniform(1, 48))
            status, changed = "expired", passed_at + timedelta(days=7)
        if changed > NOW:
            status, changed = "requested", made
        if accepted is not None:
            held_at = accepted
            count = rng.choices((1, 2, 3), (0.85, 0.1, 0.05))[0]
            last = accepted
            for number in range(1, count + 1):
                held_at = held_at + timedelta(days=rng.uniform(2, 14))
                if held_at > NOW:
                    break
                session_id += 1
                last = held_at
                agenda = held_at - timedelta(days=1) if rng.random() < 0.8 else None
                followups: datetime | None = held_at + timedelta(days=rng.uniform(0.1, 5))
                if rng.random() >= 0.7 or (followups is not None and followups > NOW):
                    followups = None
                by = (mentor if rng.random() < 0.1 else mentee) if followups else None
                sessions.append(
                    (
                        session_id,
                        cid,
                        number,
                        _ts(held_at - timedelta(days=2)),
                        _ts(agenda) if agenda else None,
                        _ts(held_at),
                        mentee,
                        _ts(followups) if followups else None,
                        by,
                    )
                )
                for position in (1, 2):
                    outcome = rng.choice(("answered", "partly", "not_yet")) if followups else None
                    items.append((session_id, position, "a question", outcome))
                links.append((held_at, mentee, mentor))
            recent = NOW - last < timedelta(days=30)
            status = "active" if recent and rng.random() < 0.7 else "closed"
            if status == "closed":
                closed = last + timedelta(days=rng.uniform(0, 5))
                closed = min(closed, NOW)
                changed = closed
                for who, p in ((mentee, 0.4), (mentor, 0.4)):
                    if rng.random() < p:
                        ratings.append((cid, who, 1, rng.randint(1, 5), "", _ts(closed)))
            else:
                changed = accepted
        if status in ("requested", "active"):
            if (mentee, mentor) in open_pairs:
                status = "withdrawn"
            open_pairs.add((mentee, mentor))
        conversations.append(
            (
                cid,
                mentee,
                mentor,
                status,
                f"Topic {rng.randrange(1, TOPICS + 1)}",
                _ts(made),
                _ts(changed),
                _ts(responded) if responded else None,
                _ts(accepted) if accepted else None,
                _ts(closed) if closed else None,
                0,
                '["q1", "q2"]',
                "",
                "call",
                passed_from,
                _ts(passed_at) if passed_at else None,
            )
        )
    insert(
        "conversation",
        "id,mentee_id,mentor_id,status,topic,created_at,status_changed_at,responded_at,"
        "accepted_at,closed_at,on_call,questions,context,format,passed_from_id,passed_at",
        conversations,
    )
    insert(
        "mentoring_session",
        "id,conversation_id,number,created_at,agenda_posted_at,held_at,logged_by_id,"
        "followups_posted_at,followups_posted_by_id",
        sessions,
    )
    insert("agenda_item", "session_id,position,question,outcome", items)
    for _ in range(people // 2):  # meetings logged and confirmed outside the bot
        a, b = rng.sample(range(1, people + 1), 2)
        links.append((start + timedelta(seconds=rng.randrange(DAYS * 86400)), a, b))
    links.sort()
    rows = [(a, b, "session", _ts(t)) for t, a, b in links]
    rows += [(b, a, "session", _ts(t)) for t, a, b in links]
    # As storage.connections.record_connection writes them: a row per pair, way round and
    # source (the first recorded, as INSERT OR IGNORE keeps it), marked when it is the
    # pair's first that way round (the earliest; on a tie, the one recorded first).
    kept: dict[tuple[object, ...], tuple[object, ...]] = {}
    for row in rows:
        kept.setdefault(row[:3], row)
    first: dict[tuple[object, ...], tuple[object, ...]] = {}
    for row in kept.values():
        if row[:2] not in first or str(row[3]) < str(first[row[:2]][3]):
            first[row[:2]] = row
    insert(
        "connection",
        "person_id,other_id,source,made_at,first_of_pair",
        [(*row, int(first[row[:2]] is row)) for row in kept.values()],
    )
    insert(
        "rating",
        "conversation_id,person_id,keep_open,usefulness,comment,answered_at",
        ratings,
    )
    insert(
        "topicdemand",
        "key,label,day,searches,unmatched",
        [
            (f"topic {t}", f"topic {t}", (start + timedelta(days=d)).date().isoformat(), n, n // 3)
            for d in range(DAYS + 1)
            for t, n in ((rng.randrange(1, TOPICS + 40), rng.randint(1, 20)) for _ in range(150))
        ],
    )
    insert(
        "transition",
        "person_id,kind,started_at,goal,window_days",
        [
            (p, "first_time_supervisor", _ts(NOW - timedelta(days=rng.randrange(0, 120))), 3, 90)
            for p in rng.sample(range(1, people + 1), people // 30)
        ],
    )
    insert(
        "celebration",
        "person_id,goal,reached_at,consented_at",
        [
            (p, "newcomer:x", _ts(NOW - timedelta(days=rng.randrange(1, 60))), _ts(NOW))
            for p in rng.sample(range(1, people + 1), people // 60)
        ],
    )
    insert(
        "advice_request",
        "person_id,created_at",
        [(rng.choice(mentors), _ts(NOW - timedelta(days=rng.randrange(60)))) for _ in range(300)],
    )
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return counts


def peak_rss_mb() -> float:
    """This process's peak resident memory (VmHWM: since its exec, unlike ru_maxrss, which
    keeps the parent's size at the fork)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def measure(database: Path) -> dict[str, float | int]:
    """In this (fresh) process: the digest, its messages and its export, timed; peak RSS."""
    from bot.blocks.digest import build_digest
    from bot.blocks.digest_export import digest_csv
    from bot.config import Settings
    from bot.digest import compute_digest, last_complete_week
    from storage.db import make_engine, session_factory

    url = f"sqlite:///{database}"
    settings = Settings.model_validate({"SLACK_BOT_TOKEN": "xoxb-bench", "DATABASE_URL": url})
    engine = make_engine(url)
    open_session = session_factory(engine)
    before = peak_rss_mb()
    period = last_complete_week(NOW, settings.digest_tz)
    began, cpu = time.perf_counter(), time.process_time()
    digest = compute_digest(open_session, period, settings)
    computed = time.perf_counter()
    full, plain = build_digest(digest), build_digest(digest, native=False)
    exported = digest_csv(digest)
    done = time.perf_counter()
    return {
        "compute_s": round(computed - began, 3),
        "render_s": round(done - computed, 3),
        "total_s": round(done - began, 3),
        "cpu_s": round(time.process_time() - cpu, 3),
        "rss_before_mb": before,
        "peak_rss_mb": peak_rss_mb(),
        "blocks": len(full["blocks"]),
        "plain_blocks": len(plain["blocks"]),
        "danger_signs": len(digest.danger),
        "csv_bytes": len(exported.encode()),
        "requests_made": digest.week.requests_made,
        "sessions_held": digest.week.sessions_held,
        "new_connections": digest.week.new_connections,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument(
        "--rounds", type=int, default=3, help="digests computed, each in a fresh process"
    )
    parser.add_argument("--keep", type=Path, help="build (or reuse) the database at this path")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)  # the child process
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.measure)))  # noqa: T201
        return
    with tempfile.TemporaryDirectory() as folder:
        database = args.keep or Path(folder) / "digest.db"
        if not database.exists():
            began = time.monotonic()
            counts = build(database, args.people)
            print(  # noqa: T201
                f"built {args.people:,} people in {time.monotonic() - began:.0f} s: "
                + ", ".join(f"{n:,} {table}" for table, n in counts.items())
            )
        for _ in range(args.rounds):
            child = subprocess.run(
                [sys.executable, "-m", "bench.bench_digest", "--measure", str(database)],
                check=True,
                capture_output=True,
                text=True,
            )
            print(child.stdout.strip())  # noqa: T201


if __name__ == "__main__":
    main()
