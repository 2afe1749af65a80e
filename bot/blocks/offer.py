"""The mentor offer: its modal (built and parsed here), confirmations, and the Home section."""

from __future__ import annotations

from typing import Any

from bot.blocks.common import Block, actions, button, clip, context, escape, plain, plural, section
from bot.blocks.payload import STALE_FORM, Form, as_form, ident
from bot.ids import ActionId, BlockId, CallbackId
from bot.offers import (
    CAPACITY,
    DEFAULT_CAPACITY,
    HELP_WITH,
    MAX_CAPACITY,
    MAX_TEXT,
    MAX_TOPICS,
    MIN_CAPACITY,
    NEW_TOPICS,
    OUT_OF_SCOPE,
    PAUSED_UNTIL,
    REVERSE,
    TOPICS,
    OfferForm,
    OfferFormData,
    OfferSummary,
)
from bot.topics import split_free_topics

MAX_OPTIONS = 100
REVERSE_OPTION = "yes"
NEW_TOPICS_MAX = 3000

FIELD_BLOCKS = {
    TOPICS: BlockId.OFFER_TOPICS,
    NEW_TOPICS: BlockId.OFFER_NEW_TOPICS,
    HELP_WITH: BlockId.OFFER_HELP_WITH,
    OUT_OF_SCOPE: BlockId.OFFER_OUT_OF_SCOPE,
    CAPACITY: BlockId.OFFER_CAPACITY,
    REVERSE: BlockId.OFFER_REVERSE,
    PAUSED_UNTIL: BlockId.OFFER_PAUSED_UNTIL,
}

INTRO = (
    "Offer one to three short conversations to colleagues *outside your own area*. "
    "Mentees come with two or three specific questions and own the follow-ups; you can "
    "pause any time."
)
PAUSED_NOTE = (
    ":double_vertical_bar: You're paused until you resume (`/mentor resume`); saving keeps "
    "you paused unless you pick a date below."
)
NOT_MENTORING = (
    "Mentoring is not coaching, therapy, or performance advising: say so in "
    "“out of scope” if you like."
)


def _input(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    hint: str | None = None,
    optional: bool = True,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": {**element, "action_id": block_id},
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    return block


def _option(value: str, text: str) -> dict[str, Any]:
    return {"text": plain(clip(text, 75)), "value": value}


def build_offer_modal(data: OfferFormData) -> dict[str, Any]:
    """The offer modal, pre-filled from the current offer when there is one."""
    current = data.current
    options = [_option(str(o.id), o.label) for o in data.options[:MAX_OPTIONS]]
    mine = (set(current.topic_ids) if current else set()) | set(data.typed_ids)
    topics_element: dict[str, Any] = {
        "type": "multi_static_select",
        "placeholder": plain("Choose topics"),
        "options": options,
        "max_selected_items": MAX_TOPICS,
    }
    initial = [_option(str(o.id), o.label) for o in data.options[:MAX_OPTIONS] if o.id in mine]
    if initial:
        topics_element["initial_options"] = initial

    def text_input(value: str, placeholder: str) -> dict[str, Any]:
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "multiline": True,
            "max_length": MAX_TEXT,
            "placeholder": plain(placeholder, 150),
        }
        if value:
            element["initial_value"] = value[:MAX_TEXT]
        return element

    capacity: dict[str, Any] = {
        "type": "number_input",
        "is_decimal_allowed": False,
        "min_value": str(MIN_CAPACITY),
        "max_value": str(MAX_CAPACITY),
        "initial_value": str(current.capacity if current else DEFAULT_CAPACITY),
    }
    reverse_option = _option(REVERSE_OPTION, "Open to reverse mentoring")
    reverse_option["description"] = plain(
        "A more senior colleague may learn from you (new tools, new ways of working)", 75
    )
    reverse: dict[str, Any] = {"type": "checkboxes", "options": [reverse_option]}
    if current and current.reverse_mentoring:
        reverse["initial_options"] = [reverse_option]
    pause: dict[str, Any] = {"type": "datepicker", "placeholder": plain("Not paused")}
    if current and current.paused_until and current.is_paused:  # not a pause that has ended
        pause["initial_date"] = current.paused_until.isoformat()

    blocks: list[Block] = [section(INTRO)]
    if current and current.paused_indefinitely:
        blocks.append(context(PAUSED_NOTE))
    blocks += [
        _input(
            BlockId.OFFER_TOPICS,
            "Topics you can help with",
            topics_element,
            hint=f"Up to {MAX_TOPICS} topics in all. Missing one? Add it below.",
        ),
        _input(
            BlockId.OFFER_NEW_TOPICS,
            "New topics",
            {
                "type": "plain_text_input",
                "max_length": NEW_TOPICS_MAX,
                "placeholder": plain("e.g. Negotiation, Moving to Berlin, Kubernetes"),
                **({"initial_value": data.typed_new} if data.typed_new else {}),
            },
            hint="Separate topics with commas; they join the catalogue for everyone.",
        ),
        _input(
            BlockId.OFFER_HELP_WITH,
            "What I can help with",
            text_input(current.help_with if current else "", "e.g. preparing a first team meeting"),
        ),
        _input(
            BlockId.OFFER_OUT_OF_SCOPE,
            "What is out of scope",
            text_input(current.out_of_scope if current else "", "e.g. salary negotiations"),
        ),
        _input(
            BlockId.OFFER_CAPACITY,
            "Conversations at once",
            capacity,
            hint=f"How many mentees you can talk to at a time ({MIN_CAPACITY}–{MAX_CAPACITY}).",
            optional=False,
        ),
        _input(BlockId.OFFER_REVERSE, "Reverse mentoring", reverse),
        _input(
            BlockId.OFFER_PAUSED_UNTIL,
            "Pause requests until",
            pause,
            hint="Leave empty to receive requests now.",
        ),
        context(NOT_MENTORING),
    ]
    return {
        "type": "modal",
        "callback_id": CallbackId.OFFER_MODAL,
        "title": plain("Your mentor offer", 24),
        "submit": plain("Save", 24),
        "close": plain("Cancel", 24),
        "blocks": blocks,
    }


