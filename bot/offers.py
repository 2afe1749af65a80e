"""Mentor offers: create and edit them, pause and resume, and the topic catalogue they grow.

Services take a session and values, return dataclasses, and raise ``MentorbotError``
subclasses; the modal's field problems come back as ``OfferInvalid`` keyed by field.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.blocks.common import escape
from bot.errors import MentorbotError
from bot.matching import is_paused
from bot.people import MentorColumns
from bot.topics import MAX_TOPIC_LENGTH, normalise, seed_topics, split_free_topics, tidy_label
from storage import conversations as conversations_store
from storage import offers as offers_store
from storage.models import MentorOffer, Person, Topic, TopicKind

MIN_CAPACITY, MAX_CAPACITY = 1, 10
DEFAULT_CAPACITY = 2
MAX_TOPICS = 15
MAX_TEXT = 2000
MAX_PAUSE = timedelta(days=366)

# Field names of the offer form (the modal maps them to its block IDs).
TOPICS, NEW_TOPICS, HELP_WITH, OUT_OF_SCOPE, CAPACITY, REVERSE, PAUSED_UNTIL = (
    "topics",
    "new_topics",
    "help_with",
    "out_of_scope",
    "capacity",
    "reverse_mentoring",
    "paused_until",
)


class NoOffer(MentorbotError):
    def __init__(self) -> None:
        super().__init__(
            "You haven't offered to mentor yet. `/mentor offer` sets up your topics and "
            "capacity; you can pause it any time."
        )


class OfferInvalid(MentorbotError):
    """The offer form has problems; ``errors`` maps each form field to what to fix."""

    def __init__(self, errors: dict[str, str]) -> None:
        # ``errors`` are plain-text field errors quoting what was typed; the message is mrkdwn.
        super().__init__(escape("; ".join(errors.values())))
        self.errors = errors


@dataclass(frozen=True)
class OfferForm:
    """What the mentor submitted, parsed but not yet validated."""

    topic_ids: tuple[int, ...] = ()
    new_topics: tuple[str, ...] = ()
    help_with: str = ""
    out_of_scope: str = ""
    capacity: str = ""  # as typed: validated here, so "abc" gets a clear answer
    reverse_mentoring: bool = False
    paused_until: date | None = None


@dataclass(frozen=True)
class OfferSummary:
    """A mentor's offer as the App Home and the offer modal show it."""

    topics: tuple[str, ...]
    topic_ids: tuple[int, ...]
    capacity: int
    active_load: int
    reverse_mentoring: bool
    paused_until: date | None
    is_paused: bool
    paused_indefinitely: bool = False
    help_with: str = ""
    out_of_scope: str = ""

    @property
    def free_slots(self) -> int:
        return max(self.capacity - self.active_load, 0)


@dataclass(frozen=True)
class TopicOption:
    id: int
    label: str


@dataclass(frozen=True)
class OfferFormData:
    """What the offer modal needs: the catalogue to choose from and the current offer."""

    options: tuple[TopicOption, ...]
    current: OfferSummary | None = None
    popular: tuple[str, ...] = field(default=())
    typed_ids: tuple[int, ...] = ()  # catalogue topics typed after `/mentor offer`
    typed_new: str = ""  # typed topics the catalogue does not have yet


# --- the catalogue -------------------------------------------------------------------------


def ensure_catalogue(session: Session, *, now: datetime) -> None:
    """Add the seed topics that are missing (cheap when they are all there)."""
    seeds = {normalise(label): (label, kind) for label, kind in seed_topics()}
    known = offers_store.topics_by_keys(seeds, session=session)
    for key, (label, kind) in seeds.items():
        if key not in known:
            _add_topic(session, key, label, kind, now)


def _add_topic(session: Session, key: str, label: str, kind: str, now: datetime) -> Topic:
    try:
        with session.begin_nested():
            return offers_store.add_topic(key, label, kind, session=session, now=now)
    except IntegrityError:  # someone added the same topic a moment ago
        existing = offers_store.topics_by_keys([key], session=session)[key]
        return existing


def resolve_topics(session: Session, labels: Iterable[str], *, now: datetime) -> list[Topic]:
    """Catalogue topics for free-typed labels, adding new ones (same key = same topic)."""
    return list(resolve_topic_map(session, labels, now=now).values())


def resolve_topic_map(
    session: Session, labels: Iterable[str], *, now: datetime
) -> dict[str, Topic]:
    """``resolve_topics`` keyed by each label's normalised key."""
    wanted: dict[str, str] = {}
    for raw in labels:
        label = tidy_label(raw)
        key = normalise(label)
        if key and key not in wanted:
            wanted[key] = label
    known = offers_store.topics_by_keys(wanted, session=session)
    return {
        key: known.get(key) or _add_topic(session, key, label, TopicKind.OFFERED, now)
        for key, label in wanted.items()
    }


