"""The one place effects reach Slack: claim due outbox rows, pace, send each exactly once.

A ``Sender`` claims rows under a lease, sends each through the one WebClient (built
with ``resend=False``: slack_sdk never repeats a call on its own), and records the
outcomes, with Slack's (channel, ts), a few at a time: in one short transaction per
claimed batch, or sooner once the oldest is ``RECORD_EVERY`` old. (One transaction per
row made hundreds of writers a minute that people's clicks queued behind for SQLite's
one write lock.) A crash before the record leaves the rows in ``sending``: they are
taken over in doubt and looked up, as below, so nothing is sent twice. A DM is posted to
the person's user ID: Slack puts it in the bot's DM and answers with that ``D…``
channel, which the row keeps; no ``conversations.open`` (Tier 3, ~50/min) per person.

A send in doubt is never blindly repeated. Every ``chat.postMessage`` carries message
metadata ``{"event_type": "mentorbot_outbox", "event_payload": {"key": <key>}}``. When
an attempt may have reached Slack without us knowing (a dropped connection, a timeout,
a 5xx, or a sender that died holding the row), the row is marked in doubt; before any
resend the sender reads the conversation's history since that attempt (with
``include_all_metadata``) and, if the key is there, records that message as sent.
``chat.update`` and ``views.publish`` are idempotent and simply repeated.

A process that has just committed effects delivers them itself at once (``flush``), in
the thread that wrote them, so the person who clicked waits for nothing more than
before; whatever it cannot deliver then (a 429, Slack down, a crash) stays in the outbox
for any sender (``mentorbot scheduler``, or the one ``mentorbot run`` starts) to finish.
Effects chained to an outcome (``then``/``otherwise``) are written when it is recorded
and delivered next. A Home refresh is rendered from the database when it is sent, and an
update naming its ``target`` row is sent where that row's message went (skipped when a
newer update of the same message was written since: it would show a past state).
"""

from __future__ import annotations

import http.client
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.blocks.home import build_home
from bot.clock import Clock
from bot.context import Deps
from bot.effects import is_nudge
from bot.home import load_home_state
from bot.nudges.sending import NudgeRenderer, Rendered, Skip
from bot.nudges.sending import renderer as nudge_renderer
from bot.pacing import Pacer
from bot.usecase import Done
from storage.db import SessionFactory, unit_of_work, write_unit
from storage.models import OutboxStatus
from storage.outbox import (
    Claimed,
    Finish,
    claim,
    end_leases,
    lease_owners,
    record,
    retry_at,
    state_of,
    superseded,
)
from storage.people import is_deactivated

logger = logging.getLogger(__name__)

EVENT_TYPE = "mentorbot_outbox"
# Refusals that another try would only repeat: recorded as failed, never retried.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "account_inactive",
        "user_disabled",
        "cannot_dm_bot",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "invalid_blocks",
        "invalid_blocks_format",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "msg_too_long",
        "no_text",
        "too_many_attachments",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "invalid_arguments",
        "not_allowed_token_type",
        "restricted_action",
        "too_many_users",
        "method_not_supported_for_channel_type",
        "user_is_bot",
    }
)
# ok:false answers that Slack may give after it did the work.
AMBIGUOUS_ERRORS = frozenset(
    {"internal_error", "fatal_error", "request_timeout", "service_unavailable"}
)
MAX_ATTEMPTS = 12
CLOCK_SKEW = timedelta(minutes=5)  # history is searched from this long before the attempt
LEASE_MARGIN = timedelta(seconds=1)
DEAD_SENDER_CHECK = 30.0  # seconds between looks for senders of this host that died
TARGET_WAIT = timedelta(seconds=2)  # an update whose message is still on its way
FLUSH_ROUNDS = 8  # chained effects delivered at once, at most this deep
# Rows addressed to one person (a DM, their Home): never sent once they are deactivated.
PERSONAL = frozenset({"dm", "home"})
RECORD_EVERY = 0.5  # seconds: outcomes wait at most this long (plus one send) to be recorded
NUDGES_AHEAD = 25  # check-ins re-checked and rendered together, just before their turn

HomeRenderer = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class Sent:
    channel: str
    ts: str


@dataclass(frozen=True)
class Failed:
    reason: str


@dataclass(frozen=True)
class Skipped:
    reason: str


