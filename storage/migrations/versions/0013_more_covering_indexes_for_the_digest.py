"""more covering indexes for the coordinators' digest

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 12:30:00.000000

Three of the digest's statements read table rows they only need two columns of: the
requests re-routed after one expired (a mentee's requests by when they were made), the
agenda questions' outcomes (a session's outcomes, not its questions' text) and the
areas' headcounts (every person's row). These indexes hold those columns.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("conversation", "ix_conversation_mentee_created_at", ["mentee_id", "created_at"]),
    # Area first: led by is_active, it drew SQLite to start matching's candidate statement
    # from every active person instead of the few offers asked for.
    ("person", "ix_person_area_active", ["area", "is_active"]),
    ("agenda_item", "ix_agenda_item_session_outcome", ["session_id", "outcome"]),
)


def upgrade() -> None:
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