def parse_offer_submission(values: Form | object) -> tuple[OfferForm, dict[str, str]]:
    """The modal's ``state.values`` as an OfferForm, plus errors for unreadable fields."""
    form = as_form(values)
    chosen = form.options(BlockId.OFFER_TOPICS, most=MAX_OPTIONS)
    topic_ids = [n for n in (ident(value) for value in chosen) if n is not None]
    if len(topic_ids) < len(chosen):
        form.errors.setdefault(BlockId.OFFER_TOPICS, "Choose topics from the list.")
    parsed = OfferForm(
        topic_ids=tuple(topic_ids),
        new_topics=tuple(
            split_free_topics(form.text(BlockId.OFFER_NEW_TOPICS, max_length=NEW_TOPICS_MAX))
        ),
        help_with=form.text(BlockId.OFFER_HELP_WITH, max_length=MAX_TEXT),
        out_of_scope=form.text(BlockId.OFFER_OUT_OF_SCOPE, max_length=MAX_TEXT),
        capacity=form.text(BlockId.OFFER_CAPACITY, max_length=20),
        reverse_mentoring=bool(form.options(BlockId.OFFER_REVERSE, most=1)),
        paused_until=form.day(BlockId.OFFER_PAUSED_UNTIL),
    )
    if not form.readable:
        form.errors.setdefault(BlockId.OFFER_TOPICS, STALE_FORM)
    return parsed, form.errors


def field_errors(errors: dict[str, str]) -> dict[str, str]:
    """Service field names to the modal's block IDs (what `response_action: errors` wants)."""
    return {str(FIELD_BLOCKS.get(name, BlockId.OFFER_TOPICS)): msg for name, msg in errors.items()}


def _status(summary: OfferSummary) -> str:
    if summary.is_paused and summary.paused_until:
        return f":double_vertical_bar: Paused until {summary.paused_until.isoformat()}"
    if summary.is_paused:
        return ":double_vertical_bar: Paused until you resume"
    if summary.free_slots == 0:
        return ":large_orange_circle: Full: not suggested until a conversation ends"
    return ":large_green_circle: Open to requests"


def describe_offer(summary: OfferSummary) -> str:
    topics = escape(", ".join(summary.topics)) if summary.topics else "_no topics yet_"
    reverse = " · open to reverse mentoring" if summary.reverse_mentoring else ""
    return (
        f"{_status(summary)}\n*Topics:* {topics}\n"
        f"{summary.active_load} of {plural(summary.capacity, 'conversation')} in progress"
        f"{reverse}"
    )


def build_offer_saved(summary: OfferSummary, *, created: bool) -> dict[str, Any]:
    """The confirmation after the modal is saved."""
    lead = (
        "Thank you for offering to mentor! People outside your area can now find you."
        if created
        else "Your mentor offer is updated."
    )
    text = f"{lead}\n{describe_offer(summary)}"
    return {"text": clip(lead, 3000), "blocks": [section(text), context(_pause_hint(summary))]}


def _pause_hint(summary: OfferSummary) -> str:
    if summary.is_paused:
        return "`/mentor resume` opens your offer again."
    return "Busy for a while? `/mentor pause` or `/mentor pause 2026-12-31` stops new requests."


def build_pause_changed(summary: OfferSummary, *, was_paused: bool | None = None) -> dict[str, Any]:
    """After `/mentor pause` or `/mentor resume`; ``was_paused`` when nothing changed."""
    if summary.is_paused:
        until = (
            f"until {summary.paused_until.isoformat()}"
            if summary.paused_until
            else "until you resume"
        )
        paused = "You're already paused" if was_paused is True else "Paused"
        lead = (
            f"{paused} {until}: you won't be suggested or asked. Conversations in progress "
            "carry on."
        )
    elif was_paused is False:
        lead = "Your offer wasn't paused: you're open to requests."
    else:
        lead = "Welcome back: you're open to requests again."
    return {"text": lead, "blocks": [section(lead), context(_pause_hint(summary))]}


def build_offer_home_section(summary: OfferSummary | None) -> list[Block]:
    """The Home tab's mentoring section: your offer, Edit/Offer, and Pause/Resume."""
    if summary is None:
        return [
            section(
                "*Mentoring others*\nYou haven't offered to mentor yet. Colleagues outside "
                "your area would value your experience, for one to three short conversations."
            ),
            actions(button("Offer to mentor", ActionId.OFFER_EDIT, value="offer", style="primary")),
        ]
    toggle = (
        button("Resume requests", ActionId.OFFER_TOGGLE_PAUSE, value="resume", style="primary")
        if summary.is_paused
        else button("Pause requests", ActionId.OFFER_TOGGLE_PAUSE, value="pause")
    )
    return [
        section(f"*Your mentor offer*\n{describe_offer(summary)}"),
        actions(button("Edit offer", ActionId.OFFER_EDIT, value="edit"), toggle),
    ]