@dataclass(frozen=True)
class Retry:
    not_before: datetime
    error: str
    in_doubt_since: datetime | None


Outcome = Sent | Failed | Skipped | Retry


class _Unrecorded:
    """Outcomes delivered and not yet recorded (one batch's or one flush round's)."""

    def __init__(self, every: float) -> None:
        self.results: list[tuple[Claimed, Outcome]] = []
        self.since = 0.0
        self.every = every
        self.urgent = False

    def add(self, row: Claimed, outcome: Outcome) -> None:
        if not self.results:
            self.since = time.monotonic()
            self.urgent = False
        self.results.append((row, outcome))
        # A pair's first message: the next use case reads where it went (their group DM)
        # from the database to post there, so it is recorded at once, not with the batch.
        self.urgent = self.urgent or row.kind == "group"

    def overdue(self) -> bool:
        return bool(self.results) and (self.urgent or time.monotonic() - self.since >= self.every)

    def take(self) -> list[tuple[Claimed, Outcome]]:
        taken, self.results = self.results, []
        return taken

    def state_of(self, key: str) -> tuple[str, str | None, str | None] | None:
        """(status, channel, ts) of row ``key`` if its outcome is here, as the database
        will have it once recorded (an update may target a row of the same batch)."""
        for row, outcome in self.results:
            if row.key != key:
                continue
            if isinstance(outcome, Sent):
                return "sent", outcome.channel, outcome.ts
            if isinstance(outcome, Retry):
                return "pending", None, None
            return "failed", None, None  # failed or skipped: it never reached Slack
        return None


class _Ahead:
    """The check-ins of a claimed batch, re-checked and rendered ``size`` at a time just
    before their turn (a few set-based queries for the few, not a few per check-in):
    what is posted was true a few sends ago at most (``NUDGES_AHEAD`` at Slack's pace is
    a few seconds). Each is handed out once."""

    def __init__(self, rows: Sequence[Claimed], render: NudgeRenderer | None, size: int) -> None:
        self.rows = [row for row in rows if is_nudge(row.kind)]
        self.position = {row.key: index for index, row in enumerate(self.rows)}
        self.render = render
        self.size = size
        self.ready: dict[str, Rendered] = {}

    def take(self, row: Claimed) -> Rendered | None:
        """``row``'s message or Skip; None when this sender renders no check-ins."""
        if self.render is None:
            return None
        if row.key not in self.ready:
            start = self.position.get(row.key)
            upcoming = self.rows[start : start + self.size] if start is not None else [row]
            self.ready.update(self.render([(r.key, r.recipient) for r in upcoming]))
        rendered = self.ready.pop(row.key, None)
        if rendered is None:  # never skipped unseen: retried, then failed where operators look
            raise LookupError(f"the nudge renderer did not answer for {row.key}")
        return rendered


class _Attempt:
    """What one try at a row has learnt so far (where it goes, whether it is in doubt)."""

    def __init__(self, row: Claimed) -> None:
        self.row = row
        self.channel = row.channel
        self.in_doubt_since = row.in_doubt_since
        self.posting = False  # a non-idempotent call is on the wire


