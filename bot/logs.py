"""Logging: every line says which request or job it belongs to; nothing secret gets out.

``configure`` sets up the root logger once per process, as text for people or as one
JSON object per line for log shippers (``mentorbot --log-format json``). Each record
carries ``work_id``: the Slack request (``req-…``) or scheduled job (``job-<id>-…``) it
was written for, set with ``working_on`` and carried into the threads that do the
request's work (``bot.app.Lanes``). ``-`` outside any.

What never reaches a log line, at any level:
- tokens and the signing secret: Slack token shapes are masked in every record;
- what people write (agendas, follow-ups, notes, requests' questions): mentorbot never
  logs them, and the libraries that would (slack_sdk and Bolt print whole request and
  response bodies at DEBUG, SQLAlchemy statements' parameters at INFO) are held above
  those levels whatever the level asked for.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import IO, Any, Literal

LogFormat = Literal["text", "json"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(work_id)s]: %(message)s"

# Slack tokens (bot, user, app-level, config, refresh): masked wherever they appear.
TOKEN = re.compile(r"\b(xox[abpersc]|xapp|xoxe(?:\.xox[bp])?)-[A-Za-z0-9-]{6,}")

# Libraries whose DEBUG output holds message bodies and payloads people wrote; and
# SQLAlchemy, whose INFO prints statements with their parameters (held at WARNING).
BODY_LOGGERS = ("slack_sdk", "slack_bolt", "urllib3")
SQL_LOGGERS = ("sqlalchemy",)

_work_id: contextvars.ContextVar[str] = contextvars.ContextVar("work_id", default="-")


def new_work_id(kind: str) -> str:
    return f"{kind}-{secrets.token_hex(4)}"


def current_work_id() -> str:
    return _work_id.get()


def set_work_id(work_id: str) -> None:
    """Name the work this thread (and what it hands on, see ``Lanes``) does from now on."""
    _work_id.set(work_id)


@contextmanager
def working_on(work_id: str) -> Iterator[str]:
    """Log lines written inside carry ``work_id``."""
    token = _work_id.set(work_id)
    try:
        yield work_id
    finally:
        _work_id.reset(token)


def mask(text: str) -> str:
    return TOKEN.sub(lambda m: f"{m.group(1)}-…", text)


class WorkAndSecrets(logging.Filter):
    """Adds ``work_id`` to every record and masks tokens in its message."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.work_id = _work_id.get()
        message = record.getMessage()
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, work_id, message (and exception)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "work_id": getattr(record, "work_id", "-"),
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exception"] = mask(self.formatException(record.exc_info))
        return json.dumps(line, ensure_ascii=False)


class _MaskedText(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return mask(super().format(record))  # tracebacks included


def configure(
    *, fmt: LogFormat = "text", level: int = logging.INFO, stream: IO[str] | None = None
) -> logging.Handler:
    """Root logging for this process: one handler on ``stream`` (stderr), the format asked
    for. Returns the handler."""
    handler = logging.StreamHandler(stream)
    handler.addFilter(WorkAndSecrets())
    handler.setFormatter(JsonLines() if fmt == "json" else _MaskedText(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for name in BODY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
    for name in SQL_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.WARNING))
    # Alembic narrates every start at INFO ("Context impl SQLiteImpl.", "Will assume
    # non-transactional DDL.", "Running upgrade ..."); mentorbot says in one line what
    # changed instead. Alembic's warnings and errors still show.
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))
    return handler
