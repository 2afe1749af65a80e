"""The directory from an HR export: parse the people CSV and import it, reporting every line.

The importer never aborts on a bad row and never accepts one silently. A file is refused
as a whole only when it cannot be read as a table (no header, no identifying column, an
unknown or repeated column); then nothing changes. Otherwise each non-blank row is either
imported or reported with the line it starts on:

- a bad cell refuses the row; a bad *mentor* cell refuses only the mentor part (the
  person's HR columns still import);
- a ``slack_id`` or email repeated in the file: the first line wins, later ones are skipped;
- a manager chain that loops (in the file, or through managers already in the directory)
  refuses every row on the loop; a manager who is the person themself (also by an email
  alias) refuses the row;
- an unknown manager is a warning: the row imports (see ``import_people``).

Emails are resolved (directory first, then Slack) before anything is written, so Slack
being unreachable stops the import with nothing written.
"""

from __future__ import annotations

import csv
import io
import re
import threading
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from storage import people as people_store
from storage.db import SessionFactory, write_unit

SLACK_ID = re.compile(r"[UW][A-Z0-9]{2,31}")
EMAIL = re.compile(r"[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+")
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0", ""}

HR_COLUMNS = ("name", "area", "title", "level", "manager", "start_date", "location")
MENTOR_COLUMNS = ("mentor_topics", "mentor_capacity", "reverse_mentoring")
KNOWN_COLUMNS = {"slack_id", "email", *HR_COLUMNS, *MENTOR_COLUMNS}
TEXT_COLUMNS = ("name", "area", "title", "location")

MAX_TEXT = 200  # name, area, title, location (the Person columns' bound)
MAX_EMAIL = 320
MAX_TOPIC = 80
MAX_CAPACITY = 10
# The longest cell read at all, per column; longer is reported before any other check.
MAX_CELL = {
    "slack_id": 32,
    "email": MAX_EMAIL,
    "manager": MAX_EMAIL,
    "level": 20,
    "start_date": 20,
    "mentor_topics": 2000,
    "mentor_capacity": 20,
    "reverse_mentoring": 20,
    **dict.fromkeys(TEXT_COLUMNS, MAX_TEXT),
}
SHOWN = 40  # characters of a bad cell quoted back in a report

COLUMNS_HELP = f"""\
The file: UTF-8 (a BOM is fine), a header row, then one row per person.
  slack_id           Slack user ID, like U012AB3CD   (at least one of slack_id and
  email              looked up in Slack               email; slack_id wins if both)
  name, area, title, location   text, at most {MAX_TEXT} characters each
  level              whole number 0-100, higher is more senior
  manager            the manager's slack_id or email
  start_date         YYYY-MM-DD
Optional mentor columns (a bad mentor cell skips only the mentor part of the row):
  mentor_topics      topics separated by ';', each at most {MAX_TOPIC} characters, at most 15
  mentor_capacity    whole number 0-{MAX_CAPACITY}: conversations at once; 0 = a mentor not
                     taking requests now (the offer is paused until `/mentor resume`)
  reverse_mentoring  yes or no
Columns missing from the file are left as they are; blank rows are skipped.
Every other row is imported or reported with its line:
  - a slack_id or email repeated in the file: the first line is kept, later ones skipped;
  - a manager chain that loops (A->B->A, also through managers already imported) or a
    person who is their own manager (also by email) refuses those rows;
  - an unknown manager ID is a warning: the row imports and the link is kept, taking
    effect once that manager is imported; a manager email no Slack user has is a
    warning too, and the manager link is left empty.
Emails are looked up before anything is written: if Slack cannot be reached, nothing
is imported and the exit status is 1. Exit status: 0 all imported, 1 some line was
refused (see the report), 2 the file as a whole cannot be read."""

EmailResolver = Callable[[str], str | None]

_FIELD_LIMIT = threading.Lock()


class CsvFormatError(Exception):
    """The file as a whole cannot be read (no header, no identifying column)."""


class SlackUnavailable(Exception):
    """Slack could not answer an email lookup (unreachable, 5xx, refused); ``str`` says why."""


@dataclass(frozen=True)
class MentorColumns:
    """The optional mentor columns of one row; None where the column is absent or blank.

    ``capacity`` 0 means a mentor who is not taking requests now (the offer is paused).
    """

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
    mentor: MentorColumns  # empty when the mentor cells were bad (reported as an error)
    sets_manager: bool = False  # the file has a manager column (blank clears the link)