TYPED_MAX = 1000  # what `/mentor offer …` may pre-fill


def form_data(
    session: Session, person: Person, *, now: datetime, limit: int = 100, typed: str = ""
) -> OfferFormData:
    """The catalogue (at most ``limit`` options: the mentor's own topics, then the most offered).

    ``typed`` (`/mentor offer python, career planning`) pre-fills the form: catalogue topics
    it names are chosen, the others are put in "New topics"."""
    ensure_catalogue(session, now=now)
    current = offer_summary(session, person, now=now)
    supply = offers_store.topic_supply(session=session, today=now.date())
    order = {s.topic_id: rank for rank, s in enumerate(supply)}
    everything = offers_store.all_topics(session=session)
    pieces = {normalise(p): p for p in split_free_topics(typed[:TYPED_MAX])}
    pieces.pop("", None)
    known = offers_store.topics_by_keys(pieces, session=session)
    typed_ids = tuple(t.id for t in known.values() if t.id is not None)
    typed_new = ", ".join(p for key, p in pieces.items() if key not in known)
    mine = (set(current.topic_ids) if current else set()) | set(typed_ids)
    everything.sort(
        key=lambda t: (t.id not in mine, order.get(t.id or 0, len(order)), t.label.lower())
    )
    chosen = sorted(everything[:limit], key=lambda t: t.label.lower())
    options = tuple(TopicOption(t.id, t.label) for t in chosen if t.id is not None)
    return OfferFormData(
        options=options, current=current, typed_ids=typed_ids, typed_new=typed_new[:TYPED_MAX]
    )


# --- offers ---------------------------------------------------------------------------------


def offer_summary(session: Session, person: Person, *, now: datetime) -> OfferSummary | None:
    """The person's offer with its topics and current load, or None when they have none."""
    if person.id is None:
        return None
    offer = offers_store.get_offer(person.id, session=session)
    if offer is None or offer.id is None:
        return None
    return _summary(session, offer, now)


def _summary(session: Session, offer: MentorOffer, now: datetime) -> OfferSummary:
    assert offer.id is not None
    topics = offers_store.offer_topics(offer.id, session=session)
    load = conversations_store.active_load([offer.person_id], session=session)
    return OfferSummary(
        topics=tuple(t.label for t in topics),
        topic_ids=tuple(t.id for t in topics if t.id is not None),
        capacity=offer.capacity,
        active_load=load.get(offer.person_id, 0),
        reverse_mentoring=offer.reverse_mentoring,
        paused_until=offer.paused_until if not offer.paused else None,
        is_paused=is_paused(offer, now.date()),
        paused_indefinitely=offer.paused,
        help_with=offer.help_with,
        out_of_scope=offer.out_of_scope,
    )


def validate(form: OfferForm, *, today: date) -> tuple[int, dict[str, str]]:
    """Check the form; returns the capacity and the problems by field (empty when fine)."""
    errors: dict[str, str] = {}
    capacity = 0
    too_long = [t for t in form.new_topics if len(t) > MAX_TOPIC_LENGTH]
    total = len(set(form.topic_ids)) + len(form.new_topics)
    if too_long:
        errors[NEW_TOPICS] = (
            f"Keep each topic under {MAX_TOPIC_LENGTH} characters "
            f"(“{too_long[0][:30]}…” is longer); separate topics with commas."
        )
    elif total > MAX_TOPICS:
        errors[NEW_TOPICS if form.new_topics else TOPICS] = (
            f"That's {total} topics; offer at most {MAX_TOPICS} so mentees can see "
            "what you're best at."
        )
    elif total == 0:
        errors[TOPICS] = "Choose at least one topic, or type a new one below."
    text = form.capacity.strip()
    if not re.fullmatch(r"[+]?\d{1,3}", text):
        errors[CAPACITY] = f"Capacity is a whole number from {MIN_CAPACITY} to {MAX_CAPACITY}" + (
            f", not “{text[:20]}”." if text else "."
        )
    else:
        capacity = int(text)
        if not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
            errors[CAPACITY] = (
                f"Capacity is how many conversations you can hold at once: "
                f"{MIN_CAPACITY} to {MAX_CAPACITY}."
            )
    for name, value in ((HELP_WITH, form.help_with), (OUT_OF_SCOPE, form.out_of_scope)):
        if len(value) > MAX_TEXT:
            errors[name] = f"Keep this under {MAX_TEXT} characters (it's {len(value)})."
    if form.paused_until is not None:
        if form.paused_until <= today:
            errors[PAUSED_UNTIL] = "Pick a date after today, or leave it empty to stay available."
        elif form.paused_until - today > MAX_PAUSE:
            errors[PAUSED_UNTIL] = "Pause for at most a year; you can pause again later."
    return capacity, errors


