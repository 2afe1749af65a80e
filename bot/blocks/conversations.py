"""Pure builders for conversations: the pair's group DM, sessions, follow-ups, sunset, Home."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.blocks.common import (
    SECTION_TEXT_LIMIT,
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
    mrkdwn,
    plain,
    plural,
    quote,
    section,
)
from bot.blocks.payload import (
    STALE_FORM,
    DateWindow,
    Form,
    Refused,
    as_form,
    ident,
    idents,
)
from bot.blocks.requests import (
    format_since,
    modal,
    option,
    request_answer_blocks,
    text_input,
)
from bot.clock import valid_zone
from bot.connections import MetRequest
from bot.conversations import (
    MAX_ACTIONS,
    MAX_AGENDA_QUESTIONS,
    ActionDraft,
    ActiveLine,
    AgendaView,
    Choice,
    Closed,
    ConversationsHome,
    FollowupView,
    RequestLine,
    SessionLogged,
    WaitingRequest,
    split_questions,
)
from bot.conversations.overview import WAITING_STATES
from bot.ids import ActionId, BlockId, CallbackId, request_button_value, withdraw_option

OUTCOMES = {"answered": "Answered", "partly": "Partly", "not_yet": "Not yet"}
OWNERS = {"mentee": "Mentee", "mentor": "Mentor"}
STATE_LABELS = {
    "sent": ":envelope_with_arrow: sent",
    "info_requested": ":speech_balloon: asked for more info",
    "passed_on": ":arrow_right: passed on",
    "accepted": ":white_check_mark: accepted",
    "declined": ":no_entry_sign: declined",
    "expired": ":hourglass: expired",
    "closed": ":checkered_flag: closed",
    "withdrawn": ":leftwards_arrow_with_hook: withdrawn",
}
# Requests still open from the mentee's side (accepted ones show as conversations; one
# waiting for the mentee's answer shows under "Needs you").
PENDING_REQUEST_STATES = ("sent", "passed_on", "declined", "expired", "withdrawn")
NEXT_STEPS = {
    "post_agenda": "post the agenda for the next session",
    "log_session": "meet, then log the session",
    "post_followups": "post the follow-ups of the last session",
}
# Each text field's max_length: the modal enforces it in Slack, the parser on the server.
AGENDA_QUESTIONS_MAX = 3000
ACTION_TEXT_MAX = 500
CLOSE_NOTE_MAX = 500
COMMENT_MAX = 1000
KEEP_OPEN = {"yes": "Yes, keep the door open", "no": "No, thanks"}
SCORES = tuple(str(n) for n in range(1, 6))


def session_dates(today: date) -> DateWindow:
    """A conversation is planned for today up to a year ahead (a day back for time zones)."""
    return DateWindow(
        today - timedelta(days=1),
        today + timedelta(days=366),
        "Pick the conversation's date: from today to a year from now.",
    )


def due_dates(today: date) -> DateWindow:
    """An action is due from today up to two years ahead (a day back for time zones)."""
    return DateWindow(
        today - timedelta(days=1),
        today + timedelta(days=731),
        "Pick a due date from today to two years from now, or leave it empty.",
    )


def when(moment: datetime, tz: str | None = None) -> str:
    """A moment Slack renders in each reader's own time zone; where it cannot, in ``tz``
    (the zone it was picked in) or UTC."""
    zone = valid_zone(tz) or "UTC"
    fallback = f"{_local(moment, zone):%Y-%m-%d %H:%M} {zone}"
    return f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}|{fallback}>"


def numbered_questions(questions: Sequence[str]) -> str:
    """Questions as a numbered list (escaped), or a note that there are none yet."""
    if not questions:
        return "_no questions yet_"
    return "\n".join(f"{i}. {escape(q)}" for i, q in enumerate(questions, 1))


CARD_BELOW = "The next step's button is on your *Mentors on Call* card, above."


def build_agenda_posted(agenda: AgendaView) -> dict[str, Any]:
    """The agenda (and time) the mentee just set, said in the group DM (no buttons: the
    pair's card has the next step)."""
    mentee = mention(agenda.mentee_slack_id)
    text = f"{mentee} posted the agenda for conversation {agenda.session_number}."
    lines = [f"*Agenda for conversation {agenda.session_number} of {agenda.max_sessions}*"]
    lines.append(numbered_questions(agenda.questions))
    blocks: list[Block] = [section(":memo: " + text), section("\n".join(lines))]
    if agenda.scheduled_at:
        blocks.append(context(f":calendar: {when(agenda.scheduled_at, agenda.tz)}"))
    return message(text, blocks)


def build_session_logged(logged: SessionLogged, by_slack_id: str) -> dict[str, Any]:
    """A conversation logged as held, said in the group DM: what comes next, in words."""
    n, total = logged.session_number, logged.max_sessions
    text = f"{mention(by_slack_id)} logged conversation {n} of {total}."
    blocks: list[Block] = [section(":white_check_mark: " + text)]
    if not logged.already_followed_up:
        blocks.append(
            section(
                f"{mention(logged.mentee_slack_id)}, please post the follow-up actions while "
                "they're fresh, and mark which questions got answered."
            )
        )
        blocks.append(context(CARD_BELOW))
    return message(text, blocks)


def build_followups(view: FollowupView, *, active: bool) -> dict[str, Any]:
    """The follow-up actions of a session, each ticked once done. Shared by both of the pair,
    so it has no Done buttons: each ticks off their own on their Home tab, where only the
    owner of an action sees its button."""
    poster = mention(view.posted_by_slack_id or view.mentee_slack_id)
    text = f"{poster} posted the follow-ups of conversation {view.session_number}."
    blocks: list[Block] = [section(":clipboard: " + text)]
    if view.questions:
        lines = [
            f"{OUTCOMES.get(q.outcome or '', '—')}: {escape(q.question)}" for q in view.questions
        ]
        blocks.append(section("*Did it help?*\n" + "\n".join(lines)))
    lines = ["*Actions*"]
    for item in view.actions:
        owner = mention(view.mentee_slack_id if item.owner == "mentee" else view.mentor_slack_id)
        due = f" · due {item.due_date:%Y-%m-%d}" if item.due_date else ""
        if item.done:
            lines.append(f":white_check_mark: ~{escape(item.text)}~ — {owner}{due}")
        else:
            lines.append(f":white_square: {escape(item.text)} — {owner}{due}")
    blocks += _line_sections(lines)
    notes = ["Each of you ticks off your own actions on the Mentors on Call *Home* tab."]
    if active:
        notes.append("Questions not answered yet carry over to the next agenda.")
    blocks.append(context(*notes))
    return message(text, blocks)


def _line_sections(lines: Sequence[str]) -> list[Block]:
    """Lines in as few sections as keep each whole within a section's 3000 characters."""
    blocks: list[Block] = []
    text = ""
    for line in lines:
        if text and len(text) + 1 + len(line) > SECTION_TEXT_LIMIT:
            blocks.append(section(text))
            text = ""
        text = f"{text}\n{line}" if text else line
    if text:
        blocks.append(section(text))
    return blocks


# --- modals ---------------------------------------------------------------------------------


PURPOSES = {"agenda": "Post an agenda", "followup": "Post follow-ups"}
OPTION_TEXT_LIMIT = 75


def _choice_label(choice: Choice) -> str:
    """``@person · topic`` within an option's 75 characters (escaping can lengthen a topic)."""
    prefix = f"{mention(choice.label_slack_id)} · "
    room = OPTION_TEXT_LIMIT - len(prefix)
    keep = room
    while keep > 1 and len(escape(clip(choice.topic, keep))) > room:
        keep -= 1
    return prefix + (escape(clip(choice.topic, keep)) or "—")


def build_choose_modal(purpose: str, choices: Sequence[Choice]) -> dict[str, Any]:
    """With several conversations: which one? (radio options can show people as mentions)"""
    options = [
        {"text": mrkdwn(_choice_label(c)), "value": str(c.conversation_id)} for c in choices[:10]
    ]
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": BlockId.CHOOSE_CONVERSATION,
            "label": plain("Which conversation?"),
            "element": {
                "type": "radio_buttons",
                "action_id": BlockId.CHOOSE_CONVERSATION,
                "options": options,
            },
        },
    ]
    return modal(
        CallbackId.CHOOSE_CONVERSATION_MODAL,
        PURPOSES.get(purpose, "Choose"),
        blocks,
        submit="Next",
        private_metadata=purpose,
    )


