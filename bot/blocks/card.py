"""The pair's status card in their group DM, and the line that tells someone what to do now.

One card per conversation, updated in place: its primary button is always the next step
(set a time / post the agenda → We met → post follow-ups → the next conversation or wrap
up). Messages posted below it carry no next-step buttons, so nothing stale stays live.
"""

from __future__ import annotations

from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    context,
    escape,
    header,
    mention,
    message,
    plural,
    section,
)
from bot.blocks.conversations import numbered_questions, when
from bot.conversations import CardState, Stage
from bot.ids import ActionId

HEADER = "Mentors on Call"
HOW_IT_WORKS = (
    "How it works: {mentee} sets a time and keeps the agenda current; after you meet, either "
    "of you presses *We met* and {mentee} posts the follow-ups. After {max} this closes by "
    "design, and you can wrap up sooner: one or two conversations are often enough."
)


def _step(state: CardState) -> str:
    return f"{state.conversation_id}:{state.number}"


def _buttons(state: CardState) -> list[dict[str, Any]]:
    """The card's buttons, the next step first (and the only primary one)."""
    cid, n = str(state.conversation_id), state.number
    met = button("We met", ActionId.LOG_SESSION, _step(state))
    wrap = button("Wrap up", ActionId.WRAP_UP, cid)
    if state.stage == Stage.PLAN:
        plan = button("Set a time", ActionId.OPEN_AGENDA, _step(state), style="primary")
        return [plan, met, wrap]
    if state.stage == Stage.NEXT:
        plan = button(f"Plan conversation {n}", ActionId.OPEN_AGENDA, _step(state), style="primary")
        return [plan, wrap, met]
    if state.stage == Stage.MEET:
        met = button("We met", ActionId.LOG_SESSION, _step(state), style="primary")
        return [met, button("Edit the agenda", ActionId.OPEN_AGENDA, _step(state)), wrap]
    if state.stage == Stage.FOLLOW_UP:
        post = button("Post follow-ups", ActionId.OPEN_FOLLOWUP, _step(state), style="primary")
        if not state.active:
            return [post]
        again = button("We met again", ActionId.LOG_SESSION, f"{cid}:{n + 1}")
        return [post, again, wrap]
    return []


def _where(state: CardState) -> str:
    """Where the conversation stands: the agenda and time of the one the next step is about."""
    n, total = state.number, state.max_sessions
    agenda = numbered_questions(state.agenda)
    if state.stage in (Stage.PLAN, Stage.NEXT, Stage.MEET):
        at = (
            f":calendar: {when(state.scheduled_at, state.tz)}"
            if state.scheduled_at
            else ":calendar: _No time set yet._"
        )
        return f"*Agenda for conversation {n} of {total}*\n{agenda}\n{at}"
    if state.stage == Stage.FOLLOW_UP:
        done = f":white_check_mark: *Conversation {n} of {total} is done.* Its agenda:\n{agenda}"
        return done if state.active else f"{_ended(state)}\n{done}"
    return _ended(state)


def _ended(state: CardState) -> str:
    held = plural(state.held, "conversation")
    if state.wrapped_up_by_slack_id:
        after = f"after {held}" if state.held else "before a first conversation"
        return f":checkered_flag: *Wrapped up {after}* by {mention(state.wrapped_up_by_slack_id)}."
    return f":checkered_flag: *Ended after {held}*, as planned."


def _next(state: CardState) -> str:
    """The next step in words, for both of the pair."""
    mentee, n = mention(state.mentee_slack_id), state.number
    if state.stage == Stage.PLAN:
        return (
            f"{mentee}, set a time for your first conversation and check the agenda. "
            "Met already? Either of you can press *We met*."
        )
    if state.stage == Stage.NEXT:
        return (
            f"{mentee}, plan conversation {n}; or, if you've got what you came for, either "
            "of you can *Wrap up*."
        )
    if state.stage == Stage.MEET:
        return "after you meet, either of you presses *We met*."
    asked = "I've asked each of you two private questions by DM. Thank you both!"
    if state.stage == Stage.FOLLOW_UP:
        follow_up = (
            f"{mentee}, post the follow-ups of conversation {n} while they're fresh: the "
            "actions, and which questions got answered."
        )
        return follow_up if state.active else f"{follow_up} {asked}"
    return f"nothing more to do here. {asked}"


def build_conversation_card(state: CardState) -> dict[str, Any]:
    """The pair's card: who, where they are, the next step and its button (none once ended)."""
    mentee, mentor = mention(state.mentee_slack_id), mention(state.mentor_slack_id)
    topic = escape(state.topic) or "—"
    blocks: list[Block] = [
        header(HEADER),
        section(
            f":handshake: {mentor} {'is mentoring' if state.active else 'mentored'} "
            f"{mentee} on *{topic}*."
        ),
        section(_where(state)),
        section(f"*Next:* {_next(state)}"),
    ]
    row = _buttons(state)
    if row:
        block_id = f"card_{state.conversation_id}_{state.stage}_{state.number}"
        blocks.append(actions(*row, block_id=block_id))
    if state.active:
        total = plural(state.max_sessions, "conversation")
        blocks.append(context(HOW_IT_WORKS.format(mentee=mentee, max=total)))
    if state.stage == Stage.PLAN:
        text = f"{mentor} accepted {mentee}'s request about {topic}. Next: {_next(state)}"
    else:
        text = f"Mentoring on {topic}. Next: {_next(state)}"
    return message(text, blocks)


def build_now_line(state: CardState, for_slack_id: str) -> str:
    """What ``for_slack_id`` (one of the pair) should do now, for a click whose step is past."""
    mine = for_slack_id == state.mentee_slack_id
    other = mention(state.mentor_slack_id if mine else state.mentee_slack_id)
    mentee, n = mention(state.mentee_slack_id), state.number
    card = f"your card in the group DM with {other}"
    if state.stage == Stage.PLAN:
        if mine:
            return (
                f"*Now:* set a time for your first conversation: *Set a time* on {card} "
                "(or *We met* if you've met already)."
            )
        return (
            f"*Now:* {mentee} sets a time for your first conversation. Met already? "
            f"Press *We met* on {card}."
        )
    if state.stage == Stage.NEXT:
        if mine:
            return (
                f"*Now:* plan conversation {n} (*Plan conversation {n}* on {card}), or "
                "*Wrap up* there if you've got what you came for."
            )
        return f"*Now:* {mentee} plans conversation {n}; or either of you can *Wrap up* on {card}."
    if state.stage == Stage.MEET:
        at = f" ({when(state.scheduled_at, state.tz)})" if state.scheduled_at else ""
        return f"*Now:* after conversation {n}{at}, press *We met* on {card}."
    if state.stage == Stage.FOLLOW_UP:
        if mine:
            return f"*Now:* post the follow-ups of conversation {n} (*Post follow-ups* on {card})."
        return f"*Now:* {mentee} posts the follow-ups of conversation {n}."
    return (
        f"*Now:* nothing more to do: your mentoring with {other} has ended. If you haven't "
        "yet, answer the two private questions I sent you by DM. Thank you!"
    )
