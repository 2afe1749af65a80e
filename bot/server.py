"""HTTP mode: the sync Bolt app behind a WSGI callable, served by gunicorn."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from gunicorn.app.base import BaseApplication
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from sqlalchemy.engine import Engine

from storage.db import ping

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

EVENTS_PATH = "/slack/events"
HEALTH_PATH = "/healthz"


def build_wsgi(app: App, engine: Engine) -> WSGIApplication:
    """Serve `POST /slack/events` through Bolt (it verifies signatures) and `GET /healthz`."""
    bolt = SlackRequestHandler(app, path=EVENTS_PATH)

    def wsgi(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == HEALTH_PATH and environ.get("REQUEST_METHOD") == "GET":
            healthy = ping(engine)
            body = json.dumps({"ok": healthy, "database": "ok" if healthy else "down"}).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return bolt(environ, start_response)

    return wsgi


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
