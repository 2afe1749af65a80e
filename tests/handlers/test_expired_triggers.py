"""A click or command whose trigger_id expired (Slack allows 3 seconds) still gets an answer."""

from __future__ import annotations

from sqlmodel import Session

from bot.ids import ActionId
from tests.conftest import Harness
from tests.handlers.journey import (
    MENTEE,
    MENTOR,
    directory,
    in_dm,
    send_request,
    text_of,
    wait_post,
)

HOME = {"id": "V0HOME001", "type": "home", "blocks": []}
EXPIRED = "9.9999.expired"
SAID = "didn't open"


def _dm_says(h: Harness, user: str, words: str) -> None:
    """A DM to ``user``: in their DM channel, or posted to their user ID (the outbox does)."""
    wait_post(
        h,
        lambda c: in_dm(c, user) and words in text_of(c.params),
    )


def test_an_expired_trigger_on_the_home_tab_is_answered_by_dm(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    cid = send_request(h)
    h.settle()
    h.fake.expired_triggers.add(EXPIRED)

    h.slack.action(ActionId.DECLINE_REQUEST, str(cid), user=MENTOR, view=HOME, trigger_id=EXPIRED)
    _dm_says(h, MENTOR, SAID)
    h.slack.action(ActionId.HOME_FIND_MENTOR, "find", user=MENTEE, view=HOME, trigger_id=EXPIRED)
    _dm_says(h, MENTEE, SAID)
    h.slack.action(ActionId.OFFER_EDIT, "edit", user=MENTOR, view=HOME, trigger_id=EXPIRED)
    _dm_says(h, MENTOR, SAID)


def test_an_expired_trigger_on_a_command_says_to_try_again(
    harness: Harness, session: Session
) -> None:
    h = harness
    directory(session)
    h.fake.expired_triggers.add(EXPIRED)
    h.slack.command("offer", user=MENTOR, trigger_id=EXPIRED)
    answer = h.fake.last("response_url")
    assert SAID in text_of(answer.params)
    assert "went wrong" not in text_of(answer.params)
