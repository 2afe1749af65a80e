"""The baseline apps `bench.bench_ack` measures mentorbot against, served by gunicorn.

``create()`` is a bare Bolt app: one `/mentor` command and any button click
(``block_actions``, for `bench.bench_click`), each acking and answering "ok" at the
``response_url``, with Bolt's defaults (its own signature check, a listener pool of 5
threads, ``process_before_response=False``), exactly what a Bolt tutorial writes.
``create_lazy()`` is the same command and clicks as lazy listeners
(``process_before_response=True``): ``ack`` runs in the request thread and the answer
on the listener pool.

Both read SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET and SLACK_API_URL from the environment:

    gunicorn -k gthread -w 1 --threads 8 'bench.bare_app:create()'
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from slack_bolt import Ack, App, Respond
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

if TYPE_CHECKING:
    from wsgiref.types import WSGIApplication

ANY_ACTION = re.compile(".*")


def _app(*, process_before_response: bool) -> App:
    token = os.environ["SLACK_BOT_TOKEN"]
    client = WebClient(token=token, base_url=os.environ["SLACK_API_URL"])
    return App(
        client=client,
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        process_before_response=process_before_response,
    )


def create() -> WSGIApplication:
    """`/mentor` and any click: ack, then answer "ok" (Bolt's defaults)."""
    app = _app(process_before_response=False)

    def answer(ack: Ack, respond: Respond) -> None:
        ack()
        respond("ok")

    app.command("/mentor")(answer)
    app.action(ANY_ACTION)(answer)
    return SlackRequestHandler(app)


def create_lazy() -> WSGIApplication:
    """The same command as a lazy listener: the ack never waits for the listener pool."""
    app = _app(process_before_response=True)

    def acknowledge(ack: Ack) -> None:
        ack()

    def answer(respond: Respond) -> None:
        respond("ok")

    app.command("/mentor")(ack=acknowledge, lazy=[answer])
    app.action(ANY_ACTION)(ack=acknowledge, lazy=[answer])
    return SlackRequestHandler(app)
