"""Does a person's Home and `/mentor progress` cost depend on the company's size? It should not.

Builds the directory of ``bench.bench_find`` (people in 12 areas, a management tree,
mentor offers over ~200 topics, conversations) at two sizes, 50,000 and 200,000 people
(mentors and conversations a tenth of the people at each), then, for the same sample of
people at both sizes, times what the Home tab costs (``bot.home.load_home_state`` and
``bot.blocks.home.build_home``, as the outbox renders it) and what `/mentor progress`
costs (``bot.home.load_progress_state`` and ``bot.blocks.progress.build_progress``), and
prints p50/p95 for each size side by side with the ratio (target: within 1.3x).

Run from the repository root:

    .venv/bin/python -m bench.bench_home                  # 50,000 and 200,000 people
    .venv/bin/python -m bench.bench_home --sizes 10000 40000 --samples 100
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_find import NOW, build, slack_id
from bot.blocks.home import build_home
from bot.blocks.progress import build_progress
from bot.config import Settings
from bot.home import load_home_state, load_progress_state
from storage.db import make_engine, session_factory
from storage.people import get_by_slack_id


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def measure(people: int, sample: list[int], rounds: int) -> dict[str, list[float]]:
    """Seconds per Home and per progress, for each person of ``sample``, ``rounds`` times."""
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        began = time.monotonic()
        build(database, people, mentors=max(1, people // 10))
        print(f"built {people:,} people in {time.monotonic() - began:.1f} s")  # noqa: T201
        url = f"sqlite:///{database}"
        engine = make_engine(url)
        open_session = session_factory(engine)
        settings = Settings.model_validate({"SLACK_BOT_TOKEN": "xoxb-bench", "DATABASE_URL": url})
        timings: dict[str, list[float]] = {"home": [], "progress": []}

        def home(who: str) -> None:
            with open_session() as session:
                build_home(load_home_state(session, who, settings=settings, now=NOW))

        def progress(who: str) -> None:
            with open_session() as session:
                person = get_by_slack_id(who, session=session)
                assert person is not None
                build_progress(load_progress_state(session, person, settings=settings, now=NOW))

        surfaces: dict[str, Callable[[str], None]] = {"home": home, "progress": progress}
        for who in sample[:5]:  # warm the caches
            home(slack_id(who))
        for _ in range(rounds):
            for name, surface in surfaces.items():
                for who in sample:
                    began = time.perf_counter()
                    surface(slack_id(who))
                    timings[name].append(time.perf_counter() - began)
        engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=(50_000, 200_000))
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    small, large = args.sizes
    # The same people at both sizes: IDs present in the smaller directory.
    sample = random.Random(11).sample(range(small), args.samples)
    results = {size: measure(size, sample, args.rounds) for size in (small, large)}
    for name in ("home", "progress"):
        row = []
        for size in (small, large):
            values = results[size][name]
            row.append(
                f"{size:>7,}: p50 {statistics.median(values) * 1000:6.1f} ms  "
                f"p95 {percentile(values, 95) * 1000:6.1f} ms"
            )
        ratio = statistics.median(results[large][name]) / statistics.median(results[small][name])
        print(f"{name:<9} " + "   ".join(row) + f"   p50 ratio {ratio:.2f}x (target 1.3x)")  # noqa: T201


if __name__ == "__main__":
    main()
