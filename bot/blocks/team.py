"""Pure builders for the manager's check-in: `/mentor team`, the Home's "Your team", the
pulse a report answers, the notes modal and the monthly reminder.

Nothing here names a report: a manager's screens carry counts (only from
``MENTORBOT_MIN_GROUP`` people up) and words written by reports without names, in the
random order the service gave them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    mention,
    message,
    plain,
    plural,
    quote,
    section,
)
from bot.blocks.payload import DateWindow, Form
from bot.blocks.requests import build_problem_view, modal, option, text_input
from bot.ids import ActionId, BlockId, CallbackId
from bot.pulse import (
    HOW_MAX,
    IN_THE_WAY_MAX,
    OBSTACLE_LABELS,
    USAGE_LABELS,
    AnswerSaved,
    PulseForm,
    PulseInvitation,
    PulseResults,
    PulseStatus,
    SentPulse,
)
from bot.team import (
    HEARD_MAX,
    TRY_MAX,
    CheckinForm,
    CheckinNote,
    CheckinRecorded,
    ReminderStatus,
    TeamSnapshot,
    checkin_dates,
    day_text,
)
from bot.team_overview import TeamView

SCRIPT = (
    "“I'd like to take 20 minutes and hear where everyone is on mentoring. Are you using "
    "it? If so, how? If not, what is in your way?”"
)
HOW_TO_RUN = (
    ":ear: Ask, then mostly listen; add your own thinking at the end. No one has to "
    "answer, and nobody is asked to explain themselves.",
    ":compass: It is about what helps and what gets in the way, not anyone's performance: "
    "mentoring is not performance advising.",
)
TOO_FEW = "too few to show without identifying anyone"
QUESTIONS = ("Are you using mentoring?", "If so, how?", "If not, what is in your way?")
SHARE = "share"
TEXT_CHUNK = 2800  # a section's text stays under Slack's 3000 characters


# --- parts ------------------------------------------------------------------------------------


def _script_blocks() -> list[Block]:
    return [section(f"*Read this out:*\n>{SCRIPT}"), context(*HOW_TO_RUN)]


def _people_line(size: int) -> str:
    return f"{size} {'person reports' if size == 1 else 'people report'} to you"


def snapshot_lines(snapshot: TeamSnapshot | None, view: TeamView) -> list[str]:
    """The team in counts, a line each; one line saying why when there are too few."""
    if snapshot is None:
        return [f"Your team's snapshot: {TOO_FEW} (fewer than {view.min_group} people)."]
    size = snapshot.size
    lines = [
        f"• {snapshot.conversed} of {size} had a mentoring conversation in the last 90 days",
        f"• {snapshot.offering} of {size} offer mentoring",
    ]
    if snapshot.newcomers == 0:
        lines.append("• No newcomers in their first months")
    elif snapshot.pace is None:
        lines.append(f"• Newcomers' pace toward their connections goal: {TOO_FEW}")
    else:
        pace = snapshot.pace
        lines.append(
            f"• Newcomers: {pace.on_pace} on pace, {pace.behind} behind, "
            f"{pace.reached} reached their goal"
        )
    lines.append("• Topics the team asked for: " + _listed(snapshot.topics_asked))
    lines.append("• Topics the team offers: " + _listed(snapshot.topics_offered))
    lines.append("• Areas the team connected with: " + _listed(snapshot.areas))
    return lines


def _listed(items: Sequence[str] | None) -> str:
    if items is None:
        return TOO_FEW
    return ", ".join(escape(item) for item in items) if items else "none yet"


def _counts(pairs: Sequence[tuple[str, int]]) -> str:
    return " · ".join(f"{label} {count}" for label, count in pairs)


def pulse_headline(pulse: PulseStatus | None, view: TeamView) -> str:
    """Where the latest pulse stands, in one line."""
    if pulse is None:
        return (
            "*Pre-check-in pulse:* not sent yet. It asks each person the three questions, "
            f"anonymously: you see totals once at least {view.min_group} answered."
        )
    when = (
        f"open until {day_text(pulse.closes_at, view.tz)}"
        if pulse.is_open
        else f"sent {day_text(pulse.opened_at, view.tz)}, closed"
    )
    answered = f"{pulse.answered} of {pulse.invited} answered"
    if pulse.results is not None:
        return f"*Pre-check-in pulse* ({when}): {answered}."
    if pulse.is_open:
        return (
            f"*Pre-check-in pulse* ({when}): {answered}: waiting for more. Totals show once "
            f"at least {view.min_group} answered."
        )
    return f"*Pre-check-in pulse* ({when}): {answered}: {TOO_FEW}."


def _results_lines(results: PulseResults) -> list[str]:
    lines = [f"*{QUESTIONS[0]}* {_counts(results.usage)}"]
    if results.obstacles:
        lines.append(f"*What's in the way:* {_counts(results.obstacles)}")
    return lines


def _texts_blocks(title: str, texts: Sequence[str]) -> list[Block]:
    """Words people wrote, without names, in the order given (random), in sections small
    enough for Slack."""
    if not texts:
        return []
    blocks: list[Block] = []
    current = f"*{title}* _(in no particular order, without names)_"
    for text in texts:
        quoted = quote(" ".join(text.split()))
        if len(current) + len(quoted) + 1 > TEXT_CHUNK:
            blocks.append(section(current))
            current = ""
        current = f"{current}\n{quoted}" if current else quoted
    blocks.append(section(current))
    return blocks


def _checkin_blocks(note: CheckinNote | None, view: TeamView, *, full: bool) -> list[Block]:
    if note is None:
        return [section("*Check-in notes:* none recorded yet. Only you will see them.")]
    lines = [
        f"*Your last check-in:* {day_text(note.held_on, view.tz)} _(only you see these notes)_"
    ]
    if full and note.heard:
        lines.append(f"*What we heard:*\n{quote(note.heard)}")
    if note.will_try:
        shared = " _(shared with the team)_" if note.shared else ""
        lines.append(f"*What we'll try:*{shared}\n{quote(note.will_try)}")
    return [section("\n".join(lines))]


def _reminder_line(reminder: ReminderStatus, view: TeamView) -> str:
    if not reminder.on:
        return ":bell: Monthly reminder: off."
    if reminder.snoozed_until is not None:
        return (
            f":bell: Monthly reminder: snoozed until {day_text(reminder.snoozed_until, view.tz)}."
        )
    return (
        f":bell: Monthly reminder: on (a DM when your team has had no check-in for "
        f"{view.checkin_days} days)."
    )


def team_buttons(
    size: int, min_group: int, *, reminder_on: bool = True, snooze: bool = False
) -> Block:
    """Send the pulse (for a team large enough), record notes, the reminder's switch."""
    elements = []
    if size >= min_group:
        elements.append(
            button("Send the pre-check-in pulse", ActionId.TEAM_SEND_PULSE, "pulse", "primary")
        )
    elements.append(button("Record notes from our check-in", ActionId.TEAM_RECORD_CHECKIN, "notes"))
    if snooze:
        elements.append(button("Snooze a month", ActionId.TEAM_SNOOZE_REMINDER, "snooze"))
    if reminder_on:
        elements.append(button("Stop reminding me", ActionId.TEAM_STOP_REMINDING, "stop"))
    else:
        elements.append(button("Remind me monthly", ActionId.TEAM_REMIND_MONTHLY, "monthly"))
    return actions(*elements)


