"""users replica

A minimal replica of identity's users (status and version) so that the tokens of a disabled
representative are refused here as soon as identity announces it.

Revision ID: 0003_h10followup_users
Revises: 0002_h10onboarding_groups
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_h10followup_users"
down_revision = "0002_h10onboarding_groups"
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
