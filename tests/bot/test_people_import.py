"""Importing the HR export: create, update in place, report bad rows by line, keep the rest."""

from __future__ import annotations

import csv
import io
import json
import re
import socket
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session, select

from bot.context import Deps
from bot.offers import apply_offers, offer_summary
from bot.people import (
    KNOWN_COLUMNS,
    CsvFormatError,
    ImportReport,
    SlackUnavailable,
    decode_csv,
    import_people,
    manager_loops,
    parse_people_csv,
)
from bot.slack import build_client, email_resolver
from storage.models import Person
from tests.conftest import Harness
from tests.fakeslack import FakeSlack

HEADER = "slack_id,email,name,area,title,level,manager,start_date,location\n"


def _import(deps: Deps, text: str):  # type: ignore[no-untyped-def]
    return import_people(
        text,
        open_session=deps.open_session,
        resolve_email=email_resolver(build_client(deps.settings)),
        now=deps.clock(),
    )


def _people(deps: Deps) -> dict[str, Person]:
    with Session(deps.engine) as session:
        return {p.slack_id: p for p in session.exec(select(Person)).all()}


def test_import_creates_people_with_every_column(deps: Deps, fake_slack: FakeSlack) -> None:
    fake_slack.add_user("U0BOSS001", "Bea Boss", email="bea@example.com")
    text = HEADER + (
        "U0ALICE01,alice@example.com,Alice Doe,Engineering,Engineer,3,bea@example.com,"
        "2026-09-01,Berlin\n"
    )
    report = _import(deps, text)
    assert (report.created, report.updated, report.errors) == (1, 0, [])
    alice = _people(deps)["U0ALICE01"]
    assert alice.name == "Alice Doe"
    assert alice.area == "Engineering"
    assert alice.level == 3
    assert alice.manager_slack_id == "U0BOSS001"  # resolved through Slack by email
    assert alice.start_date == date(2026, 9, 1)
    assert alice.location == "Berlin"
    assert fake_slack.calls_to("users.lookupByEmail")[0].params["email"] == "bea@example.com"


def test_a_person_known_only_by_email_is_resolved_through_slack(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0CARL001", "Carl Who", email="carl@example.com")
    report = _import(deps, "email,name,area\ncarl@example.com,Carl,Sales\n")
    assert report.ok
    assert _people(deps)["U0CARL001"].area == "Sales"


def test_reimport_updates_in_place_and_keeps_what_the_file_does_not_say(deps: Deps) -> None:
    _import(deps, HEADER + "U0ALICE01,,Alice Doe,Engineering,Engineer,3,,2026-09-01,Berlin\n")
    report = _import(deps, "slack_id,area,level\nU0ALICE01,Product,4\n")
    assert (report.created, report.updated) == (0, 1)
    people = _people(deps)
    assert len(people) == 1
    alice = people["U0ALICE01"]
    assert (alice.area, alice.level) == ("Product", 4)
    assert alice.name == "Alice Doe"  # no name column: unchanged
    assert alice.location == "Berlin"


def test_bad_rows_are_reported_by_line_and_the_rest_still_import(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    text = HEADER + "\n".join(
        [
            "U0ALICE01,,Alice,Engineering,Engineer,3,,2026-09-01,Berlin",  # line 2: fine
            "U0BOB0001,,Bob,Sales,Rep,three,,,",  # line 3: level
            "U0CARA001,,Cara,Sales,Rep,2,,01/09/2026,",  # line 4: date
            ",,Nobody,Sales,Rep,2,,,",  # line 5: no identity
            "not-an-id,,Dan,Sales,Rep,2,,,",  # line 6: slack id
            ",ghost@example.com,Ghost,Sales,Rep,2,,,",  # line 7: unknown email
            "U0EVE0001,,Eve,Sales,Rep,2,U0EVE0001,,",  # line 8: own manager
            "U0FAY0001,,Fay,Support,Agent,1,,,Lisbon",  # line 9: fine
        ]
    )
    report = _import(deps, text)
    assert report.created == 2
    reasons = {e.line: e.reason for e in report.errors}
    assert set(reasons) == {3, 4, 5, 6, 7, 8}
    assert "level 'three' is not a whole number" in reasons[3]
    assert "not a date" in reasons[4]
    assert "no slack_id and no email" in reasons[5]
    assert "not a Slack user ID" in reasons[6]
    assert "no Slack user has the email ghost@example.com" in reasons[7]
    assert "own manager" in reasons[8]
    assert set(_people(deps)) == {"U0ALICE01", "U0FAY0001"}


def test_mentor_columns_are_checked_too() -> None:
    rows, errors = parse_people_csv(
        "slack_id,mentor_topics,mentor_capacity,reverse_mentoring\n"
        "U0ALICE01,Public speaking; Career plans ,2,yes\n"
        "U0BOB0001,Negotiation,11,no\n"
        "U0CARA001,Negotiation,2,maybe\n"
    )
    assert rows[0].mentor.topics == ("Public speaking", "Career plans")
    assert rows[0].mentor.capacity == 2
    assert rows[0].mentor.reverse_mentoring is True
    assert [(e.line, "mentor_capacity 11" in e.reason) for e in errors][0] == (3, True)
    assert "reverse_mentoring 'maybe'" in errors[1].reason


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("name,area\nAlice,Sales\n", "slack_id or an email"),
        ("slack_id,favourite_colour\nU0ALICE01,blue\n", "unknown column(s): favourite_colour"),
    ],
)
def test_a_file_that_cannot_be_read_as_a_whole_says_why(text: str, problem: str) -> None:
    with pytest.raises(CsvFormatError, match=re.escape(problem)):
        parse_people_csv(text)


