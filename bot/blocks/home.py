"""The App Home tab: one view per person, a pure function of their state.

Parts owned by other surfaces (conversations, the mentor offer) are composed in
under a block budget, so the view stays within Slack's 100 blocks however many
items anyone has.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    context,
    divider,
    escape,
    header,
    plain,
    section,
)
from bot.blocks.conversations import build_home_sections, build_needs_you
from bot.blocks.nudges import mute_blocks
from bot.blocks.offer import build_offer_home_section
from bot.blocks.progress import (
    progress_blocks,
    suggestion_blocks,
    totals_text,
    waiting_lines,
)
from bot.blocks.requests import modal, text_input
from bot.blocks.team import team_home_blocks
from bot.connections import TRANSITION_LABELS, MetRequest
from bot.conversations import ConversationsHome
from bot.home import HomeState
from bot.ids import ActionId, BlockId, CallbackId

FIND_TOPIC_MAX = 200
LEARNING_MAX = 200

HOME_BLOCK_LIMIT = 100
MODAL_TITLE_LIMIT = 24
OFFER_BLOCK_CAP = 15
HOME_ITEMS = 5  # per list (conversations, actions, requests); the rest are summarised

INTRO = (
    "Find someone *outside your own area* to talk to: bring two or three specific "
    "questions, have one to three short conversations, and post the follow-up actions "
    "afterwards."
)
NOT_IN_DIRECTORY = (
    "You're not in the mentoring directory yet. People are added from the HR export by "
    "the programme coordinators (or at the next directory sync): ask a coordinator to add "
    "you, and this tab fills in with your progress and suggestions."
)
TRANSITION_PROMPT = (
    "*Starting something new?* A first-time supervisor, someone new to a discipline or "
    "about to work overseas gets a lot from a few conversations: mark it for a fresh goal "
    "and tailored suggestions."
)
FOOTER = "`/mentor help` lists everything the bot does. Everything here is opt-in."


def build_home(state: HomeState) -> dict[str, Any]:
    """The Home view for one person, most urgent first.

    **Needs you** (each item with its button) → your conversations → progress (only with a
    goal running) → who to ask next → mentoring others → transitions. Conversations and
    the mentor offer come from their own surfaces' builders, capped to the room left so
    the view stays within Slack's 100 blocks however many items anyone has.
    """
    if not state.person_known or state.progress is None:
        blocks = [header("Mentors on Call"), section(INTRO), section(NOT_IN_DIRECTORY)]
        blocks += team_home_blocks(state.team)
        blocks += _role_links(state)
        blocks.append(context(FOOTER))
        return _view(blocks)

    conversations = state.progress.conversations or ConversationsHome()
    top: list[Block] = [
        header("Mentors on Call"),
        section(INTRO),
        actions(button("Find a mentor", ActionId.HOME_FIND_MENTOR, "find", style="primary")),
    ]
    needs = build_needs_you(state.slack_id, conversations, state.progress.waiting)
    if needs:
        top += [divider(), *needs]
    progress = state.progress.progress
    later: list[Block] = []
    if progress.goals:  # mentors and managers without a goal don't open on "0 connections"
        later += [divider(), header("Your connections"), *progress_blocks(progress)]
    elif progress.total:
        later += [divider(), context(totals_text(progress))]
    lines = waiting_lines(state.slack_id, _logged_by(state.slack_id, state.progress.waiting))
    if lines:
        later.append(context("\n".join(lines)))
    later += [divider(), *suggestion_blocks(state.progress.suggestions, title="Who to ask next")]
    later += learning_blocks(state.learning)
    later += team_home_blocks(state.team)
    offer_blocks = build_offer_home_section(state.offer)
    bottom = [divider(), *_transition_blocks(state), *_role_links(state)]
    bottom += [*mute_blocks(state.nudges_muted, state.nudges_muted_until), context(FOOTER)]

    room = HOME_BLOCK_LIMIT - len(top) - len(later) - len(bottom) - 2  # two dividers
    offer = _capped(list(offer_blocks), min(len(offer_blocks), OFFER_BLOCK_CAP, room))
    ours = _capped(build_home_sections(conversations, max_items=HOME_ITEMS), room - len(offer))
    middle: list[Block] = [divider(), *ours] if ours else []
    offered: list[Block] = [divider(), *offer] if offer else []
    blocks = [*top, *middle, *later, *offered, *bottom]
    return _view(blocks[:HOME_BLOCK_LIMIT])


def _logged_by(slack_id: str, waiting: Sequence[MetRequest]) -> list[MetRequest]:
    """Meetings ``slack_id`` logged, still waiting for the other (theirs to confirm are
    under "Needs you")."""
    return [request for request in waiting if request.logger_slack_id == slack_id]


def _capped(blocks: list[Block], limit: int) -> list[Block]:
    """At most ``limit`` blocks; when some are left out, the last one says so."""
    if len(blocks) <= limit:
        return blocks
    if limit <= 0:
        return []
    kept = blocks[: limit - 1]
    return [*kept, context("…and more: there wasn't room for everything here.")]


def _transition_blocks(state: HomeState) -> list[Block]:
    if state.running_transition is not None:
        label = TRANSITION_LABELS.get(state.running_transition, escape(state.running_transition))
        return [
            section(
                f"You marked *{label}*: suggestions favour mentors who offer it.",
                accessory=button(
                    "End this goal", ActionId.HOME_TRANSITION_END, state.running_transition
                ),
                block_id=BlockId.HOME_TRANSITION,
            )
        ]
    options = [
        {"text": plain(label.capitalize()), "value": kind}
        for kind, label in TRANSITION_LABELS.items()
    ]
    return [
        section(
            TRANSITION_PROMPT,
            accessory={
                "type": "static_select",
                "action_id": ActionId.HOME_TRANSITION,
                "placeholder": plain("Mark a transition"),
                "options": options,
            },
            block_id=BlockId.HOME_TRANSITION,
        )
    ]


def _role_links(state: HomeState) -> list[Block]:
    lines = []
    if state.report_count and state.team is None:  # a team's own section says it otherwise
        people = "person reports" if state.report_count == 1 else "people report"
        lines.append(
            f":busts_in_silhouette: {state.report_count} {people} to you. `/mentor team` "
            "gives you the 20-minute mentoring check-in."
        )
    if state.is_coordinator:
        lines.append(
            ":bar_chart: You coordinate the programme. `/mentor digest` previews this "
            "week's digest, with its danger signs and the CSV export."
        )
    return [context(*lines)] if lines else []


def learning_blocks(learning: str | None) -> list[Block]:
    """ "I'd like to learn about…": what "who to ask next" searches for, with its edit button."""
    if learning:
        text = f"*I'd like to learn about:* {escape(learning)}"
        label = "Change"
    else:
        text = (
            "*What would you like to learn about?* Tell me, and “who to ask next” suggests "
            "people who offer it."
        )
        label = "I'd like to learn about…"
    return [
        section(
            text,
            accessory=button(label, ActionId.HOME_LEARNING, "learning"),
            block_id=BlockId.HOME_LEARNING,
        )
    ]


def build_learning_modal(current: str | None) -> dict[str, Any]:
    """The "I'd like to learn about…" form (blank clears it)."""
    field = text_input(
        BlockId.HOME_LEARNING,
        "I'd like to learn about…",
        action_id=ActionId.HOME_LEARNING_INPUT,
        optional=True,
        initial=current,
        placeholder="e.g. negotiation, public speaking, Kubernetes",
        hint=(
            "“Who to ask next” on your Home suggests people who offer it. Colleagues "
            "searching the same topic may see that you are learning it too."
        ),
        max_length=LEARNING_MAX,
    )
    return modal(CallbackId.HOME_LEARNING_MODAL, "What to learn", [field], submit="Save")


def build_find_modal(initial: str = "") -> dict[str, Any]:
    """The Home's "Find a mentor" modal: what would you like to learn?"""
    field = text_input(
        BlockId.HOME_FIND_TOPIC,
        "What would you like help with?",
        action_id=ActionId.HOME_FIND_TOPIC_INPUT,
        initial=initial,
        placeholder="e.g. public speaking, career plans, first-time manager",
        hint="I'll show you up to five people outside your area who can help.",
        max_length=FIND_TOPIC_MAX,
    )
    return modal(CallbackId.HOME_FIND_MODAL, "Find a mentor", [field], submit="Find")


def build_find_results_view(query: str, answer: dict[str, Any]) -> dict[str, Any]:
    """The find modal showing its answer (who can help, or why nobody fits), with the
    search above it to try other words; each Request button pushes the request modal."""
    view = build_find_modal(initial=query)
    view["blocks"] = [*answer.get("blocks", [])[: HOME_BLOCK_LIMIT - 2], divider(), *view["blocks"]]
    view["submit"] = plain("Search again", MODAL_TITLE_LIMIT)
    view["close"] = plain("Done", MODAL_TITLE_LIMIT)
    return view


def _view(blocks: list[Block]) -> dict[str, Any]:
    return {"type": "home", "blocks": blocks}