class Sender:
    """Delivers outbox rows; any number may run against one database.

    Args:
        open_session: sessions on the bot's database.
        client: a WebClient built with ``build_client(settings, resend=False)``.
        clock: the injected clock (UTC), used for leases and sending windows.
        pacer: the rate limiter; ``bot.pacing.SLACK_LIMITS`` in production.
        batch: rows claimed per transaction.
        lease: how long a claim is held; a row whose lease would run out before Slack
            answered (or timed out) is given back unsent rather than posted late.
        backoff: the first retry delay after a 5xx or a network error (doubling).
        homes: renders a person's Home view when a refresh is sent (``home_renderer``).
        nudges: checks check-ins' reasons again and renders them just before they are
            sent, ``NUDGES_AHEAD`` at a time (``bot.nudges.sending.renderer``); a nudge
            whose reason went away is skipped.
        record_every: seconds an outcome may wait to be recorded with the next ones (it
            is at the latest after the send in hand and at the end of the batch).
    """

    def __init__(
        self,
        open_session: SessionFactory,
        client: WebClient,
        *,
        clock: Clock,
        pacer: Pacer,
        owner: str | None = None,
        batch: int = 20,
        lease: timedelta = timedelta(minutes=2),
        backoff: timedelta = timedelta(seconds=1),
        homes: HomeRenderer | None = None,
        nudges: NudgeRenderer | None = None,
        record_every: float = RECORD_EVERY,
    ) -> None:
        self.open_session = open_session
        self.nudges = nudges
        self.client = client
        self.clock = clock
        self.pacer = pacer
        self.owner = owner or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.batch = batch
        self.lease = lease
        self.backoff = backoff
        self.homes = homes
        self.record_every = record_every
        self._dm_channels: dict[str, str] = {}  # recipient -> conversation ID (stable)
        self._wake = threading.Event()
        self._stop = threading.Event()

    # --- running -----------------------------------------------------------------------
    def drain_once(self) -> int:
        """Claim one batch of due rows and deliver them; how many were claimed."""
        rows = claim(
            self.open_session, self.batch, owner=self.owner, lease=self.lease, now=self.clock()
        )
        unrecorded = _Unrecorded(self.record_every)
        ahead = _Ahead(rows, self.nudges, NUDGES_AHEAD)
        for index, row in enumerate(rows):
            if self._stop.is_set():  # give the rest back untouched rather than hold them
                for left in rows[index:]:
                    stopped = Retry(self.clock(), "sender stopped", left.in_doubt_since)
                    unrecorded.add(left, stopped)
                break
            unrecorded.add(row, self._deliver(row, unrecorded, ahead))
            if unrecorded.overdue():
                self._record(unrecorded.take())
        self._record(unrecorded.take())
        return len(rows)

    def flush(self, keys: Sequence[str]) -> None:
        """Deliver the rows of ``keys`` now (those still due), then what their outcomes
        chained; what cannot go now stays in the outbox for the next sender."""
        for _ in range(FLUSH_ROUNDS):
            if not keys:
                return
            rows = claim(
                self.open_session,
                len(keys),
                owner=self.owner,
                lease=self.lease,
                now=self.clock(),
                keys=keys,
            )
            chained: list[str] = []
            unrecorded = _Unrecorded(self.record_every)
            ahead = _Ahead(rows, self.nudges, NUDGES_AHEAD)
            for row in rows:
                unrecorded.add(row, self._deliver(row, unrecorded, ahead))
                if unrecorded.overdue():
                    chained += self._record(unrecorded.take())
            chained += self._record(unrecorded.take())
            keys = chained

    def wake(self) -> None:
        """Something was just committed to the outbox: look now, not at the next poll."""
        self._wake.set()

    def stop(self) -> None:
        """Finish the row in hand, give the rest of the batch back, and end ``run``."""
        self._stop.set()
        self._wake.set()

    def take_over_dead(self) -> int:
        """End the leases of senders on this host whose process is gone (killed, crashed):
        their rows are looked up and finished now, not when the leases run out."""
        with self.open_session() as session:
            owners = lease_owners(session=session)
        dead = [owner for owner in owners if owner != self.owner and _dead_here(owner)]
        if not dead:
            return 0
        with write_unit(self.open_session) as session:
            ended = end_leases(dead, now=self.clock(), session=session)
        logger.warning("Took over %d outbox rows held by %d dead senders", ended, len(dead))
        return ended

    def run(self, stop: threading.Event, *, idle: float = 1.0) -> None:
        """Deliver until ``stop`` is set, polling every ``idle`` seconds when nothing is due."""
        self._stop = stop
        looked = 0.0
        while not stop.is_set():
            if time.monotonic() - looked > DEAD_SENDER_CHECK:
                looked = time.monotonic()
                try:
                    self.take_over_dead()
                except Exception:
                    logger.exception("Failed to look for dead senders")
            try:
                claimed = self.drain_once()
            except Exception:
                logger.exception("Failed to claim outbox rows")
                claimed = 0
            if not claimed:
                self._wake.wait(idle)
                self._wake.clear()

    def start(self, stop: threading.Event, *, idle: float = 1.0) -> threading.Thread:
        """``run`` in a daemon thread; set ``stop`` then ``wake()`` to end it."""
        thread = threading.Thread(
            target=self.run, args=(stop,), kwargs={"idle": idle}, name="outbox-sender", daemon=True
        )
        thread.start()
        return thread

    # --- one row -----------------------------------------------------------------------
    def _deliver(self, row: Claimed, unrecorded: _Unrecorded, ahead: _Ahead) -> Outcome:
        attempt = _Attempt(row)
        try:
            return self._try(attempt, unrecorded, ahead)
        except SlackApiError as exc:
            return self._after_refusal(attempt, exc)
        except (OSError, http.client.HTTPException) as exc:  # dropped, refused, timed out
            return self._retry(attempt, type(exc).__name__, ambiguous=True)
        except Exception as exc:
            logger.exception("Failed to deliver outbox row %s", row.key)
            return self._retry(attempt, f"unexpected {type(exc).__name__}", ambiguous=True)

    def _try(self, attempt: _Attempt, unrecorded: _Unrecorded, ahead: _Ahead) -> Outcome:
        row = attempt.row
        if row.kind in PERSONAL and self._deactivated(row.recipient):
            return Skipped("the person is deactivated in Slack")
        if row.method == "chat.update":
            return self._update(row, unrecorded)
        if row.method == "views.publish":
            view = row.payload.get("view")
            if view is None:  # a refresh: what is true now
                if self.homes is None:
                    return Failed("no Home renderer in this sender")
                view = self.homes(row.recipient)
            self._wait("views.publish")
            self.client.views_publish(user_id=row.recipient, view=view)
            return Sent("", "")
        if row.method != "chat.postMessage":
            return Failed(f"unknown method {row.method}")
        if attempt.in_doubt_since is not None:
            # Only a lookup needs the DM's own ID: the one Slack answered before, or
            # conversations.open (Tier 3) now.
            attempt.channel = conversation = attempt.channel or self._conversation(row)
            found = self._find_posted(conversation, row.key, since=attempt.in_doubt_since)
            if found is not None:
                logger.info("Outbox row %s was already in Slack: not sent again", row.key)
                return Sent(conversation, found)
            attempt.in_doubt_since = None  # looked: the earlier attempt never arrived
        channel = self._post_to(row, attempt.channel)
        now = self.clock()
        if row.not_after is not None and now > row.not_after:
            return Skipped("too late: its sending window closed")
        wait = self.pacer.reserve("chat.postMessage", channel)
        ready = time.monotonic() + wait
        payload = row.payload
        if is_nudge(row.kind):  # a check-in: still due? rendered as things are now (with
            rendered = ahead.take(row)  # the next few), while its slot under the limit comes
            if rendered is None:
                return Failed("no nudge renderer in this sender")
            if isinstance(rendered, Skip):
                return Skipped(rendered.reason)
            payload = rendered
            now, wait = self.clock(), max(ready - time.monotonic(), 0.0)
        # Post only if the answer (or the timeout) comes before the lease ends: a late
        # post after another sender took the row over could not be looked up first.
        if now + timedelta(seconds=wait + self.client.timeout) + LEASE_MARGIN > row.lease_until:
            return Retry(now, "lease too short to send safely", attempt.in_doubt_since)
        self._sleep(wait)
        attempt.posting = True
        metadata = {"event_type": EVENT_TYPE, "event_payload": {"key": row.key}}
        response = self.client.chat_postMessage(channel=channel, metadata=metadata, **payload)
        return Sent(str(response.get("channel") or channel), str(response["ts"]))

    def _update(self, row: Claimed, unrecorded: _Unrecorded) -> Outcome:
        message = {k: v for k, v in row.payload.items() if k not in ("ts", "target")}
        channel, ts = row.recipient, str(row.payload.get("ts") or "")
        target = row.payload.get("target")
        if target:
            state = unrecorded.state_of(str(target))
            with self.open_session() as session:
                if state is None:
                    state = state_of(str(target), session=session)
                newer = superseded(row.id, str(target), session=session)
            if newer:
                return Skipped("a newer update of the same message replaces it")
            if state is None or state[0] in ("failed", "skipped"):
                return Skipped("the message it updates never reached Slack")
            status, found_channel, found_ts = state
            if status != "sent":
                return Retry(self.clock() + TARGET_WAIT, "waiting for its message", None)
            if not found_channel or not found_ts:
                return Skipped("the message it updates has no reference")
            channel, ts = found_channel, found_ts
        self._wait("chat.update")
        self.client.chat_update(channel=channel, ts=ts, **message)
        return Sent(channel, ts)

    def _deactivated(self, slack_id: str) -> bool:
        """Slack deactivated them (``user_change``, sync-people): nothing more goes to them."""
        with self.open_session() as session:
            return is_deactivated(slack_id, session=session)

    def _post_to(self, row: Claimed, known: str | None) -> str:
        """Where to post: a DM to the person's user ID (Slack posts it in the bot's DM and
        answers with its ``D…`` ID, so no Tier 3 conversations.open per person), a group
        DM to its conversation, a channel message to the channel."""
        if row.kind == "dm" or is_nudge(row.kind):
            return row.recipient
        return known or self._conversation(row)

    def _conversation(self, row: Claimed) -> str:
        """The conversation a row's messages are in: a DM or group DM opened once (cached
        per process), or the channel itself."""
        if row.kind not in ("dm", "group") and not is_nudge(row.kind):
            return row.recipient
        channel = self._dm_channels.get(row.recipient)
        if channel is None:
            self._wait("conversations.open")
            response = self.client.conversations_open(users=row.recipient)
            channel = self._dm_channels[row.recipient] = str(response["channel"]["id"])
        return channel

    def _find_posted(self, channel: str, key: str, *, since: datetime) -> str | None:
        """The ts of the message posted for ``key`` since ``since``, or None."""
        oldest = f"{(since - CLOCK_SKEW).timestamp():.6f}"
        cursor: str | None = None
        while True:
            self._wait("conversations.history")
            page = self.client.conversations_history(
                channel=channel, oldest=oldest, include_all_metadata=True, limit=200, cursor=cursor
            )
            for message in page.get("messages") or []:
                metadata = message.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == EVENT_TYPE and payload.get("key") == key:
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return None

    # --- outcomes ----------------------------------------------------------------------
    def _after_refusal(self, attempt: _Attempt, exc: SlackApiError) -> Outcome:
        status = exc.response.status_code
        error = str(exc.response.get("error") or f"http {status}")
        if status == 429 or error == "ratelimited":
            seconds = _retry_after(exc.response.headers)
            self.pacer.hold(_method_of(exc), seconds)
            now = self.clock()
            return Retry(now + timedelta(seconds=seconds), "ratelimited", attempt.in_doubt_since)
        if status >= 500:
            return self._retry(attempt, f"http {status}", ambiguous=True)
        if error in PERMANENT_ERRORS:
            return Failed(error)
        return self._retry(attempt, error, ambiguous=error in AMBIGUOUS_ERRORS)

    def _retry(self, attempt: _Attempt, error: str, *, ambiguous: bool) -> Outcome:
        doubt = attempt.in_doubt_since
        if ambiguous and attempt.posting:
            doubt = doubt or attempt.row.claimed_at
        if attempt.row.attempts >= MAX_ATTEMPTS:
            suffix = " (may have been sent)" if doubt else ""
            return Failed(f"gave up after {attempt.row.attempts} attempts: {error}{suffix}")
        not_before = retry_at(attempt.row.attempts, self.clock(), base=self.backoff)
        return Retry(not_before, error, doubt)

    def _record(self, results: Sequence[tuple[Claimed, Outcome]]) -> list[str]:
        """Write the outcomes, and the effects chained to them, in one short transaction; a
        crash before it leaves the rows in ``sending``, to be taken over in doubt once the
        leases run out. Returns the keys of the chained rows written."""
        if not results:
            return []
        try:
            with unit_of_work(self.open_session) as session:
                held, chained = record(
                    [_finish(row, outcome) for row, outcome in results],
                    owner=self.owner,
                    now=self.clock(),
                    session=session,
                )
        except Exception:
            logger.exception("Failed to record the outcomes of %d outbox rows", len(results))
            return []
        recorded = set(held)
        for row, outcome in results:
            if row.id not in recorded:
                logger.warning("Lost the lease on outbox row %s before recording it", row.key)
            elif isinstance(outcome, Failed):
                logger.warning("Outbox row %s (%s) failed: %s", row.key, row.kind, outcome.reason)
        return chained

    # --- pacing ------------------------------------------------------------------------
    def _wait(self, method: str, channel: str | None = None) -> None:
        self._sleep(self.pacer.reserve(method, channel))

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stop.wait(seconds)


