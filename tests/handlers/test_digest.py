"""The digest in Slack, through signed requests, the jobs and the fake Slack: posted once a
week however often and wherever the job runs, re-posted without its chart and table when a
workspace refuses them, previewed and exported by coordinators only, a danger sign's nudge
sent once, advice that reaches the coordinators only, celebrations only with a yes, and no
text a pair or a mentor wrote anywhere in what leaves."""

from __future__ import annotations

import csv
import io
import json
import logging
import threading
from datetime import UTC, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, col, select

from bot.blocks.digest import build_digest
from bot.context import Deps
from bot.digest import DangerKind
from bot.flows import digest as flow
from bot.ids import ActionId, BlockId, CallbackId, danger_sign_value
from bot.scheduler import build_scheduler
from bot.slack import build_client
from handlers import digest_jobs, jobs
from storage.models import AdviceRequest, Celebration, OutboxMessage
from storage.people import get_by_slack_id
from tests.conftest import FakeClock, Harness
from tests.digest_history import (
    M1,
    M2,
    M5,
    SECRET,
    SETTINGS,
    T1,
    T2,
    WEEK,
    History,
    at,
    build_history,
)
from tests.fakeslack import Call, FakeSlack, conversation_id
from tests.handlers.journey import buttons, dms_to, in_dm, text_of

COORDINATOR = "U0COORD01"
CHANNEL = "C0DIGEST1"
DUE = at(23, 14)  # Monday 09:00 in New York: the digest of week 47 is due


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return dict(SETTINGS)


@pytest.fixture
def history(session: Session, deps: Deps, clock: FakeClock) -> History:
    built = build_history(session, deps.settings)
    clock.now = DUE
    return built


def _install(deps: Deps) -> None:
    """As a process with no sender thread running: each job delivers what it wrote."""
    jobs.install(deps, build_client(deps.settings))


def _posts(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls_to("chat.postMessage") if c.params.get("channel") == CHANNEL]


def _digest_rows(session: Session) -> list[str]:
    session.expire_all()
    keys = session.exec(select(OutboxMessage.key).where(col(OutboxMessage.key).like("digest:%")))
    return sorted(keys.all())


# --- the weekly post -------------------------------------------------------------------------


def test_the_weekly_job_posts_the_digest_once_however_often_it_runs(
    history: History, deps: Deps, session: Session, fake_slack: FakeSlack, clock: FakeClock
) -> None:
    _install(deps)
    clock.now = DUE - timedelta(minutes=1)
    digest_jobs.post_weekly_digest()
    assert _digest_rows(session) == []  # not due before 09:00 (and last week's is stale)

    clock.now = DUE
    for _ in range(3):
        digest_jobs.post_weekly_digest()
        clock.advance(hours=1)
    assert _digest_rows(session) == [f"digest:{WEEK}"]
    posted = fake_slack.posted_with_key(f"digest:{WEEK}")
    assert len(posted) == 1
    types = [b["type"] for b in posted[0]["blocks"]]
    assert "data_visualization" in types and "table" in types
    assert "Mentoring digest · 2026-W47" in text_of(posted[0])
    assert len(_posts(fake_slack)) == 1


def test_two_schedulers_running_the_job_at_once_post_one_digest(
    history: History, deps: Deps, session: Session, fake_slack: FakeSlack
) -> None:
    _install(deps)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def scheduler() -> None:
        start.wait()
        try:
            digest_jobs.post_weekly_digest()
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert _digest_rows(session) == [f"digest:{WEEK}"]
    fake_slack.settle(quiet=0.2)
    assert len(fake_slack.posted_with_key(f"digest:{WEEK}")) == 1
    assert len(_posts(fake_slack)) == 1


def test_a_workspace_that_refuses_charts_and_tables_still_gets_the_digest(
    history: History, deps: Deps, session: Session, fake_slack: FakeSlack
) -> None:
    fake_slack.refused_blocks = {"data_visualization", "table"}
    _install(deps)
    digest_jobs.post_weekly_digest()

    assert fake_slack.posted_with_key(f"digest:{WEEK}") == []
    plain = fake_slack.posted_with_key(f"digest:{WEEK}:plain")
    assert len(plain) == 1
    types = {b["type"] for b in plain[0]["blocks"]}
    assert not types & {"data_visualization", "table"}
    text = text_of(plain[0])
    assert "Last 8 weeks, oldest first" in text  # the chart's text fallback
    assert "Never connected: Sales ↔ Design" in text and "```" in text  # the table as text
    digest_jobs.post_weekly_digest()  # and once only
    assert len(_posts(fake_slack)) == 2  # the refused one, then the plain one


