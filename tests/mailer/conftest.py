"""Fixtures of the mailer tests: an app on a fresh PostgreSQL database, the SMTP server, tokens."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from services.common.events import Event
from services.common.sealing import link_keys, seal, unseal
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
        MAIL_FROM="Dupont & Associés <portail@dupont.example>",
        TESTING=True,
    )
    app.extensions["portal"].verifier = minter.verifier()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@functools.cache
def sealed(link: str) -> str:
    """`link` sealed for the mailer as identity and onboarding send it (the tests' key); one
    link, one sealed string, as one invitation's e-mail and its resends carry."""
    return seal(link, {"MAIL_LINK_KEYS": link_keys()})


def opened(data: dict) -> str | None:
    """The link an event's data (or the e-mail log's copy of it) holds, opened; None if none."""
    value = data.get("sealed_url")
    return value and unseal(value, {"MAIL_LINK_KEYS": link_keys()})


def invitation_event(
    expires_at: str = "2026-12-01T09:30:00Z",
    accept_url: str = "https://portal.example.com/invitations/accept?token=s3cr3t-t0ken",
    **user,
) -> Event:
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
            "sealed_url": sealed(accept_url),
            "expires_at": expires_at,
            "invited_by": {"id": str(uuid.uuid4()), "name": "Jean Dupont"},
            "companies": [
                {"id": str(uuid.uuid4()), "name": "Acme SA"},
                {"id": str(uuid.uuid4()), "name": "Globex SARL"},
            ],
        },
    )


# An invitation still valid whenever the tests run (staff may resend only those).
LATER = "2099-01-01T00:00:00Z"
RESET_URL = "https://portal.example.com/portal/reset-password?token=r3s3t-t0ken"


def password_reset_event(**user) -> Event:
    """`identity.password_reset.requested` as identity publishes it (CONTRACTS.md)."""
    user_id = user.pop("id", str(uuid.uuid4()))
    return Event(
        type="identity.password_reset.requested",
        subject=user_id,
        source="/identity",
        data={
            "user": {
                "id": user_id,
                "email": "marie.curie@example.com",
                "name": "Marie Curie",
                "locale": "fr",
                "time_zone": "Europe/Paris",
                **user,
            },
            "sealed_url": sealed(RESET_URL),
            "expires_at": "2026-12-01T09:30:00Z",
        },
    )


def user_event(event_type: str, user_id: str, time: str, **data) -> Event:
    """`identity.user.created` / `.updated` as identity publishes it."""
    return Event(
        type=event_type,
        subject=user_id,
        source="/identity",
        time=time,
        data={
            "id": user_id,
            "email": "pablo@example.com",
            "name": "Pablo Picasso",
            "locale": "es",
            "time_zone": None,
            "kind": "portal",
            "role": None,
            "status": "invited",
            **data,
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


PORTAL_URL = "https://portal.example.com/matters/7d1c"
SHA_CONTRACT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
SHA_ANNEX = "60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752"


def matter(**fields) -> dict:
    return {
        "id": "7d1c",
        "kind": "contract",
        "reference": "C-2026-014",
        "title": "Supply agreement",
        "company_id": "c-1",
        "company_name": "Acme SA",
        **fields,
    }


def person(email: str, name: str, locale: str | None, **fields) -> dict:
    """A person as sharing describes one: {user_id, email, name, locale}."""
    return {"user_id": str(uuid.uuid4()), "email": email, "name": name, "locale": locale, **fields}


def sharing_event(event_type: str, **data) -> Event:
    """A `sharing.*` event as sharing publishes it; `data` completes or overrides the defaults."""
    defaults = {
        "sharing.matter.published": lambda: {
            "portal_url": PORTAL_URL,
            "shared_with": [
                person("marie@example.com", "Marie Curie", "fr", **{"as": "requester"})
            ],
        },
        "sharing.collaborator.added": lambda: {
            "portal_url": PORTAL_URL,
            "collaborator": person("lena@example.com", "Lena Meier", "en", id="k1", role="signee"),
        },
        "sharing.approval.decided": lambda: {
            "collaborator": person(
                "pablo@example.com", "Pablo Ruiz", "es", id="k2", role="approver"
            ),
            "decision": "rejected",
            "comment": "Clause 4 must cap the penalties.",
            "decided_at": "2026-11-29T16:45:00Z",
            "notify": [person("jean@dupont.example", "Jean Dupont", "fr")],
        },
        "sharing.signature.signed": lambda: {
            "collaborator": person("lena@example.com", "Lena Meier", "en", id="k1", role="signee"),
            "full_name": "Lena Sophie Meier",
            "signed_at": "2026-12-01T08:15:00Z",
            "documents": [
                {"document_id": "d1", "name": "Supply agreement.pdf", "sha256": SHA_CONTRACT},
                {"document_id": "d2", "name": "Annex A – prices.pdf", "sha256": SHA_ANNEX},
            ],
            "notify": [person("jean@dupont.example", "Jean Dupont", "fr")],
        },
        "sharing.client_activity": lambda: {
            "activity": "document_uploaded",
            "client": person("lena@example.com", "Lena Meier", "en"),
            "document": {"id": "d3", "name": "Signed lease.pdf", "size": 1234},
            "replaces": {"id": "d1", "name": "Lease.pdf"},
            "at": "2026-12-02T09:30:00Z",
            "notify": [person("jean@dupont.example", "Jean Dupont", "fr")],
        },
    }[event_type]()
    return Event(
        type=event_type,
        subject="7d1c",
        source="/sharing",
        data={"matter": matter(), **defaults, **data},
    )
