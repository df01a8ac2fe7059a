"""replicas ordered by identity's versions

Companies, users and memberships replicated from identity keep the owner's version of the
record instead of the time of the last event (wall clocks do not order two transactions).

Revision ID: 0005_h6replicas_versions
Revises: 0004_h6matters_withdrawn
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_h6replicas_versions"
down_revision = "0004_h6matters_withdrawn"
branch_labels = None
depends_on = None

TABLES = ("companies", "users", "memberships")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), server_default="0", nullable=False)
            )
            batch_op.drop_column("source_time")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column(
                    "source_time",
                    sa.DateTime(timezone=True),
                    server_default=sa.text("CURRENT_TIMESTAMP"),
                    nullable=False,
                )
            )
            batch_op.drop_column("version")
