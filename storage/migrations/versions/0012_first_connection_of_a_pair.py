"""the first connection of a pair, stored

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 12:00:00.000000

``connection.first_of_pair`` marks the first row between two people, this way round (the
earliest ``made_at``, the lower ID between two made at the same moment): the digest's
new connections, silo table and goal standings count first connections, and without the
mark each of a quarter's rows looked for an earlier one. Existing rows are marked here;
``storage.connections.record_connection`` keeps new ones right. The two connection
indexes the digest reads carry the mark, so its range scans still need no table row.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_connection_made_at", ["made_at", "person_id", "other_id"]),
    ("ix_connection_pair_made_at", ["person_id", "other_id", "made_at"]),
)


def upgrade() -> None:
    with op.batch_alter_table("connection", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("first_of_pair", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    connection = sa.table(
        "connection",
        sa.column("id"),
        sa.column("person_id"),
        sa.column("other_id"),
        sa.column("made_at"),
        sa.column("first_of_pair"),
    )
    e = connection.alias("e")
    earlier = (
        sa.select(sa.literal(1))
        .where(
            e.c.person_id == connection.c.person_id,
            e.c.other_id == connection.c.other_id,
            sa.or_(
                e.c.made_at < connection.c.made_at,
                sa.and_(e.c.made_at == connection.c.made_at, e.c.id < connection.c.id),
            ),
        )
        .exists()
    )
    op.execute(sa.update(connection).where(~earlier).values(first_of_pair=sa.true()))
    with op.batch_alter_table("connection", schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.drop_index(name)
            batch_op.create_index(name, [*columns, "first_of_pair"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("connection", schema=None) as batch_op:
        for name, columns in INDEXES:
            batch_op.drop_index(name)
            batch_op.create_index(name, columns, unique=False)
    with op.batch_alter_table("connection", schema=None) as batch_op:
        batch_op.drop_column("first_of_pair")