def _local(moment: datetime, tz: str | None) -> datetime:
    try:
        return moment.astimezone(ZoneInfo(tz or "UTC"))
    except (ZoneInfoNotFoundError, ValueError):
        return moment


def build_agenda_modal(agenda: AgendaView) -> dict[str, Any]:
    """The next session's agenda (1–3 questions) and, optionally, its date and time."""
    date_element: dict[str, Any] = {"type": "datepicker", "action_id": BlockId.SESSION_DATE}
    time_element: dict[str, Any] = {"type": "timepicker", "action_id": BlockId.SESSION_TIME}
    if agenda.scheduled_at:
        local = _local(agenda.scheduled_at, agenda.tz)
        date_element["initial_date"] = f"{local:%Y-%m-%d}"
        time_element["initial_time"] = f"{local:%H:%M}"
    zone = valid_zone(agenda.tz)
    if zone:  # Slack shows the zone under the picker and sends it back with the time
        time_element["timezone"] = zone
    blocks: list[Block] = [
        section(
            f"Conversation {agenda.session_number} of {agenda.max_sessions} with "
            f"{mention(agenda.mentor_slack_id)}. Questions not answered last time are "
            "already here; the agenda is shared in your group DM."
        ),
        text_input(
            BlockId.AGENDA_QUESTIONS,
            "One to three questions, one per line",
            multiline=True,
            initial="\n".join(agenda.questions),
            max_length=AGENDA_QUESTIONS_MAX,
        ),
        {
            "type": "input",
            "block_id": BlockId.SESSION_DATE,
            "label": plain("Date of the conversation"),
            "element": date_element,
            "optional": True,
        },
        {
            "type": "input",
            "block_id": BlockId.SESSION_TIME,
            "label": plain("Time"),
            "element": time_element,
            "optional": True,
        },
    ]
    return modal(
        CallbackId.AGENDA_MODAL,
        "Agenda",
        blocks,
        submit="Post agenda",
        private_metadata=str(agenda.conversation_id),
    )


