"""The front door: nothing unsigned gets in, nothing unverified is used or logged.

Every request below goes over real HTTP to the real app. An attacker needs no secret to
send these, so each must be refused with 401 before its body is read for meaning: no
call to Slack or to a ``response_url`` it names, no DM to a ``user_id`` it names, no
traceback, no state change, and one short log line without the body.
"""

from __future__ import annotations

import http.client
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode, urlparse

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import Session

from bot.front_door import MAX_BODY_BYTES
from tests.conftest import Harness
from tests.dbstate import database_state
from tests.factories import make_person
from tests.slackhttp import Reply

SECRET_AGENDA = "my-private-agenda-about-a-difficult-boss"


def _raw(harness: Harness, body: bytes, headers: dict[str, str]) -> Reply:
    """POST exactly these bytes and headers (urllib would add or fix some)."""
    url = urlparse(harness.slack.url)
    connection = http.client.HTTPConnection(url.hostname or "", url.port, timeout=10)
    try:
        connection.putrequest("POST", url.path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value.encode())  # UTF-8 bytes, as an attacker may
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Reply(response.status, response.read().decode(errors="replace"))
    finally:
        connection.close()


def _command_form(harness: Harness, text: str = "help", user: str = "U0VICTIM1") -> bytes:
    return urlencode(
        {
            "command": "/mentor",
            "text": text,
            "user_id": user,
            "channel_id": "C0CHAN001",
            "response_url": harness.fake.response_url("attacker-target"),
            "trigger_id": "1.1.abc",
        }
    ).encode()


def _sent(harness: Harness) -> list[str]:
    """What the app sent to Slack, apart from the auth.test Bolt makes when it is built."""
    return [c.method for c in harness.fake.calls if c.method != "auth.test"]


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    "timestamp", ["abc", "", "1.5", " 1700000000", "-5", "１７００００００００", "9" * 40, "0x10"]
)
def test_a_malformed_timestamp_is_refused_and_nothing_is_sent_to_the_response_url_it_names(
    harness: Harness, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    before = database_state(harness.deps.engine)
    reply = _raw(
        harness,
        _command_form(harness),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": "v0=" + "0" * 64,
        },
    )
    assert reply.status == 401
    harness.fake.settle(quiet=0.3)
    assert _sent(harness) == []  # no response_url post, no DM, nothing
    assert _errors(caplog) == []
    assert not any(r.exc_info for r in caplog.records)
    assert database_state(harness.deps.engine) == before


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Slack-Request-Timestamp": "{now}"},
        {"X-Slack-Signature": "v0=" + "a" * 64},
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": ""},
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": "v0=abc"},
        {"X-Slack-Request-Timestamp": "{now}", "X-Slack-Signature": "v1=" + "a" * 64},
    ],
    ids=["none", "no-signature", "no-timestamp", "empty-sig", "short-sig", "wrong-version"],
)
def test_a_missing_or_malformed_signature_is_refused(
    harness: Harness, headers: dict[str, str]
) -> None:
    now = str(int(time.time()))
    sent = {k: v.replace("{now}", now) for k, v in headers.items()}
    reply = _raw(
        harness,
        _command_form(harness),
        {"Content-Type": "application/x-www-form-urlencoded", **sent},
    )
    assert reply.status == 401
    harness.fake.settle(quiet=0.2)
    assert _sent(harness) == []


