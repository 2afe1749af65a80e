"""Importing the HR export: create, update in place, report bad rows by line, keep the rest."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from bot.context import Deps
from bot.people import CsvFormatError, import_people, parse_people_csv
from bot.slack import build_client, email_resolver
from storage.models import Person
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
