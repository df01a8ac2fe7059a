"""outbox order and wake-up for the relay

A sequence number taken at insert orders the relay's publishing; on PostgreSQL a trigger
NOTIFYs the relay when a transaction that wrote outbox rows commits.

Revision ID: 0006_relay_outbox_order
Revises: 0005_h6replicas_versions
"""

from alembic import op

from services.common.models import add_outbox_order, drop_outbox_order

revision = "0006_relay_outbox_order"
down_revision = "0005_h6replicas_versions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    add_outbox_order(op)


def downgrade() -> None:
    drop_outbox_order(op)
