"""Upgrading an e-mail log that kept invitation links in clear: they are kept sealed."""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import command

from services.common import migrate
from services.common.sealing import link_keys, unseal

LINK = "https://portal.example/portal/accept-invitation?token=cl34r-t0ken"
ROWS = {
    "e-invite": ("identity.invitation.sent", {"accept_url": LINK, "user": {"id": "u-1"}}),
    "e-dead": ("identity.invitation.sent", {"accept_url": None, "user": {"id": "u-2"}}),
    "e-reset": ("identity.password_reset.requested", {"reset_url": None, "user": {"id": "u-1"}}),
    "e-shared": ("sharing.matter.published", {"portal_url": "https://portal.example/m/1"}),
}


def test_clear_invitation_links_are_sealed_and_the_other_fields_renamed(new_database):
    url = new_database("mailer", migrated=False)
    command.upgrade(migrate.alembic_config("mailer", url), "0003_h6replicas_versions")
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for row_id, (event_type, data) in ROWS.items():
            connection.execute(
                sa.text(
                    "INSERT INTO emails (id, event_id, event_type, recipient_email, "
                    "recipient_name, locale, template, subject, status, message_id, "
                    "resend_count, event_data, created_at) VALUES (:id, :id, :type, "
                    "'dana@client.example', 'Dana', 'en', 't', 's', 'sent', 'm', 0, :data, now())"
                ),
                {"id": row_id, "type": event_type, "data": json.dumps(data)},
            )
    migrate.upgrade("mailer", url)
    with engine.connect() as connection:
        logged = dict(connection.execute(sa.text("SELECT id, event_data FROM emails")).all())
    engine.dispose()

    assert "cl34r-t0ken" not in json.dumps(logged)
    invite = logged["e-invite"]
    assert "accept_url" not in invite
    assert unseal(invite["sealed_url"], {"MAIL_LINK_KEYS": link_keys()}) == LINK
    assert logged["e-dead"] == {"sealed_url": None, "user": {"id": "u-2"}}
    assert logged["e-reset"] == {"sealed_url": None, "user": {"id": "u-1"}}
    assert logged["e-shared"] == ROWS["e-shared"][1]
