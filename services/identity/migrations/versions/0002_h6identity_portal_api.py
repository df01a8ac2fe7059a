"""time zones, address-bound invitations, password resets, refresh-token family lifetime

Revision ID: 0002_h6identity_portal_api
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_h6identity_portal_api"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))

    # Invitations already sent were sent to the user's address as it is today.
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
    op.execute(
        "UPDATE invitations SET email = "
        "(SELECT email FROM users WHERE users.id = invitations.user_id)"
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=254), nullable=False)

    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("family_expires_at", sa.DateTime(timezone=True)))
        batch_op.add_column(sa.Column("rotated_by", sa.String(length=64), nullable=True))

    op.create_table(
        "password_resets",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_password_resets_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_resets_token_hash")),
    )
    with op.batch_alter_table("password_resets", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_password_resets_user_id"), ["user_id"], unique=False)

    op.create_table(
        "password_reset_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("password_reset_requests", schema=None) as batch_op:
        batch_op.create_index("ix_password_reset_requests_email_at", ["email", "at"], unique=False)
        batch_op.create_index("ix_password_reset_requests_ip_at", ["ip", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("password_reset_requests")
    op.drop_table("password_resets")
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_column("rotated_by")
        batch_op.drop_column("family_expires_at")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("email")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