@pytest.mark.parametrize("offset", [-6 * 60, 6 * 60, 10**9])
def test_a_correctly_signed_request_from_too_long_ago_or_the_future_is_refused(
    harness: Harness, offset: int
) -> None:
    reply = harness.slack.post(
        _command_form(harness),
        "application/x-www-form-urlencoded",
        timestamp=int(time.time()) + offset,
    )
    assert reply.status == 401
    harness.fake.settle(quiet=0.2)
    assert _sent(harness) == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"type": "event_callback", "event": ', "application/json"),
        (b"\xff\xfe\x00payload=\x80\x81", "application/x-www-form-urlencoded"),
        (b'{"type": "url_verification", "challenge": "x"}', "text/plain"),
        (b"payload=%7B%22type%22%3A%22block_actions%22%7D", "multipart/form-data"),
        (b"<xml/>", "application/xml"),
        (b"", ""),
    ],
    ids=["invalid-json", "invalid-utf8", "text-plain", "multipart", "xml", "empty"],
)
def test_unsigned_bodies_of_any_shape_or_type_get_401_not_500(
    harness: Harness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    reply = _raw(
        harness,
        body,
        {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(int(time.time())),
            "X-Slack-Signature": "v0=" + "b" * 64,
        },
    )
    assert reply.status == 401
    assert _errors(caplog) == []
    harness.fake.settle(quiet=0.1)
    assert _sent(harness) == []


def test_a_refused_request_is_logged_as_one_short_line_without_its_body(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    for _ in range(2):
        big = b"text=" + b"A" * (5 * 1024 * 1024)
        reply = _raw(
            harness,
            big,
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": "abc",
                "X-Slack-Signature": "v0=0",
            },
        )
        assert reply.status == 401
    logged = [r.getMessage() for r in caplog.records]
    assert len(logged) == 2
    assert all(len(line) < 200 and "AAAA" not in line for line in logged)


def test_a_genuine_but_late_submission_does_not_write_its_private_text_to_the_log(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    payload = {
        "type": "view_submission",
        "user": {"id": "U0USER001"},
        "view": {
            "callback_id": "agenda_modal",
            "state": {"values": {"q1": {"q1": {"type": "plain_text_input", "value": "x"}}}},
            "private_metadata": SECRET_AGENDA,
        },
    }
    reply = harness.slack.post_form(
        {"payload": json.dumps(payload)}, timestamp=int(time.time()) - 10 * 60
    )
    assert reply.status == 401
    assert all(SECRET_AGENDA not in r.getMessage() for r in caplog.records)
    assert all(SECRET_AGENDA not in str(r.args) for r in caplog.records)


def test_a_body_over_the_size_limit_is_refused_unread(harness: Harness) -> None:
    body = b"x" * (MAX_BODY_BYTES + 1)
    reply = harness.slack.post(body, "application/x-www-form-urlencoded")
    assert reply.status == 401


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"[1, 2, 3]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"42", "application/json"),
        (b"null", "application/json"),
        (b"{not json", "application/json"),
        (b"payload=not-json", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%2C2%5D", "application/x-www-form-urlencoded"),
        (b"payload=%22s%22", "application/x-www-form-urlencoded"),
        (b"\xff\xfe\xfd", "application/x-www-form-urlencoded"),
        (b'{"type": "event_callback"}', "text/plain"),
        (b"[" * 100_000, "application/json"),
    ],
    ids=[
        "json-array",
        "json-string",
        "json-number",
        "json-null",
        "invalid-json",
        "payload-not-json",
        "payload-array",
        "payload-string",
        "invalid-utf8",
        "odd-content-type",
        "deeply-nested",
    ],
)
def test_signed_but_malformed_bodies_get_a_kind_answer_not_a_500(
    harness: Harness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    reply = _signed_raw(harness, body, content_type)
    assert reply.status == 200
    assert "could not read that request" in reply.body
    assert "something went wrong" not in reply.body.lower()
    assert _errors(caplog) == []
    harness.fake.settle(quiet=0.1)
    assert _sent(harness) == []


def _signed_raw(harness: Harness, body: bytes, content_type: str) -> Reply:
    """Sign raw bytes (not necessarily UTF-8) the way Slack signs: HMAC over the bytes."""
    import hashlib
    import hmac

    from tests.conftest import SIGNING_SECRET

    ts = str(int(time.time()))
    digest = hmac.new(
        SIGNING_SECRET.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256
    ).hexdigest()
    return _raw(
        harness,
        body,
        {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": f"v0={digest}",
        },
    )


def test_a_slash_command_whose_text_says_payload_is_still_answered(
    harness: Harness, session: Session
) -> None:
    make_person(session, "U0USER001", area="Engineering")
    session.commit()
    reply = harness.slack.command("find payload design")
    assert reply.status == 200
    answer = harness.fake.last("response_url").params
    assert "payload design" in json.dumps(answer)


# --- generated input -----------------------------------------------------------------------

_HEADER_TEXT = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=80)
_BODIES = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(str.encode),
    st.dictionaries(st.text(max_size=10), st.text(max_size=30), max_size=6).map(
        lambda d: urlencode(d).encode()
    ),
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=10,
    ).map(lambda v: json.dumps(v).encode()),
)
_CONTENT_TYPES = (
    st.sampled_from(
        [
            "application/json",
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=utf-8",
            "text/plain",
            "multipart/form-data; boundary=x",
            "",
        ]
    )
    | _HEADER_TEXT
)