def test_the_digest_job_is_registered_with_a_stable_id_in_the_digest_zone(deps: Deps) -> None:
    scheduler = build_scheduler(deps, build_client(deps.settings))
    job = scheduler.get_job("weekly-digest")
    assert job is not None
    assert job.misfire_grace_time == 3600 and job.coalesce is True
    assert str(job.trigger.timezone) == "America/New_York"
    assert scheduler.get_job("celebration-asks") is not None


def test_check_ins_are_planned_as_soon_as_the_scheduler_starts_then_every_quarter_hour(
    deps: Deps, clock: FakeClock
) -> None:
    scheduler = build_scheduler(deps, build_client(deps.settings))
    job = scheduler.get_job("plan-nudges")
    assert job is not None and job.next_run_time == clock.now
    assert job.trigger.get_next_fire_time(None, clock.now).minute % 15 == 0


# --- /mentor digest: the preview, and the export ---------------------------------------------


def test_a_coordinator_previews_this_week_so_far(
    history: History, harness: Harness, clock: FakeClock
) -> None:
    clock.now = at(20, 16)  # Friday of week 47
    harness.slack.command("digest", user=COORDINATOR)
    answer = harness.fake.last("response_url").params
    assert answer["response_type"] == "ephemeral"
    text = text_of(answer)
    assert "Mentoring digest · 2026-W47 so far" in text
    assert "Preview: only you see this" in text and "<#C0DIGEST1>" in text
    assert ActionId.DIGEST_EXPORT in buttons(answer)
    assert {b["type"] for b in answer["blocks"]} >= {"data_visualization", "table"}


def test_the_preview_falls_back_without_native_blocks_when_refused(
    history: History, harness: Harness
) -> None:
    harness.fake.refused_blocks = {"data_visualization", "table"}
    harness.slack.command("digest", user=COORDINATOR)
    answers = harness.fake.wait_for("response_url", 2)
    assert not {b["type"] for b in answers[-1].params["blocks"]} & {"data_visualization", "table"}


def test_someone_who_is_not_a_coordinator_gets_a_kind_refusal(
    history: History, harness: Harness
) -> None:
    harness.slack.command("digest", user=M1)
    said = text_of(harness.fake.last("response_url").params)
    assert "for the programme's coordinators" in said
    assert "Mentoring digest" not in said


def _uploads(fake: FakeSlack) -> list[bytes]:
    return list(fake.uploads.values())


def test_export_csv_arrives_as_a_file_in_the_coordinators_dm(
    history: History, harness: Harness
) -> None:
    harness.slack.action(ActionId.DIGEST_EXPORT, WEEK, user=COORDINATOR)
    harness.fake.wait_for("files.completeUploadExternal")
    harness.settle()
    asked = harness.fake.last("files.getUploadURLExternal").params
    assert asked["filename"] == f"mentoring-digest-{WEEK}.csv"
    completed = harness.fake.last("files.completeUploadExternal").params
    assert completed["channel_id"] == conversation_id([COORDINATOR])
    (uploaded,) = _uploads(harness.fake)
    rows = list(csv.reader(io.StringIO(uploaded.decode())))
    assert rows[0][0] == "week" and rows[8][0] == WEEK and rows[8][1] == "5"
    assert sum(1 for r in rows if r and r[0] in {k.value for k in DangerKind}) == 5
    said = text_of(harness.fake.last("response_url").params)
    assert "export is in your DM" in said


def test_the_export_button_checks_the_role_again_on_the_server(
    history: History, harness: Harness
) -> None:
    harness.slack.action(ActionId.DIGEST_EXPORT, WEEK, user=M1)
    harness.settle()
    assert harness.fake.calls_to("files.getUploadURLExternal") == []
    assert harness.fake.uploads == {}
    assert "for the programme's coordinators" in text_of(harness.fake.last("response_url").params)


# --- a danger sign's nudge -------------------------------------------------------------------


def _nudge(harness: Harness, user: str, kind: DangerKind, object_id: int) -> str:
    before = len(harness.fake.calls_to("response_url"))
    harness.slack.action(
        ActionId.DIGEST_NUDGE, danger_sign_value(kind, object_id), user=user, channel=CHANNEL
    )
    return text_of(harness.fake.wait_for("response_url", before + 1)[-1].params)


def test_a_coordinators_nudge_sends_the_person_a_kind_note_once(
    history: History, harness: Harness, session: Session
) -> None:
    silent = history.requests["R7"]
    said = _nudge(harness, COORDINATOR, DangerKind.SILENT, silent)
    assert "on its way to <@U0MENTEE6>" in said
    harness.settle()
    note = dms_to(harness, "U0MENTEE6")
    assert len(note) == 1
    assert "quiet for a few weeks" in text_of(note[0].params)
    assert "<@U0MENTOR4>" in text_of(note[0].params)

    said = _nudge(harness, COORDINATOR, DangerKind.SILENT, silent)
    assert "already got this note this week" in said
    harness.settle()
    assert len(dms_to(harness, "U0MENTEE6")) == 1
    keys = session.exec(
        select(OutboxMessage.key).where(col(OutboxMessage.key).like("coordinator-nudge:%"))
    ).all()
    assert keys == [f"coordinator-nudge:2026-W48:silent-{silent}"]