DEFAULT_ACTION_ROWS = 1  # more on demand: "Add another action"


def followup_metadata(conversation_id: int, session_number: int, rows: int) -> str:
    return f"{conversation_id}:{session_number}:{rows}"


def parse_followup_metadata(raw: str) -> tuple[int, int, int]:
    """(conversation id, session number, action rows); anything else, or rows beyond
    ``MAX_ACTIONS``, is refused (a forged million rows is answered at once)."""
    cid, number, rows = idents(raw, 3, STALE_FORM)
    if rows > MAX_ACTIONS:
        raise Refused(STALE_FORM)
    return cid, number, rows


def build_followup_modal(view: FollowupView, rows: int = DEFAULT_ACTION_ROWS) -> dict[str, Any]:
    """Did it help (per question) and the follow-up actions: text, owner, optional due date."""
    rows = max(1, min(rows, MAX_ACTIONS))
    owner_options = [option(k, v) for k, v in OWNERS.items()]
    blocks: list[Block] = [
        section(
            f"Conversation {view.session_number} with "
            f"{mention(view.mentor_slack_id)}: how did it go? Questions marked *not yet* "
            "or *partly* carry over to the next agenda."
        )
    ]
    for q in view.questions[:3]:
        blocks.append(
            {
                "type": "input",
                "block_id": f"{BlockId.OUTCOME_PREFIX}{q.position}",
                "label": plain(q.question, 2000),
                "element": {
                    "type": "radio_buttons",
                    "action_id": f"{BlockId.OUTCOME_PREFIX}{q.position}",
                    "options": [option(k, v) for k, v in OUTCOMES.items()],
                },
            }
        )
    blocks.append(divider())
    blocks.append(section("*Follow-up actions* (one to ten)"))
    for row in range(1, rows + 1):
        blocks.append(
            text_input(
                f"{BlockId.ACTION_TEXT_PREFIX}{row}",
                f"Action {row}",
                optional=row > 1,
                max_length=ACTION_TEXT_MAX,
            )
        )
        blocks.append(
            {
                "type": "input",
                "block_id": f"{BlockId.ACTION_OWNER_PREFIX}{row}",
                "label": plain(f"Who does action {row}?"),
                "optional": True,
                "element": {
                    "type": "static_select",
                    "action_id": f"{BlockId.ACTION_OWNER_PREFIX}{row}",
                    "options": owner_options,
                    "initial_option": owner_options[0],
                },
            }
        )
        blocks.append(
            {
                "type": "input",
                "block_id": f"{BlockId.ACTION_DUE_PREFIX}{row}",
                "label": plain(f"Due date of action {row}"),
                "optional": True,
                "element": {"type": "datepicker", "action_id": f"{BlockId.ACTION_DUE_PREFIX}{row}"},
            }
        )
    if rows < MAX_ACTIONS:
        blocks.append(actions(button("Add another action", ActionId.ADD_ACTION_ROW, str(rows))))
    return modal(
        CallbackId.FOLLOWUP_MODAL,
        "Follow-ups",
        blocks,
        submit="Post follow-ups",
        private_metadata=followup_metadata(view.conversation_id, view.session_number, rows),
    )


