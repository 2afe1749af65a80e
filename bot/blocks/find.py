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
from bot.matching import FindResult, Shortfall, Suggestion

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
TRIAGE = (
    "This sounds like something a mentor isn't the right person for. For a performance "
    "plan, burnout or your wellbeing, or how you are being treated at work, *HR* and the "
    "*employee assistance programme* can help, confidentially."
)
TRIAGE_NO_URL = "Your HR team can tell you how to reach the employee assistance programme."
TRIAGE_AFTER = (
    "Nothing you typed here is recorded. Mentoring is still there for anything else you'd "
    "like to learn: `/mentor find &lt;topic&gt;`."
)
SUPPORT_LABEL = "Get confidential support"
WIDE_GAP_CAUTION = (
    ":warning: Pairings across a large gap in seniority rarely work as well. If you ask, keep "
    "it to two or three specific questions and say why them."
)
REVERSE_NOTE = (
    "They are happy to mentor someone more senior than them: new tools, new ways of "
    "working, a fresh view."
)
# Why the people who offer a topic were not suggested: all for one reason, or some for each.
ALL_STOPPED = {
    Shortfall.LEVEL_GAP: "the people who offer it are more than {gap} levels above you",
    Shortfall.OWN_AREA: "they are all in your own area or reporting line",
    Shortfall.BUSY: "they are all at capacity or paused right now",
    Shortfall.JUNIOR: "they are all more junior than you and haven't offered reverse mentoring",
}
SOME_STOPPED = {
    Shortfall.LEVEL_GAP: "some are more than {gap} levels above you",
    Shortfall.OWN_AREA: "some are in your own area or reporting line",
    Shortfall.BUSY: "some are at capacity or paused right now",
    Shortfall.JUNIOR: "some are more junior than you and haven't offered reverse mentoring",
}
GAP_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}
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
    title: str | None = None
    time_difference: str | None = None


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
            title=s.mentor.title,
            time_difference=s.time_difference,
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


