"""The `/mentor find` and `/mentor ask` answers: suggestions with reasons, prompts, no-match."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.blocks.common import (
    Block,
    actions,
    button,
    clip,
    context,
    escape,
    mention,
    message,
    section,
)
from bot.ids import ActionId, request_button_value
from bot.matching import FindResult, Suggestion

REQUEST_LABEL = "Request a conversation"
MAX_TOPIC_BUTTONS = 10

TIP = (
    "Bring two or three specific questions. One to three short conversations, then you "
    "both decide whether to stay on call for each other."
)
PROMPT = (
    "What would you like help with? Try `/mentor find public speaking` or "
    "`/mentor find first-time supervisor`"
)
NO_CATALOGUE = (
    "Nobody has offered topics yet. If you have experience to share, `/mentor offer` "
    "makes you the first mentor."
)
DEMAND_NOTED = (
    "I've noted the demand, so the programme coordinators see it in their weekly "
    "supply-and-demand table."
)


@dataclass(frozen=True)
class MentorCard:
    """One suggested mentor, already explained (what matched and why)."""

    slack_id: str
    area: str | None
    matched_topics: tuple[str, ...]
    offered_topics: tuple[str, ...]
    reasons: tuple[str, ...]
    help_with: str = ""
    out_of_scope: str = ""


def mentor_cards(suggestions: Sequence[Suggestion]) -> list[MentorCard]:
    """Matching's suggestions as the cards every find and ask answer shows."""
    return [
        MentorCard(
            slack_id=s.mentor.slack_id,
            area=s.mentor.area,
            matched_topics=s.matched_topics,
            offered_topics=s.offered_topics,
            reasons=s.reasons,
            help_with=s.help_with,
            out_of_scope=s.out_of_scope,
        )
        for s in suggestions
    ]


def topic_action_id(index: int) -> str:
    """Topic buttons share one handler; the index keeps action_ids unique in a block."""
    return f"{ActionId.FIND_TOPIC}:{index}"


def _topic_buttons(labels: Sequence[str]) -> Block:
    return actions(
        *(
            button(clip(label, 75), topic_action_id(i), value=label[:150])
            for i, label in enumerate(labels[:MAX_TOPIC_BUTTONS])
        )
    )


def _card(card: MentorCard, topic: str | None) -> list[Block]:
    area = f" · {escape(card.area)}" if card.area else ""
    lines = [f"{mention(card.slack_id)}{area}"]
    if card.matched_topics:
        lines.append("*Matches:* " + escape(", ".join(card.matched_topics)))
    elif card.offered_topics:
        lines.append("*Offers:* " + escape(", ".join(card.offered_topics[:8])))
    lines.append("_Why:_ " + escape(" · ".join(card.reasons)))
    blocks: list[Block] = [
        section(
            "\n".join(lines),
            accessory=button(
                REQUEST_LABEL,
                ActionId.REQUEST_CONVERSATION,
                value=request_button_value(card.slack_id, topic),
                style="primary",
            ),
        )
    ]
    notes = []
    if card.help_with:
        notes.append("Can help with: " + escape(clip(card.help_with, 300)))
    if card.out_of_scope:
        notes.append("Not for: " + escape(clip(card.out_of_scope, 300)))
    if notes:
        blocks.append(context(*notes))
    return blocks


def build_find_results(query: str, cards: Sequence[MentorCard]) -> dict[str, Any]:
    """Up to five mentors outside your area for ``query``, each with a request button."""
    shown = list(cards)[:5]
    count = f"{len(shown)} mentor{'s' if len(shown) != 1 else ''}"
    title = f"*{count} outside your area for “{escape(clip(query, 100))}”*"
    blocks: list[Block] = [section(title)]
    for card in shown:
        blocks.extend(_card(card, query))
    blocks.append(context(":bulb: " + TIP))
    return message(f"{count} who can help with “{escape(clip(query, 100))}”", blocks)