def build_wrap_up_modal(conversation_id: int, other_slack_id: str) -> dict[str, Any]:
    """Wrap up: end the mentoring now, with an optional note for the other person."""
    blocks = [
        section(
            f"Wrapping up ends your mentoring with {mention(other_slack_id)} now. That's "
            "normal: one or two conversations are often enough, and not every pairing fits. "
            "Each of you gets one message from me, with two private questions."
        ),
        text_input(
            BlockId.CLOSE_NOTE,
            "A note for them",
            multiline=True,
            optional=True,
            max_length=CLOSE_NOTE_MAX,
        ),
    ]
    return modal(
        CallbackId.WRAP_UP_MODAL,
        "Wrap up",
        blocks,
        submit="Wrap up",
        private_metadata=str(conversation_id),
    )


def build_sunset_modal(conversation_id: int, other_slack_id: str) -> dict[str, Any]:
    """Private end-of-relationship questions: keep the door open? how useful, 1–5?"""
    yes_no = [option(k, v) for k, v in KEEP_OPEN.items()]
    scores = [option(n, n) for n in SCORES]
    blocks: list[Block] = [
        section(
            f"Only you see your answers. If you and {mention(other_slack_id)} both keep the "
            "door open, you're *on call* for each other: a new request later won't count "
            "against the mentor's capacity until accepted."
        ),
        {
            "type": "input",
            "block_id": BlockId.KEEP_OPEN,
            "label": plain("Keep the door open?"),
            "element": {"type": "radio_buttons", "action_id": BlockId.KEEP_OPEN, "options": yes_no},
        },
        {
            "type": "input",
            "block_id": BlockId.USEFULNESS,
            "label": plain("How useful was it? (1 = not at all, 5 = very)"),
            "element": {
                "type": "radio_buttons",
                "action_id": BlockId.USEFULNESS,
                "options": scores,
            },
        },
        text_input(
            BlockId.COMMENT,
            "Comment",
            multiline=True,
            optional=True,
            max_length=COMMENT_MAX,
        ),
    ]
    return modal(
        CallbackId.SUNSET_MODAL,
        "How did it go?",
        blocks,
        submit="Send",
        private_metadata=str(conversation_id),
    )


