"""The layers hold: handlers → bot → storage, services free of Slack, builders free of I/O.

Every module's imports are read with ``ast`` (function-level and ``TYPE_CHECKING`` imports
included), so a layer break fails here before it spreads. The few modules allowed to
cross a line are listed with the reason; the list is checked to stay as short as it can.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage")

# The composition root wires everything together, so it alone in bot/ may reach up or out.
MAY_IMPORT_HANDLERS = {
    "bot/app.py": "builds the Bolt app and registers every surface's listeners",
    "bot/scheduler.py": "gives the job functions (handlers.jobs) their client and database",
}
# Handlers parse, call one use case of bot/ and answer; the delivery module alone reads and
# writes outbox rows itself.
MAY_IMPORT_STORAGE = {
    "handlers/deliver.py": "the one delivery module claims outbox rows and records outcomes",
}
MAY_IMPORT_SLACK = {
    "bot/app.py": "builds the Bolt App (slack_bolt) around the one WebClient",
    "bot/cli.py": "starts Socket Mode and turns Slack's auth errors into an exit message",
    "bot/server.py": "serves the Bolt app over WSGI (slack_bolt's adapter)",
    "bot/slack.py": "builds the one WebClient with its retry handlers",
    "bot/scheduler.py": "hands the one WebClient to the jobs it wires",
}

SLACK = ("slack_sdk", "slack_bolt")
BUILDER_IO = (
    "storage",
    "sqlalchemy",
    "sqlmodel",
    "sqlite3",
    *SLACK,
    "requests",
    "urllib",
    "http",
    "socket",
)
FILE_CALLS = frozenset({"open", "read_text", "write_text", "read_bytes", "write_bytes"})


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    what: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what}"


def _module_name(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: str, tree: ast.AST) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) for every import in the module, relative ones resolved."""
    package = _module_name(path).split(".")
    if not path.endswith("__init__.py"):
        package = package[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            yield node.lineno, module
            if not node.module:  # "from . import x" names modules
                for alias in node.names:
                    yield node.lineno, ".".join(filter(None, (module, alias.name)))


def _within(module: str, roots: tuple[str, ...]) -> str | None:
    return next((r for r in roots if module == r or module.startswith(r + ".")), None)


def _does_io(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"}:
            yield node.lineno, f"reads the environment (os.{node.attr})"
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            for alias in node.names:
                if alias.name in {"environ", "getenv"}:
                    yield node.lineno, f"reads the environment (os.{alias.name})"
        elif isinstance(node, ast.Call):
            name = (
                node.func.id
                if isinstance(node.func, ast.Name)
                else node.func.attr
                if isinstance(node.func, ast.Attribute)
                else ""
            )
            if name in FILE_CALLS:
                yield node.lineno, f"touches files ({name}(...))"


def check(path: str, source: str) -> list[Violation]:
    """What in ``source`` (the module at ``path``, relative to the repo) breaks a layer."""
    tree = ast.parse(source, filename=path)
    found: list[Violation] = []
    layer = path.split("/")[0]
    builder = path.startswith("bot/blocks/")
    for line, module in imports(path, tree):
        if layer == "storage" and (hit := _within(module, ("bot", "handlers"))):
            found.append(Violation(path, line, f"storage imports {hit} ({module})"))
        if layer == "bot" and path not in MAY_IMPORT_HANDLERS and _within(module, ("handlers",)):
            found.append(Violation(path, line, f"bot imports handlers ({module})"))
        if layer == "handlers" and path not in MAY_IMPORT_STORAGE and _within(module, ("storage",)):
            found.append(Violation(path, line, f"a handler imports storage ({module})"))
        service = layer == "bot" and not builder and path not in MAY_IMPORT_SLACK
        if service and (hit := _within(module, SLACK)):
            found.append(Violation(path, line, f"a service imports {hit} ({module})"))
        if builder and (hit := _within(module, BUILDER_IO)):
            found.append(Violation(path, line, f"a builder imports {hit} ({module})"))
    if builder:
        found += [Violation(path, line, what) for line, what in _does_io(tree)]
    return found


def _modules() -> list[str]:
    return sorted(
        p.relative_to(ROOT).as_posix()
        for package in PACKAGES
        for p in (ROOT / package).rglob("*.py")
    )


def test_the_checker_sees_every_package() -> None:
    modules = _modules()
    assert {m.split("/")[0] for m in modules} == set(PACKAGES)
    assert "bot/blocks/common.py" in modules and "storage/models/conversations.py" in modules
    assert "bot/conversations/requests.py" in modules
    assert "handlers/conversations/sessions.py" in modules


def test_no_module_breaks_a_layer() -> None:
    found = [v for path in _modules() for v in check(path, (ROOT / path).read_text())]
    assert [str(v) for v in found] == []


@pytest.mark.parametrize(
    ("allowed", "roots"),
    [
        (MAY_IMPORT_HANDLERS, ("handlers",)),
        (MAY_IMPORT_SLACK, SLACK),
        (MAY_IMPORT_STORAGE, ("storage",)),
    ],
)
def test_every_allowed_crossing_is_still_needed(
    allowed: dict[str, str], roots: tuple[str, ...]
) -> None:
    for path in allowed:
        tree = ast.parse((ROOT / path).read_text())
        assert any(_within(m, roots) for _, m in imports(path, tree)), f"{path} no longer needs it"


@pytest.mark.parametrize(
    ("path", "source", "what"),
    [
        ("storage/people.py", "from bot.matching import area_key\n", "storage imports bot"),
        ("storage/models/x.py", "def f():\n    import handlers.jobs\n", "storage imports handlers"),
        ("storage/x.py", "from .. import bot\n", "storage imports bot"),
        ("bot/home.py", "from handlers import home\n", "bot imports handlers"),
        ("bot/conversations/sunset.py", "from handlers.conversations import sunset\n", "handlers"),
        ("bot/conversations/common.py", "from slack_sdk import WebClient\n", "imports slack_sdk"),
        (
            "bot/matching.py",
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import slack_bolt\n",
            "imports slack_bolt",
        ),
        ("bot/blocks/find.py", "from storage.models import Person\n", "builder imports storage"),
        ("bot/blocks/find.py", "from sqlmodel import Session\n", "builder imports sqlmodel"),
        ("bot/blocks/find.py", "import urllib.request\n", "builder imports urllib"),
        ("bot/blocks/find.py", "from slack_sdk.models import blocks\n", "builder imports slack"),
        ("bot/blocks/find.py", "from ..ids import x\nfrom ... import storage\n", "imports storage"),
        ("bot/blocks/help.py", "import os\nTOKEN = os.environ['X']\n", "reads the environment"),
        ("bot/blocks/help.py", "from os import getenv\n", "reads the environment"),
        ("bot/blocks/help.py", "TEXT = open('help.md').read()\n", "touches files"),
        ("bot/blocks/help.py", "from pathlib import Path\nT = Path('x').read_text()\n", "files"),
        ("handlers/home.py", "from storage.db import unit_of_work\n", "handler imports storage"),
        ("handlers/conversations/x.py", "from ...storage import db\n", "imports storage"),
    ],
)
def test_the_checker_catches_a_planted_violation(path: str, source: str, what: str) -> None:
    assert any(what in v.what for v in check(path, source)), check(path, source)


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("handlers/home.py", "from bot.usecase import run\nfrom slack_bolt import App\n"),
        ("bot/home.py", "from storage import conversations\nfrom bot.blocks import home\n"),
        ("bot/app.py", "from slack_bolt import App\nfrom handlers import home\n"),
        ("bot/blocks/home.py", "from bot.ids import ActionId\nfrom bot.home import HomeState\n"),
        ("storage/people.py", "from storage.models import Person\nimport sqlalchemy\n"),
    ],
)
def test_the_checker_lets_the_layers_import_downwards(path: str, source: str) -> None:
    assert check(path, source) == []


def test_an_http_worker_starts_without_importing_alembic() -> None:
    """Workers never migrate (the parent did): Alembic's 0.4 s import is not theirs."""
    code = (
        "import sys, bot.cli, bot.app, bot.server, handlers.deliver, bot.scheduler\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
