"""Secure access links: issued once, stored hashed, exchanged for a scoped session, revoked."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import sqlalchemy as sa

from services.identity.models import Company, SecureLink, db

from .helpers import assert_problem, make_company, open_link, outbox


def _issue(client, agent, company_id: str, **body: object):
    return client.post(
        "/api/v1/secure-links", json={"company_id": company_id, **body}, headers=agent.headers
    )


def test_a_link_is_shown_once_stored_hashed_and_opens_a_scoped_session(app, client, agent):
    company = make_company(app, "Acme")
    site = str(uuid.uuid4())
    issued = _issue(client, agent, company, scope={"type": "site", "id": site})
    assert issued.status_code == 201 and issued.headers["Cache-Control"] == "no-store"
    body = issued.get_json()
    assert len(body["token"]) >= 43  # 256 bits, base64url
    assert body["url"] == f"https://portal.example/portal/link?token={body['token']}"
    with app.app_context():
        stored = db.session.get(SecureLink, body["id"])
        assert stored.token_hash != body["token"] and body["token"] not in stored.token_hash

    listed = client.get(f"/api/v1/secure-links?company_id={company}", headers=agent.headers)
    assert "token" not in listed.get_json()["items"][0]

    session = client.post("/api/v1/auth/links/exchange", json={"token": body["token"]})
    assert session.status_code == 200
    opened = session.get_json()
    claims = jwt.decode(opened["access_token"], options={"verify_signature": False})
    assert claims["kind"] == "link" and claims["link"] == body["id"]
    assert claims["company"] == company and claims["scope"] == {"type": "site", "id": site}
    assert opened["company"]["name"] == "Acme" and opened["expires_in"] <= 900


def test_a_revoked_or_expired_link_opens_nothing_and_revocation_is_announced(app, client, agent):
    company = make_company(app)
    link = _issue(client, agent, company).get_json()
    assert (
        client.delete(f"/api/v1/secure-links/{link['id']}", headers=agent.headers).status_code
        == 204
    )
    refused = client.post("/api/v1/auth/links/exchange", json={"token": link["token"]})
    assert_problem(refused, 400, "LINK_INVALID")
    revoked = [e for e in outbox(app) if e["type"] == "identity.link.revoked"]
    assert revoked[0]["data"]["id"] == link["id"]

    later = _issue(client, agent, company, expires_at="2030-01-01T00:00:00Z").get_json()
    with app.app_context():
        db.session.execute(
            sa.update(SecureLink)
            .where(SecureLink.id == later["id"])
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        db.session.commit()
    expired = client.post("/api/v1/auth/links/exchange", json={"token": later["token"]})
    assert_problem(expired, 400, "LINK_INVALID")
    shown = client.get(f"/api/v1/secure-links/{later['id']}", headers=agent.headers).get_json()
    assert shown["status"] == "expired"


def test_a_link_is_emailed_to_the_contact_only_when_asked_and_possible(app, client, agent):
    company = make_company(app)
    no_contact = _issue(client, agent, company, send_to_contact=True)
    assert_problem(no_contact, 422)
    with app.app_context():
        row = db.session.get(Company, company)
        row.contact_email, row.contact_name = "claire@acme.example", "Claire"
        db.session.commit()
    link = _issue(client, agent, company, send_to_contact=True, locale="fr").get_json()
    issued = [e for e in outbox(app) if e["type"] == "identity.link.issued"]
    assert issued[0]["data"]["contact"]["email"] == "claire@acme.example"
    assert open_link(issued[0]["data"]["sealed_url"]) == link["url"]
    assert link["token"] not in json.dumps(issued[0]) and issued[0]["data"]["locale"] == "fr"


def test_bad_links_are_clear_4xx(app, client, agent):
    company = make_company(app)
    assert_problem(_issue(client, agent, company, scope={"type": "site"}), 422)
    assert_problem(_issue(client, agent, company, scope={"type": "planet", "id": company}), 422)
    assert_problem(_issue(client, agent, str(uuid.uuid4())), 404)
    assert_problem(_issue(client, agent, company, expires_at="2001-01-01T00:00:00Z"), 422)
    forged = client.post("/api/v1/auth/links/exchange", json={"token": "x" * 43})
    assert_problem(forged, 400, "LINK_INVALID")