def offer_problems(session: Session, form: OfferForm, *, today: date) -> dict[str, str]:
    """``validate``, and topics that are not in the catalogue (an option forged or gone)."""
    _, errors = validate(form, today=today)
    if TOPICS not in errors and form.topic_ids:
        known = {t.id for t in offers_store.topics_by_ids(form.topic_ids, session=session)}
        if not set(form.topic_ids) <= known:
            errors[TOPICS] = "One of those topics is not in the list any more; choose again."
    return errors


def save_offer(session: Session, person: Person, form: OfferForm, *, now: datetime) -> OfferSummary:
    """Create or update ``person``'s offer from the modal; raises OfferInvalid on bad input."""
    capacity, _ = validate(form, today=now.date())
    errors = offer_problems(session, form, today=now.date())
    if errors:
        raise OfferInvalid(errors)
    assert person.id is not None
    existing = offers_store.get_offer(person.id, session=session)
    fields: dict[str, object] = {
        "help_with": form.help_with.strip(),
        "out_of_scope": form.out_of_scope.strip(),
        "capacity": capacity,
        "reverse_mentoring": form.reverse_mentoring,
        "paused_until": form.paused_until,
    }
    if form.paused_until is not None:
        fields["paused"] = False  # a date replaces an open-ended pause
    elif existing is not None and existing.paused_until is not None:
        fields["paused_until"] = None
    offer = offers_store.save_offer(person.id, fields, session=session, now=now)
    chosen = offers_store.topics_by_ids(form.topic_ids, session=session)
    known = {t.id for t in chosen if t.id is not None}
    new = resolve_topics(session, form.new_topics, now=now)
    topic_ids = known | {t.id for t in new if t.id is not None}
    assert offer.id is not None
    offers_store.set_offer_topics(offer.id, topic_ids, session=session)
    return _summary(session, offer, now)


def apply_offer(session: Session, person: Person, columns: MentorColumns, now: datetime) -> None:
    """One person's mentor columns (see ``apply_offers``); raises ValueError if refused."""
    assert person.id is not None
    refused = apply_offers(session, [(person.id, columns)], now)
    if refused:
        raise ValueError(refused[0])


def apply_offers(
    session: Session, items: list[tuple[int, MentorColumns]], now: datetime
) -> dict[int, str]:
    """The CSV import's hook: create or update offers from the mentor columns, as
    (person id, columns) pairs, in a few statements for the whole file.

    Capacity 0 is a mentor not taking requests now: the offer is paused until they
    resume (capacity keeps its value). A positive capacity leaves any pause as it is:
    pausing and resuming is the mentor's own choice. Returns the refused items by their
    index in ``items``, with the reason (more topics than allowed); the others are saved.
    """
    refused: dict[int, str] = {}
    fields_by_person: dict[int, dict[str, object]] = {}
    labels_by_person: dict[int, list[str]] = {}
    for index, (person_id, columns) in enumerate(items):
        if columns.topics is not None and len(columns.topics) > MAX_TOPICS:
            refused[index] = (
                f"mentor_topics lists {len(columns.topics)} topics; at most {MAX_TOPICS}"
            )
            continue
        fields: dict[str, object] = {}
        if columns.capacity == 0:
            fields["paused"] = True
        elif columns.capacity is not None:
            fields["capacity"] = columns.capacity
        if columns.reverse_mentoring is not None:
            fields["reverse_mentoring"] = columns.reverse_mentoring
        fields_by_person[person_id] = fields
        if columns.topics is not None:
            labels_by_person[person_id] = list(columns.topics)
    offers = offers_store.save_offers(fields_by_person, session=session, now=now)
    if labels_by_person:
        every = [label for labels in labels_by_person.values() for label in labels]
        topics = resolve_topic_map(session, every, now=now)
        by_key = {key: topic.id for key, topic in topics.items() if topic.id is not None}
        offers_store.replace_offer_topics(
            {
                offers[person]: {
                    by_key[key]
                    for label in labels
                    if (key := normalise(tidy_label(label))) in by_key
                }
                for person, labels in labels_by_person.items()
            },
            session=session,
        )
    return refused