def _finish(row: Claimed, outcome: Outcome) -> Finish:
    """An outcome as ``storage.outbox.record`` writes it."""
    if isinstance(outcome, Sent):
        return Finish(row.id, OutboxStatus.SENT, channel=outcome.channel, ts=outcome.ts)
    if isinstance(outcome, Failed):
        return Finish(row.id, OutboxStatus.FAILED, error=outcome.reason)
    if isinstance(outcome, Skipped):
        return Finish(row.id, OutboxStatus.SKIPPED, error=outcome.reason)
    return Finish(
        row.id,
        OutboxStatus.PENDING,
        error=outcome.error,
        not_before=outcome.not_before,
        in_doubt_since=outcome.in_doubt_since,
    )


def _dead_here(owner: str) -> bool:
    """Whether ``owner`` (``host:pid:nonce``) ran on this host and its process is gone.
    A reused PID looks alive: its rows then wait for their lease, never the reverse."""
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed process nobody reaped yet (its parent died too) still answers kill(0)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def _retry_after(headers: dict[str, Any] | Any) -> float:
    for name in ("Retry-After", "retry-after"):
        value = (headers or {}).get(name)
        if value:
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(float(raw), 1.0)
            except ValueError:
                break
    return 1.0


def _method_of(exc: SlackApiError) -> str:
    url = str(getattr(exc.response, "api_url", ""))
    return url.rsplit("/", 1)[-1]


