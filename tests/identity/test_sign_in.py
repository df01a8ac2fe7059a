"""Signing in, refreshing with rotation (and theft detection), signing out, and who am I."""

from __future__ import annotations

import jwt
import sqlalchemy as sa

from services.identity.models import LoginFailure, RefreshToken, db

from .helpers import PASSWORD, assert_problem, count, make_company, make_user, outbox, sign_in


def test_staff_signs_in_and_gets_a_token_pair(app, client):
    make_user(app, "ann@firm.example", kind="staff", role="agent")
    response = client.post(
        "/api/v1/auth/login", json={"email": "  Ann@Firm.Example ", "password": PASSWORD}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 900
    assert body["refresh_token"]
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "EdDSA" and header["typ"] == "at+jwt" and header["kid"]
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    assert claims["kind"] == "staff" and claims["role"] == "agent"
    assert claims["email"] == "ann@firm.example"
    assert claims["iss"] == "portal-identity" and claims["aud"] == "portal"
    assert {"sub", "exp", "iat", "jti"} <= set(claims)
    assert outbox(app) == []  # signing in is not an event


def test_wrong_password_and_unknown_email_get_the_same_answer(app, client):
    make_user(app, "ann@firm.example", kind="staff", role="agent")
    wrong = client.post(
        "/api/v1/auth/login", json={"email": "ann@firm.example", "password": "not it at all"}
    )
    unknown = client.post(
        "/api/v1/auth/login", json={"email": "nobody@firm.example", "password": PASSWORD}
    )
    assert assert_problem(wrong, 401, "INVALID_CREDENTIALS") == assert_problem(
        unknown, 401, "INVALID_CREDENTIALS"
    )


def test_disabled_and_not_yet_activated_users_cannot_sign_in(app, client):
    make_user(app, "gone@client.example", status="disabled")
    make_user(app, "new@client.example", status="invited")
    for email in ("gone@client.example", "new@client.example"):
        response = client.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
        body = assert_problem(response, 401, "INVALID_CREDENTIALS")
        assert body["detail"] == "The e-mail address or password is not correct."


def test_portal_token_lists_active_memberships(app, client):
    acme, globex = make_company(app, "Acme"), make_company(app, "Globex")
    user_id = make_user(app, "dana@client.example", companies=((acme, "primary"),))
    session = sign_in(client, "dana@client.example", user_id)
    claims = jwt.decode(session.access_token, options={"verify_signature": False})
    assert claims["kind"] == "portal" and "role" not in claims
    assert claims["companies"] == [{"id": acme, "role": "primary"}]
    assert globex not in str(claims)


def test_refresh_rotates_and_the_old_token_stops_working(app, client, agent):
    first = client.post("/api/v1/auth/refresh", json={"refresh_token": agent.refresh_token})
    assert first.status_code == 200
    rotated = first.get_json()
    assert rotated["refresh_token"] != agent.refresh_token
    assert client.get("/api/v1/me", headers=_bearer(rotated["access_token"])).status_code == 200
    second = client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert second.status_code == 200


def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(app, client, agent):
    rotated = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": agent.refresh_token}
    ).get_json()
    # The thief replays from another address (the grace window is for the same client only).
    replay = client.post(
        "/api/v1/auth/refresh",
        json={"refresh_token": agent.refresh_token},
        headers={"X-Forwarded-For": "198.51.100.66"},
    )
    assert_problem(replay, 401, "INVALID_REFRESH_TOKEN")
    # The thief's replay also ends the legitimate holder's session.
    legit = client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert_problem(legit, 401, "INVALID_REFRESH_TOKEN")


def test_unknown_and_expired_refresh_tokens_are_refused(app, client, agent):
    unknown = client.post("/api/v1/auth/refresh", json={"refresh_token": "made-up"})
    assert_problem(unknown, 401, "INVALID_REFRESH_TOKEN")
    with app.app_context():
        db.session.execute(sa.update(RefreshToken).values(expires_at=RefreshToken.created_at))
        db.session.commit()
    expired = client.post("/api/v1/auth/refresh", json={"refresh_token": agent.refresh_token})
    assert_problem(expired, 401, "INVALID_REFRESH_TOKEN")


def test_logout_revokes_the_family(app, client, agent):
    rotated = client.post(
        "/api/v1/auth/refresh", json={"refresh_token": agent.refresh_token}
    ).get_json()
    response = client.post("/api/v1/auth/logout", json={"refresh_token": rotated["refresh_token"]})
    assert response.status_code == 204
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]})
    assert_problem(again, 401, "INVALID_REFRESH_TOKEN")
    # Signing out twice, or with an unknown token, is not an error.
    assert client.post("/api/v1/auth/logout", json={"refresh_token": "x"}).status_code == 204


