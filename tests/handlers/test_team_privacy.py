"""A manager cannot learn who answered what: every screen they can open is the same whoever
of their three reports answered "not yet", and in whatever order the answers came."""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import Session

from bot.context import Deps
from bot.ids import ActionId
from bot.slack import build_client
from handlers import jobs
from tests.blockkit import assert_valid_view
from tests.conftest import START, FakeClock
from tests.handlers.journey import buttons, text_of
from tests.handlers.team_steps import Steps, make_team, visible
from tests.inprocess import InProcessSender

ANSWERS = (
    ("often", "I pair with someone from Sales on pricing", (), ""),
    ("sometimes", "Mostly async questions in Slack", ("no_time",), ""),
    ("not_yet", "", ("who_to_ask", "team"), "Nobody I know offers what I need"),
)
NOT_YET = 2
SLACK_ID = re.compile(r"U0[A-Z0-9]{7}")


def _normalised(screen: dict[str, Any], manager: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """What the manager reads, as a sorted list of lines (the free texts come in a random
    order), and the buttons offered."""
    texts: list[str] = [str(screen.get("text", ""))]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    texts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(screen.get("blocks", []))
    lines = [line.strip() for text in texts for line in text.replace(manager, "M").split("\n")]
    return tuple(sorted(line for line in lines if line)), tuple(sorted(buttons(screen)))


def _screens_of_a_team(
    steps: Steps, inproc: InProcessSender, manager: str, reports: list[str], order: list[int]
) -> dict[str, dict[str, Any]]:
    """Every screen the manager opens while ``reports[i]`` gives ``ANSWERS[order[i]]``."""
    screens: dict[str, dict[str, Any]] = {"team, before": steps.team(manager)}
    screens["pulse sent"] = steps.send_pulse(manager)
    for index in range(3):  # in turn: the "not yet" comes first, second or last
        usage, how, obstacles, in_the_way = ANSWERS[order[index]]
        steps.answer(reports[index], usage, how, obstacles, in_the_way)
    screens["team, answered"] = steps.team(manager)
    screens["home, answered"] = steps.home(manager)
    screens["pulse sent again"] = steps.answer_to_click(
        ActionId.TEAM_SEND_PULSE, "pulse", user=manager
    )
    screens["notes modal"] = steps.open_modal(ActionId.TEAM_RECORD_CHECKIN, "notes", user=manager)
    reply = steps.record_checkin(manager, START.date().isoformat(), "we heard", "we try")
    screens["notes saved"] = reply.json["view"]
    screens["team, closed"] = steps.team(manager)
    screens["home, closed"] = steps.home(manager)
    return screens


def test_a_manager_of_three_cannot_learn_who_answered_not_yet_from_any_screen(
    inproc: InProcessSender, session: Session, clock: FakeClock, deps: Deps
) -> None:
    steps = Steps(inproc, inproc.fake)
    teams: dict[str, list[str]] = {}
    seen: dict[str, dict[str, dict[str, Any]]] = {}
    # The "not yet" (ANSWERS[2]) comes from the first, second or third report, answering
    # first, second or last.
    orders = ([NOT_YET, 0, 1], [0, NOT_YET, 1], [1, 0, NOT_YET])
    for n, order in enumerate(orders):
        manager = f"U0MGR{n}XXX"
        reports = [f"U0R{n}{i}XXXX" for i in range(3)]
        make_team(session, manager, reports)
        teams[manager] = reports
        seen[manager] = _screens_of_a_team(steps, inproc, manager, reports, order)

    # A month later, the reminder and the answers to its buttons are screens too.
    clock.advance(days=31)
    jobs.install(deps, build_client(deps.settings))
    jobs.team_checkins()
    jobs.plan_nudges()
    for manager in teams:
        (reminder,) = [c for c in steps.dms_to(manager) if "20 minutes" in text_of(c.params)]
        seen[manager]["reminder"] = reminder.params
        seen[manager]["snoozed"] = steps.answer_to_click(
            ActionId.TEAM_SNOOZE_REMINDER, "snooze", user=manager
        )
        seen[manager]["stopped"] = steps.answer_to_click(
            ActionId.TEAM_STOP_REMINDING, "stop", user=manager
        )
        seen[manager]["team, a month on"] = steps.team(manager)

    everyone = {r for reports in teams.values() for r in reports}
    first, *others = teams
    for manager in teams:
        for name, screen in seen[manager].items():
            shown = visible(screen)
            # No report is named anywhere on a manager's screen, not even in a button value.
            assert not (set(SLACK_ID.findall(shown)) & everyone), (manager, name)
            if screen.get("type") == "modal":
                assert_valid_view(screen)
    answered = text_of(seen[first]["team, answered"])
    assert "Often 1 · Sometimes 1 · Not yet 1" in answered
    assert "Nobody I know offers what I need" in answered
    for manager in others:
        for name in seen[first]:
            assert _normalised(seen[manager][name], manager) == _normalised(
                seen[first][name], first
            ), name
