"""Send Slack-signed requests (v0 signature) to the app's /slack/events, as Slack does."""

from __future__ import annotations

import itertools
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

from tests.fakeslack import FakeSlack

TEAM = {"id": "T0TEST001", "domain": "example-workspace"}
APP_ID = "A0APP0001"


@dataclass
class Reply:
    status: int
    body: str
    sent: bytes = b""  # the request body this answers, for replay()
    content_type: str = ""

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class SlackSender:
    """Builds Slack's request shapes, signs them and POSTs them to the running app."""

    def __init__(self, app_url: str, signing_secret: str, fake: FakeSlack) -> None:
        self.url = app_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.fake = fake
        self._counter = itertools.count(1)

    # --- transport ---------------------------------------------------------------------
    def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        signature: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Reply:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or SignatureVerifier(self.secret).generate_signature(
            timestamp=ts, body=body.decode()
        )
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": sig,
            **(extra_headers or {}),
        }
        status, answer = self.transport(body, headers)
        return Reply(status, answer, body, content_type)

    def transport(self, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
        """POST to the app over HTTP; the status and the answer's text."""
        request = urllib.request.Request(self.url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def replay(
        self, reply: Reply, *, retry_num: int | None = None, retry_reason: str = "http_timeout"
    ) -> Reply:
        """Send the request ``reply`` answered once more, byte for byte (freshly signed, as a
        replay inside Slack's five minutes is); with ``retry_num``, as Slack's retry."""
        headers = {}
        if retry_num is not None:
            headers = {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": retry_reason}
        return self.post(reply.sent, reply.content_type, extra_headers=headers)

    def post_form(self, fields: dict[str, str], **kwargs: Any) -> Reply:
        return self.post(urlencode(fields).encode(), "application/x-www-form-urlencoded", **kwargs)

    def post_json(self, payload: dict[str, Any], **kwargs: Any) -> Reply:
        return self.post(json.dumps(payload).encode(), "application/json", **kwargs)

    def _trigger(self) -> str:
        return f"{next(self._counter)}.1111.abcdef"

    # --- shapes ------------------------------------------------------------------------
    def command(self, text: str, user: str = "U0USER001", **kwargs: Any) -> Reply:
        """`/mentor <text>` as a slash-command form body; replies land at fake response_url."""
        n = next(self._counter)
        fields = {
            "token": "legacy",
            "team_id": TEAM["id"],
            "team_domain": TEAM["domain"],
            "channel_id": kwargs.pop("channel_id", "C0CHAN001"),
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/mentor",
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": self.fake.response_url(kwargs.pop("response_name", f"cmd{n}")),
            "trigger_id": kwargs.pop("trigger_id", self._trigger()),
        }
        return self.post_form(fields, **kwargs)

    def action(
        self,
        action_id: str,
        value: str | None = None,
        *,
        user: str = "U0USER001",
        block_id: str = "actions",
        channel: str = "D0DM00001",
        message_ts: str = "1700000000.000001",
        view: dict[str, Any] | None = None,
        selected_date: str | None = None,
        **kwargs: Any,
    ) -> Reply:
        """A ``block_actions`` click: in a message (default) or, with ``view``, in a view."""
        n = next(self._counter)
        action: dict[str, Any] = {
            "type": "button",
            "action_id": action_id,
            "block_id": block_id,
            "action_ts": f"{time.time():.6f}",
        }
        if value is not None:
            action["value"] = value
        if selected_date is not None:
            action.update(type="datepicker", selected_date=selected_date)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T"},
            "api_app_id": APP_ID,
            "token": "legacy",
            "trigger_id": kwargs.pop("trigger_id", self._trigger()),
            "team": TEAM,
            "enterprise": None,
            "is_enterprise_install": False,
            "actions": [action],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0")}
            payload["view"] = view
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel, "name": "directmessage"}
            payload["message"] = {"type": "message", "ts": message_ts, "text": "", "blocks": []}
            payload["response_url"] = self.fake.response_url(f"act{n}")
            payload["state"] = {"values": {}}
        payload.update(kwargs)
        return self.post_form({"payload": json.dumps(payload)})

    def submit(
        self,
        view: dict[str, Any],
        values: dict[str, dict[str, dict[str, Any]]],
        *,
        user: str = "U0USER001",
    ) -> Reply:
        """Submit a modal the app opened; ``values`` is its ``state.values``.

        Slack gives every opened modal its own ID: a ``view`` without one (the app's
        views.open arguments) gets a fresh ID. Submitting the same ``view`` with an ``id``
        twice is a replay.
        """
        view_id = view.get("id") or f"V0SUB{next(self._counter):05d}"
        submitted = {
            "id": view_id,
            "team_id": TEAM["id"],
            "type": "modal",
            "callback_id": view.get("callback_id", ""),
            "private_metadata": view.get("private_metadata", ""),
            "title": view.get("title"),
            "blocks": view.get("blocks", []),
            "state": {"values": values},
            "hash": "1700000000.abcdef",
            "root_view_id": view_id,
            "app_id": APP_ID,
            "bot_id": "B0BOT0001",
        }
        payload = {
            "type": "view_submission",
            "team": TEAM,
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T"},
            "api_app_id": APP_ID,
            "token": "legacy",
            "trigger_id": self._trigger(),
            "view": submitted,
            "response_urls": [],
            "is_enterprise_install": False,
            "enterprise": None,
        }
        return self.post_form({"payload": json.dumps(payload)})

    def event(
        self,
        event: dict[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        retry_reason: str | None = None,
    ) -> Reply:
        """An Events API ``event_callback`` (JSON), optionally as Slack's retry."""
        envelope = {
            "token": "legacy",
            "team_id": TEAM["id"],
            "api_app_id": APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._counter):08d}",
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM["id"], "user_id": "U0BOT0001", "is_bot": True}],
        }
        headers = {}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason or "http_error"
        return self.post_json(envelope, extra_headers=headers)

    def home_opened(self, user: str = "U0USER001") -> Reply:
        return self.event(
            {
                "type": "app_home_opened",
                "user": user,
                "channel": "D0DM00001",
                "tab": "home",
                "event_ts": f"{time.time():.6f}",
            }
        )


def block_values(view: dict[str, Any]) -> dict[str, str]:
    """Map each input block_id of a view to its element's action_id (handy for submit())."""
    return {
        block["block_id"]: block["element"]["action_id"]
        for block in view.get("blocks", [])
        if block.get("type") == "input"
    }
