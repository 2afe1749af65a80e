"""The directory from Slack: names, time zones and emails from ``users.list`` or ``user_change``.

HR fields (area, level, manager…) come from the CSV and are never touched here. Bots
are skipped; a person deactivated in Slack stays in the directory, marked inactive,
so they stop being suggested while their history is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlmodel import Session

from storage import people as people_store
from storage.db import SessionFactory, unit_of_work

BATCH = 500
SLACKBOT = "USLACKBOT"


class Outcome(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DEACTIVATED = "deactivated"
    SKIPPED = "skipped"  # a bot, or a deactivated user we never knew


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    skipped: int = 0

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def __str__(self) -> str:
        return (
            f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.deactivated} deactivated, {self.skipped} skipped (bots and unknown "
            "deactivated users)"
        )


def _is_bot(user: Mapping[str, Any]) -> bool:
    return bool(user.get("is_bot")) or user.get("id") == SLACKBOT or bool(user.get("is_app_user"))


def _slack_fields(user: Mapping[str, Any]) -> dict[str, Any]:
    profile = user.get("profile") or {}
    fields: dict[str, Any] = {}
    name = (
        profile.get("real_name") or user.get("real_name") or profile.get("display_name") or ""
    ).strip()
    if name:
        fields["name"] = name[:200]
    if user.get("tz"):
        fields["tz"] = str(user["tz"])[:64]
    if profile.get("email"):
        fields["email"] = str(profile["email"])[:320]
    return fields


def apply_slack_user(session: Session, user: Mapping[str, Any], *, now: datetime) -> Outcome:
    """Bring one Slack user into the directory (or mark them inactive when deactivated)."""
    slack_id = str(user.get("id") or "")
    if not slack_id or _is_bot(user):
        return Outcome.SKIPPED
    person = people_store.get_by_slack_id(slack_id, session=session)
    if user.get("deleted"):
        if person is None:
            return Outcome.SKIPPED
        if not person.is_active:
            return Outcome.UNCHANGED
        people_store.upsert(slack_id, {"is_active": False}, session=session, now=now)
        return Outcome.DEACTIVATED
    fields = _slack_fields(user)
    fields["is_active"] = True
    if person is None:
        people_store.upsert(slack_id, fields, session=session, now=now)
        return Outcome.CREATED
    if all(getattr(person, name) == value for name, value in fields.items()):
        return Outcome.UNCHANGED
    people_store.upsert(slack_id, fields, session=session, now=now)
    return Outcome.UPDATED


def sync_people(
    users: Iterable[Mapping[str, Any]], *, open_session: SessionFactory, now: datetime
) -> SyncReport:
    """Apply every Slack user in ``users`` (e.g. all pages of users.list), committing in batches."""
    report = SyncReport()
    batch: list[Mapping[str, Any]] = []

    def flush() -> None:
        with unit_of_work(open_session) as session:
            for user in batch:
                report.count(apply_slack_user(session, user, now=now))
        batch.clear()

    for user in users:
        batch.append(user)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    return report
