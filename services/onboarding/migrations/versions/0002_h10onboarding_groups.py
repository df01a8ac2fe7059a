"""customer groups, signup links, access requests

Revision ID: 0002_h10onboarding_groups
Revises: 0001
Create Date: 2026-11-26 15:02:59.719666
"""

import sqlalchemy as sa
from alembic import op

from services.common.models import UTCDateTime

revision = "0002_h10onboarding_groups"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("customer_group_id", sa.String(length=36), nullable=True),
        sa.Column("tax_id", sa.String(length=50), nullable=True),
        sa.Column("tax_id_digits", sa.String(length=50), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_companies_customer_group_id"), ["customer_group_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_companies_tax_id_digits"), ["tax_id_digits"], unique=False
        )

    op.create_table(
        "customer_groups",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("portal_enabled", sa.Boolean(), nullable=False),
        sa.Column("requires_approval", sa.Boolean(), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("terms_version", sa.Integer(), nullable=False),
        sa.Column("terms_updated_at", UTCDateTime(), nullable=True),
        sa.Column("tax_id_format", sa.String(length=20), nullable=False),
        sa.Column("email_help_url", sa.String(length=500), nullable=True),
        sa.Column("messages", sa.JSON(), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "guess_attempts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ip", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("guess_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_guess_attempts_ip_at", ["ip", "at"], unique=False)

    op.create_table(
        "representatives",
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column("time_zone", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "user_id"),
    )
    op.create_table(
        "signup_links",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("group_id", sa.String(length=36), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["group_id"], ["customer_groups.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("signup_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signup_links_group_id"), ["group_id"], unique=False)

    op.create_table(
        "access_requests",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("group_id", sa.String(length=36), nullable=False),
        sa.Column("signup_link_id", sa.String(length=36), nullable=False),
        sa.Column("resume_token_hash", sa.String(length=64), nullable=False),
        sa.Column("resume_expires_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("terms_version", sa.Integer(), nullable=True),
        sa.Column("terms_accepted_at", UTCDateTime(), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=32), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("tax_id", sa.String(length=20), nullable=True),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("answered", sa.Boolean(), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=True),
        sa.Column("submitted_at", UTCDateTime(), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=36), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["group_id"], ["customer_groups.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["signup_link_id"], ["signup_links.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("resume_token_hash"),
    )
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_requests_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_access_requests_contact_email"), ["contact_email"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_access_requests_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_access_requests_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("access_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_requests_status"))
        batch_op.drop_index(batch_op.f("ix_access_requests_group_id"))
        batch_op.drop_index(batch_op.f("ix_access_requests_contact_email"))
        batch_op.drop_index(batch_op.f("ix_access_requests_company_id"))

    op.drop_table("access_requests")
    with op.batch_alter_table("signup_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signup_links_group_id"))

    op.drop_table("signup_links")
    op.drop_table("representatives")
    with op.batch_alter_table("guess_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_guess_attempts_ip_at")

    op.drop_table("guess_attempts")
    op.drop_table("customer_groups")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_companies_tax_id_digits"))
        batch_op.drop_index(batch_op.f("ix_companies_customer_group_id"))

    op.drop_table("companies")
