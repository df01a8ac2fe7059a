"""field attachments: documents owned by an intervention or a company, photo thumbnails, and the
replicas that authorize them (interventions, portal options, revoked links)

Revision ID: 0005_h9att_field_attachments
Revises: 0004_h8docs_exchange
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_h9att_field_attachments"
down_revision = "0004_h8docs_exchange"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:  # a table copy on SQLite
        batch.alter_column("matter_id", existing_type=sa.String(length=36), nullable=True)
        batch.add_column(sa.Column("owner_type", sa.String(length=20), nullable=True))
        batch.add_column(sa.Column("owner_id", sa.String(length=36), nullable=True))
    op.create_index(
        "ix_documents_owner_name", "documents", ["owner_type", "owner_id", "name", "id"]
    )
    op.add_column("versions", sa.Column("thumbnail_key", sa.String(length=200), nullable=True))
    op.create_table(
        "field_interventions",
        sa.Column("intervention_id", sa.String(length=36), primary_key=True),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("number", sa.String(length=20), nullable=False),
    )
    op.create_index("ix_field_interventions_company_id", "field_interventions", ["company_id"])
    op.create_table(
        "field_options",
        sa.Column("company_id", sa.String(length=36), primary_key=True),
        sa.Column("portal_enabled", sa.Boolean(), nullable=True),
        sa.Column("attachments_shown", sa.Boolean(), nullable=True),
        sa.Column("gallery_shown", sa.Boolean(), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "revoked_links",
        sa.Column("link_id", sa.String(length=36), primary_key=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("revoked_links")
    op.drop_table("field_options")
    op.drop_index("ix_field_interventions_company_id", table_name="field_interventions")
    op.drop_table("field_interventions")
    op.drop_column("versions", "thumbnail_key")
    op.drop_index("ix_documents_owner_name", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("owner_id")
        batch.drop_column("owner_type")
        batch.alter_column("matter_id", existing_type=sa.String(length=36), nullable=False)
