"""The coordinators' digest in Slack, and the messages around it (nudges, advice, celebrations).

Pure builders: a ``Digest`` in, Block Kit out. The weekly post has a native line chart (the
trend) and a native table (silos), each with a text fallback beside it;
``native=False`` builds the same message without them, for a workspace that refuses
them. Slack's limits hold at any size: at most 50 blocks (the danger signs are capped,
with "and N more" and the full list in the export), section texts within 3,000
characters, one table and at most two charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    clip,
    context,
    divider,
    escape,
    header,
    mention,
    message,
    plural,
    quote,
    section,
)
from bot.blocks.requests import modal, text_input
from bot.digest import DANGER_ORDER, NAMES_MENTEE, DangerKind, DangerSign, Digest, GoalStanding
from bot.ids import ActionId, BlockId, CallbackId, danger_sign_value

MESSAGE_BLOCKS = 50
MAX_DANGER_ITEMS = 20  # shown by name in Slack; the export has them all
MAX_TOPICS = 8
MAX_LISTED = 12  # names or topics in one line before "and N more"
LABEL_CHARS = 18  # an area in the table (a chart or table label is at most 20)
ADVICE_MAX = 2000
NOT_AVAILABLE = "not available yet"

DANGER_TITLES = {
    DangerKind.SILENT: "silent 21+ days",
    DangerKind.NO_AGENDA: "held without an agenda",
    DangerKind.FOLLOWUPS_MISSING: "follow-ups missing after 3 days",
    DangerKind.MENTOR_FOLLOWUPS: "follow-ups posted by the mentor",
    DangerKind.EXPIRED: "requests expired",
}
NUDGE_BUTTON = "Send a kind nudge"


# --- small words -------------------------------------------------------------------------------


def share(part: int, whole: int) -> str:
    """``67% (2 of 3)``; a dash when there is nothing to share."""
    if not whole:
        return "–"
    return f"{round(100 * part / whole)}% ({part} of {whole})"


def _hours(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:.1f} h" if value < 48 else f"{value / 24:.1f} days"


def _listed(items: Sequence[str], limit: int = MAX_LISTED) -> str:
    shown = ", ".join(items[:limit])
    return shown + (f" and {len(items) - limit} more" if len(items) > limit else "")


def _standing(standing: GoalStanding) -> str:
    return (
        f"{standing.on_pace} on pace · {standing.behind} behind · "
        f"{standing.reached} reached (of {standing.people})"
    )


def _when(digest: Digest) -> str:
    first = digest.period.monday
    last = first + timedelta(days=6)
    span = f"{first:%a %d %b} – {last:%a %d %b %Y}"
    return span if digest.period.complete else f"{span}, so far"


# --- the digest ---------------------------------------------------------------------------------


def _summary(digest: Digest) -> list[Block]:
    week = digest.week
    questions = week.answered + week.partly + week.not_yet
    requests = (
        f"*Requests* {week.requests_made} made · {week.accepted} accepted · "
        f"{week.declined} declined · {week.expired} expired · {week.passed_on} passed on · "
        f"median time to answer {_hours(week.median_answer_hours)}"
    )
    sessions = (
        f"*Sessions* {week.sessions_held} held · with an agenda beforehand "
        f"{share(week.with_agenda, week.sessions_held)} · follow-ups within 3 days "
        f"{share(week.followups_on_time, week.followups_due)} · agenda questions: "
        f"{share(week.answered, questions)} answered, {share(week.partly, questions)} partly, "
        f"{share(week.not_yet, questions)} not yet"
    )
    connections = (
        f"*Connections* {week.new_connections} new · across areas "
        f"{share(week.cross_area, week.new_connections)}\n"
        f"*Newcomers* (goal: {plural(digest.goal, 'connection')}) {_standing(digest.newcomers)}\n"
        f"*In a transition* {_standing(digest.transitions)}"
    )
    return [section(requests), section(sessions), section(connections)]


def _trend_text(digest: Digest) -> str:
    connections = ", ".join(f"{w.label[-3:]} {w.new_connections}" for w in digest.weeks)
    sessions = ", ".join(f"{w.label[-3:]} {w.sessions_held}" for w in digest.weeks)
    return (
        f":chart_with_upwards_trend: Last {len(digest.weeks)} weeks, oldest first. "
        f"New connections: {connections}. Sessions held: {sessions}."
    )


def trend_chart(digest: Digest) -> Block:
    """The native line chart: new connections and sessions per week."""
    categories = [w.label[-3:] for w in digest.weeks]
    return {
        "type": "data_visualization",
        "title": f"Connections and sessions, last {len(digest.weeks)} weeks",
        "chart": {
            "type": "line",
            "series": [
                {
                    "name": "New connections",
                    "data": [
                        {"label": c, "value": w.new_connections}
                        for c, w in zip(categories, digest.weeks, strict=True)
                    ],
                },
                {
                    "name": "Sessions held",
                    "data": [
                        {"label": c, "value": w.sessions_held}
                        for c, w in zip(categories, digest.weeks, strict=True)
                    ],
                },
            ],
            "axis_config": {"categories": categories, "x_label": "Week", "y_label": "Count"},
        },
    }


def _danger_line(sign: DangerSign) -> str:
    role = "mentee" if NAMES_MENTEE[sign.kind] else "mentor"
    link = "asked by" if sign.kind == DangerKind.EXPIRED else "with"
    days = plural(sign.days, "day")
    what = {
        DangerKind.SILENT: f"*Silent for {days}*",
        DangerKind.NO_AGENDA: f"*Held without an agenda* {days} ago",
        DangerKind.FOLLOWUPS_MISSING: f"*No follow-ups* {days} after the session",
        DangerKind.MENTOR_FOLLOWUPS: f"*The mentor posted the follow-ups* {days} ago",
        DangerKind.EXPIRED: f"*Request expired* after {days} unanswered",
    }[sign.kind]
    return f"{what}: {mention(sign.slack_id)} ({role}), {link} {mention(sign.other_slack_id)}"


def top_danger_signs(signs: Sequence[DangerSign], limit: int) -> list[DangerSign]:
    """At most ``limit`` signs, shared fairly between the kinds (each kind's longest first)."""
    by_kind = {kind: [s for s in signs if s.kind == kind] for kind in DANGER_ORDER}
    chosen: list[DangerSign] = []
    depth = 0
    while len(chosen) < limit and any(len(v) > depth for v in by_kind.values()):
        for kind in DANGER_ORDER:
            if depth < len(by_kind[kind]) and len(chosen) < limit:
                chosen.append(by_kind[kind][depth])
        depth += 1
    order = {s: i for i, s in enumerate(signs)}
    return sorted(chosen, key=lambda s: order[s])


def _danger_blocks(digest: Digest, room: int, *, nudges: bool) -> list[Block]:
    signs = digest.danger
    counts = [
        f"{sum(1 for s in signs if s.kind == kind)} {DANGER_TITLES[kind]}" for kind in DANGER_ORDER
    ]
    heading = f"*:warning: Danger signs* ({len(signs)}): " + " · ".join(counts)
    if not signs:
        return [section("*:warning: Danger signs*: none this week. :seedling:")]
    shown = top_danger_signs(signs, max(0, min(MAX_DANGER_ITEMS, room - 2)))
    blocks: list[Block] = [section(heading)]
    for sign in shown:
        extra = {}
        if nudges:
            extra["accessory"] = button(
                NUDGE_BUTTON, ActionId.DIGEST_NUDGE, danger_sign_value(sign.kind, sign.object_id)
            )
        blocks.append(section(_danger_line(sign), **extra))
    if len(signs) > len(shown):
        blocks.append(
            context(f"…and {len(signs) - len(shown)} more: the export has the full list.")
        )
    return blocks


def _celebrations(digest: Digest) -> Block:
    if not digest.celebrations:
        return section(
            "*:tada: Celebrations*: nobody to name this week (people are named only when they "
            "say yes on reaching their goal)."
        )
    people = _listed([mention(s) for s in digest.celebrations], 40)
    return section(f"*:tada: Celebrations*: {people} reached their goal. Say well done!")


def _supply(digest: Digest) -> Block:
    supply = digest.supply
    lines = ["*Supply and demand* this week (searched · requested · mentors with a free slot)"]
    for topic in supply.topics[:MAX_TOPICS]:
        lines.append(
            f"• {escape(clip(topic.label, 60))}: {topic.searched} · {topic.requested} · "
            f"{topic.with_room}"
        )
    if len(supply.topics) > MAX_TOPICS:
        lines.append(f"…and {plural(len(supply.topics) - MAX_TOPICS, 'more topic')}")
    if not supply.topics:
        lines.append("• Nobody searched or asked for a topic this week.")
    if supply.no_mentor:
        wanted = _listed([escape(clip(label, 40)) for label in supply.no_mentor])
        lines.append(f"Searched with no mentor at all: {wanted}")
    lines.append(
        f"Mentors: {supply.with_room} with a free slot · {supply.at_capacity} at capacity · "
        f"{supply.never_asked} never asked in 8 weeks · "
        f"{plural(supply.rerouted, 'request')} re-routed after going unanswered"
    )
    return section("\n".join(lines))


def _silo_intro(digest: Digest) -> str:
    silos = digest.silos
    title = f"*Silos*: new connections between the largest areas, last {silos.weeks} weeks"
    if len(silos.areas) < 2:
        return f"{title}: too few areas in the directory to compare."
    if not silos.never:
        return f"{title}. Every pair of them connected. :handshake:"
    pairs = _listed([f"{escape(a)} ↔ {escape(b)}" for a, b in silos.never], 10)
    return f"{title}. Never connected: {pairs}."


def _label(text: str) -> str:
    return clip(text, LABEL_CHARS) or "?"


def silo_table(digest: Digest) -> Block:
    """The native table: areas down and across, new connections in the cells."""
    silos = digest.silos
    rows: list[list[dict[str, Any]]] = [
        [{"type": "raw_text", "text": ""}]
        + [{"type": "raw_text", "text": _label(a)} for a in silos.areas]
    ]
    for area, counts in zip(silos.areas, silos.counts, strict=True):
        rows.append(
            [{"type": "raw_text", "text": _label(area)}]
            + [{"type": "raw_text", "text": str(n)} for n in counts]
        )
    settings: list[dict[str, Any] | None] = [{"is_wrapped": True}]
    settings += [{"align": "right"} for _ in silos.areas]
    return {"type": "table", "rows": rows, "column_settings": settings}


def silo_pairs_text(digest: Digest) -> str:
    """The table read out, pair by pair: its accessible fallback beside it."""
    silos = digest.silos
    pairs = [
        f"{escape(a)}–{escape(b)} {silos.counts[i][j]}"
        for i, a in enumerate(silos.areas)
        for j, b in enumerate(silos.areas)
        if j >= i and silos.counts[i][j]
    ]
    return "The table as text: " + (" · ".join(pairs) or "no connections between these areas")


def silo_grid(digest: Digest) -> str:
    """The table as a monospaced grid: what a workspace without native tables shows."""
    silos = digest.silos
    width = max(len(_label(a)) for a in silos.areas)
    head = " " * width + "".join(f" {_label(a)[:6]:>6}" for a in silos.areas)
    lines = [head] + [
        f"{_label(area):<{width}}" + "".join(f" {n:>6}" for n in counts)
        for area, counts in zip(silos.areas, silos.counts, strict=True)
    ]
    return "```\n" + escape("\n".join(lines)) + "\n```"


def _feedback(digest: Digest) -> Block:
    week = digest.week
    rating = (
        f"{week.rating_average:.1f} / 5 from {plural(week.ratings, 'answer')}"
        if week.rating_average is not None
        else "no answers this week"
    )
    if digest.checkins is None:
        checkins = pulse = NOT_AVAILABLE
    else:
        checkins = str(digest.checkins.held_this_month)
        pulse = (
            " · ".join(f"{escape(k)} {v}" for k, v in digest.checkins.pulse.items())
            or "too few answers to show"
        )
    return section(
        f"*Feedback* average usefulness {rating}\n"
        f"*Manager check-ins this month* {checkins} · *programme pulse* {pulse}\n"
        f"*Advice requests* {digest.advice_open} open ({digest.advice_new} new this week)"
    )


def build_digest(
    digest: Digest, *, native: bool = True, nudges: bool = True, note: str | None = None
) -> dict[str, Any]:
    """The digest message: the weekly post, and (with ``note``) the coordinator's preview.

    ``native``: with the line chart and the table (False: their text fallbacks only).
    ``nudges``: a "Send a kind nudge" button on each danger sign shown.
    """
    so_far = "" if digest.period.complete else " so far"
    top: list[Block] = [header(f"Mentoring digest · {digest.period.label}{so_far}")]
    top.append(
        context(
            f"{_when(digest)} · counts only; people are named only in danger signs and in "
            "celebrations they said yes to"
        )
    )
    if note:
        top.append(context(note))
    top += _summary(digest)
    if native:
        top.append(trend_chart(digest))
    top += [context(_trend_text(digest)), divider()]
    bottom: list[Block] = [divider(), _celebrations(digest), _supply(digest)]
    bottom.append(section(_silo_intro(digest)))
    if len(digest.silos.areas) >= 2:
        if native:
            bottom += [silo_table(digest), context(silo_pairs_text(digest))]
        else:
            bottom.append(section(silo_grid(digest)))
    bottom.append(_feedback(digest))
    bottom.append(
        actions(button("Export CSV", ActionId.DIGEST_EXPORT, digest.period.label, style="primary"))
    )
    room = MESSAGE_BLOCKS - len(top) - len(bottom)
    blocks = top + _danger_blocks(digest, room, nudges=nudges) + bottom
    week = digest.week
    text = (
        f"Mentoring digest {digest.period.label}{so_far}: {week.requests_made} requests, "
        f"{week.sessions_held} sessions, {week.new_connections} new connections, "
        f"{plural(len(digest.danger), 'danger sign')}."
    )
    return message(text, blocks)


NATIVE_BLOCKS = frozenset({"data_visualization", "table"})


def has_native(payload: dict[str, Any]) -> bool:
    """Whether a message has blocks a workspace may refuse (a chart, a table)."""
    return any(b.get("type") in NATIVE_BLOCKS for b in payload.get("blocks", []))


# --- what the coordinators and the people named receive ---------------------------------------

NUDGES = {
    DangerKind.SILENT: (
        "Hi! Your mentoring conversation with {other} has been quiet for a few weeks. No "
        "pressure: if it's still useful, post the questions for your next conversation with "
        "`/mentor agenda`; if it has done its job, close it from your Home tab with a thank-you. "
        "Either is a good outcome."
    ),
    DangerKind.NO_AGENDA: (
        "Hi! A tip for your next conversation with {other}: post two or three questions "
        "beforehand with `/mentor agenda`. It's what makes the time count, and it keeps the "
        "conversation yours."
    ),
    DangerKind.FOLLOWUPS_MISSING: (
        "Hi! When you have a minute, post the follow-up actions from your last conversation "
        "with {other} (`/mentor followup`). Writing them down while they're fresh turns a "
        "good conversation into progress, and lets {other} see it helped."
    ),
    DangerKind.MENTOR_FOLLOWUPS: (
        "Thank you for posting the follow-ups after your conversation with {other}! A small "
        "note: the follow-ups are the mentee's to post, so a mentor never has to take notes or "
        "chase. Next time it's fine to leave them to {other}."
    ),
    DangerKind.EXPIRED: (
        "Hi! A request from {other} expired recently before you could answer it. That's okay: "
        "people get busy. When now isn't a good time, `/mentor pause` keeps new requests away "
        "until you're ready, and declining with a kind word is always fine."
    ),
}


def build_nudge(kind: DangerKind, other_slack_id: str) -> dict[str, Any]:
    """The kind, pre-written note a coordinator sends from a danger sign."""
    text = NUDGES[kind].format(other=mention(other_slack_id))
    return message(
        text,
        [section(":seedling: " + text), context("A note from the mentoring programme.")],
    )


def build_advice_modal() -> dict[str, Any]:
    """`/mentor advice`: a difficult situation, in the mentor's words, for the coordinators."""
    return modal(
        CallbackId.ADVICE_MODAL,
        "Ask for advice",
        [
            section(
                "Something difficult in a mentoring conversation? Describe it here. *Only the "
                "programme coordinators* receive it, by DM: it is not shown to anyone else, "
                "posted anywhere or kept by the bot, and the weekly digest only counts it."
            ),
            text_input(
                BlockId.ADVICE_TEXT,
                "What's going on, and what would help?",
                multiline=True,
                max_length=ADVICE_MAX,
                placeholder="No need for names if you'd rather not.",
            ),
        ],
        submit="Send",
    )


def build_advice_for_coordinator(asker: str, text: str, advice_id: int) -> dict[str, Any]:
    """What each coordinator receives: who asks, in their own words, and a way to close it."""
    intro = f":raising_hand: {mention(asker)} asks the coordinators for advice:"
    return message(
        f"{mention(asker)} asks the coordinators for advice",
        [
            section(intro),
            section(clip(quote(text), 3000)),
            actions(button("Mark as handled", ActionId.ADVICE_HANDLED, str(advice_id))),
            context(
                f"Only the coordinators received this. Reply to {mention(asker)} directly; the "
                "digest counts open requests, never their text."
            ),
        ],
    )


def build_celebration_ask(goal_key: str, goal: int, label: str) -> dict[str, Any]:
    """On reaching a goal: congratulations, and a one-click yes to being named."""
    text = (
        f":tada: You've made {plural(goal, 'connection')} for {escape(label)}: goal reached! "
        "Congratulations. The programme coordinators like to celebrate people who reach "
        "their goal in their weekly digest. May they name you there?"
    )
    return message(
        "You reached your goal! May the coordinators celebrate you?",
        [
            section(text),
            actions(button("Yes, celebrate me", ActionId.CELEBRATE_ME, goal_key, style="primary")),
            context("If not, there's nothing to do: nobody is named without a yes."),
        ],
    )