def _card(
    card: MentorCard, topic: str | None, request_action: str = ActionId.REQUEST_CONVERSATION
) -> list[Block]:
    about = [escape(clip(x, 100)) for x in (card.title, card.area) if x and x.strip()]
    if card.time_difference:
        about.append(card.time_difference)
    lines = [" · ".join([mention(card.slack_id), *about])]
    if card.matched_topics:
        lines.append("*Matches:* " + escape(", ".join(card.matched_topics)))
    elif card.offered_topics:
        lines.append("*Offers:* " + escape(", ".join(card.offered_topics[:8])))
    if card.reasons:
        lines.append("_Why:_ " + escape(" · ".join(card.reasons)))
    blocks: list[Block] = [
        section(
            "\n".join(lines),
            accessory=button(
                REQUEST_LABEL,
                request_action,
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


def _results_blocks(
    query: str,
    cards: Sequence[MentorCard],
    request_action: str,
    *,
    title: str,
    notes: Sequence[str],
) -> list[Block]:
    blocks: list[Block] = [section(title)]
    if notes:
        blocks.append(context(*notes))
    for card in list(cards)[:5]:
        blocks.extend(_card(card, query, request_action))
    blocks.append(context(":bulb: " + TIP))
    return blocks


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def build_find_results(
    query: str, cards: Sequence[MentorCard], request_action: str = ActionId.REQUEST_CONVERSATION
) -> dict[str, Any]:
    """Up to five mentors outside your area for ``query``, each with a request button."""
    shown = list(cards)[:5]
    count = _count(len(shown), "mentor", "mentors")
    said = escape(clip(query, 100))
    title = f"*{count} outside your area for “{said}”*"
    blocks = _results_blocks(query, shown, request_action, title=title, notes=())
    return message(f"{count} who can help with “{said}”", blocks)


def build_search_answer(
    result: FindResult,
    *,
    has_offer: bool,
    support_url: str | None = None,
    max_level_gap: int = 2,
    request_action: str = ActionId.REQUEST_CONVERSATION,
) -> dict[str, Any]:
    """A search's answer (`/mentor find`, a topic button, the Home): mentors, or why nobody
    fits and what to try instead, or the triage card for a need a mentor is not for.

    Args:
        has_offer: the searcher already offers mentoring (so no "`/mentor offer`" hint).
        request_action: the request buttons' action (the Home's modal pushes its own).
    """
    if result.triage:
        return build_triage(support_url)
    said = escape(clip(result.query, 100))
    cards = mentor_cards(result.suggestions)
    if result.anyway:
        if not cards:
            text = f"Nobody more senior who offers “{said}” can take a request right now."
            return message(text, [section(text)])
        count = _count(len(cards), "more senior person", "more senior people")
        title = f"*{count} who offer “{said}”*"
        blocks = _results_blocks(
            result.query, cards, request_action, title=title, notes=(WIDE_GAP_CAUTION,)
        )
        return message(f"{count} who offer “{said}”", blocks)
    if result.reverse:
        if not cards:
            text = "Nobody outside your area has offered reverse mentoring yet."
            return message(text, [section(text)])
        count = _count(len(cards), "person", "people")
        title = f"*{count} outside your area open to reverse mentoring*"
        blocks = _results_blocks("", cards, request_action, title=title, notes=(REVERSE_NOTE,))
        return message(f"{count} open to reverse mentoring", blocks)
    if not cards:
        return build_no_match(
            result.query,
            result.closest,
            topic_exists=result.topic_exists,
            can_offer=not has_offer,
            stopped_by=result.stopped_by,
            peers=tuple(p.slack_id for p in result.peers),
            max_level_gap=max_level_gap,
        )
    return build_find_results(result.query, cards, request_action)


def build_triage(support_url: str | None) -> dict[str, Any]:
    """A search about a performance plan, burnout, harassment…: kind words and where to go."""
    blocks: list[Block] = [section(TRIAGE)]
    if support_url:
        blocks.append(
            actions(button(SUPPORT_LABEL, ActionId.SUPPORT_LINK, "support", "primary", support_url))
        )
    else:
        blocks.append(section(TRIAGE_NO_URL))
    blocks.append(context(TRIAGE_AFTER))
    return message("HR and employee assistance can help with this", blocks)


def build_find_prompt(popular: Sequence[str]) -> dict[str, Any]:
    """`/mentor find` without words: how to ask, and the most offered topics as buttons."""
    if not popular:
        return message(PROMPT, [section(PROMPT + "."), context(NO_CATALOGUE)])
    blocks = [
        section(PROMPT + ", or pick one of the topics mentors offer most:"),
        _topic_buttons(popular),
    ]
    return message(PROMPT, blocks)


def _gap_words(gap: int) -> str:
    return GAP_WORDS.get(gap, str(gap))


def _why_none(shown: str, stopped_by: frozenset[Shortfall], max_level_gap: int) -> str:
    gap = _gap_words(max_level_gap)
    order = [s for s in Shortfall if s in stopped_by]
    if not order:
        return (
            f"Mentors offer “{shown}”, but none are available to you right now: they are "
            "in your own area or reporting line, at capacity, or paused."
        )
    if len(order) == 1:
        return f"Mentors offer “{shown}”, but {ALL_STOPPED[order[0]].format(gap=gap)}."
    lines = "\n".join(f"• {SOME_STOPPED[s].format(gap=gap)}" for s in order)
    return f"Mentors offer “{shown}”, but none can take you on right now:\n{lines}"


def build_no_match(
    query: str,
    closest: Sequence[str],
    *,
    topic_exists: bool,
    can_offer: bool = True,
    stopped_by: frozenset[Shortfall] = frozenset(),
    peers: Sequence[str] = (),
    max_level_gap: int = 2,
) -> dict[str, Any]:
    """Nobody fits: the true reason, what helps (see those beyond the gap anyway, people open
    to reverse mentoring, peers learning it too, related topics), and the demand noted."""
    shown = escape(clip(query, 100))
    if topic_exists:
        headline = _why_none(shown, stopped_by, max_level_gap)
    else:
        headline = f"Nobody offers “{shown}” yet."
    blocks: list[Block] = [section(f"{headline}\n{DEMAND_NOTED}")]
    ways: list[dict[str, Any]] = []
    if Shortfall.LEVEL_GAP in stopped_by:
        blocks.append(
            context(
                "You can still see the more senior people who offer it; large gaps in "
                "seniority rarely work as well, so keep it short and specific."
            )
        )
        ways.append(button("Show them anyway", ActionId.FIND_SHOW_ANYWAY, query[:150]))
    if Shortfall.JUNIOR in stopped_by:
        ways.append(
            button("People open to reverse mentoring", topic_action_id(90), "reverse mentoring")
        )
    if ways:
        blocks.append(actions(*ways))
    if peers:
        names = ", ".join(mention(p) for p in peers)
        blocks.append(
            section(
                f"*Near your level in other areas, also learning this:* {names}. "
                "Learning it together is a good start."
            )
        )
    if closest:
        blocks.append(section("*Related topics that do have mentors:*"))
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
