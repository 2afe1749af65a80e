"""The coordinators' digest and what hangs off it: the weekly post, the preview and export,
a danger sign's nudge, advice for mentors, the yes to a celebration.

The weekly post is an outbox row keyed ``digest:{YYYY-Www}`` (the week it reports on), so
it is written once however often the job runs and however many schedulers run it; if
the workspace refuses its chart or table (``invalid_blocks``), the same digest without
them is owed instead (``digest:{week}:plain``). A nudge is a DM keyed
``coordinator-nudge:{kind}:{object}:{YYYY-Www}``: one per sign per week, whoever clicks.
Working hours for nudges come with the nudge planner (issue 11); until then a nudge is
sent when a coordinator clicks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from bot.blocks.digest import (
    build_advice_for_coordinator,
    build_celebration_ask,
    build_digest,
)
from bot.blocks.help import build_notice
from bot.celebrations import ReachedGoal, consent, recently_reached
from bot.context import Deps
from bot.digest import (
    DangerKind,
    Digest,
    Period,
    compute_digest,
    due_week,
    last_complete_week,
    parse_week,
    sign_people,
    week_of,
    week_so_far,
)
from bot.effects import Effect, Nudge, PostToChannel, dm
from bot.errors import MentorbotError, NotInDirectory
from bot.nudges.kinds import OUTBOX_KIND, NudgeKind, coordinator_key
from bot.nudges.planner import COORDINATOR_KIND, NUDGE_PRIORITY, claim_next_workday
from bot.usecase import Done, read, run
from storage import digest as store
from storage.nudges import planned_keys
from storage.offers import get_offer
from storage.outbox import state_of
from storage.people import get_by_slack_id

logger = logging.getLogger(__name__)

POST_WITHIN = timedelta(days=6)  # a digest not posted by then is not worth posting
NOT_COORDINATOR = (
    "The digest is for the programme's coordinators, so there's nothing to show you here. "
    "Your own progress is on your Home tab and in `/mentor progress`."
)
NO_CHANNEL = "MENTORBOT_DIGEST_CHANNEL is not set, so the digest has nowhere to go."


class NotCoordinator(MentorbotError):
    def __init__(self) -> None:
        super().__init__(NOT_COORDINATOR)


def require_coordinator(deps: Deps, slack_id: str) -> None:
    """Checked on the server for every coordinator action, whatever the button showed."""
    if not deps.settings.is_coordinator(slack_id):
        raise NotCoordinator()


def digest_key(period: Period) -> str:
    return f"digest:{period.label}"


def _post(digest: Digest, channel: str, key: str, *, not_after: datetime | None) -> PostToChannel:
    """The digest for the channel; without its chart and table if Slack refuses them."""
    full, plain = build_digest(digest), build_digest(digest, native=False)
    fallback = PostToChannel(
        key=f"{key}:plain",
        channel=channel,
        text=plain["text"],
        blocks=tuple(plain["blocks"]),
        not_after=not_after,
    )
    return PostToChannel(
        key=key,
        channel=channel,
        text=full["text"],
        blocks=tuple(full["blocks"]),
        not_after=not_after,
        otherwise=(fallback,),
    )


@dataclass(frozen=True)
class Posted:
    period: Period
    new: bool  # False: this week's digest had been written already


def post_weekly(deps: Deps) -> Done[Posted | None]:
    """The scheduled post: the digest due most recently, once (None: no channel set, or it
    was due too long ago to be worth posting)."""
    now, settings = deps.clock(), deps.settings
    period, due = due_week(now, settings)
    if now > due + POST_WITHIN:  # nobody ran the job that week: next week's is due soon
        return Done(None)
    return _post_period(deps, period, not_after=due + POST_WITHIN)


def post_now(deps: Deps, week: str | None = None) -> Done[Posted | None]:
    """`mentorbot digest --post`: last week's digest (or ``week``'s), unless it was posted."""
    now, zone = deps.clock(), deps.settings.digest_tz
    period = parse_week(week, zone) if week else last_complete_week(now, zone)
    if period.end > now:
        raise MentorbotError(f"{period.label} is not over yet: only whole weeks are posted.")
    return _post_period(deps, period, not_after=None)


def _post_period(deps: Deps, period: Period, *, not_after: datetime | None) -> Done[Posted | None]:
    channel, now = deps.settings.digest_channel, deps.clock()
    if not channel:
        logger.warning("No digest posted: %s", NO_CHANNEL)
        return Done(None)
    key = digest_key(period)
    if read(deps.open_session, lambda s: state_of(key, session=s)) is not None:
        return Done(Posted(period, new=False))  # written before: nothing to compute
    # Computed outside the write transaction: readers never wait for writers.
    digest = compute_digest(deps.open_session, period, deps.settings)

    def work(session: Session) -> tuple[Posted, tuple[Effect, ...]]:
        new = state_of(key, session=session) is None
        return Posted(period, new), (_post(digest, channel, key, not_after=not_after),)

    done = run(deps.open_session, work, now=now)
    if done.value.new:
        logger.info("Digest %s written for %s", period.label, channel)
    return Done(done.value, done.keys)


def post_outcome(deps: Deps, period: Period) -> str:
    """Where the week's post stands: sent, sent without its chart and table, refused, or
    still waiting for a sender."""

    def states(session: Session) -> tuple[str | None, str | None]:
        key = digest_key(period)
        full, plain = state_of(key, session=session), state_of(f"{key}:plain", session=session)
        return (full[0] if full else None), (plain[0] if plain else None)

    full, plain = read(deps.open_session, states)
    if full == "sent":
        return "sent"
    if plain == "sent":
        return "sent without its chart and table (the workspace refused them)"
    if full in ("failed", "skipped") and plain in (None, "failed", "skipped"):
        return "refused by Slack (`mentorbot outbox --failed` says why)"
    return "waiting in the outbox: the scheduler's sender will post it"


def digest_for(deps: Deps, week: str | None = None, *, so_far: bool = False) -> Digest:
    """A digest to show: ``week`` (YYYY-Www), this week so far, or the last whole week."""
    now, zone = deps.clock(), deps.settings.digest_tz
    if week:
        period = parse_week(week, zone)
    elif so_far:
        period = week_so_far(now, zone)
    else:
        period = last_complete_week(now, zone)
    if period.start >= now:
        raise MentorbotError(f"{period.label} has not started yet.")
    if period.end > now:
        period = Period(period.label, period.start, now, complete=False)
    return compute_digest(deps.open_session, period, deps.settings)


def preview(deps: Deps, user: str) -> Digest:
    """`/mentor digest`: this week so far, for a coordinator."""
    require_coordinator(deps, user)
    return digest_for(deps, so_far=True)


def export(deps: Deps, user: str, week: str) -> Digest:
    """The Export CSV button: the week it was on, for a coordinator (checked again here)."""
    require_coordinator(deps, user)
    return digest_for(deps, week)


# --- a danger sign's nudge -------------------------------------------------------------------


@dataclass(frozen=True)
class Nudged:
    outcome: str  # "sent", "already", "resolved", "muted"
    slack_id: str


def nudge_key(kind: DangerKind, object_id: int, week: str) -> str:
    """One per sign per week, whoever clicks; a check-in key of the nudge planner."""
    return coordinator_key(week, kind.value, object_id)


def nudge(deps: Deps, user: str, kind: DangerKind, object_id: int) -> Done[Nudged]:
    """A coordinator's click on a danger sign: a kind note for the person it names, once a
    week, unless the sign went away or they muted nudges. It is a check-in of the planner
    (``bot.nudges``): it goes in the person's own working hours, as their one nudge of that
    day (the next free working day), and is checked again just before it is sent."""
    require_coordinator(deps, user)
    now = deps.clock()
    settings = deps.settings
    key = nudge_key(kind, object_id, week_of(now, settings.digest_tz).label)

    def work(session: Session) -> tuple[Nudged, tuple[Effect, ...]]:
        found = sign_people(session, kind, object_id)
        if found is None:
            raise MentorbotError("That danger sign is out of date; nothing was sent.")
        person, _other, holds = found
        if state_of(key, session=session) is not None or planned_keys([key], session=session):
            return Nudged("already", person.slack_id), ()
        if not holds:
            return Nudged("resolved", person.slack_id), ()
        if person.nudges_muted or not person.is_active:
            return Nudged("muted", person.slack_id), ()
        slot = claim_next_workday(
            session, key, COORDINATOR_KIND, person.slack_id, person.tz, settings=settings, now=now
        )
        if slot is None:
            return Nudged("already", person.slack_id), ()
        not_before, not_after = slot
        note = Nudge(
            key=key,
            user_id=person.slack_id,
            nudge_kind=OUTBOX_KIND[NudgeKind.COORDINATOR],
            priority=NUDGE_PRIORITY,
            not_before=not_before,
            not_after=not_after,
        )
        return Nudged("sent", person.slack_id), (note,)

    return run(deps.open_session, work, now=now)


# --- advice ----------------------------------------------------------------------------------

NO_COORDINATORS = (
    "No programme coordinators are set up yet, so there's nobody to send it to. Ask whoever "
    "runs the mentoring programme to add them (MENTORBOT_COORDINATORS)."
)
NOT_A_MENTOR = (
    "`/mentor advice` is for mentors who'd like a coordinator's advice on a difficult "
    "situation. Offer to mentor with `/mentor offer`; for your own questions, "
    "`/mentor find &lt;topic&gt;` finds someone to talk to."
)


def _mentor(session: Session, user: str) -> int:
    person = get_by_slack_id(user, session=session)
    if person is None or person.id is None:
        raise NotInDirectory(user)
    if get_offer(person.id, session=session) is None:
        raise MentorbotError(NOT_A_MENTOR)
    return person.id


def check_can_ask_advice(deps: Deps, user: str) -> None:
    """Before opening the advice modal."""
    if not deps.settings.coordinators:
        raise MentorbotError(NO_COORDINATORS)
    read(deps.open_session, lambda s: _mentor(s, user))


ADVICE_SENT = (
    ":envelope: Sent to the programme coordinators, and only to them. One of them will "
    "reply to you directly."
)


def ask_advice(deps: Deps, user: str, text: str, *, claim: str | None = None) -> Done[int]:
    """Store that advice was asked (never what), and DM the text to each coordinator."""
    if not deps.settings.coordinators:
        raise MentorbotError(NO_COORDINATORS)
    now = deps.clock()

    def work(session: Session) -> tuple[int, tuple[Effect, ...]]:
        advice_id = store.add_advice_request(_mentor(session, user), session=session, now=now)
        message = build_advice_for_coordinator(user, text, advice_id)
        effects = [
            dm(f"advice:{advice_id}:to:{coordinator}", coordinator, message)
            for coordinator in sorted(deps.settings.coordinators)
        ]
        effects.append(dm(f"advice:{advice_id}:sent", user, build_notice(ADVICE_SENT)))
        return advice_id, tuple(effects)

    return run(deps.open_session, work, now=now, claim=claim)


def advice_handled(deps: Deps, user: str, advice_id: int) -> Done[bool]:
    """A coordinator marks an advice request handled; False if it already was."""
    require_coordinator(deps, user)
    now = deps.clock()

    def work(session: Session) -> tuple[bool, tuple[Effect, ...]]:
        person = get_by_slack_id(user, session=session)
        closed = store.close_advice_request(
            advice_id, person.id if person else None, session=session, now=now
        )
        if closed is None:
            raise MentorbotError("That advice request no longer exists.")
        return closed, ()

    return run(deps.open_session, work, now=now)


# --- celebrations ----------------------------------------------------------------------------


def celebrate(deps: Deps, user: str, goal_key: str) -> Done[ReachedGoal]:
    """The yes to being celebrated in the digest (checked: the goal is really reached)."""
    now = deps.clock()

    def work(session: Session) -> tuple[ReachedGoal, tuple[Effect, ...]]:
        return consent(session, user, goal_key, deps.settings, now=now), ()

    return run(deps.open_session, work, now=now)


def ask_to_celebrate(deps: Deps) -> Done[int]:
    """The job: everyone who reached a goal lately is asked once whether they may be named
    (how many were asked now)."""
    now = deps.clock()
    reached = read(deps.open_session, lambda s: recently_reached(s, deps.settings, now=now))
    asks = [
        dm(
            f"celebrate-ask:{slack_id}:{goal.key}",
            slack_id,
            build_celebration_ask(goal.key, goal.goal, goal.label),
        )
        for slack_id, goal in reached
    ]

    def work(session: Session) -> tuple[int, tuple[Effect, ...]]:
        new = tuple(ask for ask in asks if state_of(ask.key, session=session) is None)
        return len(new), new

    return run(deps.open_session, work, now=now)
