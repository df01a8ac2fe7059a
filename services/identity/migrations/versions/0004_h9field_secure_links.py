"""secure access links

Revision ID: 0004_h9field_secure_links
Revises: 0003_h6replicas_versions
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h9field_secure_links"
down_revision = "0003_h6replicas_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "secure_links",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("scope_type", sa.String(length=20), nullable=False),
        sa.Column("scope_id", sa.String(length=36), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=36), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_secure_links_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_secure_links_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash", name=op.f("uq_secure_links_token_hash")),
    )
    op.create_index(
        op.f("ix_secure_links_company_id"), "secure_links", ["company_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_secure_links_company_id"), table_name="secure_links")
    op.drop_table("secure_links")
