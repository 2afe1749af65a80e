"""HTTP mode: the sync Bolt app behind a WSGI callable, served by gunicorn."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App, BoltRequest
from slack_bolt.adapter.wsgi.http_response import WsgiHttpResponse
from sqlalchemy.engine import Engine

from bot.front_door import (
    UNHANDLED,
    UNREADABLE,
    Refusal,
    log_refusal,
    parse_body,
    read_body,
    verify,
)
from storage.db import ping

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"

logger = logging.getLogger(__name__)


def build_wsgi(
    app: App, engine: Engine, *, signing_secret: str, now: Callable[[], float] = time.time
) -> WSGIApplication:
    """Serve `POST /slack/events` (verified, then parsed, then Bolt) and `GET /healthz`."""

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path, method = environ.get("PATH_INFO"), environ.get("REQUEST_METHOD")
        if path == HEALTH_PATH and method == "GET":
            healthy = ping(engine)
            body = json.dumps({"ok": healthy, "database": "ok" if healthy else "down"})
            return _respond(start_response, 200 if healthy else 503, body, "application/json")
        if path != EVENTS_PATH or method != "POST":
            return _respond(start_response, 404, "Not Found")
        headers = _headers(environ)
        content_type = headers.get("content-type", "")
        raw = read_body(environ["wsgi.input"].read, environ.get("CONTENT_LENGTH"))
        refusal = (
            Refusal("body too large")
            if raw is None
            else verify(
                secret=signing_secret,
                timestamp=headers.get("x-slack-request-timestamp"),
                signature=headers.get("x-slack-signature"),
                body=raw,
                now=now(),
            )
        )
        if refusal is not None or raw is None:
            log_refusal(refusal or Refusal("body too large"), content_type, raw)
            return _respond(start_response, 401, '{"error": "invalid request"}', "application/json")
        parsed = parse_body(raw, content_type)
        if parsed is None:
            logger.warning("A signed request to %s could not be read (%d bytes)", path, len(raw))
            return _respond(start_response, 200, UNREADABLE)
        # Bolt takes an already-parsed body only in its "socket_mode" request shape; the
        # signature was checked above, on the raw bytes, so Bolt's own check is off.
        request = BoltRequest(body=parsed, headers=dict(headers), mode="socket_mode")
        try:
            response = app.dispatch(request)
        except Exception as error:  # Bolt's own routing choked on a shape Slack never sends
            logger.warning("A signed request could not be routed: %s", type(error).__name__)
            return _respond(start_response, 200, UNREADABLE)
        if response.status == 404:  # signed, readable, but no listener of ours matches it
            return _respond(start_response, 200, UNHANDLED)
        wsgi_response = WsgiHttpResponse(
            status=response.status, headers=response.headers, body=response.body
        )
        start_response(wsgi_response.status, wsgi_response.get_headers())
        return wsgi_response.get_body()

    return wsgi


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    headers: dict[str, str] = {
        key[5:].lower().replace("_", "-"): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers


def _respond(
    start_response: StartResponse, status: int, body: str, content_type: str = "text/plain"
) -> list[bytes]:
    data = body.encode()
    start_response(
        f"{status} {HTTPStatus(status).phrase}",
        [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(data)))],
    )
    return [data]


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """gunicorn run from code; each worker builds its own app after the fork."""

    def __init__(self, load_wsgi: Callable[[], WSGIApplication], options: dict[str, Any]):
        self._load_wsgi = load_wsgi
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApplication:
        return self._load_wsgi()


def serve_http(
    load_wsgi: Callable[[], WSGIApplication], *, port: int, workers: int, threads: int
) -> None:
    """Serve until SIGTERM/SIGINT; gunicorn finishes in-flight requests on SIGTERM."""
    GunicornServer(
        load_wsgi,
        {
            "bind": f"0.0.0.0:{port}",
            "workers": workers,
            "threads": threads,
            "worker_class": "gthread",
            "timeout": 30,
            "graceful_timeout": 20,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "info",
        },
    ).run()
