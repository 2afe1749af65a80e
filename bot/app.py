"""The composition root: builds the Bolt App and registers every handlers module."""

from __future__ import annotations

import contextvars
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import Ack, App, BoltContext, BoltRequest, BoltResponse
from slack_sdk import WebClient

from bot import replays
from bot.context import Deps
from bot.ids import ActionId, CallbackId
from bot.logs import new_work_id, set_work_id
from bot.pacing import Pacer
from bot.slack import build_client
from handlers import (
    commands,
    connections,
    conversations,
    find,
    home,
    nudges,
    offers,
    privacy,
    team,
)
from handlers import digest as digest_surface
from handlers.deliver import Delivery, sender_for

logger = logging.getLogger(__name__)

# Listener threads per process: the work after an ack runs here. Acks are given in the
# request threads, which share the GIL with these: more threads answer a slow Slack
# sooner but slow every ack down (bench_ack, 200 commands, 1x8: p99 ack 1.5 s with 6
# threads, 2.5 s with 16; all answers through a 1.5-s Slack in 53 s with 6, 21 s with 16).
LISTENER_THREADS = 6
# Threads delivering what listeners committed to the outbox, so that a listener thread is
# free again as soon as its transaction is: a slow Slack delays messages, never acks. An
# Accept is five calls in a row; with Slack taking 1.5 s a call, 4 threads delivered 200
# Accepts' welcomes slower than the 6 listener threads had (bench_click): 6, as many.
DELIVERY_THREADS = 6
# Threads for modal submissions, whose ack waits for their one transaction (it may carry
# field errors): a lane of their own, so they never queue behind other requests' work.
SUBMISSION_THREADS = 4

SORRY = (
    ":warning: Sorry, something went wrong on our side. Please check where things stand "
    "(the Home tab shows it) and try again in a minute; if it keeps happening, tell a "
    "programme coordinator."
)


def create_app(
    deps: Deps,
    client: WebClient,
    *,
    listener_executor: Executor | None = None,
    delivery_executor: Executor | None = None,
    pacer: Pacer | None = None,
) -> App:
    """Build the Bolt app on ``client`` (the one WebClient) and wire every surface.

    ``pacer``: how its in-process delivery keeps under Slack's limits (default: Slack's
    published tiers; tests against a fake with no limits pass ``bot.pacing.unlimited()``).

    Requests reach it verified: over HTTP through ``bot.server``'s front door, which checks
    Slack's signature before anything is parsed; in Socket Mode over Slack's own socket.
    """
    app = App(
        client=client,
        request_verification_enabled=False,
        listener_executor=Carrying(
            listener_executor
            or Lanes(
                ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener"),
                submissions=ThreadPoolExecutor(
                    max_workers=SUBMISSION_THREADS, thread_name_prefix="submission"
                ),
            )
        ),
        raise_error_for_unhandled_request=False,
        process_before_response=False,
    )
    delivery = Delivery(
        sender_for(deps, build_client(deps.settings, resend=False), pacer=pacer),
        Carrying(
            delivery_executor
            or ThreadPoolExecutor(max_workers=DELIVERY_THREADS, thread_name_prefix="deliver")
        ),
    )
    app.use(_acknowledge_at_once)
    app.use(_lane_of_request)
    app.use(_provide_deps(deps, delivery))
    app.use(_note_delivery)

    # The routing table of the app: one line per surface.
    commands.register(app)
    find.register(app)
    offers.register(app)
    conversations.register(app)
    connections.register(app)
    home.register(app)
    privacy.register(app)
    team.register(app)
    nudges.register(app)
    digest_surface.register(app)

    @app.error
    def handle_unexpected(
        error: Exception, body: dict[str, Any], respond: Any, client: WebClient
    ) -> None:
        """Log the unexpected with its traceback; tell the person kindly when we can."""
        logger.error(
            "Failed to handle a %s request", body.get("type") or "slash command", exc_info=error
        )
        try:
            if respond is not None and body.get("response_url"):
                respond(text=SORRY, response_type="ephemeral", replace_original=False)
            elif user_id := _user_of(body):
                # Modals and the Home tab have no response_url: tell them in the app's DM.
                client.chat_postMessage(channel=user_id, text=SORRY)
        except Exception:
            logger.exception("Failed to tell the person about an error")

    return app


