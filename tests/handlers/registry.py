"""What the app registers, read from the Bolt App itself (its listeners' matchers).

Bolt keeps each listener with its primary matcher, a closure over the constraint given to
``@app.action`` / ``@app.view``. Reading it back means a listener added tomorrow is fuzzed
and checked for authorization without anyone remembering to list it.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from slack_bolt import App

from bot.ids import ActionId, CallbackId

Constraint = str | re.Pattern[str]


def _constraints(app: App, builder: str, name: str) -> list[Constraint]:
    found: list[Constraint] = []
    for listener in app._listeners:  # noqa: SLF001 - Bolt has no public listing
        func: Any = getattr(listener.matchers[0], "func", None)
        if func is None or not func.__qualname__.startswith(f"{builder}.<locals>"):
            continue
        constraint = inspect.getclosurevars(func).nonlocals.get(name)
        assert isinstance(constraint, (str, re.Pattern)), constraint
        found.append(constraint)
    return found


def _concrete(constraints: list[Constraint], known: list[str]) -> list[str]:
    """Each constraint as IDs a payload can carry: itself, or the known IDs a pattern matches
    (and, for a pattern, one suffixed form, as the find topic buttons are)."""
    ids: list[str] = []
    for constraint in constraints:
        if isinstance(constraint, str):
            ids.append(constraint)
            continue
        matching = [k for k in known if constraint.search(k)]
        assert matching, f"{constraint.pattern} matches no ID in bot/ids.py"
        ids += matching + [f"{k}:0" for k in matching if constraint.search(f"{k}:0")]
    return list(dict.fromkeys(ids))


def registered_action_ids(app: App) -> list[str]:
    """Every block action_id the app listens to."""
    return _concrete(_constraints(app, "action", "constraints"), list(ActionId))


def registered_callback_ids(app: App) -> list[str]:
    """Every modal callback_id the app listens to."""
    return _concrete(_constraints(app, "view_submission", "callback_id"), list(CallbackId))