def build_sender(
    open_session: SessionFactory,
    client: WebClient,
    *,
    clock: Clock,
    pacer: Pacer | None = None,
    homes: HomeRenderer | None = None,
    nudges: NudgeRenderer | None = None,
) -> Sender:
    """A sender paced under Slack's published limits."""
    from bot.pacing import SLACK_LIMITS

    return Sender(
        open_session,
        client,
        clock=clock,
        pacer=pacer or Pacer(SLACK_LIMITS),
        homes=homes,
        nudges=nudges,
    )


def home_renderer(deps: Deps) -> HomeRenderer:
    """Renders a person's Home tab from the database as it is when the refresh is sent."""

    def render(slack_id: str) -> dict[str, Any]:
        with deps.open_session() as session:
            state = load_home_state(session, slack_id, settings=deps.settings, now=deps.clock())
        return build_home(state)

    return render


def sender_for(deps: Deps, client: WebClient, *, pacer: Pacer | None = None) -> Sender:
    """The sender of a process: paced (Slack's limits unless told), rendering Homes and
    check-ins, on a client that never resends."""
    return build_sender(
        deps.open_session,
        client,
        clock=deps.clock,
        pacer=pacer,
        homes=home_renderer(deps),
        nudges=nudge_renderer(deps.open_session, deps.settings, deps.clock),
    )


