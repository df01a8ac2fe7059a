"""Upgrading a database that already has users: pending invitations keep working."""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import command

from services.common import migrate
from services.identity import create_app
from services.identity.tokens import token_hash


def test_invitations_sent_before_the_upgrade_are_bound_to_the_users_address(new_database, amqp_url):
    url = new_database("identity", migrated=False)
    command.upgrade(migrate.alembic_config("identity", url), "0001")
    raw = secrets.token_urlsafe(32)
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO users (id, email, name, locale, kind, status, created_at, updated_at)"
                " VALUES ('u-1', 'dana@client.example', 'Dana', 'en', 'portal', 'invited',"
                " now(), now())"
            )
        )
        connection.execute(
            sa.text(
                "INSERT INTO invitations (id, user_id, token_hash, expires_at, created_at)"
                " VALUES ('i-1', 'u-1', :hash, now() + interval '1 day', now())"
            ),
            {"hash": token_hash(raw)},
        )
    migrate.upgrade("identity", url)
    with engine.connect() as connection:
        email = connection.scalar(sa.text("SELECT email FROM invitations WHERE id = 'i-1'"))
    engine.dispose()
    assert email == "dana@client.example"
    client = create_app(SQLALCHEMY_DATABASE_URI=url, AMQP_URL=amqp_url).test_client()
    inspected = client.post("/api/v1/auth/invitations/inspect", json={"token": raw})
    assert inspected.status_code == 200 and inspected.json["email"] == "dana@client.example"