@given(
    body=_BODIES,
    content_type=_CONTENT_TYPES,
    timestamp=st.one_of(_HEADER_TEXT, st.integers(-(10**12), 10**13).map(str)),
    signature=st.one_of(_HEADER_TEXT, st.just("v0=" + "c" * 64)),
    extra=st.dictionaries(
        st.sampled_from(["X-Slack-Retry-Num", "X-Slack-Retry-Reason", "X-Forwarded-For"]),
        _HEADER_TEXT,
        max_size=3,
    ),
)
def test_any_unsigned_body_and_headers_get_401_and_send_nothing(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    timestamp: str,
    signature: str,
    extra: dict[str, Any],
) -> None:
    calls = len(harness.fake.calls)
    rows = database_state(harness.deps.engine)
    reply = _raw(
        harness,
        body,
        {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": timestamp,
            "X-Slack-Signature": signature,
            **extra,
        },
    )
    assert reply.status == 401
    assert len(harness.fake.calls) == calls
    assert _errors(caplog) == []
    assert database_state(harness.deps.engine) == rows


@given(body=_BODIES, content_type=_CONTENT_TYPES)
def test_any_signed_body_gets_200_or_a_kind_answer_never_a_500(
    harness: Harness, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    reply = _signed_raw(harness, body, content_type)
    assert reply.status == 200, reply.body
    assert "something went wrong" not in reply.body.lower()
    assert _errors(caplog) == []


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
_ENVELOPES = [
    {"type": "block_actions", "user": {"id": "U0USER001"}, "actions": [{"action_id": "x"}]},
    {"type": "view_submission", "user": {"id": "U0USER001"}, "view": {"callback_id": "x"}},
    {"type": "view_closed", "user": {"id": "U0USER001"}, "view": {"type": "modal"}},
    {"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_home_opened"}},
    {"type": "shortcut", "callback_id": "x", "user": {"id": "U0USER001"}},
    {"type": "url_verification", "challenge": "c"},
]


@given(
    envelope=st.sampled_from(_ENVELOPES),
    changes=st.dictionaries(
        st.sampled_from(["type", "user", "actions", "view", "event", "event_id", "team", "x"]),
        _JSON,
        max_size=3,
    ),
    as_form=st.booleans(),
)
def test_signed_payloads_of_slack_shapes_with_any_part_changed_never_get_a_500(
    harness: Harness,
    caplog: pytest.LogCaptureFixture,
    envelope: dict[str, Any],
    changes: dict[str, Any],
    as_form: bool,
) -> None:
    payload = json.dumps({**envelope, **changes})
    if as_form:
        reply = _signed_raw(
            harness, urlencode({"payload": payload}).encode(), "application/x-www-form-urlencoded"
        )
    else:
        reply = _signed_raw(harness, payload.encode(), "application/json")
    assert reply.status == 200, reply.body
    assert _errors(caplog) == []
