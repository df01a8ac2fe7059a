"""A signed-in person's own account: name, language and time zone, and changing the password."""

from __future__ import annotations

import time

import jwt

from .helpers import PASSWORD, assert_problem, make_company, make_user, outbox, sign_in

NEW_PASSWORD = "lantern orchard velvet 42"


def _dana(app, client, **kwargs):
    acme = make_company(app, "Acme")
    user_id = make_user(
        app, "dana@client.example", name="Dana Lee", companies=((acme, "primary"),), **kwargs
    )
    return sign_in(client, "dana@client.example", user_id), acme


def test_a_person_changes_name_language_and_time_zone(app, client):
    session, acme = _dana(app, client)
    response = client.patch(
        "/api/v1/me",
        json={"name": " Dana Lee-Smith ", "locale": "fr", "time_zone": "Europe/Paris"},
        headers=session.headers,
    )
    assert response.status_code == 200
    body = response.get_json()
    assert (body["name"], body["locale"], body["time_zone"]) == (
        "Dana Lee-Smith",
        "fr",
        "Europe/Paris",
    )
    assert body["companies"] == [{"id": acme, "name": "Acme", "number": None, "role": "primary"}]
    assert client.get("/api/v1/me", headers=session.headers).get_json() == body
    (event,) = outbox(app)
    assert event["type"] == "identity.user.updated" and event["subject"] == session.user_id
    assert event["data"]["time_zone"] == "Europe/Paris" and event["data"]["locale"] == "fr"
    # null: back to the firm's default time zone.
    back = client.patch("/api/v1/me", json={"time_zone": None}, headers=session.headers)
    assert back.get_json()["time_zone"] is None
    assert outbox(app)[-1]["data"]["time_zone"] is None


def test_nothing_changed_publishes_nothing(app, client):
    session, _ = _dana(app, client)
    response = client.patch("/api/v1/me", json={"name": "Dana Lee"}, headers=session.headers)
    assert response.status_code == 200
    assert outbox(app) == []


def test_unknown_time_zone_language_and_blank_name_are_422(app, client):
    session, _ = _dana(app, client)
    for body, field in (
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"time_zone": "localtime"}, "time_zone"),
        ({"locale": "de"}, "locale"),
        ({"name": "  "}, "name"),
        ({"email": "x@y.example"}, "email"),  # one's address is the firm's to change
    ):
        response = client.patch("/api/v1/me", json=body, headers=session.headers)
        assert field in assert_problem(response, 422)["errors"], body
    assert "IANA" in str(
        client.patch("/api/v1/me", json={"time_zone": "Paris"}, headers=session.headers).json
    )
    assert outbox(app) == []


def test_me_needs_a_token(client):
    assert_problem(client.patch("/api/v1/me", json={"name": "x"}), 401)
    body = {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    assert_problem(client.post("/api/v1/me/password", json=body), 401)


def test_changing_the_password_keeps_this_session_and_ends_the_others(app, client):
    session, _ = _dana(app, client)
    other = sign_in(client, "dana@client.example", session.user_id)
    response = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=session.headers,
    )
    assert response.status_code == 204
    kept = client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token})
    assert kept.status_code == 200
    ended = client.post("/api/v1/auth/refresh", json={"refresh_token": other.refresh_token})
    assert_problem(ended, 401, "INVALID_REFRESH_TOKEN")
    sign_in(client, "dana@client.example", session.user_id, NEW_PASSWORD)
    old = {"email": "dana@client.example", "password": PASSWORD}
    assert_problem(client.post("/api/v1/auth/login", json=old), 401, "INVALID_CREDENTIALS")


def test_wrong_current_or_weak_new_password_is_422_and_changes_nothing(app, client):
    session, _ = _dana(app, client)
    wrong = client.post(
        "/api/v1/me/password",
        json={"current_password": "not my password", "new_password": NEW_PASSWORD},
        headers=session.headers,
    )
    errors = assert_problem(wrong, 422, "VALIDATION_FAILED")["errors"]
    assert errors == {"current_password": ["This is not your current password."]}
    weak = client.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": "DanaLee1990!"},
        headers=session.headers,
    )
    errors = assert_problem(weak, 422, "VALIDATION_FAILED")["errors"]
    assert list(errors) == ["new_password"]
    assert errors["new_password"][0] == "This password is too easy to guess."
    sign_in(client, "dana@client.example", session.user_id)  # unchanged


def test_guessing_the_current_password_is_throttled_like_a_sign_in(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FREE_PER_PAIR", 2)
    monkeypatch.setitem(app.config, "LOGIN_DELAY_BASE", 600)
    session, _ = _dana(app, client)
    guess = {"current_password": "guess", "new_password": NEW_PASSWORD}
    for _ in range(2):
        response = client.post("/api/v1/me/password", json=guess, headers=session.headers)
        assert_problem(response, 422)
    response = client.post("/api/v1/me/password", json=guess, headers=session.headers)
    assert_problem(response, 429, "TOO_MANY_ATTEMPTS")


def test_a_secure_link_session_has_no_account_to_change(app, client):
    with app.app_context():
        key = app.extensions["identity.keys"].signing_key()
    now = int(time.time())
    # The claims of a session opened from a secure link (services/identity/secure_links.py).
    claims = {"iss": "portal-identity", "aud": "portal", "sub": "link:l-1", "kind": "link"}
    claims.update(iat=now, exp=now + 300, link="l-1", company="c-1")
    claims.update(scope={"type": "company", "id": "c-1"})
    header = {"kid": key.kid, "typ": "at+jwt"}
    token = jwt.encode(claims, key.private_key, algorithm="EdDSA", headers=header)
    headers = {"Authorization": f"Bearer {token}"}
    for response in (
        client.get("/api/v1/me", headers=headers),
        client.patch("/api/v1/me", json={"name": "x"}, headers=headers),
    ):
        assert_problem(response, 403, "ACCOUNT_REQUIRED")
