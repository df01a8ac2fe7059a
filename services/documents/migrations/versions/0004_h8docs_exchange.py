"""document exchange: per-contact shares, client uploads, version numbers and text, download
default per matter, access record

Revision ID: 0004_h8docs_exchange
Revises: 0003_h6replicas_users
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_h8docs_exchange"
down_revision = "0003_h6replicas_users"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "matters",
        sa.Column(
            "download_allowed_by_default", sa.Boolean(), server_default=sa.false(), nullable=False
        ),
    )
    # Existing documents keep their explicit setting; new ones follow the matter's default.
    with op.batch_alter_table("documents") as batch:  # a table copy on SQLite
        batch.alter_column("download_allowed", existing_type=sa.Boolean(), nullable=True)
        batch.add_column(
            sa.Column("from_client", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch.add_column(sa.Column("replaces_id", sa.String(length=36), nullable=True))
    op.add_column("versions", sa.Column("number", sa.Integer(), server_default="1", nullable=False))
    op.add_column("versions", sa.Column("text", sa.Text(), nullable=True))
    op.execute(
        "UPDATE versions SET number = ranked.n FROM (SELECT id, row_number() OVER "
        "(PARTITION BY document_id ORDER BY created_at, id) AS n FROM versions) AS ranked "
        "WHERE versions.id = ranked.id"
    )
    if op.get_bind().dialect.name == "postgresql":  # SQLite searches with LIKE, unindexed
        op.create_index(
            "ix_versions_text_search",
            "versions",
            [sa.text("to_tsvector('simple', coalesce(text, ''))")],
            postgresql_using="gin",
        )
    op.create_table(
        "document_shares",
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("shared_by", sa.String(length=36), nullable=False),
        sa.Column("shared_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("document_id", "user_id"),
    )
    # Covering: a contact's shares in a matter are read from the index alone.
    op.create_index(
        "ix_document_shares_matter_user",
        "document_shares",
        ["matter_id", "user_id", "document_id"],
    )
    # The listings' order (by name) read from the index: a page without sorting the matter.
    op.create_index("ix_documents_matter_name", "documents", ["matter_id", "name", "id"])
    op.create_table(
        "access_records",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("document_id", sa.String(length=36), nullable=False),
        sa.Column("version_id", sa.String(length=36), nullable=False),
        sa.Column("matter_id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=False),
        sa.Column("user_email", sa.String(length=320), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["document_id"], ["documents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_access_records_document_at", "access_records", ["document_id", "at"])
    op.create_index("ix_access_records_user_at", "access_records", ["user_id", "at"])
    op.create_index("ix_access_records_company_id", "access_records", ["company_id"])


def downgrade() -> None:
    op.drop_index("ix_documents_matter_name", table_name="documents")
    op.drop_table("access_records")
    op.drop_table("document_shares")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_versions_text_search", table_name="versions")
    op.drop_column("versions", "text")
    op.drop_column("versions", "number")
    op.drop_column("documents", "replaces_id")
    op.drop_column("documents", "from_client")
    with op.batch_alter_table("documents") as batch:
        batch.alter_column("download_allowed", existing_type=sa.Boolean(), nullable=False)
    op.drop_column("matters", "download_allowed_by_default")
