"""withdrawn collaborators

A collaborator who decided or signed can be withdrawn: they leave the audience, their record
stays marked withdrawn (when, by whom). Only a live collaboration is unique per person and role,
so the same person can be asked again.

Revision ID: 0004_h6matters_withdrawn
Revises: 0003
Create Date: 2026-11-26 14:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h6matters_withdrawn"
down_revision = "0003"
branch_labels = None
depends_on = None

LIVE = sa.text("withdrawn_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("collaborators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=36), nullable=True))
        batch_op.drop_constraint("uq_collaborators_role", type_="unique")
    op.create_index(
        "uq_collaborators_role",
        "collaborators",
        ["matter_id", "user_id", "role"],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )


def downgrade() -> None:
    # The old schema cannot say "withdrawn": kept, those rows would give access back and could
    # break the old constraint, so they go (their signature evidence with them).
    op.execute("DELETE FROM collaborators WHERE withdrawn_at IS NOT NULL")
    op.drop_index("uq_collaborators_role", table_name="collaborators")
    with op.batch_alter_table("collaborators", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_collaborators_role", ["matter_id", "user_id", "role"])
        batch_op.drop_column("withdrawn_by")
        batch_op.drop_column("withdrawn_at")