@dataclass(frozen=True)
class RowError:
    """A problem on a line. ``skipped`` is False when the row still imported (its mentor
    part, or a warning)."""

    line: int
    reason: str
    skipped: bool = True


@dataclass
class ImportReport:
    """What an import did. ``created``/``updated`` count rows imported in full; ``partial``
    rows whose person imported but whose mentor columns were refused."""

    created: int = 0
    updated: int = 0
    partial: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    imported_lines: list[int] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def failed(self) -> int:
        """Rows not imported at all."""
        return len({e.line for e in self.errors if e.skipped})


# --- parsing ------------------------------------------------------------------------------


def decode_csv(data: bytes) -> str:
    """The file's text; CsvFormatError naming the line of the first byte that is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise CsvFormatError(
            f"line {line} is not UTF-8 (byte 0x{data[exc.start]:02X}): save the file as "
            "“CSV UTF-8” and import it again"
        ) from None


def parse_people_csv(text: str) -> tuple[list[PersonRow], list[RowError]]:
    """Parse an HR export. Bad rows come back as errors with the line they start on.

    A row whose mentor cells are bad comes back too (without them), with an error that
    has ``skipped=False``. Raises CsvFormatError when the file cannot be read as a whole.
    """
    records = _records(text.lstrip("\ufeff"))
    headers = _header(records)
    rows: list[PersonRow] = []
    errors: list[RowError] = []
    for line, record in records:
        if isinstance(record, csv.Error):
            errors.append(RowError(line, f"cannot be read as CSV ({record})"))
            continue
        if not any(cell.strip() for cell in record):
            continue
        if any(cell.strip() for cell in record[len(headers) :]):
            errors.append(RowError(line, "more cells than columns in the header"))
            continue
        cells = {h: c.strip() for h, c in zip(headers, record, strict=False) if h}
        try:
            row, mentor_problem = _parse_row(line, cells, headers)
        except ValueError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        rows.append(row)
        if mentor_problem:
            errors.append(RowError(line, mentor_problem, skipped=False))
    return rows, errors


def _records(text: str) -> list[tuple[int, list[str] | csv.Error]]:
    """Every record with the line it starts on. The csv module's field limit is lifted
    while reading (our own per-column bounds report long cells with their line instead of
    aborting the whole file)."""
    with _FIELD_LIMIT:
        previous = csv.field_size_limit(max(len(text) + 1, csv.field_size_limit()))
        try:
            return list(_read(csv.reader(io.StringIO(text, newline=""))))
        finally:
            csv.field_size_limit(previous)


def _read(reader: Any) -> Iterator[tuple[int, list[str] | csv.Error]]:
    while True:
        start = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # reported on its line; the reader goes on with the next
            yield start, exc
            continue
        yield start, record


def _header(records: list[tuple[int, list[str] | csv.Error]]) -> list[str]:
    """Take the header (the first non-blank record) off ``records``; CsvFormatError if bad."""
    while records:
        line, record = records.pop(0)
        if isinstance(record, csv.Error):
            raise CsvFormatError(f"the header on line {line} cannot be read ({record})")
        if any(cell.strip() for cell in record):
            break
    else:
        raise CsvFormatError("the file is empty: expected a header row")
    headers = [h.strip().lower() for h in record]
    if "slack_id" not in headers and "email" not in headers:
        raise CsvFormatError("the header needs a slack_id or an email column")
    unknown = [_name(h) for h in headers if h and h not in KNOWN_COLUMNS]
    if unknown:
        raise CsvFormatError(
            f"unknown column(s): {', '.join(unknown)}; expected some of "
            + ", ".join(sorted(KNOWN_COLUMNS))
        )
    repeated = sorted({_name(h) for h in headers if h and headers.count(h) > 1})
    if repeated:
        raise CsvFormatError(f"column(s) named twice in the header: {', '.join(repeated)}")
    return headers


def _parse_row(
    line: int, cells: dict[str, str], headers: list[str]
) -> tuple[PersonRow, str | None]:
    for column, value in cells.items():
        if column not in MENTOR_COLUMNS and len(value) > MAX_CELL[column]:
            raise ValueError(
                f"{column} is {len(value):,} characters long, longer than {MAX_CELL[column]}"
            )
    slack_id = cells.get("slack_id") or None
    email = cells.get("email") or None
    if slack_id is None and email is None:
        raise ValueError("no slack_id and no email: one is needed to know who this is")
    if slack_id is not None and not SLACK_ID.fullmatch(slack_id):
        raise ValueError(f"slack_id {_shown(slack_id)} is not a Slack user ID (like U012AB3CD)")
    if email is not None and not EMAIL.fullmatch(email):
        raise ValueError(f"email {_shown(email)} is not an email address")
    fields: dict[str, Any] = {}
    if email is not None:
        fields["email"] = email
    for column in TEXT_COLUMNS:
        if column in headers:
            value = _text(cells.get(column, ""), column)
            if column == "name" and not value:
                continue  # keep the name Slack gave us
            fields[column] = value or None
    if "level" in headers:
        fields["level"] = _integer(cells.get("level", ""), "level", low=0, high=100)
    if "start_date" in headers:
        fields["start_date"] = _date(cells.get("start_date", ""))
    manager = cells.get("manager") or None
    if manager is not None and not (SLACK_ID.fullmatch(manager) or EMAIL.fullmatch(manager)):
        raise ValueError(f"manager {_shown(manager)} is neither a Slack user ID nor an email")
    if manager is not None and manager.lower() in {(slack_id or "").lower(), (email or "").lower()}:
        raise ValueError("a person cannot be their own manager")
    try:
        mentor, problem = _mentor_columns(cells), None
    except ValueError as exc:
        mentor, problem = MentorColumns(), f"mentor columns not imported: {exc}"
    row = PersonRow(line, slack_id, email, fields, manager, mentor, "manager" in headers)
    return row, problem


def _text(value: str, column: str) -> str:
    """One line of text: runs of whitespace (line breaks, tabs) become one space."""
    value = " ".join(value.split())
    if len(value) > MAX_TEXT:
        raise ValueError(f"{column} is longer than {MAX_TEXT} characters")
    bad = next((c for c in value if unicodedata.category(c) in ("Cc", "Cs")), None)
    if bad is not None:
        raise ValueError(f"{column} contains a control character (U+{ord(bad):04X})")
    return value


def _mentor_columns(cells: dict[str, str]) -> MentorColumns:
    for column in MENTOR_COLUMNS:
        value = cells.get(column, "")
        if len(value) > MAX_CELL[column]:
            raise ValueError(
                f"{column} is {len(value):,} characters long, longer than {MAX_CELL[column]}"
            )
    topics_cell = cells.get("mentor_topics", "")
    topics = tuple(_text(t, "a mentor topic") for t in topics_cell.split(";") if t.strip())
    if topics and any(len(t) > MAX_TOPIC for t in topics):
        raise ValueError(f"a mentor topic is longer than {MAX_TOPIC} characters")
    capacity = _integer(
        cells.get("mentor_capacity", ""), "mentor_capacity", low=0, high=MAX_CAPACITY
    )
    reverse_cell = cells.get("reverse_mentoring", "").lower()
    if reverse_cell not in YES | NO:
        raise ValueError(f"reverse_mentoring {_shown(reverse_cell)} should be yes or no")
    reverse = (reverse_cell in YES) if reverse_cell else None
    return MentorColumns(topics or None, capacity, reverse)


def _integer(value: str, column: str, *, low: int, high: int) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"[+-]?[0-9]{1,9}", value):
        raise ValueError(f"{column} {_shown(value)} is not a whole number")
    number = int(value)
    if not low <= number <= high:
        raise ValueError(f"{column} {number} is outside {low}–{high}")
    return number


def _date(value: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"start_date {_shown(value)} is not a date like 2026-01-31") from None


def _name(header: str) -> str:
    """A column name quoted back: as it is when printable, else like ``_shown``."""
    return header if header.isprintable() and len(header) <= SHOWN else _shown(header)


def _shown(value: str) -> str:
    """A cell quoted back in a report: repr'd (control characters visible), clipped."""
    clipped = value if len(value) <= SHOWN else value[:SHOWN] + "…"
    return repr(clipped)


