"""What every handler and job needs, built once by the composition root."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from bot.clock import Clock
from bot.config import Settings
from storage.db import SessionFactory


@dataclass(frozen=True)
class Deps:
    """Settings, database and clock: in every listener's Bolt context, and injected into jobs."""

    settings: Settings
    engine: Engine
    open_session: SessionFactory
    clock: Clock
