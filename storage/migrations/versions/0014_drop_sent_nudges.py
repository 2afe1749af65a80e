"""drop the sent-nudge table nothing writes

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 05:20:00.000000

Check-ins are made single by ``planned_nudge`` (migration 0008), whose key and
(person, day) the planner claims, and by the outbox's keys; ``sentnudge`` from the first
migration was never written since. Its rows, if any, name people by Slack ID: they go.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models.base

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sentnudge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sentnudge_person_slack_id"))
    op.drop_table("sentnudge")


def downgrade() -> None:
    op.create_table(
        "sentnudge",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("person_slack_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("sent_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sentnudge")),
    )
    with op.batch_alter_table("sentnudge", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sentnudge_person_slack_id"), ["person_slack_id"], unique=False
        )
