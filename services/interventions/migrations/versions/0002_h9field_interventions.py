"""interventions tables: replicas, sites, equipment, types, interventions, options

Revision ID: 0002_h9field_interventions
Revises: 0001
Create Date: 2026-11-26 14:50:40.822293
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_h9field_interventions"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Intervention numbers: never handed out twice, even after a rolled-back creation.
        op.execute(sa.schema.CreateSequence(sa.Sequence("intervention_number_seq")))
    op.create_table(
        "companies",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=True),
        sa.Column("extra_info", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=True),
        sa.Column("address_line2", sa.String(length=200), nullable=True),
        sa.Column("address_postal_code", sa.String(length=20), nullable=True),
        sa.Column("address_city", sa.String(length=100), nullable=True),
        sa.Column("address_country", sa.String(length=100), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=50), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "intervention_types",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "portal_options",
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("portal_enabled", sa.Boolean(), nullable=True),
        sa.Column("create_allowed", sa.Boolean(), nullable=True),
        sa.Column("attachments_shown", sa.Boolean(), nullable=True),
        sa.Column("equipment_shown", sa.Boolean(), nullable=True),
        sa.Column("gallery_shown", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("company_id"),
    )
    op.create_table(
        "revoked_links",
        sa.Column("link_id", sa.String(length=36), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("link_id"),
    )
    op.create_table(
        "extra_fields",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("type_id", sa.String(length=36), nullable=False),
        sa.Column("key", sa.String(length=50), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["type_id"], ["intervention_types.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("type_id", "key"),
    )
    op.create_table(
        "sites",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=True),
        sa.Column("address_line2", sa.String(length=200), nullable=True),
        sa.Column("address_postal_code", sa.String(length=20), nullable=True),
        sa.Column("address_city", sa.String(length=100), nullable=True),
        sa.Column("address_country", sa.String(length=100), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_sites_company_id"), "sites", ["company_id"], unique=False)
    op.create_table(
        "equipment",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=True),
        sa.Column("serial", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_equipment_company_id"), "equipment", ["company_id"], unique=False)
    op.create_index(op.f("ix_equipment_site_id"), "equipment", ["site_id"], unique=False)
    op.create_table(
        "interventions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("number", sa.BigInteger(), nullable=False),
        sa.Column("company_id", sa.String(length=36), nullable=False),
        sa.Column("site_id", sa.String(length=36), nullable=True),
        sa.Column("equipment_id", sa.String(length=36), nullable=True),
        sa.Column("type_id", sa.String(length=36), nullable=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("technician", sa.String(length=200), nullable=True),
        sa.Column("locale", sa.String(length=5), nullable=False),
        sa.Column("created_by", sa.String(length=50), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("address_line1", sa.String(length=200), nullable=True),
        sa.Column("address_line2", sa.String(length=200), nullable=True),
        sa.Column("address_postal_code", sa.String(length=20), nullable=True),
        sa.Column("address_city", sa.String(length=100), nullable=True),
        sa.Column("address_country", sa.String(length=100), nullable=True),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=50), nullable=True),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
        ),
        sa.ForeignKeyConstraint(
            ["equipment_id"],
            ["equipment.id"],
        ),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
        ),
        sa.ForeignKeyConstraint(
            ["type_id"],
            ["intervention_types.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("created_by", "idempotency_key"),
        sa.UniqueConstraint("number"),
    )
    op.create_index(
        "ix_interventions_company_created",
        "interventions",
        ["company_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_interventions_equipment_id"), "interventions", ["equipment_id"], unique=False
    )
    op.create_index(op.f("ix_interventions_site_id"), "interventions", ["site_id"], unique=False)
    op.create_index(
        "ix_interventions_status_created", "interventions", ["status", "created_at"], unique=False
    )
    op.create_table(
        "status_changes",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("intervention_id", sa.String(length=36), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("by", sa.String(length=50), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["intervention_id"], ["interventions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_status_changes_intervention_id"),
        "status_changes",
        ["intervention_id"],
        unique=False,
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.schema.DropSequence(sa.Sequence("intervention_number_seq")))
    op.drop_index(op.f("ix_status_changes_intervention_id"), table_name="status_changes")
    op.drop_table("status_changes")
    op.drop_index("ix_interventions_status_created", table_name="interventions")
    op.drop_index(op.f("ix_interventions_site_id"), table_name="interventions")
    op.drop_index(op.f("ix_interventions_equipment_id"), table_name="interventions")
    op.drop_index("ix_interventions_company_created", table_name="interventions")
    op.drop_table("interventions")
    op.drop_index(op.f("ix_equipment_site_id"), table_name="equipment")
    op.drop_index(op.f("ix_equipment_company_id"), table_name="equipment")
    op.drop_table("equipment")
    op.drop_index(op.f("ix_sites_company_id"), table_name="sites")
    op.drop_table("sites")
    op.drop_table("extra_fields")
    op.drop_table("revoked_links")
    op.drop_table("portal_options")
    op.drop_table("intervention_types")
    op.drop_table("companies")