# --- importing ----------------------------------------------------------------------------

# ``apply_offers(session, [(person id, mentor columns)], now)``: refused items by index.
OfferApplier = Callable[[Session, list[tuple[int, MentorColumns]], datetime], dict[int, str]]


def import_people(
    text: str,
    *,
    open_session: SessionFactory,
    resolve_email: EmailResolver,
    now: datetime,
    apply_offers: OfferApplier | None = None,
) -> ImportReport:
    """Create or update everyone in the CSV; report every row that is refused, by line.

    First every email is resolved (the directory, then Slack), duplicates and manager
    loops are found; then the accepted rows are written in one transaction, a batch of
    rows per statement (all or nothing: a crash mid-import leaves the directory as it
    was). A refused mentor part keeps the person.

    Args:
        resolve_email: finds a Slack user ID for an email (Slack's users.lookupByEmail);
            None when no one has it; raises SlackUnavailable when Slack cannot answer,
            which this passes on having written nothing.
        apply_offers: called once as ``apply_offers(session, [(person id, columns)], now)``
            for the rows with mentor columns, to create or update their offers; returns the
            refused items by index with the reason (that row's mentor part only).

    Raises:
        CsvFormatError: the file cannot be read as a whole (nothing is written).
        SlackUnavailable: an email could not be looked up (nothing is written).
    """
    rows, errors = parse_people_csv(text)
    report = ImportReport(errors=list(errors))
    mentor_refused = {e.line for e in errors if not e.skipped}
    with write_unit(open_session) as session:  # the write lock first: never "locked" mid-way
        plan = _Plan(session, resolve_email, report)
        accepted = plan.accept(rows)
        existing = people_store.ids_by_slack_id((sid for _, sid, _ in accepted), session=session)
        new = [
            {**fields, "slack_id": sid, "created_at": now, "updated_at": now}
            for _, sid, fields in accepted
            if sid not in existing
        ]
        changed = [
            {**fields, "id": existing[sid], "updated_at": now}
            for _, sid, fields in accepted
            if sid in existing
        ]
        people_store.add_and_update(new, changed, session=session)
        ids = {
            **existing,
            **people_store.ids_by_slack_id((r["slack_id"] for r in new), session=session),
        }
        mentors = [(row, ids[sid]) for row, sid, _ in accepted if row.mentor != MentorColumns()]
        if apply_offers is not None and mentors:
            refused = apply_offers(session, [(pid, row.mentor) for row, pid in mentors], now)
            for index, reason in refused.items():
                line = mentors[index][0].line
                report.errors.append(
                    RowError(line, f"mentor columns not imported: {reason}", skipped=False)
                )
                mentor_refused.add(line)
        for row, sid, _ in accepted:
            report.imported_lines.append(row.line)
            if row.line in mentor_refused:
                report.partial += 1
            elif sid in existing:
                report.updated += 1
            else:
                report.created += 1
    report.errors.sort(key=lambda e: e.line)
    report.warnings.sort(key=lambda e: e.line)
    return report