class Delivery:
    """A process's in-process delivery: what a listener just committed is flushed on a
    small pool of its own, right away, while the listener's thread is free again."""

    def __init__(self, sender: Sender, executor: Executor) -> None:
        self.sender = sender
        self.executor = executor

    def submit(self, keys: Sequence[str]) -> None:
        self.executor.submit(self._flush, tuple(keys))

    def _flush(self, keys: Sequence[str]) -> None:
        try:
            self.sender.flush(keys)
        except Exception:
            logger.exception("Failed to deliver at once; the outbox keeps the messages")


def deliver(context: Mapping[str, Any], done: Done[Any]) -> None:
    """Deliver what a use case just committed, now (the person who clicked waits for
    nothing more than before); what cannot go now stays in the outbox for any sender."""
    if done.keys:
        delivery: Delivery = context["outbox"]
        delivery.submit(done.keys)


def send_file(
    client: WebClient, user: str, *, filename: str, content: str, title: str, comment: str
) -> None:
    """A file in the bot's DM with ``user`` (an export asked for just now: not kept in the
    outbox, whose rows outlive the request), through ``files.getUploadURLExternal`` and
    ``files.completeUploadExternal`` (slack_sdk's ``files_upload_v2``). Raises
    SlackApiError when Slack refuses it."""
    channel = client.conversations_open(users=user)["channel"]["id"]
    client.files_upload_v2(
        channel=channel, content=content, filename=filename, title=title, initial_comment=comment
    )
