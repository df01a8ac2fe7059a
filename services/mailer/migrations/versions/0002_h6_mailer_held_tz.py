"""held e-mails (waiting for the invitation) and the recipients' time zone

Revision ID: 0002_h6_mailer_held_tz
Revises: 0001
Create Date: 2026-11-26 15:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_h6_mailer_held_tz"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.drop_constraint("ck_emails_status", type_="check")
        batch_op.create_check_constraint("ck_emails_status", "status IN ('sent', 'failed', 'held')")


def downgrade() -> None:
    op.execute("UPDATE emails SET status = 'failed' WHERE status = 'held'")
    with op.batch_alter_table("emails", schema=None) as batch_op:
        batch_op.drop_constraint("ck_emails_status", type_="check")
        batch_op.create_check_constraint("ck_emails_status", "status IN ('sent', 'failed')")
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
