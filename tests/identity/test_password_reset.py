"""Forgotten password: asking for a link (same answer for every address), choosing a new password
with it once, and the throttling of requests."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from services.common.models import utcnow
from services.identity.models import PasswordReset, db

from .helpers import PASSWORD, assert_problem, make_user, open_link, outbox, sign_in

NEW_PASSWORD = "lantern orchard velvet 42"


def _ask(client, email: str, address: str = "203.0.113.5"):
    return client.post(
        "/api/v1/auth/password-reset", json={"email": email}, headers={"X-Forwarded-For": address}
    )


def _reset_token(app) -> str:
    (event,) = [e for e in outbox(app) if e["type"] == "identity.password_reset.requested"][-1:]
    link = open_link(event["data"]["sealed_url"])
    return parse_qs(urlsplit(link).query)["token"][0]


def _confirm(client, token: str, password: str = NEW_PASSWORD):
    return client.post(
        "/api/v1/auth/password-reset/confirm", json={"token": token, "password": password}
    )


def test_request_publishes_the_link_for_the_mailer(app, client):
    user_id = make_user(app, "dana@client.example", name="Dana")
    response = _ask(client, "  Dana@Client.Example ")
    assert response.status_code == 202 and response.get_json() == {}
    (event,) = outbox(app)
    assert event["type"] == "identity.password_reset.requested" and event["subject"] == user_id
    data = event["data"]
    token = _reset_token(app)
    assert data == {
        "user": {
            "id": user_id,
            "email": "dana@client.example",
            "name": "Dana",
            "locale": "en",
            "time_zone": None,
        },
        "sealed_url": data["sealed_url"],
        "expires_at": data["expires_at"],
    }
    # Sealed for the mailer alone: the event itself shows no token.
    assert open_link(data["sealed_url"]) == (
        f"https://portal.example/portal/reset-password?token={token}"
    )
    assert token not in json.dumps(event)
    assert len(token) >= 43 and data["expires_at"].endswith("Z")
    with app.app_context():
        reset = db.session.scalars(sa.select(PasswordReset)).one()
        assert token not in reset.token_hash  # only the hash is kept
        assert timedelta(minutes=59) < reset.expires_at - reset.created_at <= timedelta(hours=1)


def test_unknown_invited_and_disabled_addresses_get_the_same_answer_and_no_mail(app, client):
    make_user(app, "new@client.example", status="invited")
    make_user(app, "gone@client.example", status="disabled")
    known = _ask(client, "dana@client.example")  # no such user: same 202
    for email in ("nobody@client.example", "new@client.example", "gone@client.example"):
        response = _ask(client, email)
        assert (response.status_code, response.get_json()) == (known.status_code, {})
    assert outbox(app) == []


def test_the_link_sets_a_new_password_once_and_signs_out_elsewhere(app, client):
    user_id = make_user(app, "dana@client.example", name="Dana")
    elsewhere = sign_in(client, "dana@client.example", user_id)
    _ask(client, "dana@client.example")
    token = _reset_token(app)
    response = _confirm(client, token)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer" and body["refresh_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.get_json()["email"] == "dana@client.example"
    # The old session is over, the old password too; the new one works.
    old = client.post("/api/v1/auth/refresh", json={"refresh_token": elsewhere.refresh_token})
    assert_problem(old, 401, "INVALID_REFRESH_TOKEN")
    wrong = {"email": "dana@client.example", "password": PASSWORD}
    assert_problem(client.post("/api/v1/auth/login", json=wrong), 401, "INVALID_CREDENTIALS")
    sign_in(client, "dana@client.example", user_id, NEW_PASSWORD)
    # Used once: never again.
    again = assert_problem(_confirm(client, token, "another fine passphrase"), 400)
    assert again["code"] == "RESET_TOKEN_INVALID" and "new one" in again["detail"]


def test_expired_unknown_and_stale_address_links_are_refused(app, client, admin):
    user_id = make_user(app, "dana@client.example")
    _ask(client, "dana@client.example")
    token = _reset_token(app)
    assert_problem(_confirm(client, "made-up"), 400, "RESET_TOKEN_INVALID")
    with app.app_context():
        db.session.execute(sa.update(PasswordReset).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    assert_problem(_confirm(client, token), 400, "RESET_TOKEN_INVALID")
    # A link sent to an address the user no longer has does not work either.
    _ask(client, "dana@client.example")
    token = _reset_token(app)
    changed = client.patch(
        f"/api/v1/users/{user_id}", json={"email": "dana@new.example"}, headers=admin.headers
    )
    assert changed.status_code == 200
    assert_problem(_confirm(client, token), 400, "RESET_TOKEN_INVALID")
    sign_in(client, "dana@new.example", user_id)  # the password did not change


def test_a_weak_new_password_is_422_and_the_link_stays_usable(app, client):
    make_user(app, "dana@client.example", name="Dana Lee")
    _ask(client, "dana@client.example")
    token = _reset_token(app)
    body = assert_problem(_confirm(client, token, "danalee2024"), 422, "VALIDATION_FAILED")
    assert body["errors"]["password"][0] == "This password is too easy to guess."
    assert _confirm(client, token).status_code == 200


def test_requests_are_throttled_per_address_and_per_email(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "RESET_MAX_PER_EMAIL", 2)
    monkeypatch.setitem(app.config, "RESET_MAX_PER_ADDRESS", 3)
    make_user(app, "dana@client.example")
    for address in ("203.0.113.1", "203.0.113.2"):
        assert _ask(client, "dana@client.example", address).status_code == 202
    throttled = _ask(client, "dana@client.example", "203.0.113.3")
    body = assert_problem(throttled, 429, "TOO_MANY_REQUESTS")
    assert int(throttled.headers["Retry-After"]) > 0 and "inbox" in body["detail"]
    # Unknown addresses are throttled alike (a 429 tells nothing about existence).
    for email in ("a@x.example", "b@x.example", "c@x.example"):
        assert _ask(client, email, "198.51.100.1").status_code == 202
    assert_problem(_ask(client, "d@x.example", "198.51.100.1"), 429, "TOO_MANY_REQUESTS")
    assert len(outbox(app)) == 2