class _Plan:
    """The checks that need resolved identities: duplicates, own manager, loops, unknowns."""

    def __init__(self, session: Session, resolve_email: EmailResolver, report: ImportReport):
        self.session = session
        self.resolve_email = resolve_email
        self.report = report
        self.by_email: dict[str, str | None] = {}

    def accept(self, rows: list[PersonRow]) -> list[tuple[PersonRow, str, dict[str, Any]]]:
        """The rows to write, as (row, slack_id, fields), in line order; the rest reported."""
        rows = self._first_of_each(rows)
        self._prime(rows)
        resolved = self._resolve(rows)  # every Slack lookup happens here, before any write
        accepted: dict[str, tuple[PersonRow, dict[str, Any]]] = {}
        first_line: dict[str, int] = {}
        for row, slack_id, manager_id in resolved:
            if slack_id in first_line:
                self._refuse(
                    row,
                    f"{row.email} is {slack_id}, already on line {first_line[slack_id]}: "
                    f"line {first_line[slack_id]} is kept, line {row.line} skipped",
                )
                continue
            first_line[slack_id] = row.line
            if manager_id is not None and manager_id == slack_id:
                self._refuse(
                    row, f"a person cannot be their own manager ({row.manager} is {slack_id})"
                )
                continue
            fields = dict(row.fields)
            if row.sets_manager:
                fields["manager_slack_id"] = manager_id
            accepted[slack_id] = (row, fields)
        self._refuse_loops(accepted)
        self._warn_unknown_managers(accepted)
        ordered = sorted(accepted.items(), key=lambda item: item[1][0].line)
        return [(row, slack_id, fields) for slack_id, (row, fields) in ordered]

    def _refuse(self, row: PersonRow, reason: str) -> None:
        self.report.errors.append(RowError(row.line, reason))

    def _first_of_each(self, rows: list[PersonRow]) -> list[PersonRow]:
        """A slack_id or email repeated in the file: the first line wins."""
        seen_ids: dict[str, int] = {}
        seen_emails: dict[str, int] = {}
        kept = []
        for row in rows:
            email = (row.email or "").lower()
            if row.slack_id is not None and row.slack_id in seen_ids:
                first = seen_ids[row.slack_id]
                self._refuse(
                    row,
                    f"repeats {row.slack_id} of line {first}: "
                    f"line {first} is kept, line {row.line} skipped",
                )
                continue
            if email and email in seen_emails:
                first = seen_emails[email]
                self._refuse(
                    row,
                    f"repeats the email {row.email} of line {first}: "
                    f"line {first} is kept, line {row.line} skipped",
                )
                continue
            if row.slack_id is not None:
                seen_ids[row.slack_id] = row.line
            if email:
                seen_emails[email] = row.line
            kept.append(row)
        return kept

    def _resolve(self, rows: list[PersonRow]) -> list[tuple[PersonRow, str, str | None]]:
        """(row, slack_id, manager's slack_id or None) for rows whose identity resolves."""
        resolved = []
        for row in rows:
            slack_id = row.slack_id or self._lookup(row.email or "")
            if slack_id is None:
                self._refuse(row, f"no Slack user has the email {row.email}")
                continue
            manager_id = None
            if row.manager is not None:
                manager_id = self._lookup(row.manager)
                if manager_id is None:
                    self.report.warnings.append(
                        RowError(
                            row.line,
                            f"no Slack user has the manager's email {row.manager}: "
                            "the manager link is left empty",
                            skipped=False,
                        )
                    )
            resolved.append((row, slack_id, manager_id))
        return resolved

    def _prime(self, rows: list[PersonRow]) -> None:
        """Every email the file names that the directory knows, in a few queries."""
        emails = {row.email for row in rows if row.slack_id is None and row.email}
        emails |= {
            row.manager for row in rows if row.manager and not SLACK_ID.fullmatch(row.manager)
        }
        known = people_store.slack_ids_by_email((e for e in emails if e), session=self.session)
        self.by_email.update(known)

    def _lookup(self, who: str) -> str | None:
        if SLACK_ID.fullmatch(who):
            return who
        key = who.lower()
        if key not in self.by_email:  # not in the directory (``_prime``): ask Slack
            self.by_email[key] = self.resolve_email(who)
        return self.by_email[key]

    def _refuse_loops(self, accepted: dict[str, tuple[PersonRow, dict[str, Any]]]) -> None:
        """Refuse every row on a manager loop: in the file, or through the directory."""
        stored = people_store.manager_links(session=self.session)
        while True:
            from_file = {p: f for p, (_row, f) in accepted.items() if "manager_slack_id" in f}
            links: dict[str, str | None] = dict(stored)
            links.update((p, f["manager_slack_id"]) for p, f in from_file.items())
            loops = [c for c in manager_loops(links) if any(p in from_file for p in c)]
            if not loops:
                return
            for loop in loops:
                on_loop = [p for p in loop if p in from_file]
                lines = sorted(accepted[p][0].line for p in on_loop)
                for slack_id in on_loop:
                    row = accepted.pop(slack_id)[0]
                    self._refuse(
                        row,
                        f"the manager chain loops: {_chain(loop, slack_id)} "
                        f"(line{'s' if len(lines) > 1 else ''} "
                        f"{', '.join(map(str, lines))} skipped; fix one manager)",
                    )

    def _warn_unknown_managers(self, accepted: dict[str, tuple[PersonRow, dict[str, Any]]]) -> None:
        wanted = {
            fields["manager_slack_id"]
            for _row, fields in accepted.values()
            if fields.get("manager_slack_id")
        }
        known = set(accepted) | set(people_store.get_many(wanted, session=self.session))
        for row, fields in accepted.values():
            manager = fields.get("manager_slack_id")
            if manager and manager not in known:
                self.report.warnings.append(
                    RowError(
                        row.line,
                        f"manager {manager} is not in the directory or this file yet: the link "
                        "is kept and takes effect once they are imported",
                        skipped=False,
                    )
                )


def manager_loops(links: dict[str, str | None]) -> list[list[str]]:
    """Each loop in the person → manager links, as the people on it in chain order."""
    loops: list[list[str]] = []
    done: set[str] = set()
    for start in links:
        path: dict[str, int] = {}
        person: str | None = start
        while person is not None and person not in done and person not in path:
            path[person] = len(path)
            person = links.get(person)
        if person is not None and person in path:
            loops.append(list(path)[path[person] :])
        done.update(path)
    return loops


def _chain(loop: list[str], start: str, *, longest: int = 8) -> str:
    """The loop as it reads from ``start``'s row: start → manager → … → start."""
    at = loop.index(start)
    loop = loop[at:] + loop[:at]
    shown = loop if len(loop) <= longest else [*loop[:longest], "…"]
    return " → ".join([*shown, start])
