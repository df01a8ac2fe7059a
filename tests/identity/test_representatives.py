"""onboarding.access_request.completed: identity creates the portal user, makes the first
representative of a company primary and later ones secondary, and invites each new user once."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from services.common.consumer import handle_message
from services.common.events import Event
from services.identity.models import Invitation, Membership, User, db

from .helpers import count, make_company, make_user, outbox


def _completed(company_id: str, email: str, locale: str = "fr") -> Event:
    data = {
        "access_request_id": str(uuid.uuid4()),
        "group": {"id": str(uuid.uuid4()), "name": "Billing"},
        "company_id": company_id,
        "contact": {"name": "Ana Lima", "email": email, "phone": "+33142685300", "locale": locale},
    }
    return Event("onboarding.access_request.completed", data, source="/onboarding")


def _deliver(app, event: Event) -> None:
    outcome = handle_message(app, event.to_json().encode(), 0)
    assert outcome.action == "ack", outcome


def _roles(app, company_id: str) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(User.email, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.company_id == company_id, Membership.active)
        ).all()
        return dict(rows)


def test_first_representative_primary_later_secondary_each_invited_once(app):
    company = make_company(app)
    first = _completed(company, "Ana@Client.example")
    _deliver(app, first)
    _deliver(app, first)  # redelivered: nothing more
    _deliver(app, _completed(company, "bob@client.example", locale="es"))
    assert _roles(app, company) == {
        "ana@client.example": "primary",
        "bob@client.example": "secondary",
    }
    assert count(app, Invitation) == 2
    sent = [e for e in outbox(app) if e["type"] == "identity.invitation.sent"]
    assert [e["data"]["user"]["email"] for e in sent] == [
        "ana@client.example",
        "bob@client.example",
    ]
    assert sent[0]["data"]["user"]["locale"] == "fr"
    assert sent[0]["data"]["companies"] == [{"id": company, "name": "Acme"}]
    changed = [e for e in outbox(app) if e["type"] == "identity.membership.changed"]
    assert [e["data"]["role"] for e in changed] == ["primary", "secondary"]


def test_existing_portal_user_joins_without_a_new_invitation(app):
    other, company = make_company(app, "Other"), make_company(app, "Acme")
    make_user(app, "known@client.example", kind="portal", companies=((other, "primary"),))
    _deliver(app, _completed(company, "known@client.example"))
    assert _roles(app, company) == {"known@client.example": "primary"}
    assert count(app, Invitation) == 0


def test_company_customer_group_is_kept_and_carried_in_events(app, client, admin):
    group_id = str(uuid.uuid4())
    created = client.post(
        "/api/v1/companies",
        json={"name": "Acme", "tax_id": "04-2103594", "customer_group_id": group_id},
        headers=admin.headers,
    )
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["customer_group_id"] == group_id
    (event,) = [e for e in outbox(app) if e["type"] == "identity.company.created"]
    assert event["data"]["customer_group_id"] == group_id
    bad = client.patch(
        f"/api/v1/companies/{created.get_json()['id']}",
        json={"customer_group_id": "not-an-id"},
        headers=admin.headers,
    )
    assert bad.status_code == 422 and "customer_group_id" in bad.get_json()["errors"]