def _pulse_blocks(view: TeamView, *, texts: bool) -> list[Block]:
    pulse = view.pulse
    blocks = [section(pulse_headline(pulse, view))]
    if pulse is not None and pulse.results is not None:
        blocks.append(section("\n".join(_results_lines(pulse.results))))
        if texts:
            blocks += _texts_blocks(QUESTIONS[1], pulse.results.how)
            blocks += _texts_blocks(QUESTIONS[2], pulse.results.in_the_way)
        elif pulse.results.how or pulse.results.in_the_way:
            blocks.append(context("What people wrote (without names): `/mentor team`."))
    if pulse is None and view.size < view.min_group:
        blocks = [section(f"*Pre-check-in pulse:* off for a team under {view.min_group}.")]
    return blocks


# --- `/mentor team` ---------------------------------------------------------------------------


def build_team(view: TeamView) -> dict[str, Any]:
    """`/mentor team`: the script, how to run it, the team in counts, the pulse, the last
    check-in's notes (the manager's own) and the buttons."""
    blocks: list[Block] = [header("20 minutes on mentoring"), *_script_blocks(), divider()]
    title = f"*Your team:* {_people_line(view.size)}."
    blocks.append(section("\n".join([title, *snapshot_lines(view.snapshot, view)])))
    blocks += [divider(), *_pulse_blocks(view, texts=True), divider()]
    blocks += _checkin_blocks(view.last_checkin, view, full=True)
    blocks += [
        context(_reminder_line(view.reminder, view)),
        team_buttons(view.size, view.min_group, reminder_on=view.reminder.on),
    ]
    return message("20 minutes on mentoring: your team's check-in", blocks)


