"""The digest outside Slack: as text for a terminal, and as the CSV export.

Pure functions of a ``Digest``. The export holds counts and names only: one row per
week of the trend, then every danger sign (Slack shows the first ones). A cell a
spreadsheet would read as a formula (a name starting with ``=``) is quoted.
"""

from __future__ import annotations

import csv
import io
from dataclasses import fields

from bot.blocks.common import plural
from bot.blocks.digest import DANGER_TITLES, share
from bot.digest import NAMES_MENTEE, DangerKind, Digest, GoalStanding, WeekFigures

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WEEK_COLUMNS = tuple(f.name for f in fields(WeekFigures))
DANGER_COLUMNS = (
    "danger_sign",
    "person",
    "name",
    "role",
    "other_person",
    "other_name",
    "days",
    "date",
)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def digest_csv(digest: Digest) -> str:
    """The export: weekly figures (one row per week), a blank row, then the danger signs."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("week" if c == "label" else c) for c in WEEK_COLUMNS)
    for week in digest.weeks:
        writer.writerow(_cell(getattr(week, c)) for c in WEEK_COLUMNS)
    writer.writerow(())
    writer.writerow(DANGER_COLUMNS)
    for sign in digest.danger:
        writer.writerow(
            _cell(v)
            for v in (
                sign.kind.value,
                sign.slack_id,
                digest.names.get(sign.slack_id, ""),
                "mentee" if NAMES_MENTEE[sign.kind] else "mentor",
                sign.other_slack_id,
                digest.names.get(sign.other_slack_id, ""),
                sign.days,
                sign.at.date().isoformat(),
            )
        )
    return out.getvalue()


def csv_filename(digest: Digest) -> str:
    return f"mentoring-digest-{digest.period.label}.csv"


def _who(digest: Digest, slack_id: str) -> str:
    name = digest.names.get(slack_id)
    return f"{name} ({slack_id})" if name else slack_id


def _standing(standing: GoalStanding) -> str:
    return (
        f"{standing.on_pace} on pace, {standing.behind} behind, {standing.reached} reached "
        f"(of {standing.people})"
    )


def digest_text(digest: Digest) -> str:
    """The digest for a terminal: the same figures as the Slack post, every danger sign."""
    week = digest.week
    so_far = "" if digest.period.complete else " (so far)"
    questions = week.answered + week.partly + week.not_yet
    lines = [
        f"Mentoring digest {digest.period.label}{so_far}",
        "",
        f"Requests: {week.requests_made} made, {week.accepted} accepted, {week.declined} "
        f"declined, {week.expired} expired, {week.passed_on} passed on; median time to answer "
        + (f"{week.median_answer_hours:.1f} h" if week.median_answer_hours is not None else "-"),
        f"Sessions: {week.sessions_held} held; with an agenda beforehand "
        f"{share(week.with_agenda, week.sessions_held)}; follow-ups within 3 days "
        f"{share(week.followups_on_time, week.followups_due)}",
        f"Agenda questions: {week.answered} answered, {week.partly} partly, {week.not_yet} "
        f"not yet (of {questions})",
        f"Connections: {week.new_connections} new, across areas "
        f"{share(week.cross_area, week.new_connections)}",
        f"Newcomers (goal {digest.goal}): {_standing(digest.newcomers)}",
        f"In a transition: {_standing(digest.transitions)}",
        "Trend (oldest first): "
        + ", ".join(f"{w.label} {w.new_connections}/{w.sessions_held}" for w in digest.weeks)
        + " (new connections/sessions)",
        "",
        f"Danger signs: {len(digest.danger)}",
    ]
    for sign in digest.danger:
        link = "asked by" if sign.kind == DangerKind.EXPIRED else "with"
        lines.append(
            f"  {DANGER_TITLES[sign.kind]}: {_who(digest, sign.slack_id)} "
            f"{link} {_who(digest, sign.other_slack_id)}, {plural(sign.days, 'day')}"
        )
    celebrated = ", ".join(_who(digest, s) for s in digest.celebrations) or "nobody named"
    supply = digest.supply
    lines += [
        "",
        f"Celebrations: {celebrated}",
        "",
        "Supply and demand (searched / requested / mentors with a free slot):",
        *(f"  {t.label}: {t.searched} / {t.requested} / {t.with_room}" for t in supply.topics[:20]),
        f"  searched with no mentor at all: {', '.join(supply.no_mentor) or 'none'}",
        f"  mentors: {supply.with_room} with a free slot, {supply.at_capacity} at capacity, "
        f"{supply.never_asked} never asked in 8 weeks; "
        f"{plural(supply.rerouted, 'request')} re-routed after going unanswered",
        "",
        f"Silos (new connections, last {digest.silos.weeks} weeks): "
        + (
            "never connected: " + ", ".join(f"{a} - {b}" for a, b in digest.silos.never)
            if digest.silos.never
            else "every pair of the largest areas connected"
        ),
    ]
    for area, counts in zip(digest.silos.areas, digest.silos.counts, strict=True):
        lines.append(f"  {area[:20]:<20} " + " ".join(f"{n:>5}" for n in counts))
    rating = f"{week.rating_average:.1f}" if week.rating_average is not None else "-"
    checkins = "not available yet" if digest.checkins is None else digest.checkins.held_this_month
    lines += [
        "",
        f"Feedback: average usefulness {rating} from {week.ratings} answers",
        f"Manager check-ins this month: {checkins}; programme pulse: "
        + (
            "not available yet"
            if digest.checkins is None
            else ", ".join(f"{k} {v}" for k, v in digest.checkins.pulse.items()) or "-"
        ),
        f"Advice requests: {digest.advice_open} open ({digest.advice_new} new)",
    ]
    return "\n".join(lines) + "\n"