# --- private notes to one person -----------------------------------------------------------


def build_ending(closed: Closed, *, for_slack_id: str) -> dict[str, Any]:
    """The one message each of the pair gets when their mentoring ends: how it ended (and
    the other's note), thanks, and the two private questions with their button."""
    mine = for_slack_id == closed.mentee_slack_id
    other = mention(closed.mentor_slack_id if mine else closed.mentee_slack_id)
    topic = escape(closed.topic) or "—"
    after = f"after {plural(closed.held, 'conversation')}" if closed.held else "before a first one"
    if closed.by_design:
        text = (
            f"That was your last conversation with {other} about {topic}: after "
            f"{plural(closed.held, 'conversation')} this mentoring closes, by design. Thank you!"
        )
        blocks: list[Block] = [section(":checkered_flag: " + text)]
    else:
        closer = closed.closed_by_slack_id or closed.mentee_slack_id
        who = "You" if closer == for_slack_id else mention(closer)
        with_whom = f" with {other}" if closer == for_slack_id else ""
        text = (
            f"{who} wrapped up your mentoring{with_whom} about {topic} {after}. Thank you for "
            "the time you gave it: every conversation counts."
        )
        blocks = [section(":wave: " + text)]
        if closed.note and closer != for_slack_id:
            blocks.append(section(f"Their note:\n{quote(closed.note)}"))
    blocks.append(
        section(
            "Two private questions, only for you: keep the door open, and how useful was it?",
            accessory=button(
                "Answer privately",
                ActionId.OPEN_SUNSET,
                str(closed.conversation_id),
                style="primary",
            ),
        )
    )
    if mine:
        blocks.append(context("Looking for someone else? Try `/mentor find &lt;topic&gt;`."))
    return message(text, blocks)


def build_on_call(other_slack_id: str) -> dict[str, Any]:
    text = (
        f"You and {mention(other_slack_id)} both kept the door open: you're on call for "
        "each other. Ask again any time with `/mentor ask`."
    )
    return message(text, [section(":door: " + text)])


# --- the App Home and /mentor progress ------------------------------------------------------


def _request_line(line: RequestLine) -> str:
    state = STATE_LABELS.get(line.state, escape(line.state))
    extra = ""
    if line.state == "passed_on" and line.passed_from_slack_id:
        extra = f" (by {mention(line.passed_from_slack_id)})"
    return (
        f"{mention(line.mentor_slack_id)} · {escape(line.topic) or '—'} · *{state}*{extra} "
        f"since {format_since(line.since)}"
    )


def _active_line(line: ActiveLine) -> str:
    step = NEXT_STEPS.get(line.next_step, escape(line.next_step))
    if line.role == "mentor" and line.next_step != "log_session":
        step = f"waiting for {mention(line.other_slack_id)} to {step}"
    elif line.role == "mentee":
        step = f"you: {step}"
    at = f" · next {when(line.next_session_at)}" if line.next_session_at else ""
    role = "mentoring" if line.role == "mentor" else "with"
    return (
        f"{role} {mention(line.other_slack_id)} · {escape(line.topic)} · "
        f"{line.sessions_held}/{line.max_sessions} held · {step}{at}"
    )


def _withdraw_menu(conversation_id: int) -> dict[str, Any]:
    """One small overflow on a waiting request's line: withdraw, or withdraw and ask next."""
    return {
        "type": "overflow",
        "action_id": ActionId.WITHDRAW_MENU,
        "options": [
            option(withdraw_option(conversation_id, ask_next=False), "Withdraw"),
            option(
                withdraw_option(conversation_id, ask_next=True), "Withdraw and ask someone else"
            ),
        ],
    }


