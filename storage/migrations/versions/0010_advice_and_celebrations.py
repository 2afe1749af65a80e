"""advice requests, celebrations, and the indexes of the coordinators' digest

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 09:00:00.000000

``advice_request`` counts what mentors asked the coordinators (the text went by DM and
is not stored); ``celebration`` keeps someone's yes to being named in the digest for
reaching a goal. The indexes let the digest count a span of weeks without reading a
year of conversations, sessions, connections and ratings.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models.base

revision: str = "0010"
down_revision: str | None = "0009"
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

    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


INDEXES = (
    ("conversation", "ix_conversation_created_at", ["created_at", "mentor_id", "mentee_id"]),
    ("conversation", "ix_conversation_accepted_at", ["accepted_at"]),
    ("conversation", "ix_conversation_passed_at", ["passed_at", "mentor_id", "passed_from_id"]),
    (
        "conversation",
        "ix_conversation_status_responded_at",
        ["status", "responded_at", "created_at"],
    ),
    ("conversation", "ix_conversation_status_changed_at", ["status", "status_changed_at"]),
    (
        "conversation",
        "ix_conversation_status_closed_at",
        ["status", "closed_at", "accepted_at", "mentor_id"],
    ),
    ("conversation", "ix_conversation_pair", ["id", "mentee_id", "mentor_id"]),
    ("person", "ix_person_id_area", ["id", "area"]),
    (
        "mentoring_session",
        "ix_mentoring_session_held_at",
        ["held_at", "agenda_posted_at", "followups_posted_at"],
    ),
    (
        "mentoring_session",
        "ix_mentoring_session_followups_posted_at",
        ["followups_posted_at", "conversation_id", "followups_posted_by_id"],
    ),
    ("connection", "ix_connection_made_at", ["made_at", "person_id", "other_id"]),
    ("connection", "ix_connection_pair_made_at", ["person_id", "other_id", "made_at"]),
    ("rating", "ix_rating_answered_at", ["answered_at", "usefulness"]),
)


def downgrade() -> None:
    for table, name, _ in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    with op.batch_alter_table("celebration", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_celebration_person_id"))
        batch_op.drop_index(batch_op.f("ix_celebration_consented_at"))
    op.drop_table("celebration")
    with op.batch_alter_table("advice_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advice_request_person_id"))
    op.drop_table("advice_request")
