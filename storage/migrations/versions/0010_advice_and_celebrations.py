"""advice requests and celebrations for the coordinators' digest

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-01 09:00:00.000000

``advice_request`` counts what mentors asked the coordinators (the text went by DM and
is not stored); ``celebration`` keeps someone's yes to being named in the digest for
reaching a goal.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models.base

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "advice_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["closed_by_id"],
            ["person.id"],
            name=op.f("fk_advice_request_closed_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_advice_request_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_advice_request")),
    )
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_advice_request_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "celebration",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("goal", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("reached_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("consented_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_celebration_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_celebration")),
        sa.UniqueConstraint("person_id", "goal", name=op.f("uq_celebration_person_id")),
    )
    with op.batch_alter_table("celebration", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_celebration_consented_at"), ["consented_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_celebration_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("celebration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_celebration_person_id"))
        batch_op.drop_index(batch_op.f("ix_celebration_consented_at"))
    op.drop_table("celebration")
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advice_request_person_id"))
    op.drop_table("advice_request")
