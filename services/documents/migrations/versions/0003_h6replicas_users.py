"""users replica

A minimal replica of identity's users (status and version) so that the tokens of a disabled
account are refused here within a second of identity announcing it.

Revision ID: 0003_h6replicas_users
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_h6replicas_users"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=True),
        sa.Column("version", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("users")
