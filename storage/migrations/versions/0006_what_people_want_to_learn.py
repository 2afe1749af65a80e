"""what each person would like to learn about

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 23:10:00.000000

``person.learning`` is what someone typed in "I'd like to learn about…" on the Home;
``person.learning_key`` is its normalised topic key, so "who to ask next" can search it
and a search can find peers who share the interest (indexed: few people fill it in, and
a search skips everyone who has not).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("learning", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.add_column(
            sa.Column("learning_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_person_learning_key"), ["learning_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_learning_key"))
        batch_op.drop_column("learning_key")
        batch_op.drop_column("learning")
