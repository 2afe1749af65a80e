"""A fake Slack Web API on real HTTP (127.0.0.1, any free port) that records every call.

It answers the methods mentorbot uses with Slack's response shapes, validates every
``blocks`` and ``view`` it is sent (answering ``invalid_blocks`` like Slack when one
fails, and remembering the failure so the test fails too), serves ``response_url``
posts, and can answer 429 with Retry-After or a 5xx on demand, before or after doing
what was asked (``after=True``: the message exists, the caller sees an error), drop
the connection after doing it (``drop``), or hold its answer until released (``hold``).
Messages keep their ``metadata``; ``conversations.history`` returns it on request.
``chat.postMessage`` to a user ID posts in the bot's DM with that person and answers
with the ``D…`` channel, as Slack does. With ``limits`` set it enforces per-method rates
(and ``chat.postMessage@channel``, per channel) as Slack does: a call over its limit is
refused with 429 and a Retry-After, and counted in ``rate_limited``. ``refused_blocks``
makes it a workspace that refuses some block types (native charts, tables) with
``invalid_blocks``; the bytes sent to an upload URL are kept in ``uploads``.
"""

from __future__ import annotations

import collections
import itertools
import json
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.blockkit import message_errors, view_errors

BOT_USER_ID = "U0BOT0001"
BOT_ID = "B0BOT0001"
TEAM_ID = "T0TEST001"
DROP = -1  # an answer that is no answer: the connection is closed
MESSAGE_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "response_url"}
VIEW_METHODS = {"views.open", "views.update", "views.push", "views.publish"}


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    headers: dict[str, str]
    path: str = ""
    at: float = field(default_factory=time.monotonic)


@dataclass
class Failure:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    times: int = 1
    after: bool = False  # do what was asked first, then answer with the failure
    drop: bool = False  # do what was asked, then close the connection without an answer


