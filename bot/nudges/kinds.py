"""The check-ins, most important first, and the keys that make each one single.

A key is kind + object + period (``agenda-reminder:session:812``,
``behind-pace:person:U123:2026-W49``): planning the same nudge twice writes nothing, and
the period lets a check-in that may recur (a weekly pace note, a new silence) come again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from bot.effects import NUDGE_KIND_PREFIX


class NudgeKind(StrEnum):
    """Every check-in, in order of importance: when several are due for one person on one
    day, the first goes and the rest wait for the next working day."""

    WELCOME = "welcome"  # once per person, when they first appear
    COORDINATOR = "coordinator-nudge"  # a coordinator's note on a danger sign (the digest)
    AGENDA = "agenda-reminder"  # a session within 24 hours has no agenda → the mentee
    REQUEST = "request-waiting"  # a request unanswered for 3 days → the mentor
    MET = "met-waiting"  # a logged meeting unconfirmed for 3 days → the other person
    ACTION_DUE = "action-due"  # an action due tomorrow → its owner
    FOLLOWUPS = "followup-reminder"  # a session 24 hours past with no follow-ups → the mentee
    ACTION_OVERDUE = "action-overdue"  # an action past its date → its owner
    SILENT = "silent"  # an active conversation quiet for 21 days → the mentee
    TEAM_CHECKIN = "team-checkin"  # a manager's team had no check-in for 30 days, monthly
    BEHIND_PACE = "behind-pace"  # a newcomer behind pace, at most weekly


IMPORTANCE = {kind: rank for rank, kind in enumerate(NudgeKind)}

# The outbox's kind for each (16 characters at most): `mentorbot outbox` counts them apart.
_SHORT = {
    NudgeKind.WELCOME: "welcome",
    NudgeKind.COORDINATOR: "coord",
    NudgeKind.AGENDA: "agenda",
    NudgeKind.REQUEST: "request",
    NudgeKind.MET: "met",
    NudgeKind.ACTION_DUE: "due",
    NudgeKind.FOLLOWUPS: "followups",
    NudgeKind.ACTION_OVERDUE: "overdue",
    NudgeKind.SILENT: "silent",
    NudgeKind.TEAM_CHECKIN: "team",
    NudgeKind.BEHIND_PACE: "pace",
}
OUTBOX_KIND = {kind: NUDGE_KIND_PREFIX + short for kind, short in _SHORT.items()}


@dataclass(frozen=True)
class Reason:
    """One check-in due for one person: its kind, its key and what it is about."""

    kind: NudgeKind
    key: str
    slack_id: str

    @property
    def importance(self) -> int:
        return IMPORTANCE[self.kind]

    @property
    def outbox_kind(self) -> str:
        return OUTBOX_KIND[self.kind]


def welcome_key(slack_id: str) -> str:
    return f"{NudgeKind.WELCOME}:person:{slack_id}"


def agenda_key(session_id: int) -> str:
    return f"{NudgeKind.AGENDA}:session:{session_id}"


def followups_key(session_id: int) -> str:
    return f"{NudgeKind.FOLLOWUPS}:session:{session_id}"


def action_key(kind: NudgeKind, action_id: int) -> str:
    return f"{kind}:action:{action_id}"


def request_key(conversation_id: int, mentor_slack_id: str) -> str:
    """Per mentor: a request passed on to someone else waits for them afresh."""
    return f"{NudgeKind.REQUEST}:conversation:{conversation_id}:{mentor_slack_id}"


def silent_key(conversation_id: int, last_seen: date) -> str:
    """Per silence: after a new sign of life, a later silence is another one."""
    return f"{NudgeKind.SILENT}:conversation:{conversation_id}:{last_seen.isoformat()}"


def pace_key(slack_id: str, local_day: date) -> str:
    """Per ISO week of the person's own calendar: at most one a week."""
    year, week, _ = local_day.isocalendar()
    return f"{NudgeKind.BEHIND_PACE}:person:{slack_id}:{year}-W{week:02d}"


def team_checkin_key(manager: str, now: datetime) -> str:
    """Per calendar month (UTC): a manager is reminded at most monthly."""
    return f"{NudgeKind.TEAM_CHECKIN}:manager:{manager}:{now:%Y-%m}"


def coordinator_key(week: str, sign: str, object_id: int) -> str:
    """A coordinator's note on one danger sign, once a week (the object: ``sign-id``)."""
    return f"{NudgeKind.COORDINATOR}:{week}:{sign}-{object_id}"


def met_key(met_id: int) -> str:
    return f"{NudgeKind.MET}:met:{met_id}"


@dataclass(frozen=True)
class ParsedKey:
    kind: NudgeKind
    object_id: str  # a row ID or a Slack user ID, as the key names it


def parse_key(key: str) -> ParsedKey | None:
    """The kind and object of a nudge key; None for anything else."""
    parts = key.split(":")
    if len(parts) < 3:
        return None
    try:
        kind = NudgeKind(parts[0])
    except ValueError:
        return None
    return ParsedKey(kind, parts[2])
