"""Pacing under Slack's rate limits: a small limiter the outbox sender asks before each call.

Each limit is a token bucket kept as its *theoretical arrival time* (GCRA): ``reserve``
books the next slot for a method (and, for posts, for the channel too) and says how long
to wait for it. It is pure arithmetic on an injected monotonic clock; the caller sleeps.
Limits are per process: each sender process paces itself at Slack's full rate, so one
process runs at the limits (bench/bench_outbox.py: within 10% of the least time they
allow); several processes together ask more than Slack allows, and the 429s that follow
hold each back for their Retry-After. Buckets that are full again are forgotten now and
then, so a long-running sender keeps no per-recipient state.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """``per_second`` sustained, with bursts of up to ``burst`` calls."""

    per_second: float
    burst: int = 1


# Slack's published tiers (https://api.slack.com/apis/rate-limits), kept a little under.
SLACK_LIMITS: Mapping[str, Rate] = {
    "chat.postMessage": Rate(5, 10),  # "several hundred per minute" per workspace
    "chat.postMessage@channel": Rate(1, 1),  # about one per second per channel
    "chat.update": Rate(50 / 60, 5),  # Tier 3
    "conversations.open": Rate(50 / 60, 5),  # Tier 3
    "conversations.history": Rate(50 / 60, 5),  # Tier 3
    "views.publish": Rate(100 / 60, 10),  # Tier 4
}
PER_CHANNEL = "@channel"
PRUNE_EVERY = 1024  # reservations between two sweeps of buckets that are full again


class Pacer:
    """Books call slots under ``limits``; a method without a limit is never held back."""

    def __init__(
        self, limits: Mapping[str, Rate], *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limits = dict(limits)
        self._clock = clock
        self._arrival: dict[str, float] = {}  # bucket -> theoretical arrival time
        self._held_until: dict[str, float] = {}
        self._lock = threading.Lock()
        self._reserved = 0

    def reserve(self, method: str, channel: str | None = None) -> float:
        """Book the next call to ``method`` (in ``channel``); seconds to wait before it."""
        buckets = [(method, method)]
        if channel is not None:
            buckets.append((method + PER_CHANNEL, f"{method}{PER_CHANNEL}{channel}"))
        with self._lock:
            now = self._clock()
            self._reserved += 1
            if self._reserved % PRUNE_EVERY == 0:
                self._prune(now)
            start = max(now, self._held_until.get(method, now))
            for limit_name, bucket in buckets:
                rate = self._limits.get(limit_name)
                if rate is not None:
                    start = max(start, self._earliest(bucket, rate, now))
            for limit_name, bucket in buckets:
                rate = self._limits.get(limit_name)
                if rate is not None:
                    interval = 1 / rate.per_second
                    self._arrival[bucket] = max(self._arrival.get(bucket, start), start) + interval
            return start - now

    def hold(self, method: str, seconds: float) -> None:
        """Slack said 429: no call to ``method`` for ``seconds``."""
        with self._lock:
            until = self._clock() + seconds
            self._held_until[method] = max(self._held_until.get(method, until), until)

    def _prune(self, now: float) -> None:
        """Forget buckets that are full again (one per DM recipient would pile up)."""
        self._arrival = {b: t for b, t in self._arrival.items() if t > now}
        self._held_until = {m: t for m, t in self._held_until.items() if t > now}

    def _earliest(self, bucket: str, rate: Rate, now: float) -> float:
        interval = 1 / rate.per_second
        arrival = max(self._arrival.get(bucket, now), now)
        return max(now, arrival - (rate.burst - 1) * interval)


def unlimited() -> Pacer:
    """A pacer that never waits (tests, and a fake Slack with no limits)."""
    return Pacer({})