def _request_sections(title: str, lines: Sequence[RequestLine]) -> list[Block]:
    """My requests: those still waiting one per section, each with its withdraw menu,
    then the others as bullet lines."""
    waiting = [r for r in lines if r.state in WAITING_STATES]
    settled = [_request_line(r) for r in lines if r.state not in WAITING_STATES]
    blocks: list[Block] = [section(title)] if waiting else []
    blocks += [
        section(f"• {_request_line(r)}", accessory=_withdraw_menu(r.conversation_id))
        for r in waiting
    ]
    if settled:
        blocks += _list_sections("" if waiting else title, settled)
    return blocks


def build_waiting_request(waiting: WaitingRequest) -> list[Block]:
    """A request waiting for me as mentor, as its DM card shows it: who asks, the topic, the
    questions, and Accept / More info / Pass / Decline (the App Home lists these)."""
    cid = waiting.conversation_id
    since = context(f"Waiting since {format_since(waiting.since)}")
    if waiting.request is None:
        return [
            section(f"{mention(waiting.mentee_slack_id)} · {escape(waiting.topic)}"),
            actions(
                button("Accept", ActionId.ACCEPT_REQUEST, str(cid), style="primary"),
                button("Decline", ActionId.DECLINE_REQUEST, str(cid)),
                block_id=f"home_waiting_{cid}",
            ),
            since,
        ]
    return [*request_answer_blocks(waiting.request, block_id=f"home_waiting_{cid}"), since]


def _list_sections(title: str, lines: Sequence[str]) -> list[Block]:
    """``title`` and its bullet lines, in as many sections as it takes to keep lines whole."""
    blocks: list[Block] = []
    text = title
    for line in lines:
        bullet = f"\n• {line}"
        if len(text) + len(bullet) > SECTION_TEXT_LIMIT and text != title:
            blocks.append(section(text))
            text = ""
        text = (text + bullet) if text else bullet.lstrip("\n")
    blocks.append(section(text))
    return blocks


def _more(count: int, max_items: int) -> list[Block]:
    return [context(f"and {count - max_items} more")] if count > max_items else []


def build_request_status_lines(state: ConversationsHome, *, max_items: int = 10) -> list[Block]:
    """Where each of my requests stands and since when, for `/mentor progress`."""
    if not state.requests:
        return [context("No mentoring requests yet: `/mentor find &lt;topic&gt;` to start.")]
    shown = state.requests[:max_items]
    return [*_request_sections("*Your requests*", shown), *_more(len(state.requests), max_items)]


MAX_NEEDS = 6  # items under "Needs you"; the rest are summarised
PAST_SHOWN = 3
NEXT_STEP_BUTTONS = {  # the mentee's next step in an active conversation
    "post_agenda": ("Post the agenda", ActionId.OPEN_AGENDA),
    "post_followups": ("Post follow-ups", ActionId.OPEN_FOLLOWUP),
    "log_session": ("We met", ActionId.LOG_SESSION),
}


