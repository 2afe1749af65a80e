"""at most one open request (mentee → mentor) and one pending met per pair

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 11:53:12.252195

Two requests (or two `/mentor met`) made at the same moment both pass the services'
checks; these unique indexes let exactly one of them in. Alembic cannot reflect the
met index (an expression index) on SQLite, so it is written by hand.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_OR_ACTIVE = sa.text("status IN ('requested', 'info_requested', 'active')")
PENDING = sa.text("status = 'pending'")
PAIR = [
    sa.text("(CASE WHEN (logger_id < other_id) THEN logger_id ELSE other_id END)"),
    sa.text("(CASE WHEN (logger_id < other_id) THEN other_id ELSE logger_id END)"),
]


def upgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index(
            "uq_conversation_open_pair",
            ["mentee_id", "mentor_id"],
            unique=True,
            sqlite_where=OPEN_OR_ACTIVE,
            postgresql_where=OPEN_OR_ACTIVE,
        )
    op.create_index(
        "uq_metlog_pending_pair",
        "metlog",
        PAIR,
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )


def downgrade() -> None:
    op.drop_index("uq_metlog_pending_pair", table_name="metlog")
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index("uq_conversation_open_pair")