# --- the Home's "Your team" --------------------------------------------------------------------


def team_home_blocks(view: TeamView | None) -> list[Block]:
    """ "Your team" on a manager's Home: the snapshot, the pulse in counts, the last
    check-in and the buttons (what people wrote stays in `/mentor team`)."""
    if view is None:
        return []
    intro = (
        f"{_people_line(view.size)}. `/mentor team` has the 20-minute check-in script to read out."
    )
    return [
        divider(),
        header("Your team"),
        section("\n".join([intro, *snapshot_lines(view.snapshot, view)])),
        *_pulse_blocks(view, texts=False),
        *_checkin_blocks(view.last_checkin, view, full=False),
        context(_reminder_line(view.reminder, view)),
        team_buttons(view.size, view.min_group, reminder_on=view.reminder.on),
    ]


# --- the monthly reminder ------------------------------------------------------------------


def build_checkin_reminder(size: int, *, min_group: int, days: int) -> dict[str, Any]:
    """The reminder DM: it has been a while; the script, and the buttons (snooze, stop)."""
    since = (
        f"Your team has had no mentoring check-in recorded for {days} days or more. "
        "Twenty minutes is enough."
    )
    blocks: list[Block] = [
        header("20 minutes on mentoring"),
        section(since),
        *_script_blocks(),
        team_buttons(size, min_group, snooze=True),
        context("Snooze or stop these reminders any time; `/mentor team` has your team's view."),
    ]
    return message("Time for 20 minutes on mentoring with your team?", blocks)


def build_reminder_changed(status: ReminderStatus, *, days: int, tz: str | None) -> dict[str, Any]:
    if not status.on:
        text = (
            ":no_bell: Reminder stopped: no more check-in reminders. Turn it back on any "
            "time from `/mentor team`."
        )
    elif status.snoozed_until is not None:
        text = f":zzz: Snoozed: no reminder before {day_text(status.snoozed_until, tz)}."
    else:
        text = (
            f":bell: Monthly reminder on: I'll DM you when your team has had no check-in "
            f"for {days} days."
        )
    return message(text, [section(text)])


# --- the pulse --------------------------------------------------------------------------------


def who_sees_what(manager: str, min_group: int, closes: str) -> str:
    return (
        f"*Who sees what:* {mention(manager)} sees only totals, and only once at least "
        f"{min_group} people answered. Anything you write is shown word for word but "
        "without your name, mixed in random order with the others'. Nobody is told who "
        "answered what, not even the programme coordinators. You can change your answer "
        f"until {closes} or until the check-in; after that it is kept with no link to you. "
        "Answering is optional."
    )


def build_pulse_sent(sent: SentPulse, *, min_group: int) -> dict[str, Any]:
    closes = day_text(sent.closes_at, sent.tz)
    text = (
        f":incoming_envelope: Sent to the {plural(len(sent.invitees), 'person', 'people')} who "
        f"report to you, with the three questions and who sees what. Totals show in "
        f"`/mentor team` and on your Home once at least {min_group} answered. It closes "
        f"{closes}, or as soon as you record your check-in notes."
    )
    return message(text, [section(text)])


