"""Events API deliveries: each event handled once, whichever of its deliveries arrives first."""

from __future__ import annotations

from tests.conftest import Harness
from tests.factories import make_person


def _home_event(user: str) -> dict[str, str]:
    return {"type": "app_home_opened", "user": user, "channel": "D0DM00001", "tab": "home"}


def test_the_same_event_delivered_twice_is_handled_once(harness: Harness, session) -> None:  # type: ignore[no-untyped-def]
    make_person(session, "U0ALICE01")
    session.commit()
    assert harness.slack.event(_home_event("U0ALICE01"), event_id="Ev0SAME01").status == 200
    harness.fake.wait_for("views.publish")
    assert (
        harness.slack.event(_home_event("U0ALICE01"), event_id="Ev0SAME01", retry_num=1).status
        == 200
    )
    harness.fake.settle(quiet=0.3)
    assert len(harness.fake.calls_to("views.publish")) == 1


def test_a_timeout_retry_is_acknowledged_without_doing_the_work_again(
    harness: Harness,
    session,  # type: ignore[no-untyped-def]
) -> None:
    make_person(session, "U0ALICE01")
    session.commit()
    assert harness.slack.event(_home_event("U0ALICE01"), event_id="Ev0SLOW01").status == 200
    harness.fake.wait_for("views.publish")
    reply = harness.slack.event(
        _home_event("U0ALICE01"), event_id="Ev0SLOW01", retry_num=1, retry_reason="http_timeout"
    )
    assert reply.status == 200
    harness.fake.settle(quiet=0.3)
    assert len(harness.fake.calls_to("views.publish")) == 1


def test_an_event_first_delivered_as_a_timeout_retry_is_handled_once(
    harness: Harness,
    session,  # type: ignore[no-untyped-def]
) -> None:
    """The first delivery never arrived: its timeout retry is the only one we get."""
    make_person(session, "U0ALICE01")
    session.commit()
    for retry in (1, 2):
        reply = harness.slack.event(
            _home_event("U0ALICE01"),
            event_id="Ev0LOST01",
            retry_num=retry,
            retry_reason="http_timeout",
        )
        assert reply.status == 200
        harness.fake.wait_for("views.publish")
    harness.fake.settle(quiet=0.3)
    assert len(harness.fake.calls_to("views.publish")) == 1


def test_url_verification_is_answered_with_the_challenge(harness: Harness) -> None:
    reply = harness.slack.post_json(
        {"token": "legacy", "challenge": "chal-123", "type": "url_verification"}
    )
    assert reply.status == 200
    assert "chal-123" in reply.body


def test_healthz_answers_ok(harness: Harness) -> None:
    import urllib.request

    with urllib.request.urlopen(harness.url + "/healthz", timeout=5) as response:
        assert response.status == 200


def test_healthz_answers_503_when_the_database_is_unreachable(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import io

    from bot.server import build_wsgi
    from storage.db import make_engine

    broken = make_engine(f"sqlite:///{tmp_path / 'no-such-dir' / 'x.db'}")
    wsgi = build_wsgi(object(), broken, signing_secret="s")  # type: ignore[arg-type]
    statuses: list[str] = []
    body = b"".join(
        wsgi(
            {"PATH_INFO": "/healthz", "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()},
            lambda status, headers: statuses.append(status),  # type: ignore[arg-type,return-value]
        )
    )
    assert statuses == ["503 Service Unavailable"]
    assert b'"database": "down"' in body
