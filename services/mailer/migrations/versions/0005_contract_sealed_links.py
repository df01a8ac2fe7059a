"""e-mail log keeps links sealed

identity and onboarding now send links that carry a live token sealed for the mailer alone
(`sealed_url`, services/common/sealing.py), and the log keeps them sealed. Invitation links the
log kept in clear are sealed with MAIL_LINK_KEYS (or forgotten when no key is set: staff invite
the person again); the other links were never kept, their field is renamed.

Revision ID: 0005_contract_sealed_links
Revises: 0004_relay_outbox_order
"""

import sqlalchemy as sa
from alembic import op

from services.common.sealing import link_keys, seal

revision = "0005_contract_sealed_links"
down_revision = "0004_relay_outbox_order"
branch_labels = None
depends_on = None

# event type -> the field that held its link in clear
CLEAR_FIELDS = {
    "identity.invitation.sent": "accept_url",
    "identity.password_reset.requested": "reset_url",
    "onboarding.resume_link.issued": "resume_url",
    "identity.link.issued": "url",
}
emails = sa.table(
    "emails",
    sa.column("id", sa.String),
    sa.column("event_type", sa.String),
    sa.column("event_data", sa.JSON),
)


def _rows(connection: sa.Connection) -> list:
    return connection.execute(
        sa.select(emails.c.id, emails.c.event_type, emails.c.event_data).where(
            emails.c.event_type.in_(list(CLEAR_FIELDS))
        )
    ).all()


def upgrade() -> None:
    connection = op.get_bind()
    config = {"MAIL_LINK_KEYS": link_keys()}
    for row_id, event_type, data in _rows(connection):
        clear = CLEAR_FIELDS[event_type]
        if clear not in data:
            continue
        data = dict(data)
        link = data.pop(clear)
        # Only invitation links are kept (for resends); the others are None already.
        keep = link and event_type == "identity.invitation.sent" and config["MAIL_LINK_KEYS"]
        data["sealed_url"] = seal(link, config) if keep else None
        connection.execute(emails.update().where(emails.c.id == row_id).values(event_data=data))


def downgrade() -> None:
    connection = op.get_bind()
    for row_id, event_type, data in _rows(connection):
        if "sealed_url" not in data:
            continue
        data = dict(data)
        data.pop("sealed_url")
        data[CLEAR_FIELDS[event_type]] = None  # never back in clear: the links are forgotten
        connection.execute(emails.update().where(emails.c.id == row_id).values(event_data=data))
