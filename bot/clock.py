"""Time is injected: everything that needs 'now' takes a Clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock, timezone-aware in UTC."""
    return datetime.now(UTC)
