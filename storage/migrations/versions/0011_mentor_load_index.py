"""an index for a mentor's load and answer speed

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:00:00.000000

Finding mentors counts each candidate's active conversations and times their past
answers. Migration 0010's ``ix_conversation_status_closed_at`` (status first) let
SQLite answer "this mentor's active conversations" by walking every active
conversation in the company for each candidate; ``(mentor_id, status, responded_at,
created_at)`` reads only the mentor's own, covering both counts.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["mentor_id", "status", "responded_at", "created_at"]


def upgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.create_index("ix_conversation_mentor_status", COLUMNS, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_index("ix_conversation_mentor_status")