def test_a_stray_extra_cell_is_a_row_error_not_a_crash() -> None:
    rows, errors = parse_people_csv("slack_id,name\nU0ALICE01,Alice,extra\nU0BOB0001,Bob\n")
    assert [r.slack_id for r in rows] == ["U0BOB0001"]
    assert errors[0].line == 2


def test_cli_import_exits_1_and_lists_failed_lines(
    deps: Deps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    for key, value in {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_API_URL": deps.settings.slack_api_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    csv_file = tmp_path / "people.csv"
    csv_file.write_text(HEADER + "U0ALICE01,,Alice,Eng,Eng,3,,,\nU0BOB0001,,Bob,Eng,Eng,x,,,\n")
    assert main(["import-people", str(csv_file)]) == 1
    out, err = capsys.readouterr()
    assert "1 created, 0 updated, 1 failed" in out
    assert "line 3: level 'x' is not a whole number" in err

    csv_file.write_text(HEADER + "U0ALICE01,,Alice,Product,Eng,3,,,\n")
    assert main(["import-people", str(csv_file)]) == 0
    assert "0 created, 1 updated, 0 failed" in capsys.readouterr().out

    assert main(["import-people", str(tmp_path / "missing.csv")]) == 2
    assert "Cannot read" in capsys.readouterr().err


def _import_offers(deps: Deps, text: str) -> ImportReport:
    return import_people(
        text,
        open_session=deps.open_session,
        resolve_email=email_resolver(build_client(deps.settings)),
        now=deps.clock(),
        apply_offers=apply_offers,
    )


def _reasons(report: ImportReport) -> dict[int, str]:
    return {e.line: e.reason for e in report.errors}


def test_a_cell_over_the_csv_field_limit_is_reported_with_its_line_and_the_rest_import(
    deps: Deps,
) -> None:
    huge = "x" * 200_000  # over the csv module's default limit of 131072
    text = (
        "slack_id,name,area\n"
        "U0ALICE01,Alice,Sales\n"
        f'U0BOB0001,"{huge}\n{huge}",Sales\n'  # line 3, a quoted cell over two lines
        f"U0CARA001,Cara,{huge}\n"  # line 5
        "U0DAN0001,Dan,Support\n"  # line 6
    )
    report = _import(deps, text)
    reasons = _reasons(report)
    assert set(reasons) == {3, 5}
    assert "name is 400,001 characters long" in reasons[3]
    assert "area is 200,000 characters long" in reasons[5]
    assert all(len(r) < 200 for r in reasons.values())  # the cell is not echoed back
    assert set(_people(deps)) == {"U0ALICE01", "U0DAN0001"}
    assert report.imported_lines == [2, 6]


def test_text_cells_are_one_bounded_line(deps: Deps) -> None:
    long_title = "T" * 201
    text = (
        "slack_id,name,title\n"
        'U0ALICE01,"Alice\n  Doe",Engineer\n'
        f"U0BOB0001,Bob,{long_title}\n"
        "U0CARA001,Ca\x00ra,Engineer\n"
    )
    report = _import(deps, text)
    assert _reasons(report) == {
        4: "title is 201 characters long, longer than 200",
        5: "name contains a control character (U+0000)",
    }
    assert _people(deps)["U0ALICE01"].name == "Alice Doe"


def test_a_repeated_slack_id_or_email_keeps_the_first_line_and_reports_the_others(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0ALICE01", "Alice", email="alice@example.com")
    text = (
        "slack_id,email,area\n"
        "U0ALICE01,,Sales\n"  # 2: kept
        "U0BOB0001,bob@example.com,Support\n"  # 3: kept
        "U0ALICE01,,Finance\n"  # 4: same slack_id as 2
        "U0CARA001,BOB@example.com,Legal\n"  # 5: same email as 3
        ",alice@example.com,Product\n"  # 6: Slack says this is U0ALICE01 of line 2
    )
    report = _import(deps, text)
    assert _reasons(report) == {
        4: "repeats U0ALICE01 of line 2: line 2 is kept, line 4 skipped",
        5: "repeats the email BOB@example.com of line 3: line 3 is kept, line 5 skipped",
        6: "alice@example.com is U0ALICE01, already on line 2: line 2 is kept, line 6 skipped",
    }
    people = _people(deps)
    assert set(people) == {"U0ALICE01", "U0BOB0001"}
    assert people["U0ALICE01"].area == "Sales"
    assert (report.created, report.failed) == (2, 3)


def test_manager_loops_in_the_file_are_refused_with_their_lines(deps: Deps) -> None:
    text = (
        "slack_id,manager\n"
        "U0A000001,U0B000001\n"  # 2: A -> B
        "U0B000001,U0A000001\n"  # 3: B -> A
        "U0C000001,U0D000001\n"  # 4: C -> D -> E -> C
        "U0D000001,U0E000001\n"  # 5
        "U0E000001,U0C000001\n"  # 6
        "U0F000001,U0C000001\n"  # 7: F -> C: under the loop, not on it
        "U0G000001,\n"  # 8
    )
    report = _import(deps, text)
    reasons = _reasons(report)
    assert set(reasons) == {2, 3, 4, 5, 6}
    assert "the manager chain loops: U0A000001 → U0B000001 → U0A000001" in reasons[2]
    assert "lines 2, 3 skipped" in reasons[3]
    assert "U0C000001 → U0D000001 → U0E000001 → U0C000001" in reasons[4]
    assert "U0E000001 → U0C000001 → U0D000001 → U0E000001" in reasons[6]
    assert "lines 4, 5, 6 skipped" in reasons[4]
    assert set(_people(deps)) == {"U0F000001", "U0G000001"}
    # F's manager was refused: the link is kept, with a warning.
    assert [(w.line, "U0C000001 is not in the directory" in w.reason) for w in report.warnings] == [
        (7, True)
    ]
    assert _people(deps)["U0F000001"].manager_slack_id == "U0C000001"


def test_a_manager_loop_through_people_already_imported_is_refused(deps: Deps) -> None:
    assert _import(deps, "slack_id,manager\nU0A000001,U0B000001\nU0B000001,U0C000001\n").ok
    report = _import(deps, "slack_id,area,manager\nU0D000001,Sales,\nU0C000001,Sales,U0A000001\n")
    assert _reasons(report) == {
        3: "the manager chain loops: U0C000001 → U0A000001 → U0B000001 → U0C000001 "
        "(line 3 skipped; fix one manager)"
    }
    people = _people(deps)
    assert "U0C000001" not in people
    assert people["U0D000001"].area == "Sales"
    # A row without a manager column keeps its link and never counts as a loop.
    assert _import(deps, "slack_id,area\nU0A000001,Legal\n").ok


def test_a_manager_given_by_the_persons_own_email_is_refused(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    fake_slack.add_user("U0EVE0001", "Eve", email="eve.alias@example.com")
    text = (
        "slack_id,email,manager\n"
        "U0EVE0001,eve@example.com,eve.alias@example.com\n"
        "U0FAY0001,fay@example.com,FAY@example.com\n"
    )
    report = _import(deps, text)
    reasons = _reasons(report)
    assert "own manager (eve.alias@example.com is U0EVE0001)" in reasons[2]
    assert "own manager" in reasons[3]
    assert _people(deps) == {}


def test_an_unknown_manager_is_a_warning_and_the_row_imports(
    deps: Deps,
    fake_slack: FakeSlack,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = (
        "slack_id,manager\n"
        "U0ALICE01,U0NOBODY1\n"  # 2: an ID no one has imported: kept, pending
        "U0BOB0001,ghost@example.com\n"  # 3: an email no Slack user has: left empty
        "U0CARA001,U0ALICE01\n"  # 4: a manager in this file: fine
    )
    report = _import(deps, text)
    assert report.ok and report.created == 3
    assert [w.line for w in report.warnings] == [2, 3]
    assert "the link is kept" in report.warnings[0].reason
    assert "left empty" in report.warnings[1].reason
    people = _people(deps)
    assert people["U0ALICE01"].manager_slack_id == "U0NOBODY1"
    assert people["U0BOB0001"].manager_slack_id is None
    assert people["U0CARA001"].manager_slack_id == "U0ALICE01"


def test_slack_unreachable_while_resolving_emails_writes_nothing(
    deps: Deps, fake_slack: FakeSlack
) -> None:
    text = "slack_id,email\nU0ALICE01,\n,bob@example.com\n"
    fake_slack.fail("users.lookupByEmail", status=503, times=10)
    with pytest.raises(SlackUnavailable, match=r"HTTP 503 .*SLACK_API_URL="):
        _import(deps, text)
    assert _people(deps) == {}

    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: connection refused
    client = build_client(
        deps.settings.model_copy(update={"slack_api_url": f"http://127.0.0.1:{port}/api/"})
    )
    with pytest.raises(SlackUnavailable, match="Slack cannot be reached at SLACK_API_URL="):
        import_people(
            text,
            open_session=deps.open_session,
            resolve_email=email_resolver(client),
            now=deps.clock(),
        )
    assert _people(deps) == {}


def test_a_bad_mentor_column_keeps_the_persons_hr_row(deps: Deps) -> None:
    text = (
        "slack_id,area,mentor_topics,mentor_capacity,reverse_mentoring\n"
        "U0ALICE01,Sales,Negotiation,lots,yes\n"
        "U0BOB0001,Support,Negotiation,2,maybe\n"
        f"U0CARA001,Legal,{'T' * 81},2,no\n"
        "U0DAN0001,Finance,Negotiation,2,no\n"
    )
    report = _import_offers(deps, text)
    reasons = _reasons(report)
    assert set(reasons) == {2, 3, 4}
    assert all(r.startswith("mentor columns not imported: ") for r in reasons.values())
    assert "mentor_capacity 'lots' is not a whole number" in reasons[2]
    assert (report.created, report.partial, report.failed) == (1, 3, 0)
    people = _people(deps)
    assert {p.slack_id: p.area for p in people.values()} == {
        "U0ALICE01": "Sales",
        "U0BOB0001": "Support",
        "U0CARA001": "Legal",
        "U0DAN0001": "Finance",
    }
    with Session(deps.engine) as session:
        assert offer_summary(session, people["U0ALICE01"], now=deps.clock()) is None
        assert offer_summary(session, people["U0DAN0001"], now=deps.clock()) is not None


def test_mentor_capacity_0_imports_a_mentor_who_is_not_taking_requests(
    harness: Harness,
) -> None:
    deps = harness.deps
    text = (
        "slack_id,name,area,level,mentor_topics,mentor_capacity\n"
        "U0ALICE01,Alice,Sales,3,,\n"
        "U0BOB0001,Bob,Engineering,3,Negotiation,0\n"
        "U0CARA001,Cara,Engineering,3,Negotiation,2\n"
    )
    report = _import_offers(deps, text)
    assert (report.created, report.errors) == (3, [])
    with Session(deps.engine) as session:
        bob = _people(deps)["U0BOB0001"]
        summary = offer_summary(session, bob, now=deps.clock())
        assert summary is not None and summary.is_paused and summary.topics == ("Negotiation",)

    harness.slack.command("find negotiation", user="U0ALICE01")
    found = json.dumps(harness.fake.last("response_url").params)
    assert "U0CARA001" in found and "U0BOB0001" not in found
    harness.fake.clear()
    harness.slack.command("ask <@U0BOB0001>", user="U0ALICE01")
    assert "paused mentoring" in json.dumps(harness.fake.last("response_url").params)
    harness.slack.home_opened("U0BOB0001")
    home = harness.fake.wait_for(
        "views.publish", 1, where=lambda c: c.params["user_id"] == "U0BOB0001"
    )
    assert "Paused until you resume" in json.dumps(home[-1].params["view"])

    # A positive capacity later leaves the pause to the mentor (`/mentor resume`).
    _import_offers(deps, "slack_id,mentor_capacity\nU0BOB0001,3\n")
    with Session(deps.engine) as session:
        summary = offer_summary(session, _people(deps)["U0BOB0001"], now=deps.clock())
        assert summary is not None and summary.is_paused and summary.capacity == 3


# --- generated files ----------------------------------------------------------------------

IDS = ("U0A000001", "U0B000001", "U0C000001", "U0D000001", "U0E000001")
EMAILS = {  # what the stand-in for users.lookupByEmail answers
    "a@example.com": "U0A000001",
    "b@example.com": "U0B000001",
    "alias.a@example.com": "U0A000001",
    "f@example.com": "U0F000001",
    "ghost@example.com": None,
}
DOWN = "down@example.com"  # Slack cannot answer for this one
JUNK_HEADERS = (" Slack_ID ", "favourite_colour", "", "slack_id", "manager")
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            *IDS,
            "U0NOBODY1",
            "not-an-id",
            *EMAILS,
            DOWN,
            "A@EXAMPLE.COM",
            "0",
            "2",
            "11",
            "-1",
            "lots",
            "99999999999999999999",
            "²",
            "1.5",
            "2026-09-01",
            "01/09/2026",
            "9999-12-31",
            "yes",
            "no",
            "maybe",
            "Negotiation; Public speaking",
            ";;",
            "x" * 81,
            "y" * 131_073,
            'say "hi"',
            "a,b",
            "line\nbreak",
            "car\rriage",
            "nul\x00",
            "\ufeffbom",
            "é ü 漢",
        ]
    ),
    st.text(max_size=12),
)
TYPED = {  # cells that fit their column, so that rows import, repeat and loop
    "slack_id": (*IDS, "U0F000001"),
    "email": tuple(EMAILS),
    "manager": (*IDS, "U0NOBODY1", "a@example.com", "alias.a@example.com", "ghost@example.com", ""),
    "level": ("1", "3", ""),
    "start_date": ("2026-09-01", ""),
    "mentor_topics": ("Negotiation; Public speaking", "Budgets", ""),
    "mentor_capacity": ("0", "2", ""),
    "reverse_mentoring": ("yes", "no", ""),
}


def _cell(header: str) -> st.SearchStrategy[str]:
    """Mostly a cell that fits the column; sometimes anything; rarely huge or Slack down."""
    typed = st.sampled_from(TYPED.get(header.strip().lower(), ("Alice", "Sales", "")))
    rare = st.sampled_from(["y" * 131_073, DOWN])
    return st.integers(0, 39).flatmap(lambda n: CELLS if n < 4 else rare if n == 4 else typed)


def _stand_in_slack(email: str) -> str | None:
    if email.lower() == DOWN:
        raise SlackUnavailable("Slack cannot be reached at SLACK_API_URL=http://test (down)")
    return EMAILS.get(email.lower())


def _snapshot(deps: Deps) -> list[list[tuple[object, ...]]]:
    with deps.engine.connect() as db:
        return [
            [tuple(r) for r in db.exec_driver_sql(f"SELECT * FROM {table} ORDER BY id")]
            for table in ("person", "mentoroffer", "offertopic", "topic")
        ]


def _lines_of(record: str) -> int:
    return len(io.StringIO(record, newline="").readlines())


@st.composite
def _csv_files(draw: st.DrawFn) -> tuple[str, dict[int, bool] | None]:
    """A CSV text, and (when it was written by csv.writer) each row's line → is it blank."""
    identity = draw(st.sampled_from([["slack_id"]] * 5 + [["email"], ["slack_id", "email"], []]))
    others = sorted(KNOWN_COLUMNS - {"slack_id", "email"})
    headers = identity + draw(st.lists(st.sampled_from(others), unique=True, max_size=4))
    if identity and "manager" not in headers and draw(st.booleans()):
        headers.append("manager")  # often: manager chains to check
    headers = draw(st.permutations(headers))
    if draw(st.integers(0, 9)) == 0:  # now and then a header the file is refused for
        headers.append(draw(st.sampled_from(JUNK_HEADERS)))
    bom = "\ufeff" if draw(st.booleans()) else ""
    ragged = st.integers(0, 19).flatmap(
        lambda n: st.just(0) if n > 1 else st.just(-1) if n == 1 else st.just(1)
    )  # now and then a cell short or a cell too many
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        row = [draw(_cell(h)) for h in headers]
        extra = draw(ragged)
        rows.append(row[:extra] if extra < 0 else row + [draw(CELLS)] * extra)
    if draw(st.booleans()):  # well-formed CSV: each row's first line is known
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow(headers)
        header = out.getvalue()
        line = 1 + _lines_of(header)
        body, starts = "", {}
        for row in rows:
            out = io.StringIO()
            csv.writer(out, lineterminator="\r\n").writerow(row)
            starts[line] = not any(c.strip() for c in row)
            line += _lines_of(out.getvalue())
            body += out.getvalue()
        return bom + header + body, starts
    # Hand-made CSV, damaged here and there: stray quotes, separators, line breaks.
    text = ",".join(headers) + "\n" + "".join(",".join(row) + "\n" for row in rows)
    noise = st.sampled_from([",", "\n", "\r\n", "\r", '"', '"",', "\x00"])
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(noise) + text[at:]
    return bom + text, None


@given(generated=_csv_files())
def test_generated_files_are_imported_or_reported_line_by_line(
    deps: Deps, generated: tuple[str, dict[int, bool] | None]
) -> None:
    text, starts = generated
    before = _snapshot(deps)
    try:
        report = import_people(
            text,
            open_session=deps.open_session,
            resolve_email=_stand_in_slack,
            now=deps.clock(),
            apply_offers=apply_offers,
        )
    except (CsvFormatError, SlackUnavailable):
        assert _snapshot(deps) == before  # refused as a whole: nothing changed
    else:
        skipped = {e.line for e in report.errors if e.skipped}
        imported = set(report.imported_lines)
        assert not skipped & imported
        assert len(imported) == len(report.imported_lines)
        assert report.created + report.updated + report.partial == len(imported)
        lines = text.count("\n") + text.count("\r") + 1
        assert all(1 < p.line <= lines for p in report.errors + report.warnings)
        if starts is not None:  # every non-blank row is imported or reported, at its line
            assert imported | skipped == {line for line, blank in starts.items() if not blank}
    with deps.engine.connect() as db:
        if db.dialect.name == "sqlite":
            assert db.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        rows = db.exec_driver_sql("SELECT slack_id, manager_slack_id FROM person")
        links = {row[0]: row[1] for row in rows}
    assert manager_loops(links) == []  # no import ever closes a loop


@given(data=st.binary(max_size=200))
def test_any_bytes_decode_or_name_the_line_that_is_not_utf8(data: bytes) -> None:
    try:
        text = decode_csv(data)
    except CsvFormatError as problem:
        assert re.match(r"line \d+ is not UTF-8 \(byte 0x[0-9A-F]{2}\)", str(problem))
    else:
        assert text == data.decode("utf-8-sig")
