"""The directory from an HR export: parse the people CSV and import it row by row."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from storage import people as people_store
from storage.db import SessionFactory, unit_of_work

SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}

HR_COLUMNS = ("name", "area", "title", "level", "manager", "start_date", "location")
MENTOR_COLUMNS = ("mentor_topics", "mentor_capacity", "reverse_mentoring")
KNOWN_COLUMNS = {"slack_id", "email", *HR_COLUMNS, *MENTOR_COLUMNS}

EmailResolver = Callable[[str], str | None]


class CsvFormatError(Exception):
    """The file as a whole cannot be read (no header, no identifying column)."""


@dataclass(frozen=True)
class MentorColumns:
    """The optional mentor columns of one row; None where the column is absent or blank."""

    topics: tuple[str, ...] | None = None
    capacity: int | None = None
    reverse_mentoring: bool | None = None


@dataclass(frozen=True)
class PersonRow:
    """One valid CSV row: the identity plus the HR fields present in the file."""

    line: int
    slack_id: str | None
    email: str | None
    fields: dict[str, Any]
    manager: str | None  # slack_id or email, resolved at import
    mentor: MentorColumns


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_people_csv(text: str) -> tuple[list[PersonRow], list[RowError]]:
    """Parse an HR export. Bad rows come back as errors with their line numbers."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise CsvFormatError("the file is empty: expected a header row")
    headers = [h.strip().lower() for h in reader.fieldnames if h is not None]
    reader.fieldnames = headers
    if "slack_id" not in headers and "email" not in headers:
        raise CsvFormatError("the header needs a slack_id or an email column")
    unknown = [h for h in headers if h and h not in KNOWN_COLUMNS]
    if unknown:
        raise CsvFormatError(
            f"unknown column(s): {', '.join(unknown)}; expected some of "
            + ", ".join(sorted(KNOWN_COLUMNS))
        )
    rows: list[PersonRow] = []
    errors: list[RowError] = []
    for raw in reader:
        line = reader.line_num
        if None in raw:
            errors.append(RowError(line, "more cells than columns in the header"))
            continue
        cells = {k: (v or "").strip() for k, v in raw.items() if k}
        if not any(cells.values()):
            continue
        try:
            rows.append(_parse_row(line, cells, headers))
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
    return rows, errors


def _parse_row(line: int, cells: dict[str, str], headers: list[str]) -> PersonRow:
    slack_id = cells.get("slack_id") or None
    email = cells.get("email") or None
    if slack_id is None and email is None:
        raise ValueError("no slack_id and no email: one is needed to know who this is")
    if slack_id is not None and not SLACK_ID.match(slack_id):
        raise ValueError(f"slack_id {slack_id!r} is not a Slack user ID (like U012AB3CD)")
    if email is not None and not EMAIL.match(email):
        raise ValueError(f"email {email!r} is not an email address")
    fields: dict[str, Any] = {}
    if email is not None:
        fields["email"] = email
    for text_column in ("name", "area", "title", "location"):
        if text_column in headers:
            value = cells.get(text_column, "")
            if len(value) > 200:
                raise ValueError(f"{text_column} is longer than 200 characters")
            if text_column == "name" and not value:
                continue  # keep the name Slack gave us
            fields[text_column] = value or None
    if "level" in headers:
        fields["level"] = _integer(cells.get("level", ""), "level", low=0, high=100)
    if "start_date" in headers:
        fields["start_date"] = _date(cells.get("start_date", ""))
    manager = cells.get("manager") or None
    if manager is not None and not (SLACK_ID.match(manager) or EMAIL.match(manager)):
        raise ValueError(f"manager {manager!r} is neither a Slack user ID nor an email")
    if manager is not None and manager in (slack_id, email):
        raise ValueError("a person cannot be their own manager")
    if "manager" in headers and manager is None:
        fields["manager_slack_id"] = None
    return PersonRow(line, slack_id, email, fields, manager, _mentor_columns(cells))


def _mentor_columns(cells: dict[str, str]) -> MentorColumns:
    topics_cell = cells.get("mentor_topics", "")
    topics = tuple(t.strip() for t in topics_cell.split(";") if t.strip()) or None
    if topics and any(len(t) > 80 for t in topics):
        raise ValueError("a mentor topic is longer than 80 characters")
    capacity = _integer(cells.get("mentor_capacity", ""), "mentor_capacity", low=1, high=10)
    reverse_cell = cells.get("reverse_mentoring", "").lower()
    if reverse_cell not in YES | NO:
        raise ValueError(f"reverse_mentoring {reverse_cell!r} should be yes or no")
    reverse = (reverse_cell in YES) if reverse_cell else None
    return MentorColumns(topics, capacity, reverse)


def _integer(value: str, column: str, *, low: int, high: int) -> int | None:
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not a whole number") from None
    if not low <= number <= high:
        raise ValueError(f"{column} {number} is outside {low}–{high}")
    return number


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"start_date {value!r} is not a date like 2026-01-31") from None


OfferApplier = Callable[..., None]


def import_people(
    text: str,
    *,
    open_session: SessionFactory,
    resolve_email: EmailResolver,
    now: datetime,
    apply_offer: OfferApplier | None = None,
) -> ImportReport:
    """Create or update everyone in the CSV; each row commits alone, so one bad row spoils nothing.

    Args:
        resolve_email: finds a Slack user ID for an email (Slack's users.lookupByEmail).
        apply_offer: called as ``apply_offer(session, person, mentor_columns, now)`` for rows
            with mentor columns, to create or update the mentor offer.
    """
    rows, errors = parse_people_csv(text)
    report = ImportReport(errors=list(errors))
    for row in rows:
        try:
            with unit_of_work(open_session) as session:
                slack_id = row.slack_id or _resolve(row.email or "", session, resolve_email)
                fields = dict(row.fields)
                if row.manager is not None:
                    fields["manager_slack_id"] = _resolve(row.manager, session, resolve_email)
                existed = people_store.get_by_slack_id(slack_id, session=session) is not None
                person = people_store.upsert(slack_id, fields, session=session, now=now)
                if apply_offer is not None and row.mentor != MentorColumns():
                    apply_offer(session, person, row.mentor, now)
        except ValueError as exc:
            report.errors.append(RowError(row.line, str(exc)))
            continue
        if existed:
            report.updated += 1
        else:
            report.created += 1
    report.errors.sort(key=lambda e: e.line)
    return report


def _resolve(who: str, session: Any, resolve_email: EmailResolver) -> str:
    if SLACK_ID.match(who):
        return who
    known = people_store.get_by_email(who, session=session)
    if known is not None:
        return known.slack_id
    slack_id = resolve_email(who)
    if slack_id is None:
        raise ValueError(f"no Slack user has the email {who}")
    return slack_id
