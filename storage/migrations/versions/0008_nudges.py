"""nudges: planned check-ins (one per person per day) and muting until a date

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00.000000

``planned_nudge`` keeps every nudge the planner wrote to the outbox, by the same key, after
the outbox has forgotten it; its unique (person, day) is the one-nudge-a-day rule.
``person.nudges_muted_until``: the day nudges start again (None: until unmuted).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models.base

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "planned_nudge",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("person_slack_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("planned_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_planned_nudge")),
        sa.UniqueConstraint(
            "person_slack_id", "day", name=op.f("uq_planned_nudge_person_slack_id")
        ),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("nudges_muted_until", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("nudges_muted_until")
    op.drop_table("planned_nudge")
