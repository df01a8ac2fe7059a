"""company customer group

Revision ID: 0005_h10onboarding_group_id
Revises: 0004_h9field_secure_links
Create Date: 2026-11-26 15:03:06.812081
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_h10onboarding_group_id"
down_revision = "0004_h9field_secure_links"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_group_id", sa.String(length=36), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_companies_customer_group_id"), ["customer_group_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_companies_customer_group_id"))
        batch_op.drop_column("customer_group_id")