def build_needs_you(
    slack_id: str, state: ConversationsHome, met_waiting: Sequence[MetRequest] = ()
) -> list[Block]:
    """What waits for this person, oldest need first within each kind, each with the
    button that does it: answer a request, answer a mentor's question, post an agenda or
    follow-ups, answer the end-of-conversation questions, confirm a meeting."""
    items: list[list[Block]] = []
    for waiting in state.waiting:
        if waiting.status == "info_requested":
            continue  # waiting for the mentee's answer, not for you
        items.append(build_waiting_request(waiting))
    for request in state.requests:
        if request.state == "info_requested":
            items.append(
                [
                    section(
                        f":speech_balloon: {mention(request.mentor_slack_id)} would like to "
                        f"know more about your request *{escape(request.topic)}*.",
                        accessory=button(
                            "Answer", ActionId.ANSWER_INFO, str(request.conversation_id)
                        ),
                    )
                ]
            )
    for line in state.active:
        if line.role == "mentee" and line.next_step in ("post_agenda", "post_followups"):
            label, action = NEXT_STEP_BUTTONS[line.next_step]
            what = NEXT_STEPS[line.next_step]
            items.append(
                [
                    section(
                        f":memo: With {mention(line.other_slack_id)} "
                        f"({escape(line.topic)}): {what}.",
                        accessory=button(label, action, str(line.conversation_id), style="primary"),
                    )
                ]
            )
    for done in state.finished:
        if not done.rated:
            items.append(
                [
                    section(
                        f":sunrise: Your conversation with {mention(done.other_slack_id)} "
                        f"({escape(done.topic)}) has ended: how useful was it, and keep the "
                        "door open? Your answers stay private.",
                        accessory=button(
                            "Answer privately", ActionId.OPEN_SUNSET, str(done.conversation_id)
                        ),
                    )
                ]
            )
    for met in met_waiting:
        if met.other_slack_id == slack_id:
            items.append(
                [
                    section(f":handshake: {mention(met.logger_slack_id)} says you met."),
                    actions(
                        button("Confirm", ActionId.MET_CONFIRM, str(met.met_id), style="primary"),
                        button("Not me", ActionId.MET_DECLINE, str(met.met_id)),
                        block_id=f"home_met_{met.met_id}",
                    ),
                ]
            )
    if not items:
        return []
    blocks: list[Block] = [header("Needs you")]
    for item in items[:MAX_NEEDS]:
        blocks += item
    return [*blocks, *_more(len(items), MAX_NEEDS)]


def build_home_sections(state: ConversationsHome, *, max_items: int = 5) -> list[Block]:
    """The conversation part of the App Home: each active conversation with its next step,
    open actions (Done for your own), pairs on call, past conversations, your requests.
    What needs you is above, under "Needs you" (``build_needs_you``)."""
    blocks: list[Block] = [header("Your conversations")]
    for line in state.active[:max_items]:
        label, action = NEXT_STEP_BUTTONS["log_session"]
        if line.role == "mentee" and line.next_step != "log_session":
            label, action = NEXT_STEP_BUTTONS[line.next_step]
        blocks.append(
            section(
                _active_line(line),
                accessory=button(label, action, str(line.conversation_id)),
            )
        )
    blocks += _more(len(state.active), max_items)
    if state.actions:
        blocks.append(section("*Open follow-up actions*"))
        for item in state.actions[:max_items]:
            whose = "you" if item.mine else mention(item.other_slack_id)
            due = f" · due {item.due_date:%Y-%m-%d}" if item.due_date else ""
            text = f":white_square: {escape(item.text)} · {whose}{due}"
            done = button("Done", ActionId.ACTION_DONE, str(item.action_id))
            blocks.append(section(text, accessory=done) if item.mine else section(text))
        blocks += _more(len(state.actions), max_items)
    on_call = [f for f in state.finished if f.on_call and f.role == "mentee"]
    for pair in on_call[:max_items]:
        blocks.append(
            section(
                f":telephone_receiver: {mention(pair.other_slack_id)} is on call for you "
                f"({escape(pair.topic)}).",
                accessory=button(
                    "Ask again",
                    ActionId.REQUEST_CONVERSATION,
                    request_button_value(pair.other_slack_id, pair.topic or None),
                ),
            )
        )
    past = [f for f in state.finished if not (f.on_call and f.role == "mentee")]
    if past:
        shown = ", ".join(
            f"{mention(f.other_slack_id)} ({escape(f.topic)})" for f in past[:PAST_SHOWN]
        )
        more = f" and {len(past) - PAST_SHOWN} more" if len(past) > PAST_SHOWN else ""
        blocks.append(context(f"Past conversations: {shown}{more}."))
    pending = [r for r in state.requests if r.state in PENDING_REQUEST_STATES]
    if pending:
        blocks += _request_sections("*Your requests*", pending[:max_items])
        blocks += _more(len(pending), max_items)
    if len(blocks) == 1:
        blocks.append(
            context("Nothing here yet: `/mentor find &lt;topic&gt;` finds someone to talk to.")
        )
    return blocks