def build_search_answer(result: FindResult, *, has_offer: bool) -> dict[str, Any]:
    """A search's answer (`/mentor find`, a topic button, the Home): mentors, or why nobody fits.

    Args:
        has_offer: the searcher already offers mentoring (so no "`/mentor offer`" hint).
    """
    if not result.suggestions:
        return build_no_match(
            result.query, result.closest, topic_exists=result.topic_exists, can_offer=not has_offer
        )
    return build_find_results(result.query, mentor_cards(result.suggestions))


def build_find_prompt(popular: Sequence[str]) -> dict[str, Any]:
    """`/mentor find` without words: how to ask, and the most offered topics as buttons."""
    if not popular:
        return message(PROMPT, [section(PROMPT + "."), context(NO_CATALOGUE)])
    blocks = [
        section(PROMPT + ", or pick one of the topics mentors offer most:"),
        _topic_buttons(popular),
    ]
    return message(PROMPT, blocks)


def build_no_match(
    query: str, closest: Sequence[str], *, topic_exists: bool, can_offer: bool = True
) -> dict[str, Any]:
    """Nobody fits: say so, show the closest topics that do have mentors, note the demand."""
    shown = escape(clip(query, 100))
    if topic_exists:
        headline = (
            f"Mentors offer “{shown}”, but none are available to you right now: they are "
            "in your own area or reporting line, at capacity, or paused."
        )
    else:
        headline = f"Nobody offers “{shown}” yet."
    blocks: list[Block] = [section(f"{headline} {DEMAND_NOTED}")]
    if closest:
        blocks.append(section("*Closest topics that do have mentors:*"))
        blocks.append(_topic_buttons(closest))
    hints = ["Try other words, or `/mentor ask @person` if you know someone who could help."]
    if can_offer:
        hints.append("Know this topic yourself? `/mentor offer` lets you help others.")
    blocks.append(context(*hints))
    return message(f"No mentor available for “{shown}” yet", blocks)


def build_ask_refused(
    mentor_slack_id: str, problems: Sequence[str], alternatives: Sequence[MentorCard]
) -> dict[str, Any]:
    """`/mentor ask` for someone paused or at capacity: why, and people who are available."""
    text = (
        f"You can't ask {mention(mentor_slack_id)} right now: "
        + "; ".join(problems)  # our own sentences: mentions, dates and counts only
        + "."
    )
    blocks: list[Block] = [section(text)]
    if alternatives:
        blocks.append(section("*People outside your area with a free slot:*"))
        for card in list(alternatives)[:3]:
            blocks.extend(_card(card, None))
    else:
        blocks.append(context("Try `/mentor find &lt;topic&gt;` to see who else can help."))
    return message("You can't ask that person right now", blocks)


def build_ask_warnings(mentor_slack_id: str, warnings: Sequence[str]) -> dict[str, Any]:
    """`/mentor ask` allowed with caveats: say why someone outside your area is recommended."""
    lines = "\n".join(f"• {w}" for w in warnings)
    text = (
        f"You can ask {mention(mentor_slack_id)}, but note:\n{lines}\n"
        "Mentors on Call works best with someone *outside your own area and reporting "
        "line*: more fresh perspectives, and a safe place to think out loud. "
        "`/mentor find &lt;topic&gt;` suggests such people."
    )
    return message("Before you ask", [section(text)])


def build_ask_usage(args: str) -> dict[str, Any]:
    """`/mentor ask` without a usable @mention."""
    got = f" (got “{escape(clip(args, 60))}”)" if args.strip() else ""
    text = (
        f"Mention the person you'd like to ask{got}: `/mentor ask @name`. "
        "Start typing @ and pick them from the list so Slack turns it into a mention. "
        "Not sure who? `/mentor find &lt;topic&gt;` suggests mentors outside your area."
    )
    return message(text, [section(text)])
