"""Times are shown and read in each person's own zone, also for people known from the CSV
alone (no zone until Slack tells us), through signed requests and the fake Slack."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session, select

from bot.ids import ActionId, BlockId
from bot.people import import_people
from storage.models import MentoringSession, Person
from tests.conftest import Harness
from tests.factories import make_person
from tests.handlers.journey import (
    GROUP,
    MENTEE,
    MENTOR,
    accept,
    command_modal,
    open_modal,
    send_request,
    text_input,
    wait_post,
)
from tests.mentors import offer

CSV = (
    "slack_id,name,area,title,level,start_date\n"
    f"{MENTEE},Alice Example,Engineering,Engineer,3,2026-11-02\n"
)
NEW_YORK = "America/New_York"


def _csv_only_mentee(h: Harness, session: Session) -> None:
    """Alice is imported from the HR export alone (no zone); Slack knows she is in New York."""
    report = import_people(
        CSV, open_session=h.deps.open_session, resolve_email=lambda _: None, now=h.clock()
    )
    assert report.imported_lines == [2]
    mentor = make_person(session, MENTOR, area="Design", level=4)
    offer(session, mentor, ("Public speaking",), capacity=2)
    session.commit()
    h.fake.add_user(MENTEE, "Alice Example", tz=NEW_YORK)


def _zone_of(session: Session, slack_id: str) -> str | None:
    session.expire_all()
    person = session.exec(select(Person).where(Person.slack_id == slack_id)).one()
    return person.tz


def _timepicker(view: dict) -> dict:
    block = next(b for b in view["blocks"] if b.get("block_id") == BlockId.SESSION_TIME)
    return dict(block["element"])


def test_a_csv_only_person_in_new_york_who_picks_10_00_sees_10_00(
    harness: Harness, session: Session
) -> None:
    h = harness
    _csv_only_mentee(h, session)
    assert _zone_of(session, MENTEE) is None
    cid = send_request(h)
    accept(h, cid)
    h.settle()

    view = command_modal(h, "agenda", user=MENTEE)
    assert _zone_of(session, MENTEE) == NEW_YORK  # asked Slack before showing a time
    assert _timepicker(view)["timezone"] == NEW_YORK

    reply = h.slack.submit(
        view,
        {
            BlockId.AGENDA_QUESTIONS: text_input(BlockId.AGENDA_QUESTIONS, "How do I start?"),
            BlockId.SESSION_DATE: {
                BlockId.SESSION_DATE: {"type": "datepicker", "selected_date": "2026-11-26"}
            },
            BlockId.SESSION_TIME: {
                BlockId.SESSION_TIME: {
                    "type": "timepicker",
                    "selected_time": "10:00",
                    "timezone": NEW_YORK,
                }
            },
        },
        user=MENTEE,
    )
    assert reply.status == 200 and not reply.body, reply.body

    ten_in_new_york = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # EST is UTC-5
    session.expire_all()
    held = session.exec(
        select(MentoringSession).where(MentoringSession.conversation_id == cid)
    ).one()
    assert held.scheduled_at == ten_in_new_york

    posted = wait_post(h, lambda c: "posted the agenda" in str(c.params.get("text", "")))
    shown = str(posted.params["blocks"])
    assert f"<!date^{int(ten_in_new_york.timestamp())}^" in shown
    assert "2026-11-26 10:00 America/New_York" in shown  # where Slack can't render the date

    again = open_modal(h, ActionId.OPEN_AGENDA, str(cid), user=MENTEE, channel=GROUP)
    assert _timepicker(again)["initial_time"] == "10:00"
    assert _timepicker(again)["timezone"] == NEW_YORK
    assert len(h.fake.calls_to("users.info")) == 1  # asked once, then kept


def test_opening_the_home_tab_learns_the_zone_of_a_csv_only_person(
    harness: Harness, session: Session
) -> None:
    h = harness
    _csv_only_mentee(h, session)
    h.slack.event({"type": "app_home_opened", "user": MENTEE, "tab": "home"})
    h.fake.wait_for("views.publish")
    h.drain()
    assert _zone_of(session, MENTEE) == NEW_YORK


def test_when_slack_does_not_know_the_person_their_time_is_read_as_utc(
    harness: Harness, session: Session
) -> None:
    h = harness
    _csv_only_mentee(h, session)
    h.fake.users.pop(MENTEE)
    cid = send_request(h)
    accept(h, cid)
    h.settle()
    view = command_modal(h, "agenda", user=MENTEE)
    assert "timezone" not in _timepicker(view)
    assert _zone_of(session, MENTEE) is None
