"""`sync-people`: the directory from Slack's users.list (via the fake Slack), and user_change."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from bot.context import Deps
from bot.directory import Outcome, apply_slack_user, sync_people
from bot.slack import build_client, iter_users
from storage import people as people_store
from tests.conftest import FakeClock
from tests.factories import make_person
from tests.fakeslack import FakeSlack


def test_sync_pages_through_users_list_and_fills_names_time_zones_and_emails(
    fake_slack: FakeSlack, deps: Deps, session: Session, clock: FakeClock
) -> None:
    for n in range(7):
        fake_slack.add_user(f"U0PEOPLE{n}", f"Person Number{n}", tz="America/New_York")
    fake_slack.add_user("U0BOTUSER", "Helper Bot", is_bot=True)
    fake_slack.add_user("U0GONE001", "Gone Person", deleted=True)

    report = sync_people(
        iter_users(build_client(deps.settings), page_size=3),
        open_session=deps.open_session,
        now=clock(),
    )

    assert len(fake_slack.calls_to("users.list")) == 3  # 9 users, 3 per page
    assert (report.created, report.skipped) == (7, 2)
    person = people_store.get_by_slack_id("U0PEOPLE3", session=session)
    assert person is not None
    assert (person.name, person.tz, person.email) == (
        "Person Number3",
        "America/New_York",
        "person.number3@example.com",
    )
    assert people_store.get_by_slack_id("U0BOTUSER", session=session) is None
    assert people_store.get_by_slack_id("U0GONE001", session=session) is None


def test_sync_keeps_hr_fields_and_deactivates_people_who_left(
    fake_slack: FakeSlack, deps: Deps, session: Session, clock: FakeClock
) -> None:
    make_person(
        session,
        "U0ALICE01",
        area="Finance",
        level=5,
        manager="U0BOSS001",
        start_date=date(2026, 3, 1),
    )
    make_person(session, "U0BOB0001", area="Sales")
    session.commit()
    fake_slack.add_user("U0ALICE01", "Alice Liddell", tz="Europe/Paris")
    fake_slack.add_user("U0BOB0001", "Bob Builder", deleted=True)

    report = sync_people(
        iter_users(build_client(deps.settings)), open_session=deps.open_session, now=clock()
    )

    assert (report.updated, report.deactivated) == (1, 1)
    session.expire_all()
    alice = people_store.get_by_slack_id("U0ALICE01", session=session)
    assert alice is not None
    assert (alice.name, alice.tz, alice.area, alice.level, alice.manager_slack_id) == (
        "Alice Liddell",
        "Europe/Paris",
        "Finance",
        5,
        "U0BOSS001",
    )
    bob = people_store.get_by_slack_id("U0BOB0001", session=session)
    assert bob is not None and not bob.is_active

    # A second run changes nothing; someone reactivated in Slack comes back.
    fake_slack.add_user("U0BOB0001", "Bob Builder")
    again = sync_people(
        iter_users(build_client(deps.settings)), open_session=deps.open_session, now=clock()
    )
    assert (again.unchanged, again.updated) == (1, 1)
    session.expire_all()
    assert people_store.get_by_slack_id("U0BOB0001", session=session).is_active  # type: ignore[union-attr]


def test_one_user_change_applies_alone(session: Session, clock: FakeClock) -> None:
    make_person(session, "U0ALICE01", name="Old Name")
    user = {"id": "U0ALICE01", "real_name": "New Name", "profile": {"real_name": "New Name"}}
    assert apply_slack_user(session, user, now=clock()) is Outcome.UPDATED
    assert apply_slack_user(session, user, now=clock()) is Outcome.UNCHANGED
    assert apply_slack_user(session, {"id": "USLACKBOT"}, now=clock()) is Outcome.SKIPPED
    assert apply_slack_user(session, {}, now=clock()) is Outcome.SKIPPED
