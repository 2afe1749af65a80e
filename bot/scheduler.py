"""APScheduler wiring: one scheduler, stable job IDs, jobs kept in the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from slack_sdk import WebClient

from bot.context import Deps

JOBSTORE_TABLE = "apscheduler_jobs"


@dataclass(frozen=True)
class JobSpec:
    id: str
    func: str  # "module:function", so the job store can persist it
    trigger: Any


JOBS: tuple[JobSpec, ...] = (
    JobSpec("purge-events", "handlers.jobs:purge_events", CronTrigger(hour=3, timezone="UTC")),
    JobSpec(
        "purge-outbox",
        "handlers.jobs:purge_outbox",
        CronTrigger(hour=3, minute=20, timezone="UTC"),
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
)


def build_scheduler(deps: Deps, client: WebClient) -> BackgroundScheduler:
    """A scheduler whose jobs run through the same WebClient and database as the app."""
    from handlers import jobs

    jobs.install(deps, client)
    options: dict[str, Any] = {
        "jobstores": {"default": SQLAlchemyJobStore(engine=deps.engine, tablename=JOBSTORE_TABLE)},
        "job_defaults": {"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60},
        "timezone": "UTC",
    }
    scheduler = BackgroundScheduler(**options)
    for spec in JOBS:
        scheduler.add_job(spec.func, spec.trigger, id=spec.id, replace_existing=True)
    return scheduler