def test_me_for_staff(app, client, admin):
    response = client.get("/api/v1/me", headers=admin.headers)
    assert response.status_code == 200
    assert response.get_json() == {
        "id": admin.user_id,
        "email": "admin@firm.example",
        "name": "Someone",
        "locale": "en",
        "time_zone": None,
        "kind": "staff",
        "role": "admin",
        "companies": [],
    }


def test_me_for_a_portal_user_lists_their_active_companies(app, client):
    acme = make_company(app, "Acme", number="C-1")
    globex = make_company(app, "Globex")
    user_id = make_user(
        app, "dana@client.example", companies=((acme, "primary"), (globex, "member"))
    )
    session = sign_in(client, "dana@client.example", user_id)
    body = client.get("/api/v1/me", headers=session.headers).get_json()
    assert body["kind"] == "portal" and body["role"] is None
    assert body["companies"] == [
        {"id": acme, "name": "Acme", "number": "C-1", "role": "primary"},
        {"id": globex, "name": "Globex", "number": None, "role": "member"},
    ]


def test_me_without_a_token_is_401(client):
    assert_problem(client.get("/api/v1/me"), 401, "AUTHENTICATION_REQUIRED")


def test_account_throttling_answers_429_with_retry_after(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_PER_ACCOUNT", 3)
    make_user(app, "ann@firm.example", kind="staff", role="agent")
    bad = {"email": "ann@firm.example", "password": "wrong password"}
    for _ in range(3):
        assert client.post("/api/v1/auth/login", json=bad).status_code == 401
    good = {"email": "ann@firm.example", "password": PASSWORD}
    throttled = client.post("/api/v1/auth/login", json=good)
    assert_problem(throttled, 429, "TOO_MANY_ATTEMPTS")
    assert int(throttled.headers["Retry-After"]) > 0
    # Other accounts from elsewhere are not affected.
    make_user(app, "bob@firm.example", kind="staff", role="agent")
    other = {"email": "bob@firm.example", "password": PASSWORD}
    headers = {"X-Forwarded-For": "198.51.100.7"}
    assert client.post("/api/v1/auth/login", json=other, headers=headers).status_code == 200


def _via_gateway(client_says: str, real_address: str) -> dict:
    """X-Forwarded-For as the gateway forwards it: what the client sent, then its real address."""
    return {"X-Forwarded-For": f"{client_says}, {real_address}"}


def test_address_throttling_uses_the_address_the_gateway_saw(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_PER_ADDRESS", 3)
    for i in range(3):
        body = {"email": f"guess{i}@firm.example", "password": "guess"}
        # A forged, changing first hop does not make each attempt look like a new client.
        headers = _via_gateway(f"192.0.2.{i}", "203.0.113.9")
        assert client.post("/api/v1/auth/login", json=body, headers=headers).status_code == 401
    body = {"email": "guess9@firm.example", "password": "guess"}
    throttled = client.post(
        "/api/v1/auth/login", json=body, headers=_via_gateway("192.0.2.99", "203.0.113.9")
    )
    assert_problem(throttled, 429, "TOO_MANY_ATTEMPTS")
    elsewhere = {"X-Forwarded-For": "198.51.100.7"}
    assert client.post("/api/v1/auth/login", json=body, headers=elsewhere).status_code == 401


def test_forwarded_header_is_ignored_when_the_proxy_is_not_trusted(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_PER_ADDRESS", 2)
    monkeypatch.setitem(app.config, "TRUSTED_PROXIES", ())
    for i in range(2):
        body = {"email": f"guess{i}@firm.example", "password": "guess"}
        headers = {"X-Forwarded-For": f"203.0.113.{i}"}  # rotating it does not help
        assert client.post("/api/v1/auth/login", json=body, headers=headers).status_code == 401
    body = {"email": "guess9@firm.example", "password": "guess"}
    response = client.post("/api/v1/auth/login", json=body, headers={"X-Forwarded-For": "1.2.3.4"})
    assert_problem(response, 429, "TOO_MANY_ATTEMPTS")


def test_successful_sign_in_clears_the_account_failures(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_PER_ACCOUNT", 3)
    user_id = make_user(app, "ann@firm.example", kind="staff", role="agent")
    bad = {"email": "ann@firm.example", "password": "wrong password"}
    for _ in range(2):
        client.post("/api/v1/auth/login", json=bad)
    sign_in(client, "ann@firm.example", user_id)
    assert count(app, LoginFailure) == 0
    for _ in range(2):
        client.post("/api/v1/auth/login", json=bad)
    sign_in(client, "ann@firm.example", user_id)


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}