@dataclass
class FakeSlack:
    """Start with ``start()``; ``base_url`` is what SLACK_API_URL should be."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    views: dict[str, dict[str, Any]] = field(default_factory=dict)
    homes: dict[str, dict[str, Any]] = field(default_factory=dict)
    expired_triggers: set[str] = field(default_factory=set)
    # apps.connections.open answers with this WebSocket URL (a FakeSocketMode's ``url``)
    # plus a fresh ticket; the tickets it issued, in order.
    socket_mode_url: str | None = None
    tickets: list[str] = field(default_factory=list)
    # Per-method limits to enforce: method (or "chat.postMessage@channel") -> (calls per
    # second, burst). Empty: no limit (the tests' default).
    limits: dict[str, tuple[float, int]] = field(default_factory=dict)
    rate_limited: collections.Counter[str] = field(default_factory=collections.Counter)
    # Block types this workspace refuses (as one without native charts or tables would):
    # a message holding one is answered invalid_blocks, like Slack, without failing the test.
    refused_blocks: set[str] = field(default_factory=set)
    # Check every message and view against Block Kit's schema as Slack would (~10 ms
    # each). A benchmark timing the bot's pace turns it off and checks the messages
    # posted (``messages``) once the clock is stopped.
    validate: bool = True
    # Bytes uploaded to files.getUploadURLExternal's upload_url, by file ID.
    uploads: dict[str, bytes] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Condition()
        self._failures: dict[str, list[Failure]] = {}
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._holds: dict[str, int] = {}
        # Our ts are counters, not times: history's ``oldest`` compares the posting time.
        self._posted_at: dict[tuple[str, str], float] = {}
        self._released = threading.Event()
        self._arrival: dict[str, float] = {}  # limit bucket -> theoretical arrival time

    # --- lifecycle -------------------------------------------------------------------
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in two writes: without this, Nagle's algorithm and
            # the client's delayed ACK hold every answer back ~40 ms.
            disable_nagle_algorithm = True

            def do_GET(self) -> None:
                fake._handle(self)

            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.url + "/api/"

    def response_url(self, name: str = "r") -> str:
        return f"{self.url}/response/{name}"

    # --- test controls ---------------------------------------------------------------
    def add_user(
        self,
        user_id: str,
        name: str,
        *,
        email: str | None = None,
        tz: str = "Europe/London",
        deleted: bool = False,
        is_bot: bool = False,
        title: str = "",
    ) -> dict[str, Any]:
        """Make a user known to users.info / users.list / users.lookupByEmail."""
        user = {
            "id": user_id,
            "team_id": TEAM_ID,
            "name": name.lower().replace(" ", "."),
            "deleted": deleted,
            "real_name": name,
            "tz": tz,
            "tz_label": tz,
            "tz_offset": 0,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": 1700000000,
            "profile": {
                "real_name": name,
                "display_name": name.split()[0].lower(),
                "title": title,
                "email": email or f"{name.lower().replace(' ', '.')}@example.com",
                "team": TEAM_ID,
            },
        }
        if is_bot:
            user["profile"].pop("email")
            user["profile"]["bot_id"] = "B" + user_id[1:]
        self.users[user_id] = user
        return user

    def fail(
        self,
        method: str,
        *,
        status: int = 200,
        error: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
        after: bool = False,
    ) -> None:
        """Answer the next ``times`` calls to ``method`` with a failure.

        ``after``: carry the call out first (the message is posted), then fail, as a
        Slack that times out or answers 503 after posting does.
        """
        failure = Failure(status, error, retry_after, times, after=after)
        with self._lock:
            self._failures.setdefault(method, []).append(failure)

    def drop(self, method: str, *, times: int = 1) -> None:
        """Carry out the next ``times`` calls to ``method``, then hang up without an answer."""
        with self._lock:
            self._failures.setdefault(method, []).append(Failure(times=times, drop=True))

    def hold(self, method: str, *, times: int = 1) -> None:
        """Carry out the next ``times`` calls to ``method``, then keep the caller waiting
        for its answer until ``release()`` (a test can kill the caller meanwhile)."""
        with self._lock:
            self._holds[method] = self._holds.get(method, 0) + times
            self._released.clear()

    def release(self) -> None:
        """Let every held call answer."""
        self._released.set()

    def posted_with_key(self, key: str) -> list[dict[str, Any]]:
        """Messages posted with mentorbot's outbox metadata for ``key``."""
        with self._lock:
            return [
                m
                for m in self.messages.values()
                if (m.get("metadata") or {}).get("event_payload", {}).get("key") == key
            ]

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self,
        method: str | tuple[str, ...],
        count: int = 1,
        *,
        where: Callable[[Call], bool] | None = None,
        timeout: float = 5.0,
    ) -> list[Call]:
        """Wait until at least ``count`` matching calls arrived; return all matching calls.

        ``method`` may be a tuple: calls to any of those methods match.
        """
        methods = (method,) if isinstance(method, str) else method
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                found = [
                    c for c in self.calls if c.method in methods and (where is None or where(c))
                ]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [c.method for c in self.calls]
                    raise AssertionError(
                        f"expected {count} call(s) to {method}, got {len(found)}; calls: {seen}"
                    )
                self._lock.wait(remaining)

    def last(self, method: str, **kwargs: Any) -> Call:
        return self.wait_for(method, **kwargs)[-1]

    def settle(self, quiet: float = 0.3, timeout: float = 5.0) -> None:
        """Wait until no call has arrived for ``quiet`` seconds (work after ack is done)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = len(self.calls)
            time.sleep(quiet)
            if len(self.calls) == before:
                return

    def clear(self) -> None:
        with self._lock:
            self.calls.clear()

    # --- the server --------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(request.path)
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b""
        params = _parse_params(parsed.query, raw, request.headers.get("Content-Type", ""))
        headers = {k.lower(): v for k, v in request.headers.items()}
        if parsed.path.startswith("/api/"):
            method = parsed.path[len("/api/") :]
        elif parsed.path.startswith("/response/"):
            method = "response_url"
        elif parsed.path.startswith("/upload/"):
            method = "file.upload"
            params = {"bytes": len(raw), "file_id": parsed.path.rsplit("/", 1)[-1]}
            with self._lock:
                self.uploads[params["file_id"]] = raw
        else:
            method = "unknown:" + parsed.path
        call = Call(method, params, headers, parsed.path)
        status, body, extra_headers = self._answer(call)
        with self._lock:
            self.calls.append(call)
            self._lock.notify_all()
            held = self._holds.get(method, 0) > 0
            if held:
                self._holds[method] -= 1
        if held:
            self._released.wait(30)
        if status == DROP:
            request.close_connection = True
            return
        payload = json.dumps(body).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=utf-8")
        request.send_header("Content-Length", str(len(payload)))
        for key, value in extra_headers.items():
            request.send_header(key, value)
        request.end_headers()
        request.wfile.write(payload)

    def _answer(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        wait = self._over_limit(call)
        if wait is not None:
            retry_after = str(max(1, math.ceil(wait)))  # Slack gives whole seconds
            return 429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after}
        with self._lock:
            queue = self._failures.get(call.method)
            failure = queue[0] if queue else None
            if failure is not None:
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)  # type: ignore[union-attr]
        if failure is None:
            return self._carry_out(call)
        if failure.after or failure.drop:
            self._carry_out(call)
        if failure.drop:
            return DROP, {}, {}
        headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
        if failure.status == 429:
            return 429, {"ok": False, "error": "ratelimited"}, headers
        return failure.status, {"ok": False, "error": failure.error or "fatal_error"}, headers

    def _over_limit(self, call: Call) -> float | None:
        """Book ``call`` under ``limits`` (GCRA); None if it may go, else seconds to wait."""
        if not self.limits:
            return None
        buckets = [(call.method, call.method)]
        if call.method == "chat.postMessage":
            channel = _conversation_of(str(call.params.get("channel", "")))
            buckets.append((call.method + "@channel", f"{call.method}@channel:{channel}"))
        with self._lock:
            now = time.monotonic()
            booked: list[tuple[str, float]] = []
            for limit_name, bucket in buckets:
                if limit_name not in self.limits:
                    continue
                rate, burst = self.limits[limit_name]
                arrival = max(self._arrival.get(bucket, now), now) + 1 / rate
                over = arrival - now - burst / rate
                if over > 1e-9:
                    self.rate_limited[call.method] += 1
                    return over
                booked.append((bucket, arrival))
            self._arrival.update(booked)
        return None

    def _carry_out(self, call: Call) -> tuple[int, dict[str, Any], dict[str, str]]:
        auth = call.headers.get("authorization", "")
        if call.method == "apps.connections.open":
            # The one method that takes the app-level token (xapp-), and only that token.
            if not auth.startswith("Bearer "):
                return 200, {"ok": False, "error": "not_authed"}, {}
            if not auth.startswith("Bearer xapp-"):
                return 200, {"ok": False, "error": "not_allowed_token_type"}, {}
        elif call.method not in ("response_url", "file.upload", "auth.test"):
            if not auth.startswith("Bearer xoxb-"):
                return 200, {"ok": False, "error": "not_authed"}, {}
        refused = self._refused(call)
        if refused:
            return 200, {"ok": False, "error": "invalid_blocks", "refused": refused}, {}
        invalid = self._validate(call)
        if invalid:
            with self._lock:
                self.invalid.extend(f"{call.method}: {e}" for e in invalid)
            return (
                200,
                {
                    "ok": False,
                    "error": "invalid_blocks",
                    "response_metadata": {"messages": [f"[ERROR] {e}" for e in invalid]},
                },
                {},
            )
        handler = getattr(self, "_m_" + call.method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, handler(call.params), {}

    def _refused(self, call: Call) -> list[str]:
        blocks = call.params.get("blocks") if call.method in MESSAGE_METHODS else None
        if not isinstance(blocks, list) or not self.refused_blocks:
            return []
        return [str(b.get("type")) for b in blocks if b.get("type") in self.refused_blocks]

    def _validate(self, call: Call) -> list[str]:
        if not self.validate:
            return []
        params = call.params
        if call.method in MESSAGE_METHODS and isinstance(params.get("blocks"), list):
            return message_errors(params["blocks"])
        if call.method in VIEW_METHODS and isinstance(params.get("view"), dict):
            return view_errors(params["view"])
        return []

    # --- methods -------------------------------------------------------------------------
    def _m_auth_test(self, p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://example-workspace.slack.com/",
            "team": "Example Workspace",
            "user": "mentorbot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(str(p.get("user")))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _m_users_lookupByEmail(self, p: dict[str, Any]) -> dict[str, Any]:
        email = str(p.get("email", "")).lower()
        for user in self.users.values():
            if str(user["profile"].get("email", "")).lower() == email and not user["deleted"]:
                return {"ok": True, "user": user}
        return {"ok": False, "error": "users_not_found"}

    def _m_users_list(self, p: dict[str, Any]) -> dict[str, Any]:
        members = list(self.users.values())
        limit = int(p.get("limit") or 200)
        start = int(p.get("cursor") or 0)
        page = members[start : start + limit]
        next_cursor = str(start + limit) if start + limit < len(members) else ""
        return {
            "ok": True,
            "members": page,
            "cache_ts": 1700000000,
            "response_metadata": {"next_cursor": next_cursor},
        }

    def _m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = sorted(u for u in str(p.get("users", "")).split(",") if u)
        if not users:
            return {"ok": False, "error": "users_list_not_supplied"}
        return {"ok": True, "channel": {"id": conversation_id(users)}}

    def _m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = _conversation_of(str(p.get("channel", "")))
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not p.get("text") and not p.get("blocks"):
            return {"ok": False, "error": "no_text"}
        with self._lock:
            ts = f"1700000000.{next(self._ts):06d}"
            message = {
                "type": "message",
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "text": p.get("text", ""),
                "blocks": p.get("blocks", []),
                "ts": ts,
            }
            metadata = p.get("metadata")
            if isinstance(metadata, str):
                metadata = json.loads(metadata)
            if metadata:
                message["metadata"] = metadata
            self.messages[(channel, ts)] = message
            self._posted_at[(channel, ts)] = time.time()
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def _m_conversations_history(self, p: dict[str, Any]) -> dict[str, Any]:
        """A channel's messages newer than ``oldest``, newest first, paged by ``cursor``;
        message metadata only with ``include_all_metadata``, as Slack does."""
        channel = str(p.get("channel", ""))
        oldest = float(p.get("oldest") or 0)
        with_metadata = str(p.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            found = [
                m
                for (c, ts), m in sorted(
                    self.messages.items(), key=lambda item: self._posted_at.get(item[0], 0)
                )
                if c == channel and self._posted_at.get((c, ts), 0) > oldest
            ][::-1]
        limit = int(p.get("limit") or 100)
        start = int(p.get("cursor") or 0)
        page = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in found[start : start + limit]
        ]
        more = start + limit < len(found)
        return {
            "ok": True,
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + limit) if more else ""},
        }

    def _m_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        if not p.get("user"):
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "message_ts": f"1700000000.{next(self._ts):06d}"}

    def _m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        key = (str(p.get("channel")), str(p.get("ts")))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key].update({"text": p.get("text", ""), "blocks": p.get("blocks", [])})
        return {"ok": True, "channel": key[0], "ts": key[1], "text": p.get("text", "")}

    def _store_view(self, view: dict[str, Any], view_id: str | None = None) -> dict[str, Any]:
        view_id = view_id or f"V{next(self._ids):08d}"
        stored = {
            "id": view_id,
            "team_id": TEAM_ID,
            "state": {"values": {}},
            "hash": f"{time.time():.6f}",
            "private_metadata": "",
            "callback_id": "",
            **view,
        }
        stored["id"] = view_id
        self.views[view_id] = stored
        return stored

    def _m_views_open(self, p: dict[str, Any]) -> dict[str, Any]:
        trigger = str(p.get("trigger_id", ""))
        if not trigger or trigger in self.expired_triggers:
            return {"ok": False, "error": "expired_trigger_id"}
        return {"ok": True, "view": self._store_view(p["view"])}

    def _m_views_push(self, p: dict[str, Any]) -> dict[str, Any]:
        return self._m_views_open(p)

    def _m_views_update(self, p: dict[str, Any]) -> dict[str, Any]:
        view_id = str(p.get("view_id", ""))
        if view_id not in self.views:
            return {"ok": False, "error": "not_found"}
        return {"ok": True, "view": self._store_view(p["view"], view_id)}

    def _m_views_publish(self, p: dict[str, Any]) -> dict[str, Any]:
        user_id = str(p.get("user_id", ""))
        if user_id not in self.users and not user_id.startswith("U"):
            return {"ok": False, "error": "invalid_arguments"}
        self.homes[user_id] = p["view"]
        return {"ok": True, "view": self._store_view(p["view"])}

    def _m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ids):08d}"
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        files = p.get("files") or []
        return {"ok": True, "files": [{"id": f["id"], "title": f.get("title", "")} for f in files]}

    def _m_apps_connections_open(self, p: dict[str, Any]) -> dict[str, Any]:
        if self.socket_mode_url is None:
            return {"ok": False, "error": "internal_error"}  # no fake Socket Mode server
        ticket = f"ticket-{next(self._ids):08d}"
        with self._lock:
            self.tickets.append(ticket)
        return {"ok": True, "url": f"{self.socket_mode_url}?ticket={ticket}&app_id=A0APP0001"}

    def _m_response_url(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}

    def _m_file_upload(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True}


def conversation_id(users: list[str]) -> str:
    """The DM (one user) or group DM (several) the fake opens for ``users``: distinct for
    users that differ in characters 1-3 of their IDs."""
    prefix = "D" if len(users) == 1 else "G"
    return prefix + "".join(u[1:4] for u in sorted(users))[:10].upper().ljust(8, "0")


def _conversation_of(channel: str) -> str:
    """Where a post to ``channel`` lands: a user ID means the bot's DM with that person."""
    return conversation_id([channel]) if channel.startswith(("U", "W")) else channel


def _parse_params(query: str, raw: bytes, content_type: str) -> dict[str, Any]:
    params: dict[str, Any] = {k: v[-1] for k, v in parse_qs(query).items()}
    if raw:
        if "json" in content_type or raw.lstrip().startswith(b"{"):
            try:
                params.update(json.loads(raw))
            except ValueError:
                params["_raw"] = raw.decode(errors="replace")
        elif "form" in content_type:
            params.update({k: v[-1] for k, v in parse_qs(raw.decode()).items()})
    for key in ("blocks", "view", "files", "attachments"):
        value = params.get(key)
        if isinstance(value, str):
            try:
                params[key] = json.loads(value)
            except ValueError:
                pass
    return params
