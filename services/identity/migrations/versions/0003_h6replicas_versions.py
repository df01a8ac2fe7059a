"""versions of replicated records

Companies, users and memberships carry a version bumped with every event about them; other
services' replicas apply only a greater one. Existing rows start at 0.

Revision ID: 0003_h6replicas_versions
Revises: 0002_h6identity_portal_api
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_h6replicas_versions"
down_revision = "0002_h6identity_portal_api"
branch_labels = None
depends_on = None

TABLES = ("companies", "users", "memberships")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.add_column(
                sa.Column("version", sa.Integer(), server_default="0", nullable=False)
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch_op:
            batch_op.drop_column("version")