def build_pulse_invitation(
    pulse_id: int, manager: str, closes_at: datetime, *, min_group: int, tz: str | None
) -> dict[str, Any]:
    """The DM each report gets: the three questions, who sees what, one button."""
    questions = "\n".join(f"• {q}" for q in QUESTIONS)
    blocks: list[Block] = [
        section(
            f"{mention(manager)} is taking 20 minutes with your team to hear where everyone "
            f"is on mentoring, and asks three questions first:\n{questions}"
        ),
        section(who_sees_what(manager, min_group, day_text(closes_at, tz))),
        actions(button("Answer anonymously", ActionId.PULSE_ANSWER, str(pulse_id), "primary")),
    ]
    return message(f"{mention(manager)} asks how mentoring is going for you (anonymous)", blocks)


USAGE_OPTIONS = [option(value, label) for value, label in USAGE_LABELS.items()]
OBSTACLE_OPTIONS = [option(value, label) for value, label in OBSTACLE_LABELS.items()]


def build_pulse_modal(invitation: PulseInvitation) -> dict[str, Any]:
    """The three questions, filled with the person's own answer when they gave one."""
    current = invitation.current
    usage: dict[str, Any] = {
        "type": "radio_buttons",
        "action_id": BlockId.PULSE_USAGE,
        "options": USAGE_OPTIONS,
    }
    obstacles: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": BlockId.PULSE_OBSTACLES,
        "options": OBSTACLE_OPTIONS,
    }
    if current is not None:
        usage["initial_option"] = next(o for o in USAGE_OPTIONS if o["value"] == current.usage)
        chosen = [o for o in OBSTACLE_OPTIONS if o["value"] in current.obstacles]
        if chosen:
            obstacles["initial_options"] = chosen
    closes = day_text(invitation.closes_at, invitation.tz)
    blocks: list[Block] = [
        section(who_sees_what(invitation.manager, invitation.min_group, closes)),
        {
            "type": "input",
            "block_id": BlockId.PULSE_USAGE,
            "label": plain(QUESTIONS[0]),
            "element": usage,
        },
        text_input(
            BlockId.PULSE_HOW,
            QUESTIONS[1],
            multiline=True,
            optional=True,
            initial=current.how if current else None,
            hint="Shown word for word, without your name.",
            max_length=HOW_MAX,
        ),
        {
            "type": "input",
            "block_id": BlockId.PULSE_OBSTACLES,
            "label": plain(QUESTIONS[2]),
            "element": obstacles,
            "optional": True,
        },
        text_input(
            BlockId.PULSE_IN_THE_WAY,
            "Anything to add about what's in your way?",
            multiline=True,
            optional=True,
            initial=current.in_the_way if current else None,
            hint="Shown word for word, without your name.",
            max_length=IN_THE_WAY_MAX,
        ),
    ]
    return modal(
        CallbackId.PULSE_ANSWER_MODAL,
        "Mentoring pulse",
        blocks,
        submit="Send anonymously",
        private_metadata=str(invitation.pulse_id),
    )


def parse_pulse_submission(form: Form) -> PulseForm:
    """The pulse modal's answer, or ``Refused`` with its field errors."""
    usage = form.option(BlockId.PULSE_USAGE, USAGE_LABELS)
    how = form.text(BlockId.PULSE_HOW, max_length=HOW_MAX)
    picked = form.options(BlockId.PULSE_OBSTACLES, most=len(OBSTACLE_LABELS))
    if any(p not in OBSTACLE_LABELS for p in picked):
        form.errors.setdefault(BlockId.PULSE_OBSTACLES, "Choose from the options.")
    in_the_way = form.text(BlockId.PULSE_IN_THE_WAY, max_length=IN_THE_WAY_MAX)
    if usage is None:
        form.errors.setdefault(BlockId.PULSE_USAGE, "Choose one: often, sometimes or not yet.")
    form.check()
    assert usage is not None
    return PulseForm(usage, how, tuple(dict.fromkeys(picked)), in_the_way)