def test_a_coordinators_nudge_waits_for_the_persons_working_hours_and_their_free_day(
    history: History, harness: Harness, session: Session
) -> None:
    mentee = get_by_slack_id("U0MENTEE6", session=session)
    assert mentee is not None
    mentee.tz = "Asia/Tokyo"  # the coordinator clicks at 19:00 there
    session.add(mentee)
    session.commit()
    said = _nudge(harness, COORDINATOR, DangerKind.SILENT, history.requests["R7"])
    assert "on its way to <@U0MENTEE6>" in said
    harness.settle()
    assert dms_to(harness, "U0MENTEE6") == []  # not in their evening
    session.expire_all()
    (row,) = session.exec(
        select(OutboxMessage).where(col(OutboxMessage.key).like("coordinator-nudge:%"))
    ).all()
    tokyo_morning = harness.clock().astimezone(ZoneInfo("Asia/Tokyo")).replace(
        hour=9, minute=0, second=0, microsecond=0
    ) + timedelta(days=1)
    assert row.not_before == tokyo_morning.astimezone(UTC)
    assert row.not_after == (tokyo_morning + timedelta(hours=8)).astimezone(UTC)


def test_a_nudge_goes_to_whom_the_sign_names_and_not_once_it_went_away(
    history: History, harness: Harness
) -> None:
    said = _nudge(harness, COORDINATOR, DangerKind.MENTOR_FOLLOWUPS, history.sessions["R2.s2"])
    assert "<@U0MENTOR2>" in said
    harness.settle()
    assert "follow-ups are the mentee's to post" in text_of(dms_to(harness, T2)[-1].params)
    # R1's follow-ups were posted: that sign is gone
    said = _nudge(harness, COORDINATOR, DangerKind.FOLLOWUPS_MISSING, history.sessions["R1.s1"])
    assert "gone away" in said
    harness.settle()
    assert dms_to(harness, M1) == []


@pytest.mark.parametrize(
    "value", ["", "silent", "silent:abc", "bogus:1", "silent:999999", "x" * 300]
)
def test_a_forged_nudge_sends_nothing(history: History, harness: Harness, value: str) -> None:
    harness.slack.action(ActionId.DIGEST_NUDGE, value, user=COORDINATOR)
    harness.settle()
    assert [c for c in harness.fake.calls_to("chat.postMessage") if not in_dm(c, COORDINATOR)] == []
    said = text_of(harness.fake.last("response_url").params)
    assert "out of date" in said


def test_only_a_coordinator_can_send_a_nudge(history: History, harness: Harness) -> None:
    said = _nudge(harness, M2, DangerKind.SILENT, history.requests["R7"])
    assert "for the programme's coordinators" in said
    harness.settle()
    assert dms_to(harness, "U0MENTEE6") == []


# --- advice ----------------------------------------------------------------------------------


def _advice_modal(harness: Harness, user: str) -> dict[str, Any]:
    before = len(harness.fake.calls_to("views.open"))
    harness.slack.command("advice", user=user)
    return dict(harness.fake.wait_for("views.open", before + 1)[-1].params["view"])


def _advice_values(text: str | None) -> dict[str, dict[str, dict[str, Any]]]:
    return {BlockId.ADVICE_TEXT: {BlockId.ADVICE_TEXT: {"type": "plain_text_input", "value": text}}}


@pytest.mark.parametrize(
    "settings_overrides",
    [{**SETTINGS, "MENTORBOT_COORDINATORS": "U0COORD01,U0COORD02"}],
)
def test_advice_goes_to_each_coordinator_and_the_digest_only_counts_it(
    history: History, harness: Harness, session: Session
) -> None:
    view = _advice_modal(harness, T1)
    assert view["callback_id"] == CallbackId.ADVICE_MODAL
    words = f"My mentee keeps cancelling; how do I raise it? {SECRET}-advice"
    reply = harness.slack.submit(view, _advice_values(words), user=T1)
    assert reply.status == 200 and not reply.body
    harness.settle()
    for coordinator in ("U0COORD01", "U0COORD02"):
        (received,) = dms_to(harness, coordinator)
        assert words in text_of(received.params)
        assert ActionId.ADVICE_HANDLED in buttons(received.params)
    assert "only to them" in text_of(dms_to(harness, T1)[-1].params)
    assert len(session.exec(select(AdviceRequest)).all()) == 2  # one in the history, this one

    harness.clock.advance(minutes=1)
    shown = flow.digest_for(harness.deps, "2026-W48")
    assert shown.advice_open == 2 and shown.advice_new == 1
    assert f"{SECRET}-advice" not in json.dumps(build_digest(shown))

    advice_id = int(buttons(dms_to(harness, "U0COORD01")[0].params)[ActionId.ADVICE_HANDLED])
    harness.slack.action(ActionId.ADVICE_HANDLED, str(advice_id), user="U0COORD02")
    assert "Marked as handled" in text_of(
        harness.fake.wait_for("response_url", where=lambda c: "handled" in text_of(c.params))[
            -1
        ].params
    )
    harness.clock.advance(minutes=1)
    assert flow.digest_for(harness.deps, "2026-W48").advice_open == 1


