"""merge near-duplicate catalogue topics in databases made before they were one key

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 02:00:00.000000

"Developing career plans" and "Career planning" (and "Working toward career objectives"
and "Career goals") normalise to one key since the synonym table learned the seed
phrases. A new database holds one topic for each; an older one may hold the seed under
its former key ("developing career plan") beside a topic a mentor typed ("career plan").
This gives every key the form the code computes now and merges the topics that then
share a key into one: the seed if there is one, else the oldest. What pointed to a
duplicate moves to the topic kept, never doubling a unique row:

- offers: an offer covering both covers the kept topic once;
- searches (``topicdemand``): one day's counts of both keys are added up in one row;
- requests: a request whose topic is a merged topic's label names the kept topic;
- "I'd like to learn about…" (``person.learning_key``) gets the key computed now.

A downgrade gives the seeds back their former keys, so the previous code finds them
instead of adding them again; merged topics stay merged (nothing tells them apart).
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Former key phrase -> the key phrase computed now (frozen here: later changes to the
# synonym table are not this migration's business).
REKEYED = {
    "developing career plan": "career plan",
    "working toward career objective": "career objective",
}
# The seed topics whose key changed, by label: what a downgrade gives back.
SEEDS = {
    "Developing career plans": ("developing career plan", "career plan"),
    "Working toward career objectives": ("working toward career objective", "career objective"),
}
SEED_KINDS = ("need", "transition")
MAX_KEY_LENGTH = 120
_FORMER = re.compile(
    r"(?<!\S)(?:"
    + "|".join(re.escape(k) for k in sorted(REKEYED, key=len, reverse=True))
    + r")(?!\S)"
)


def rekey(key: str) -> str:
    """``key`` as the code computes it now: each former phrase replaced, each word said once."""
    phrase = _FORMER.sub(lambda m: REKEYED[m.group(0)], key)
    words: list[str] = []
    for word in phrase.split():
        if word not in words:
            words.append(word)
    return " ".join(words)[:MAX_KEY_LENGTH]


def _containing_former(column: str) -> str:
    """SQL matching the rows whose ``column`` holds a former phrase (then checked exactly)."""
    return " OR ".join(f"{column} LIKE :p{n}" for n in range(len(REKEYED)))


LIKE = {f"p{n}": f"%{phrase}%" for n, phrase in enumerate(REKEYED)}


def upgrade() -> None:
    bind = op.get_bind()
    _merge_topics(bind)
    _merge_demand(bind)
    rows = bind.execute(
        sa.text(f"SELECT id, learning_key FROM person WHERE {_containing_former('learning_key')}"),
        LIKE,
    ).all()
    for person_id, key in rows:
        if rekey(key) != key:
            bind.execute(
                sa.text("UPDATE person SET learning_key = :key WHERE id = :id"),
                {"key": rekey(key), "id": person_id},
            )


def _merge_topics(bind: sa.Connection) -> None:
    topics = bind.execute(sa.text("SELECT id, key, label, kind FROM topic ORDER BY id")).all()
    groups: dict[str, list[tuple[int, str, str, str]]] = {}
    for topic_id, key, label, kind in topics:
        groups.setdefault(rekey(key), []).append((topic_id, key, label, kind))
    for key, group in groups.items():
        if len(group) == 1 and group[0][1] == key:
            continue  # already as the code computes it, and alone
        kept = min(group, key=lambda t: (t[3] not in SEED_KINDS, t[0]))
        for duplicate in group:
            if duplicate is not kept:
                _move_topic(bind, duplicate, kept)
        bind.execute(
            sa.text("UPDATE topic SET key = :key WHERE id = :id"), {"key": key, "id": kept[0]}
        )


def _move_topic(
    bind: sa.Connection, duplicate: tuple[int, str, str, str], kept: tuple[int, str, str, str]
) -> None:
    ids = {"duplicate": duplicate[0], "kept": kept[0]}
    bind.execute(
        sa.text(
            "UPDATE offertopic SET topic_id = :kept WHERE topic_id = :duplicate AND offer_id "
            "NOT IN (SELECT offer_id FROM offertopic WHERE topic_id = :kept)"
        ),
        ids,
    )
    bind.execute(sa.text("DELETE FROM offertopic WHERE topic_id = :duplicate"), ids)
    bind.execute(
        sa.text("UPDATE conversation SET topic = :label WHERE lower(topic) = lower(:old)"),
        {"label": kept[2], "old": duplicate[2]},
    )
    bind.execute(sa.text("DELETE FROM topic WHERE id = :duplicate"), ids)


def _merge_demand(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.text(
            "SELECT id, key, day, searches, unmatched FROM topicdemand "
            f"WHERE {_containing_former('key')} ORDER BY id"
        ),
        LIKE,
    ).all()
    for row_id, key, day, searches, unmatched in rows:
        new_key = rekey(key)
        if new_key == key:
            continue
        target = bind.execute(
            sa.text("SELECT id FROM topicdemand WHERE key = :key AND day = :day"),
            {"key": new_key, "day": day},
        ).first()
        if target is None:
            bind.execute(
                sa.text("UPDATE topicdemand SET key = :key WHERE id = :id"),
                {"key": new_key, "id": row_id},
            )
            continue
        bind.execute(
            sa.text(
                "UPDATE topicdemand SET searches = searches + :searches, "
                "unmatched = unmatched + :unmatched WHERE id = :id"
            ),
            {"searches": searches, "unmatched": unmatched, "id": target[0]},
        )
        bind.execute(sa.text("DELETE FROM topicdemand WHERE id = :id"), {"id": row_id})


def downgrade() -> None:
    bind = op.get_bind()
    for label, (former, now) in SEEDS.items():
        taken = bind.execute(
            sa.text("SELECT id FROM topic WHERE key = :former"), {"former": former}
        ).first()
        if taken is None:
            bind.execute(
                sa.text("UPDATE topic SET key = :former WHERE key = :now AND label = :label"),
                {"former": former, "now": now, "label": label},
            )