def build_answer_saved(saved: AnswerSaved) -> dict[str, Any]:
    """The pulse modal once answered: thanks, and until when it can be changed."""
    closes = day_text(saved.closes_at, saved.tz)
    text = (
        f"{'Your answer is updated' if saved.changed else 'Thank you: your answer is saved'}, "
        f"without your name. You can change it from the message until {closes} or until "
        "the check-in."
    )
    return build_problem_view("Thank you", text)


# --- check-in notes ---------------------------------------------------------------------------


def checkin_window(today: date) -> DateWindow:
    earliest, latest = checkin_dates(today)
    return DateWindow(earliest, latest, "Pick the day of your check-in: today or within 90 days.")


def build_checkin_modal(today: date) -> dict[str, Any]:
    """The manager's notes: what we heard, what we'll try, the date, and whether to share
    the "what we'll try" line with the team."""
    share = option(SHARE, "Share the “what we'll try” line with the team")
    share["description"] = plain(
        "Each person who reports to you gets it by DM; the rest stays yours."
    )
    blocks: list[Block] = [
        context(
            ":lock: Only you see these notes. Coordinators see that a check-in happened, "
            "never what you wrote."
        ),
        text_input(
            BlockId.CHECKIN_HEARD,
            "What we heard",
            multiline=True,
            optional=True,
            max_length=HEARD_MAX,
        ),
        text_input(
            BlockId.CHECKIN_TRY,
            "What we'll try",
            optional=True,
            placeholder="e.g. each of us asks one person outside the team this month",
            max_length=TRY_MAX,
        ),
        {
            "type": "input",
            "block_id": BlockId.CHECKIN_DATE,
            "label": plain("When we met"),
            "element": {
                "type": "datepicker",
                "action_id": BlockId.CHECKIN_DATE,
                "initial_date": today.isoformat(),
            },
        },
        {
            "type": "input",
            "block_id": BlockId.CHECKIN_SHARE,
            "label": plain("Share"),
            "optional": True,
            "element": {
                "type": "checkboxes",
                "action_id": BlockId.CHECKIN_SHARE,
                "options": [share],
            },
        },
    ]
    return modal(CallbackId.TEAM_CHECKIN_MODAL, "Check-in notes", blocks, submit="Save")


def parse_checkin_submission(form: Form, *, today: date) -> CheckinForm:
    """The notes modal, read; ``Refused`` with its field errors."""
    heard = form.text(BlockId.CHECKIN_HEARD, max_length=HEARD_MAX)
    will_try = form.text(BlockId.CHECKIN_TRY, max_length=TRY_MAX)
    held_on = form.day(BlockId.CHECKIN_DATE, checkin_window(today))
    share = form.options(BlockId.CHECKIN_SHARE, most=1)
    if share and share != [SHARE]:
        form.errors.setdefault(BlockId.CHECKIN_SHARE, "Choose from the options.")
    if held_on is None:
        form.errors.setdefault(BlockId.CHECKIN_DATE, "Pick the day of your check-in.")
    if share == [SHARE] and not will_try:
        form.errors.setdefault(BlockId.CHECKIN_TRY, "Write the line to share, or untick sharing.")
    form.check()
    assert held_on is not None
    return CheckinForm(held_on, heard, will_try, share == [SHARE])


def build_checkin_saved(recorded: CheckinRecorded) -> dict[str, Any]:
    held_on = day_text(recorded.held_on, None)
    parts = [f"Saved: your check-in of {held_on}. Your notes are private to you."]
    if recorded.shared_with:
        count = plural(len(recorded.shared_with), "person", "people")
        parts.append(f"The “what we'll try” line is on its way to the {count} on your team.")
    if recorded.pulse_closed:
        parts.append("Your pulse is now closed; its answers are kept without names.")
    return build_problem_view("Check-in saved", " ".join(parts))


def build_shared_try(manager: str, will_try: str, held_on: date) -> dict[str, Any]:
    """ "What we'll try", from the check-in, to each report."""
    text = (
        f"From your team's mentoring check-in with {mention(manager)} "
        f"({day_text(held_on, None)}), what we'll try:"
    )
    return message(f"{text} {escape(will_try)}", [section(f"{text}\n{quote(will_try)}")])
