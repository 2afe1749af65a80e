"""effects chained to an outbox row's outcome, and the outbox key of a request's card

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 22:30:00.000000

``then_rows``/``otherwise_rows`` hold the rows owed once a message is sent or refused
for good; ``conversation.card_key`` names the outbox row that posted the mentor's card,
so answering it updates the card wherever Slack put it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("then_rows", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("otherwise_rows", sa.JSON(), nullable=True))
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("card_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("conversation", schema=None) as batch_op:
        batch_op.drop_column("card_key")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("otherwise_rows")
        batch_op.drop_column("then_rows")