def test_advice_is_for_mentors_and_an_empty_one_is_a_field_error(
    history: History, harness: Harness
) -> None:
    harness.slack.command("advice", user=M5)
    said = text_of(harness.fake.last("response_url").params)
    assert "for mentors" in said
    view = _advice_modal(harness, T1)
    reply = harness.slack.submit(view, _advice_values("   "), user=T1)
    assert reply.json["response_action"] == "errors"
    assert BlockId.ADVICE_TEXT in reply.json["errors"]


def test_only_a_coordinator_can_mark_advice_handled(history: History, harness: Harness) -> None:
    harness.slack.action(ActionId.ADVICE_HANDLED, "1", user=T2)
    assert "for the programme's coordinators" in text_of(harness.fake.last("response_url").params)
    assert flow.digest_for(harness.deps, WEEK).advice_open == 1


# --- celebrations ----------------------------------------------------------------------------


def test_reaching_a_goal_asks_once_and_a_yes_is_celebrated(
    history: History, deps: Deps, session: Session, fake_slack: FakeSlack, clock: FakeClock
) -> None:
    session.exec(select(Celebration)).one()  # M1 said yes in the history
    for row in session.exec(select(Celebration)).all():
        session.delete(row)
    session.commit()
    _install(deps)
    clock.now = at(21, 9)
    digest_jobs.ask_to_celebrate()
    digest_jobs.ask_to_celebrate()
    asks = [c for c in fake_slack.calls_to("chat.postMessage") if in_dm(c, M1)]
    assert len(asks) == 1
    assert ActionId.CELEBRATE_ME in buttons(asks[0].params)
    assert [c for c in fake_slack.calls_to("chat.postMessage") if in_dm(c, M2)] == []
    assert flow.digest_for(deps, WEEK).celebrations == ()

    value = buttons(asks[0].params)[ActionId.CELEBRATE_ME]
    flow.celebrate(deps, M1, value)
    clock.advance(minutes=1)
    assert flow.digest_for(deps, WEEK).celebrations == (M1,)


@pytest.mark.parametrize("value", ["newcomer:2026-09-01", "transition:1", "transition:x", ""])
def test_a_yes_to_a_goal_not_reached_celebrates_nobody(
    history: History, harness: Harness, session: Session, value: str
) -> None:
    before = len(session.exec(select(Celebration)).all())
    harness.slack.action(ActionId.CELEBRATE_ME, value, user=M2)
    assert "isn't reached yet" in text_of(harness.fake.last("response_url").params)
    session.expire_all()
    assert len(session.exec(select(Celebration)).all()) == before


# --- privacy ---------------------------------------------------------------------------------

OURS = ("bot", "handlers", "storage", "mentorbot")


def _logged(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Every record of our own loggers, at any level, and everything at INFO and above (the
    level `mentorbot` runs at: slack_sdk's DEBUG lines echo every request it sends)."""
    return [r for r in caplog.records if r.levelno >= logging.INFO or r.name.split(".")[0] in OURS]


def test_no_text_a_pair_or_mentor_wrote_leaves_in_the_digest_its_export_or_logs(
    history: History, harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    view = _advice_modal(harness, T1)
    harness.slack.submit(view, _advice_values(f"advice {SECRET}"), user=T1)
    harness.settle()
    _install(harness.deps)
    digest_jobs.post_weekly_digest()
    harness.slack.command("digest", user=COORDINATOR)
    harness.slack.action(ActionId.DIGEST_EXPORT, WEEK, user=COORDINATOR)
    harness.fake.wait_for("files.completeUploadExternal")
    harness.settle()

    digest_posts = _posts(harness.fake)
    assert digest_posts
    leaving = [json.dumps(c.params) for c in digest_posts]
    leaving += [json.dumps(c.params) for c in harness.fake.calls_to("response_url")]
    leaving += [raw.decode() for raw in harness.fake.uploads.values()]
    assert all(SECRET not in out for out in leaving)
    assert [r for r in _logged(caplog) if SECRET in r.getMessage()] == []
    coordinators = [c for c in harness.fake.calls_to("chat.postMessage") if in_dm(c, COORDINATOR)]
    assert any(SECRET in json.dumps(c.params) for c in coordinators)  # advice: theirs alone
