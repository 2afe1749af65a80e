"""Working hours in a person's own time zone: when a nudge may go, and until when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import valid_zone

WORKING_WEEK = frozenset(range(5))  # Monday to Friday (MENTORBOT_WORKDAYS)


def zone_of(tz: str | None, default: str) -> ZoneInfo:
    """A person's zone: Slack's when it is a real one, else the configured default."""
    return ZoneInfo(valid_zone(tz) or default)


@dataclass(frozen=True)
class Workday:
    """Where ``now`` falls in a person's working week."""

    local: datetime  # now, on their clock
    open: bool  # inside working hours on a working day
    closes: datetime  # (UTC) end of today's working hours
    next_opens: datetime  # (UTC) the next start of working hours after now

    @property
    def day(self) -> date:
        return self.local.date()


def workday(
    now: datetime,
    zone: ZoneInfo,
    start: time,
    end: time,
    days: frozenset[int] = WORKING_WEEK,
) -> Workday:
    """Whether ``now`` is inside ``start``–``end`` on a working day in ``zone``
    (``days``: weekday numbers, Monday 0)."""
    local = now.astimezone(zone)
    today = local.date()
    opens = _at(today, start, zone)
    closes = _at(today, end, zone)
    weekday = local.weekday() in days
    is_open = weekday and opens <= local < closes
    if weekday and local < opens:
        next_opens = opens
    else:
        day = today + timedelta(days=1)
        while day.weekday() not in days:
            day += timedelta(days=1)
        next_opens = _at(day, start, zone)
    return Workday(local, is_open, closes.astimezone(UTC), next_opens.astimezone(UTC))


def _at(day: date, moment: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, moment, tzinfo=zone)
