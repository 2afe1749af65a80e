"""Running the real `mentorbot` console script as a process, with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def mentorbot() -> list[str]:
    """The installed console script (or `python -m bot` when it is not installed)."""
    script = Path(sys.executable).parent / "mentorbot"
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot"]


def clean_env(**values: str) -> dict[str, str]:
    """This environment without any mentorbot or Slack settings, plus ``values``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "MENTORBOT_"))}
    env.pop("DATABASE_URL", None)
    env.pop("PORT", None)
    env["PYTHONPATH"] = str(ROOT)
    env.update(values)
    return env


def run_mentorbot(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run `mentorbot ARGS` to completion, capturing its output as text."""
    return subprocess.run(
        [*mentorbot(), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60
    )
