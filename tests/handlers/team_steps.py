"""Steps of the manager's check-in, driven through signed requests against the fake Slack
(in process or over HTTP: every step waits on the fake for what it expects)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from sqlmodel import Session

from bot.ids import ActionId, BlockId
from tests.factories import make_person
from tests.fakeslack import Call, FakeSlack, conversation_id
from tests.handlers.journey import buttons, radio, text_input, text_of
from tests.slackhttp import Reply, SlackSender

MANAGER = "U0MANAGE1"
OTHER_MANAGER = "U0MANAGE2"
NON_MANAGER = "U0NOBOSS1"
REPORTS = ("U0REPORTA", "U0REPORTB", "U0REPORTC", "U0REPORTD", "U0REPORTE")
OTHER_REPORTS = ("U0OTHERA1", "U0OTHERB1", "U0OTHERC1")


def make_team(
    session: Session, manager: str, reports: Sequence[str], *, area: str = "Engineering"
) -> None:
    """A manager and their direct reports in the directory."""
    make_person(session, manager, area=area, level=5)
    for report in reports:
        make_person(session, report, area=area, level=3, manager=manager)
    session.commit()


def pulse_values(
    usage: str | None, how: str = "", obstacles: Sequence[str] = (), in_the_way: str = ""
) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        BlockId.PULSE_USAGE: radio(BlockId.PULSE_USAGE, usage),
        BlockId.PULSE_HOW: text_input(BlockId.PULSE_HOW, how or None),
        BlockId.PULSE_OBSTACLES: {
            BlockId.PULSE_OBSTACLES: {
                "type": "checkboxes",
                "selected_options": [{"value": o} for o in obstacles],
            }
        },
        BlockId.PULSE_IN_THE_WAY: text_input(BlockId.PULSE_IN_THE_WAY, in_the_way or None),
    }


def checkin_values(
    day: str | None, heard: str = "", will_try: str = "", *, share: bool = False
) -> dict[str, dict[str, dict[str, Any]]]:
    return {
        BlockId.CHECKIN_HEARD: text_input(BlockId.CHECKIN_HEARD, heard or None),
        BlockId.CHECKIN_TRY: text_input(BlockId.CHECKIN_TRY, will_try or None),
        BlockId.CHECKIN_DATE: {BlockId.CHECKIN_DATE: {"type": "datepicker", "selected_date": day}},
        BlockId.CHECKIN_SHARE: {
            BlockId.CHECKIN_SHARE: {
                "type": "checkboxes",
                "selected_options": [{"value": "share"}] if share else [],
            }
        },
    }


def in_dm_of(call: Call, user: str) -> bool:
    return str(call.params.get("channel", "")) in (user, conversation_id([user]))


class Steps:
    """What people do, as Slack would send it; each returns what the person then sees."""

    def __init__(self, slack: SlackSender, fake: FakeSlack) -> None:
        self.slack, self.fake = slack, fake
        self._names = itertools.count(1)

    # --- what anyone can open -----------------------------------------------------------
    def team(self, user: str) -> dict[str, Any]:
        """`/mentor team`: the ephemeral answer."""
        name = f"team{next(self._names)}"
        self.slack.command("team", user=user, response_name=name)
        return dict(self.fake.last("response_url", where=lambda c: c.path.endswith(name)).params)

    def home(self, user: str) -> dict[str, Any]:
        before = len(self.publishes(user))
        self.slack.home_opened(user)
        self.fake.wait_for("views.publish", before + 1, where=lambda c: _to(c, user))
        return dict(self.publishes(user)[-1].params["view"])

    def publishes(self, user: str) -> list[Call]:
        return [c for c in self.fake.calls_to("views.publish") if _to(c, user)]

    def answer_to_click(self, action: str, value: str, *, user: str) -> dict[str, Any]:
        """Click in a message and return the ephemeral answer in place."""
        name = f"click{next(self._names)}"
        reply = self.slack.action(
            action, value, user=user, response_url=self.fake.response_url(name)
        )
        assert reply.status == 200, reply
        return dict(self.fake.last("response_url", where=lambda c: c.path.endswith(name)).params)

    def open_modal(self, action: str, value: str, *, user: str) -> dict[str, Any]:
        before = len(self.fake.calls_to("views.open"))
        self.slack.action(action, value, user=user)
        return dict(self.fake.wait_for("views.open", before + 1)[-1].params["view"])

    def dms_to(self, user: str) -> list[Call]:
        return [c for c in self.fake.calls_to("chat.postMessage") if in_dm_of(c, user)]

    # --- the manager ------------------------------------------------------------------
    def send_pulse(self, manager: str) -> dict[str, Any]:
        """ "Send the pre-check-in pulse" from `/mentor team`; the manager's answer."""
        return self.answer_to_click(ActionId.TEAM_SEND_PULSE, "pulse", user=manager)

    def record_checkin(
        self, manager: str, day: str, heard: str = "", will_try: str = "", *, share: bool = False
    ) -> Reply:
        view = self.open_modal(ActionId.TEAM_RECORD_CHECKIN, "notes", user=manager)
        return self.slack.submit(
            view, checkin_values(day, heard, will_try, share=share), user=manager
        )

    # --- a report ----------------------------------------------------------------------
    def pulse_dm(self, report: str, count: int = 1) -> Call:
        found = self.fake.wait_for(
            "chat.postMessage",
            count,
            where=lambda c: in_dm_of(c, report) and ActionId.PULSE_ANSWER in buttons(c.params),
        )
        return found[-1]

    def answer(
        self,
        report: str,
        usage: str | None,
        how: str = "",
        obstacles: Sequence[str] = (),
        in_the_way: str = "",
    ) -> Reply:
        pulse = buttons(self.pulse_dm(report).params)[ActionId.PULSE_ANSWER]
        view = self.open_modal(ActionId.PULSE_ANSWER, pulse, user=report)
        return self.slack.submit(view, pulse_values(usage, how, obstacles, in_the_way), user=report)


def _to(call: Call, user: str) -> bool:
    return call.params.get("user_id") == user


def visible(payload: dict[str, Any]) -> str:
    """What a person reads on a screen, and everything it carries (button values, metadata)."""
    return text_of(payload) + " " + str(payload)
