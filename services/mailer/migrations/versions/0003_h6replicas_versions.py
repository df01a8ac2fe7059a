"""recipients ordered by identity's versions

The recipients replica keeps identity's version of the user instead of the time of the last
event (wall clocks do not order two transactions).

Revision ID: 0003_h6replicas_versions
Revises: 0002_h6_mailer_held_tz
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_h6replicas_versions"
down_revision = "0002_h6_mailer_held_tz"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recipients") as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_column("changed_at")


def downgrade() -> None:
    with op.batch_alter_table("recipients") as batch_op:
        batch_op.add_column(
            sa.Column(
                "changed_at",
                sa.DateTime(timezone=True),
                server_default=sa.text("CURRENT_TIMESTAMP"),
                nullable=False,
            )
        )
        batch_op.drop_column("version")