# --- parsing submissions ------------------------------------------------------------------


@dataclass(frozen=True)
class AgendaSubmission:
    questions: tuple[str, ...]
    on: date | None
    at: time | None
    zone: str | None = None  # the zone the time picker showed ``at`` in


def parse_agenda_submission(values: Form | object, *, today: date) -> AgendaSubmission:
    """The agenda modal's answers; unreadable fields and dates outside the window are refused."""
    form = as_form(values)
    agenda = AgendaSubmission(
        questions=tuple(
            split_questions(form.text(BlockId.AGENDA_QUESTIONS, max_length=AGENDA_QUESTIONS_MAX))
        ),
        on=form.day(BlockId.SESSION_DATE, session_dates(today)),
        at=form.time(BlockId.SESSION_TIME),
        zone=valid_zone(form.zone(BlockId.SESSION_TIME)),
    )
    form.check()
    return agenda


@dataclass(frozen=True)
class FollowupSubmission:
    outcomes: dict[int, str]
    actions: tuple[ActionDraft, ...]


def parse_followup_submission(
    values: Form | object, rows: int, *, today: date | None = None
) -> FollowupSubmission:
    """How each question went and the action rows that have text (``rows`` ≤ MAX_ACTIONS)."""
    form = as_form(values)
    outcomes: dict[int, str] = {}
    for position in range(1, MAX_AGENDA_QUESTIONS + 1):
        chosen = form.option(f"{BlockId.OUTCOME_PREFIX}{position}", OUTCOMES)
        if chosen:
            outcomes[position] = chosen
    drafts = []
    for row in range(1, max(1, min(rows, MAX_ACTIONS)) + 1):
        text = form.text(f"{BlockId.ACTION_TEXT_PREFIX}{row}", max_length=ACTION_TEXT_MAX)
        owner = form.option(f"{BlockId.ACTION_OWNER_PREFIX}{row}", OWNERS)
        due = form.day(
            f"{BlockId.ACTION_DUE_PREFIX}{row}", due_dates(today) if today is not None else None
        )
        if text:
            drafts.append(ActionDraft(text=text, owner=owner or "mentee", due_date=due))
    form.check()
    return FollowupSubmission(outcomes, tuple(drafts))


@dataclass(frozen=True)
class SunsetSubmission:
    keep_open: bool
    usefulness: int
    comment: str


def parse_sunset_submission(values: Form | object) -> SunsetSubmission:
    form = as_form(values)
    score = form.option(BlockId.USEFULNESS, SCORES)
    answer = SunsetSubmission(
        keep_open=form.option(BlockId.KEEP_OPEN, KEEP_OPEN) == "yes",
        usefulness=int(score) if score else 0,
        comment=form.text(BlockId.COMMENT, max_length=COMMENT_MAX),
    )
    form.check()
    return answer


def parse_chosen_conversation(values: Form | object) -> int:
    """The conversation picked in the choose modal; anything else is a field error."""
    form = as_form(values)
    chosen = ident(form.option(BlockId.CHOOSE_CONVERSATION))
    form.check()
    if chosen is None:
        raise Refused(errors={BlockId.CHOOSE_CONVERSATION: "Choose one of the conversations."})
    return chosen


FOLLOWUP_FIELDS = {
    "actions": f"{BlockId.ACTION_TEXT_PREFIX}1",
    "questions": BlockId.AGENDA_QUESTIONS,
    "date": BlockId.SESSION_DATE,
    "usefulness": BlockId.USEFULNESS,
}