def _acknowledge_at_once(
    body: dict[str, Any], ack: Ack, next: Callable[[], BoltResponse]
) -> BoltResponse | None:
    """Slash commands and clicks are acknowledged in the request thread, before any work.

    Their listeners ``ack()`` with nothing and answer later (response_url, DMs, views), so
    the acknowledgement need not wait for a free listener thread: Bolt's runner returns
    the ack already given and runs the listener on its pool. Modal submissions still wait
    for their listener, whose ack may carry field errors or the next view.
    """
    if body.get("command") or body.get("type") == "block_actions":
        ack()
    return next()


class Carrying(Executor):
    """Runs what it is given with the submitting thread's context variables, so the
    work a request hands to a pool logs under the request's work ID (``bot.logs``)."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        return self.inner.submit(contextvars.copy_context().run, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)


class Lanes(Executor):
    """Bolt's listener executor, in two lanes: modal submissions run on a pool of their own.

    Bolt submits a listener from the thread that dispatches its request, once its
    middleware ran (``_lane_of_request`` notes the request's kind in that thread), so
    the lane is chosen there.
    """

    def __init__(self, default: Executor, *, submissions: Executor) -> None:
        self.default = default
        self.submissions = submissions

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        lane = self.submissions if getattr(_request, "kind", "") == "view_submission" else None
        return (lane or self.default).submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.default.shutdown(wait=wait, cancel_futures=cancel_futures)
        self.submissions.shutdown(wait=wait, cancel_futures=cancel_futures)


_request = threading.local()


def _lane_of_request(body: dict[str, Any], next: Callable[[], BoltResponse]) -> BoltResponse | None:
    """Note the request's kind in the dispatching thread, for ``Lanes`` to read when Bolt
    submits the listener (after every middleware returned, in this same thread; the next
    request this thread dispatches notes its own)."""
    _request.kind = body.get("type") if isinstance(body.get("type"), str) else ""
    set_work_id(new_work_id("req"))  # this thread's next request sets its own
    logger.debug("Slack %s %s", _request.kind or "slash command", _what(body))
    return next()


_OUR_IDS = frozenset(ActionId) | frozenset(CallbackId)


def _what(body: dict[str, Any]) -> str:
    """Which of our buttons, forms or events a request is, for a log line; never what
    anyone typed (a forged ID is "other")."""
    actions = body.get("actions")
    if isinstance(actions, list) and actions and isinstance(actions[0], dict):
        name = actions[0].get("action_id")
    elif isinstance(body.get("view"), dict):
        name = body["view"].get("callback_id")
    elif isinstance(body.get("event"), dict):
        name = body["event"].get("type")
        known = ("app_home_opened", "user_change", "message")
        return name if isinstance(name, str) and name in known else "other event"
    else:
        return str(body.get("command", "")) if body.get("command") == "/mentor" else ""
    return name if isinstance(name, str) and name in _OUR_IDS else "other"


def _provide_deps(deps: Deps, delivery: Delivery) -> Callable[..., BoltResponse | None]:
    """Every listener finds the app's Deps (``handlers.command_context.deps_of``) and the
    outbox's in-process delivery (``handlers.deliver.deliver``) in its context.

    Bolt passes ``context`` to listeners by argument name, so they can live at module
    level, importable and testable, instead of closing over ``deps`` in ``register``.
    """

    def provide(context: BoltContext, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        context["deps"] = deps
        context["outbox"] = delivery
        return next()

    return provide


def _note_delivery(
    req: BoltRequest, body: dict[str, Any], context: BoltContext, next: Callable[[], BoltResponse]
) -> BoltResponse | None:
    """Name the delivery (an event's ID, a click's trigger and time) for the listener to
    claim in its own thread (``handlers.command_context.once``): the acknowledgement,
    given in this thread, never waits for the database. Modal submissions are claimed
    with what they save, and slash commands by the router after their ack."""
    key = replays.listener_key(body)
    if key is not None and "command" not in body:
        context["delivery_key"] = key
        context["delivery_retry"] = (
            req.headers.get("x-slack-retry-num", ["-"])[0],
            req.headers.get("x-slack-retry-reason", ["none"])[0],
        )
    return next()


def _user_of(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if isinstance(user, dict):
        return str(user.get("id") or "") or None
    return str(body.get("user_id") or "") or None
