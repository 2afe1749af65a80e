#!/usr/bin/env python3
"""The two commands of the README, on a machine with nothing but Python 3.11+ and pip.

    python3 dev.py run    # install into .venv if needed, then `mentorbot run`
    python3 dev.py test   # install into .venv (with dev tools) if needed, then pytest

Anything after the command is passed on (`python3 dev.py run --http --port 3000`,
`python3 dev.py test -k find`). It reinstalls only when pyproject.toml changed.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def ensure_installed(extras: str) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py may run under any python3
        sys.exit("mentorbot needs Python 3.11 or newer")
    if not (BIN / "python").exists() and not (BIN / "python.exe").exists():
        venv.EnvBuilder(with_pip=True).create(VENV)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes() + extras.encode()).hexdigest()
    stamp = VENV / f".installed-{extras or 'base'}"
    if stamp.exists() and stamp.read_text() == digest:
        return
    spec = f".[{extras}]" if extras else "."
    print(  # noqa: T201 - say why the first run takes a minute
        f"Installing mentorbot{' and its dev tools' if extras else ''} into {VENV.name} "
        "(first run, or pyproject.toml changed); this takes a minute…",
        file=sys.stderr,
        flush=True,
    )
    subprocess.run(
        [str(BIN / "python"), "-m", "pip", "install", "--quiet", "--editable", spec],
        cwd=ROOT,
        check=True,
    )
    stamp.write_text(digest)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test"):
        print(__doc__)  # noqa: T201
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        ensure_installed("")
        return subprocess.call([str(BIN / "mentorbot"), "run", *rest])
    ensure_installed("dev")
    return subprocess.call([str(BIN / "python"), "-m", "pytest", *rest], cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