def pause(session: Session, person: Person, until: date | None, *, now: datetime) -> OfferSummary:
    """Stop requests until ``until`` (exclusive of earlier days), or until resumed."""
    offer = _offer_of(session, person)
    if until is not None:
        check_pause_date(until, today=now.date())
    fields: dict[str, object] = {"paused": until is None, "paused_until": until}
    offer = offers_store.save_offer(offer.person_id, fields, session=session, now=now)
    return _summary(session, offer, now)


def resume(session: Session, person: Person, *, now: datetime) -> tuple[OfferSummary, bool]:
    """Receive requests again; the flag says whether the offer was paused at all."""
    offer = _offer_of(session, person)
    was_paused = is_paused(offer, now.date())
    fields: dict[str, object] = {"paused": False, "paused_until": None}
    offer = offers_store.save_offer(offer.person_id, fields, session=session, now=now)
    return _summary(session, offer, now), was_paused


def set_paused(
    session: Session, person: Person, paused: bool, *, now: datetime
) -> tuple[OfferSummary, bool]:
    """The Home tab's Pause/Resume button: reach the wanted state; the flag says if it changed.

    The button carries the state it asks for, so a double or stale click changes nothing.
    """
    offer = _offer_of(session, person)
    if is_paused(offer, now.date()) == paused:
        return _summary(session, offer, now), False
    if paused:
        return pause(session, person, None, now=now), True
    return resume(session, person, now=now)[0], True


def _offer_of(session: Session, person: Person) -> MentorOffer:
    offer = offers_store.get_offer(person.id or 0, session=session)
    if offer is None:
        raise NoOffer()
    return offer


# --- pause dates ----------------------------------------------------------------------------

_RELATIVE = re.compile(r"^(?:for\s+)?(\d{1,3})\s*(d|day|days|w|wk|week|weeks)$")


class BadPauseDate(MentorbotError):
    pass


def parse_pause_date(text: str, *, today: date) -> date | None:
    """`/mentor pause` arguments: nothing, YYYY-MM-DD, "tomorrow", "2 weeks", "10 days"."""
    words = " ".join(text.lower().split())
    if not words:
        return None
    if words == "tomorrow":
        return today + timedelta(days=1)
    relative = _RELATIVE.match(words)
    if relative:
        amount = int(relative.group(1))
        days = amount * 7 if relative.group(2).startswith("w") else amount
        until = today + timedelta(days=days)
    else:
        try:
            until = date.fromisoformat(words)
        except ValueError:
            raise BadPauseDate(
                f"I couldn't read “{escape(text.strip()[:40])}” as a date. Use `/mentor pause "
                f"{(today + timedelta(days=14)).isoformat()}` (YYYY-MM-DD), `/mentor pause "
                "2 weeks`, or just `/mentor pause` to pause until you `/mentor resume`."
            ) from None
    check_pause_date(until, today=today)
    return until


def check_pause_date(until: date, *, today: date) -> None:
    if until <= today:
        raise BadPauseDate(
            f"{until.isoformat()} is not in the future. Pick a later date, or use "
            "`/mentor pause` alone to pause until you resume."
        )
    if until - today > MAX_PAUSE:
        raise BadPauseDate(
            "Pause for at most a year at a time; `/mentor pause` alone pauses until you resume."
        )


def popular_topics(session: Session, *, now: datetime, limit: int = 5) -> list[str]:
    """Labels of the topics most mentors currently offer."""
    return [s.label for s in offers_store.topic_supply(session=session, today=now.date())[:limit]]


@dataclass(frozen=True)
class TopicBalance:
    """One line of the coordinators' supply-and-demand table (counts only, never who)."""

    label: str
    searches: int
    unmatched: int  # searches where nobody was available
    mentors: int  # available mentors offering that very topic now


def supply_and_demand(
    session: Session, *, start: date, end: date, now: datetime, limit: int = 20
) -> list[TopicBalance]:
    """What people searched for from ``start`` to ``end`` (exclusive), unmet demand first."""
    supply = {
        s.key: s.mentors for s in offers_store.topic_supply(session=session, today=now.date())
    }
    demand = offers_store.demand_between(start, end, session=session)
    # A search that is a catalogue topic shows under the topic's own label.
    topics = offers_store.topics_by_keys((d.key for d in demand), session=session)
    rows = [
        TopicBalance(
            topics[d.key].label if d.key in topics else d.label,
            d.searches,
            d.unmatched,
            supply.get(d.key, 0),
        )
        for d in demand
    ]
    rows.sort(key=lambda r: (-r.unmatched, -r.searches, r.label.lower()))
    return rows[:limit]
