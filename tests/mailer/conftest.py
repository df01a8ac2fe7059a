"""Fixtures of the mailer tests: an app on a fresh PostgreSQL database, the SMTP server, tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from services.common.events import Event
from services.common.testing import TokenMinter
from services.mailer import create_app
from services.mailer.models import Email, OutboxEvent, db


@pytest.fixture(scope="session")
def minter() -> TokenMinter:
    return TokenMinter()


@pytest.fixture
def mail(smtp_server):
    """The real SMTP server, emptied for this test."""
    smtp_server.clear()
    return smtp_server


@pytest.fixture
def app(new_database, amqp_url, mail, minter) -> Iterator:
    app = create_app(
        SQLALCHEMY_DATABASE_URI=new_database("mailer"),
        AMQP_URL=amqp_url,
        SMTP_HOST=mail.host,
        SMTP_PORT=mail.port,
        SMTP_TIMEOUT=5.0,
        RETRY_DELAYS=[0.2, 0.5],
        PORTAL_FIRM_NAME="Dupont & Associés",
        TESTING=True,
    )
    app.extensions["portal"].verifier = minter.verifier()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


def invitation_event(**user) -> Event:
    """`identity.invitation.sent` as identity publishes it."""
    user_id = user.pop("id", str(uuid.uuid4()))
    return Event(
        type="identity.invitation.sent",
        subject=user_id,
        source="/identity",
        data={
            "invitation_id": str(uuid.uuid4()),
            "user": {
                "id": user_id,
                "email": "marie.curie@example.com",
                "name": "Marie Curie",
                "locale": "fr",
                **user,
            },
            "accept_url": "https://portal.example.com/invitations/accept?token=s3cr3t-t0ken",
            "expires_at": "2026-12-01T09:30:00Z",
            "invited_by": {"id": str(uuid.uuid4()), "name": "Jean Dupont"},
            "companies": [
                {"id": str(uuid.uuid4()), "name": "Acme SA"},
                {"id": str(uuid.uuid4()), "name": "Globex SARL"},
            ],
        },
    )


def body(event: Event) -> bytes:
    return event.to_json().encode()


def emails(app) -> list[Email]:
    with app.app_context():
        rows = db.session.scalars(sa.select(Email).order_by(Email.created_at)).all()
        db.session.expunge_all()
        return rows


def outbox(app, event_type: str) -> list[Event]:
    with app.app_context():
        rows = db.session.scalars(
            sa.select(OutboxEvent)
            .where(OutboxEvent.event_type == event_type)
            .order_by(OutboxEvent.created_at)
        ).all()
        return [Event.from_json(row.payload) for row in rows]
