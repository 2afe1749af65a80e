"""Time is injected: everything that needs 'now' takes a Clock."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The real clock, timezone-aware in UTC."""
    return datetime.now(UTC)


ZONE_MAX = 64  # Person.tz's length


def valid_zone(name: object) -> str | None:
    """``name`` when it is an IANA time zone this machine knows (``America/New_York``),
    else None."""
    if not isinstance(name, str) or not name or len(name) > ZONE_MAX:
        return None
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    return name
