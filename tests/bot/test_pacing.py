"""The limiter keeps calls under Slack's tiers: per method, per channel, and after a 429."""

from __future__ import annotations

import pytest

from bot.pacing import Pacer, Rate


class Ticks:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_posts_to_one_channel_go_one_per_second_but_other_channels_need_not_wait() -> None:
    ticks = Ticks()
    pacer = Pacer({"chat.postMessage@channel": Rate(1)}, clock=ticks)

    waits = [pacer.reserve("chat.postMessage", "D1") for _ in range(3)]
    assert waits == [0, 1, 2]
    assert pacer.reserve("chat.postMessage", "D2") == 0


def test_a_workspace_limit_allows_a_burst_then_its_rate() -> None:
    ticks = Ticks()
    pacer = Pacer({"views.publish": Rate(2, burst=3)}, clock=ticks)

    waits = [pacer.reserve("views.publish") for _ in range(5)]
    assert waits == [0, 0, 0, 0.5, 1.0]
    ticks.now += 10  # idle long enough: the burst is back
    assert [pacer.reserve("views.publish") for _ in range(3)] == [0, 0, 0]


def test_a_429_holds_the_method_back_for_retry_after() -> None:
    ticks = Ticks()
    pacer = Pacer({}, clock=ticks)
    pacer.hold("chat.postMessage", 30)
    assert pacer.reserve("chat.postMessage", "D1") == 30
    assert pacer.reserve("views.publish") == 0
    ticks.now += 30
    assert pacer.reserve("chat.postMessage", "D1") == 0


def test_a_channel_still_waiting_keeps_its_wait_while_thousands_of_others_come_and_go() -> None:
    ticks = Ticks()
    pacer = Pacer({"chat.postMessage@channel": Rate(1)}, clock=ticks)
    assert [pacer.reserve("chat.postMessage", "D1") for _ in range(3)] == [0, 1, 2]

    for n in range(3000):  # each other channel posted once: full again a second later
        assert pacer.reserve("chat.postMessage", f"D{n + 2}") == 0
        ticks.now += 0.0005

    assert pacer.reserve("chat.postMessage", "D1") == pytest.approx(3 - 1.5)
