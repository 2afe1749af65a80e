"""APScheduler wiring: one scheduler, stable job IDs, jobs kept in the database."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.util import ref_to_obj
from slack_sdk import WebClient

from bot.config import Settings
from bot.context import Deps
from bot.logs import new_work_id, working_on

if TYPE_CHECKING:
    from handlers.deliver import Sender

JOBSTORE_TABLE = "apscheduler_jobs"
SENDER_STOP_SECONDS = 30  # at most one Slack call in flight (its timeout)


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", so the job store can persist it
    trigger: Any
    options: dict[str, Any] = field(default_factory=dict)  # beyond the job defaults
    at_start: bool = False  # also run once as soon as the scheduler starts


JOBS: tuple[JobSpec, ...] = (
    JobSpec("purge-events", "handlers.jobs:purge_events", CronTrigger(hour=3, timezone="UTC")),
    JobSpec(
        "purge-outbox",
        "handlers.jobs:purge_outbox",
        CronTrigger(hour=3, minute=20, timezone="UTC"),
    ),
    JobSpec(
        "delete-old-private-texts",
        "handlers.jobs:delete_old_private_texts",
        CronTrigger(hour=3, minute=40, timezone="UTC"),
    ),
    JobSpec(
        "lapse-met-requests",
        "handlers.jobs:lapse_met_requests",
        CronTrigger(hour=4, minute=10, timezone="UTC"),
    ),
    JobSpec(
        "expire-requests",
        "handlers.jobs:expire_requests",
        CronTrigger(minute=5, timezone="UTC"),  # hourly
    ),
    JobSpec(
        "team-checkins",
        "handlers.jobs:team_checkins",
        CronTrigger(minute=35, timezone="UTC"),  # hourly
    ),
    # On the quarter hour, so 09:00 in every zone (half-hour ones too) is met on time; and
    # at start, so check-ins due while the scheduler was down or restarting wait for nothing
    # (planning again plans nothing twice: the ledger's keys).
    JobSpec(
        "plan-nudges",
        "handlers.jobs:plan_nudges",
        CronTrigger(minute="*/15", timezone="UTC"),
        {"misfire_grace_time": 10 * 60},
        at_start=True,
    ),
    JobSpec(
        "celebration-asks",
        "handlers.digest_jobs:ask_to_celebrate",
        CronTrigger(minute=40, timezone="UTC"),  # hourly
    ),
)


def digest_job(settings: Settings) -> JobSpec:
    """The weekly digest's job: hourly on the hour in the digest's zone; the digest due
    most recently is posted once (its outbox key), so the first run at or after
    MENTORBOT_DIGEST_WEEKDAY / _HOUR posts it and a late or repeated run adds nothing."""
    return JobSpec(
        "weekly-digest",
        "handlers.digest_jobs:post_weekly_digest",
        CronTrigger(minute=0, timezone=settings.digest_tz),
        {"misfire_grace_time": 60 * 60, "coalesce": True},
    )


def build_scheduler(
    deps: Deps, client: WebClient, *, sender: Sender | None = None
) -> BackgroundScheduler:
    """A scheduler whose jobs run through the same WebClient and database as the app.

    ``sender``: the outbox sender running in this process, woken after each batch a job
    commits (None: each job delivers its own notices before it returns).
    """
    from handlers import jobs

    jobs.install(deps, client, sender=sender)
    options: dict[str, Any] = {
        "jobstores": {"default": SQLAlchemyJobStore(engine=deps.engine, tablename=JOBSTORE_TABLE)},
        "job_defaults": {"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60},
        "timezone": "UTC",
    }
    scheduler = BackgroundScheduler(**options)
    for spec in (*JOBS, digest_job(deps.settings)):
        first = {"next_run_time": deps.clock()} if spec.at_start else {}
        scheduler.add_job(
            "bot.scheduler:run_job",
            spec.trigger,
            args=[spec.id, spec.func],
            id=spec.id,
            replace_existing=True,
            **spec.options,
            **first,
        )
    return scheduler


def run_job(job_id: str, func: str) -> None:
    """Run one scheduled job; its log lines carry a work ID naming the job (bot.logs)."""
    with working_on(new_work_id(f"job-{job_id}")):
        ref_to_obj(func)()


def deliver_now(deps: Deps, keys: Sequence[str]) -> None:
    """Deliver these outbox rows from this process now (`mentorbot digest --post`), with the
    sender every process uses; what cannot go now stays in the outbox for the scheduler."""
    from bot.slack import build_client
    from handlers.deliver import sender_for

    sender_for(deps, build_client(deps.settings, resend=False)).flush(keys)


class Background:
    """The scheduler and the outbox sender of one process, started and stopped together.

    Every process that runs jobs delivers the notices they write: ``mentorbot scheduler``,
    and ``mentorbot run`` with its in-process scheduler.
    """

    def __init__(
        self, deps: Deps, client: WebClient, sender_client: WebClient, *, jobs: bool = True
    ) -> None:
        """``jobs=False``: the outbox sender alone (``mentorbot sender``)."""
        from handlers.deliver import sender_for

        self.sender = sender_for(deps, sender_client)
        self.scheduler = build_scheduler(deps, client, sender=self.sender) if jobs else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = self.sender.start(self._stop)
        if self.scheduler is not None:
            self.scheduler.start()

    def shutdown(self) -> None:
        """Let a running job finish, then the row the sender holds; the rest stay queued."""
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=True)
        self.sender.stop()
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=SENDER_STOP_SECONDS)
