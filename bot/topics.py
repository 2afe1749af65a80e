"""Topic words: normalisation, synonyms, the seed catalogue, and matching a search to topics.

Pure functions. A topic's *key* is its normalised form: lower case, punctuation
gone, each word made singular, stop words dropped and known synonyms replaced by
one canonical phrase, so "Presentations", "presentation" and "public speaking"
share the key ``presentation``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_TOPIC_LENGTH = 80
MAX_KEY_LENGTH = 120

# The development needs mentees most often name, and the transitions where a mentor helps.
NEED_TOPICS = (
    "Developing career plans",
    "Self-confidence",
    "Working toward career objectives",
    "Decision making",
    "Problem analysis and solving",
)
TRANSITION_TOPICS = (
    "First-time supervisor",
    "New discipline",
    "Working overseas",
    "Joining the company",
)

STOP_WORDS = frozenset(
    "a an and or the of to for in on at with my me i how about want need some into "
    "help advice tip get getting someone who can be is are as by from".split()
)
# Words too general to make a match on their own ("working" overseas vs toward objectives).
GENERIC_WORDS = frozenset(
    "working work developing development new first time making skill toward towards "
    "better good general".split()
)
# Canonical phrase -> phrases meaning the same (all written in normalised, singular form).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "presentation": (
        "public speaking",
        "presenting",
        "speaking in public",
        "presentation skill",
        "giving talk",
        "talk",
    ),
    "self confidence": ("confidence", "self esteem", "selfconfidence", "impostor syndrome"),
    "career plan": (
        "career planning",
        "developing career plan",
        "career path",
        "career development",
        "career growth",
    ),
    "career objective": ("career goal", "career aim", "working toward career objective"),
    "decision making": ("decision", "deciding", "decisionmaking"),
    "problem solving": ("solving problem", "troubleshooting"),
    "first time supervisor": (
        "first time manager",
        "new manager",
        "new supervisor",
        "new team lead",
        "first time team lead",
        "becoming manager",
        "people manager",
    ),
    "working overseas": (
        "working abroad",
        "abroad",
        "overseas",
        "expat",
        "relocation",
        "relocating",
        "international assignment",
    ),
    "joining company": ("onboarding", "new hire", "new joiner", "new starter", "joining"),
    "new discipline": ("career change", "changing discipline", "new field", "switching field"),
    "machine learning": ("ml",),
    "artificial intelligence": ("ai",),
    "user experience": ("ux",),
    "negotiation": ("negotiating",),
    "feedback": ("giving feedback", "receiving feedback"),
    "stakeholder management": ("managing stakeholder",),
    "time management": ("prioritisation", "prioritization", "managing time"),
    "leadership": ("leading",),
}

_WORD = re.compile(r"[a-z0-9+#]+")
_INVARIANT = frozenset(
    "analysis basis crisis diagnosis thesis bus status campus focus process access business "
    "success ux ms us its this has was is news series overseas kubernetes sales species "
    "always perhaps".split()
)


def singular(word: str) -> str:
    """A light singular: presentations -> presentation, strategies -> strategy."""
    if len(word) <= 3 or word in _INVARIANT or word.endswith(("ss", "us", "is", "ics")):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "xes", "sses", "zes")):
        return word[:-2]
    if word.endswith("s"):
        return word[:-1]
    return word


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    folded = folded.replace("&", " and ").replace("-", " ").replace("'", "")
    return [singular(w) for w in _WORD.findall(folded)]


def _phrase(text: str) -> str:
    return " ".join(w for w in _words(text) if w not in STOP_WORDS)


def _build_synonym_table() -> tuple[re.Pattern[str], dict[str, str]]:
    canonical_of: dict[str, str] = {}
    for canonical, variants in SYNONYMS.items():
        for variant in (canonical, *variants):
            canonical_of.setdefault(_phrase(variant), _phrase(canonical))
    # One pass, longest phrase first, so a replacement is never replaced again.
    alternatives = sorted(canonical_of, key=lambda phrase: (-len(phrase), phrase))
    pattern = re.compile(
        r"(?<![a-z0-9])(?:" + "|".join(re.escape(a) for a in alternatives) + r")(?![a-z0-9])"
    )
    return pattern, canonical_of


_SYNONYM_PATTERN, _CANONICAL_OF = _build_synonym_table()


def normalise(text: str) -> str:
    """The key of a topic or a search: ``normalise("Public Speaking!") == "presentation"``."""
    phrase = _SYNONYM_PATTERN.sub(lambda m: _CANONICAL_OF[m.group(0)], _phrase(text))
    words: list[str] = []
    for word in phrase.split():
        if word not in words:  # "self-confidence" and "confidence" say it once
            words.append(word)
    return " ".join(words)[:MAX_KEY_LENGTH]


def _tidy(text: str) -> str:
    label = " ".join(text.split()).strip(" ,;.")
    return label[:1].upper() + label[1:]


def tidy_label(text: str) -> str:
    """A topic label as shown: whitespace collapsed, first letter upper case, length capped."""
    return _tidy(text)[:MAX_TOPIC_LENGTH].strip()


def split_free_topics(text: str) -> list[str]:
    """Topics typed by hand, separated by commas, semicolons or new lines (not yet capped)."""
    return [_tidy(part) for part in re.split(r"[,;\n]", text) if _tidy(part)]


@dataclass(frozen=True)
class CatalogueTopic:
    """What matching needs to know about a catalogue topic."""

    id: int
    key: str
    label: str


@dataclass(frozen=True)
class TopicMatch:
    """A catalogue topic that fits a search, with how well (1.0 is the same topic)."""

    topic: CatalogueTopic
    covered: frozenset[str]  # the search's words this topic covers
    closeness: float


def match_topics(query_key: str, catalogue: Iterable[CatalogueTopic]) -> list[TopicMatch]:
    """Catalogue topics sharing a meaningful word with the search key, best first."""
    query = frozenset(query_key.split())
    if not query:
        return []
    matches: list[TopicMatch] = []
    for topic in catalogue:
        words = frozenset(topic.key.split())
        shared = query & words
        if not shared or shared <= GENERIC_WORDS:
            continue
        closeness = len(shared) / len(query | words)
        matches.append(TopicMatch(topic, frozenset(shared), closeness))
    matches.sort(key=lambda m: (-m.closeness, m.topic.label.lower(), m.topic.id))
    return matches


# Neighbouring needs: searching one, the others are worth a look (keys, normalised form).
RELATED: tuple[frozenset[str], ...] = (
    frozenset({"presentation", "self confidence", "storytelling", "communication", "writing"}),
    frozenset({"first time supervisor", "leadership", "feedback", "delegation", "coaching"}),
    frozenset({"career plan", "career objective", "new discipline", "networking"}),
    frozenset({"decision making", "problem solving", "problem analysis solving"}),
    frozenset({"time management", "delegation", "prioritisation"}),
    frozenset({"working overseas", "joining company"}),
    frozenset({"negotiation", "stakeholder management", "influencing"}),
    frozenset({"machine learning", "artificial intelligence", "data science", "analytics"}),
)
MIN_STEM = 5


def _same_stem(a: str, b: str) -> bool:
    """ "negotiate"/"negotiation", "leader"/"leadership"; not "community"/"communication"."""
    short, long = sorted((a, b), key=len)
    if len(short) < MIN_STEM:
        return False
    common = 0
    for x, y in zip(short, long, strict=False):
        if x != y:
            break
        common += 1
    return common >= max(MIN_STEM, len(short) - 1)


def related_keys(query_key: str, keys: Iterable[str], limit: int = 5) -> list[str]:
    """Catalogue keys related to the search, most related first; never an unrelated one.

    Related means: a neighbouring need (``RELATED``), a shared meaningful word, or a word of
    the same stem ("negotiate" / "Negotiation").
    """
    query = [w for w in query_key.split() if w not in GENERIC_WORDS]
    if not query:
        return []
    neighbours = set().union(*(group for group in RELATED if query_key in group)) - {query_key}
    scored = []
    for key in keys:
        words = [w for w in key.split() if w not in GENERIC_WORDS]
        score = 3 * (key in neighbours)
        score += 2 * sum(1 for q in query if q in words)
        score += sum(1 for q in query for w in words if q != w and _same_stem(q, w))
        if score:
            scored.append((-score, key))
    return [key for _, key in sorted(scored)[:limit]]


def seed_topics() -> Sequence[tuple[str, str]]:
    """(label, kind) of the topics every catalogue starts with."""
    return [(label, "need") for label in NEED_TOPICS] + [
        (label, "transition") for label in TRANSITION_TOPICS
    ]


# --- triage: needs that are for HR or employee assistance, not for a mentor ----------------

# Matched as whole words (a trailing "s" allowed), case-insensitively, hyphens as spaces.
TRIAGE_TERMS = (
    "performance plan",
    "performance improvement",
    "improvement plan",
    "underperforming",
    "underperformance",
    "under performing",
    "poor performance",
    "pip",
    "burnout",
    "burn out",
    "burned out",
    "burnt out",
    "mental health",
    "depression",
    "depressed",
    "panic attack",
    "suicide",
    "suicidal",
    "self harm",
    "harassment",
    "harassed",
    "sexual harassment",
    "bullying",
    "bullied",
    "discrimination",
    "discriminated",
    "racism",
    "sexism",
    "hostile work environment",
    "retaliation",
    "grievance",
    "disciplinary",
    "misconduct",
    "whistleblowing",
)
# "pip" is also Python's package installer: with one of these words it is that tool.
_PIP_AS_TOOL = frozenset(
    "python install installing package packages packaging pypi requirements venv virtualenv "
    "pipenv poetry conda wheel dependency dependencies".split()
)


def _fold(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.findall(r"[a-z0-9+#]+", folded.replace("'", "")))


def triage_terms(extra: Iterable[str] = ()) -> tuple[str, ...]:
    """The default terms and ``extra`` (a setting), folded, longest first, once each."""
    terms = {_fold(t) for t in (*TRIAGE_TERMS, *extra)} - {""}
    return tuple(sorted(terms, key=lambda t: (-len(t), t)))


def triage_match(text: str, terms: Sequence[str]) -> str | None:
    """The triage term ``text`` names, or None: "on a PIP" -> "pip"; "pip install" -> None.

    Whole words only ("tipping" is not "pip"; "grievances" is "grievance"). "pip" next to
    words about Python packaging is the tool, not a performance plan.
    """
    folded = _fold(text)
    if not folded:
        return None
    words = set(folded.split())
    for term in terms:
        pattern = r"(?<![a-z0-9])" + re.escape(term).replace(r"\ ", " ") + r"s?(?![a-z0-9])"
        if not re.search(pattern, folded):
            continue
        if term == "pip" and words & _PIP_AS_TOOL:
            continue
        return term
    return None
