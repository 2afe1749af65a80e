"""the team check-in: notes, anonymous pulse, reminder

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 00:51:54.993650

A manager's check-ins (their private notes), their pre-check-in pulses (answers linked to
no one; ``pulse_invite`` links a report to their answer only while the pulse is open, and
is deleted when it closes) and the monthly reminder's state. At most one pulse per
manager is not yet closed (a partial unique index).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models.base

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "checkin_reminder",
        sa.Column("manager_slack_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("stopped", sa.Boolean(), nullable=False),
        sa.Column("snoozed_until", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("counting_from", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("manager_slack_id", name=op.f("pk_checkin_reminder")),
    )
    op.create_table(
        "team_checkin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_slack_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("heard", sa.Text(), nullable=False),
        sa.Column("will_try", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_checkin")),
    )
    with op.batch_alter_table("team_checkin", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_checkin_held_on"), ["held_on"], unique=False)
        batch_op.create_index(
            "ix_team_checkin_manager_held", ["manager_slack_id", "held_on"], unique=False
        )

    op.create_table(
        "team_pulse",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_slack_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("opened_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", storage.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", storage.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("invited", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_team_pulse")),
    )
    with op.batch_alter_table("team_pulse", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_team_pulse_closes_at"), ["closes_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_team_pulse_manager_slack_id"), ["manager_slack_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_team_pulse_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(
            "uq_team_pulse_unclosed",
            ["manager_slack_id"],
            unique=True,
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )

    op.create_table(
        "pulse_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("usage", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("how", sa.Text(), nullable=False),
        sa.Column("obstacles", sa.JSON(), nullable=False),
        sa.Column("in_the_way", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pulse_id"],
            ["team_pulse.id"],
            name=op.f("fk_pulse_answer_pulse_id_team_pulse"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_answer")),
    )
    with op.batch_alter_table("pulse_answer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pulse_answer_pulse_id"), ["pulse_id"], unique=False)

    op.create_table(
        "pulse_invite",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pulse_id", sa.Integer(), nullable=False),
        sa.Column("slack_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("answer_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["answer_id"],
            ["pulse_answer.id"],
            name=op.f("fk_pulse_invite_answer_id_pulse_answer"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pulse_id"],
            ["team_pulse.id"],
            name=op.f("fk_pulse_invite_pulse_id_team_pulse"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pulse_invite")),
        sa.UniqueConstraint("pulse_id", "slack_id", name=op.f("uq_pulse_invite_pulse_id")),
    )
    with op.batch_alter_table("pulse_invite", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pulse_invite_pulse_id"), ["pulse_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pulse_invite", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pulse_invite_pulse_id"))

    op.drop_table("pulse_invite")
    with op.batch_alter_table("pulse_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pulse_answer_pulse_id"))

    op.drop_table("pulse_answer")
    with op.batch_alter_table("team_pulse", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_team_pulse_unclosed",
            sqlite_where=sa.text("closed_at IS NULL"),
            postgresql_where=sa.text("closed_at IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_team_pulse_opened_at"))
        batch_op.drop_index(batch_op.f("ix_team_pulse_manager_slack_id"))
        batch_op.drop_index(batch_op.f("ix_team_pulse_closes_at"))

    op.drop_table("team_pulse")
    with op.batch_alter_table("team_checkin", schema=None) as batch_op:
        batch_op.drop_index("ix_team_checkin_manager_held")
        batch_op.drop_index(batch_op.f("ix_team_checkin_held_on"))

    op.drop_table("team_checkin")
    op.drop_table("checkin_reminder")
