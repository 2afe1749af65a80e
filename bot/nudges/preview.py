"""`mentorbot nudges --preview`: what the planner would send at a moment, as plain text.

Kinds, recipients' IDs, their local time, and why anything waits: never message text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from bot.nudges.planner import Decision


def render_preview(decisions: Sequence[Decision], *, now: datetime) -> str:
    """One line per person with a check-in due: what goes now, or why it waits."""
    head = f"Nudges at {now:%Y-%m-%d %H:%M} UTC"
    if not decisions:
        return f"{head}: nothing is due."
    going = [d for d in decisions if d.reason is not None]
    waiting = [d for d in decisions if d.reason is None]
    kinds = Counter(d.reason.kind.value for d in going if d.reason is not None)
    summary = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items())) or "none"
    lines = [f"{head}: {len(going)} would go ({summary}), {len(waiting)} wait."]
    for decision in going:
        assert decision.reason is not None
        later = f" (then, if still due: {_kinds(decision)})" if decision.later else ""
        lines.append(
            f"  send  {decision.reason.kind.value:<18} to {decision.slack_id}  "
            f"at {_local(decision)}  key {decision.reason.key}{later}"
        )
    for decision in waiting:
        lines.append(
            f"  wait  {_kinds(decision):<18} {decision.slack_id}  {_local(decision)}: "
            f"{decision.waits}"
        )
    return "\n".join(lines)


def _local(decision: Decision) -> str:
    if decision.local is None:
        return "—"
    return f"{decision.local:%a %H:%M} {decision.local.tzname() or ''}".strip()


def _kinds(decision: Decision) -> str:
    return ", ".join(r.kind.value for r in decision.later)
