"""People's own data: everything stored about a person, and forgetting them.

Both go through one map (``storage.personal_data``), so a table added later is either
on it or fails its test.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from storage import people as people_store
from storage.personal_data import forget, rows_about

ABOUT = (
    "Everything mentorbot stores about you, table by table: your directory entry, your "
    "mentor offer, your requests and conversations (with what you and the other person "
    "wrote in them), your connections, ratings, met logs and the messages waiting for you."
)


@dataclass(frozen=True)
class Export:
    filename: str
    content: str  # JSON
    rows: int


def export_of(session: Session, slack_id: str, *, now: datetime) -> Export | None:
    """Everything stored about the person, as JSON; None when nothing is."""
    person = people_store.get_by_slack_id(slack_id, session=session)
    if person is None:
        return None
    tables = rows_about(person, session=session)
    document: dict[str, Any] = {
        "exported_at": now.isoformat(),
        "slack_id": slack_id,
        "about": ABOUT,
        "tables": tables,
    }
    return Export(
        filename=f"mentorbot-my-data-{now:%Y-%m-%d}.json",
        content=json.dumps(document, indent=2, ensure_ascii=False, default=str),
        rows=sum(len(rows) for rows in tables.values()),
    )


def forget_person(session: Session, slack_id: str) -> bool:
    """Delete the person's data and private texts (see ``storage.personal_data``); False
    when nothing was stored about them."""
    person = people_store.get_by_slack_id(slack_id, session=session)
    if person is None:
        return False
    forget(person, session=session)
    return True
