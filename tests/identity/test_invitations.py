"""Inviting a user and accepting the invitation; a refused acceptance changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa

from services.common.models import utcnow
from services.identity.models import Invitation, User, db

from .helpers import assert_problem, make_company, make_user, open_link, outbox, sign_in


def _invite(client, session, user_id: str) -> str:
    """Invite and return the raw token, as the e-mail carries it."""
    response = client.post(f"/api/v1/users/{user_id}/invite", headers=session.headers)
    assert response.status_code == 202, response.get_data(as_text=True)
    body = response.get_json()
    sent = [e for e in outbox(client.application) if e["type"] == "identity.invitation.sent"]
    assert sent[-1]["data"]["invitation_id"] == body["invitation_id"]
    return parse_qs(urlsplit(open_link(sent[-1]["data"]["sealed_url"])).query)["token"][0]


def _user(app, user_id: str) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def test_invitation_event_carries_everything_the_email_needs(app, client, admin):
    acme = make_company(app, "Acme")
    user_id = make_user(
        app, "dana@client.example", status="invited", companies=((acme, "primary"),), name="Dana"
    )
    response = client.post(f"/api/v1/users/{user_id}/invite", headers=admin.headers)
    assert response.status_code == 202
    body = response.get_json()
    (event,) = outbox(app)
    assert event["type"] == "identity.invitation.sent" and event["subject"] == user_id
    data = event["data"]
    # The link travels sealed for the mailer alone: the event shows no token.
    accept_url = open_link(data["sealed_url"])
    token = parse_qs(urlsplit(accept_url).query)["token"][0]
    assert accept_url == f"https://portal.example/portal/accept-invitation?token={token}"
    assert len(token) >= 43  # 32 random bytes
    assert token not in json.dumps(event) and "token=" not in json.dumps(event)
    assert data == {
        "invitation_id": body["invitation_id"],
        "email": "dana@client.example",
        "user": {
            "id": user_id,
            "email": "dana@client.example",
            "name": "Dana",
            "locale": "en",
            "time_zone": None,
        },
        "sealed_url": data["sealed_url"],
        "expires_at": data["expires_at"],
        "invited_by": {"id": admin.user_id, "name": "Someone"},
        "companies": [{"id": acme, "name": "Acme"}],
    }
    assert data["expires_at"].endswith("Z")
    with app.app_context():
        invitation = db.session.get(Invitation, body["invitation_id"])
        assert token not in invitation.token_hash  # only the hash is stored
        lifetime = invitation.expires_at - invitation.created_at
        assert timedelta(days=6, hours=23) < lifetime <= timedelta(days=7)


def test_accepting_sets_the_password_activates_and_signs_in(app, client, admin):
    user_id = make_user(app, "dana@client.example", status="invited")
    token = _invite(client, admin, user_id)
    before = len(outbox(app))
    response = client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": "a new password!"}
    )
    assert response.status_code == 200
    me = client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {response.json['access_token']}"}
    )
    assert me.get_json()["email"] == "dana@client.example"
    assert _user(app, user_id).status == "active"
    events = outbox(app)[before:]
    assert [e["type"] for e in events] == ["identity.user.updated"]
    assert events[0]["data"]["status"] == "active"
    sign_in(client, "dana@client.example", user_id, "a new password!")


def _refused(client, token: str) -> dict:
    response = client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": "another password"}
    )
    body = assert_problem(response, 400, "INVITATION_INVALID")
    assert "new invitation" in body["detail"]
    return body


def test_a_used_invitation_cannot_be_used_again(app, client, admin):
    user_id = make_user(app, "dana@client.example", status="invited")
    token = _invite(client, admin, user_id)
    body = {"token": token, "password": "first password"}
    assert client.post("/api/v1/auth/invitations/accept", json=body).status_code == 200
    before = outbox(app)
    _refused(client, token)
    assert outbox(app) == before
    sign_in(client, "dana@client.example", user_id, "first password")


def test_an_expired_invitation_is_refused_and_changes_nothing(app, client, admin):
    user_id = make_user(app, "dana@client.example", status="invited")
    token = _invite(client, admin, user_id)
    with app.app_context():
        db.session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    before = outbox(app)
    _refused(client, token)
    user = _user(app, user_id)
    assert user.status == "invited" and user.password_hash is None
    assert outbox(app) == before


def test_a_newer_invitation_supersedes_the_older_one(app, client, admin):
    user_id = make_user(app, "dana@client.example", status="invited")
    old = _invite(client, admin, user_id)
    new = _invite(client, admin, user_id)
    _refused(client, old)
    assert _user(app, user_id).password_hash is None
    response = client.post(
        "/api/v1/auth/invitations/accept", json={"token": new, "password": "the new password"}
    )
    assert response.status_code == 200


def test_an_unknown_token_is_refused(client):
    _refused(client, "not-a-token-we-ever-sent")


def test_a_short_password_is_refused_and_the_invitation_stays_usable(app, client, admin):
    user_id = make_user(app, "dana@client.example", status="invited")
    token = _invite(client, admin, user_id)
    response = client.post(
        "/api/v1/auth/invitations/accept", json={"token": token, "password": "short"}
    )
    assert "password" in assert_problem(response, 422, "VALIDATION_FAILED")["errors"]
    assert _user(app, user_id).status == "invited"
    body = {"token": token, "password": "long enough now"}
    assert client.post("/api/v1/auth/invitations/accept", json=body).status_code == 200


def test_accepting_again_signs_out_earlier_sessions(app, client, admin):
    user_id = make_user(app, "dana@client.example")
    session = sign_in(client, "dana@client.example", user_id)
    token = _invite(client, admin, user_id)
    body = {"token": token, "password": "a reset password"}
    assert client.post("/api/v1/auth/invitations/accept", json=body).status_code == 200
    old = client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token})
    assert_problem(old, 401, "INVALID_REFRESH_TOKEN")
    # Already active: no status change, so no user event either.
    assert [e["type"] for e in outbox(app)] == ["identity.invitation.sent"]


def test_disabled_users_cannot_be_invited(app, client, admin):
    user_id = make_user(app, "gone@client.example", status="disabled")
    response = client.post(f"/api/v1/users/{user_id}/invite", headers=admin.headers)
    assert_problem(response, 409, "USER_DISABLED")
    assert outbox(app) == []


def test_a_user_disabled_after_the_invitation_cannot_accept_it(app, client, admin):
    user_id = make_user(app, "dana@client.example", status="invited")
    token = _invite(client, admin, user_id)
    response = client.patch(
        f"/api/v1/users/{user_id}", json={"status": "disabled"}, headers=admin.headers
    )
    assert response.status_code == 200
    _refused(client, token)


def test_only_admins_invite_staff(app, client, agent):
    staff_id = make_user(app, "boss@firm.example", kind="staff", role="admin")
    response = client.post(f"/api/v1/users/{staff_id}/invite", headers=agent.headers)
    assert_problem(response, 403, "ROLE_REQUIRED")
    portal_id = make_user(app, "dana@client.example", status="invited")
    assert _invite(client, agent, portal_id)


def test_inviting_an_unknown_user_is_404(client, admin):
    response = client.post("/api/v1/users/nope/invite", headers=admin.headers)
    assert_problem(response, 404, "USER_NOT_FOUND")


def _inspect(client, token: str):
    return client.post("/api/v1/auth/invitations/inspect", json={"token": token})


def test_inspecting_shows_who_invited_whom_to_which_companies(app, client, admin):
    acme, globex = make_company(app, "Acme"), make_company(app, "Globex")
    user_id = make_user(
        app,
        "dana@client.example",
        status="invited",
        name="Dana",
        companies=((globex, "member"), (acme, "primary")),
    )
    token = _invite(client, admin, user_id)
    response = _inspect(client, token)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_json()
    assert body == {
        "email": "dana@client.example",
        "name": "Dana",
        "invited_by": {"name": "Someone"},
        "companies": [{"id": acme, "name": "Acme"}, {"id": globex, "name": "Globex"}],
        "expires_at": body["expires_at"],
    }
    sent = [e for e in outbox(app) if e["type"] == "identity.invitation.sent"][-1]
    assert body["expires_at"].startswith(sent["data"]["expires_at"].removesuffix("Z"))
    # Looking changes nothing: it can still be accepted.
    accept = {"token": token, "password": "a long enough secret"}
    assert client.post("/api/v1/auth/invitations/accept", json=accept).status_code == 200


def test_inspecting_a_used_expired_or_unknown_invitation_is_400(app, client, admin):
    user_id = make_user(app, "dana@client.example", status="invited")
    token = _invite(client, admin, user_id)
    assert_problem(_inspect(client, "made-up"), 400, "INVITATION_INVALID")
    accept = {"token": token, "password": "a long enough secret"}
    assert client.post("/api/v1/auth/invitations/accept", json=accept).status_code == 200
    assert_problem(_inspect(client, token), 400, "INVITATION_INVALID")
    other = make_user(app, "eve@client.example", status="invited")
    expired = _invite(client, admin, other)
    with app.app_context():
        db.session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(1)))
        db.session.commit()
    assert_problem(_inspect(client, expired), 400, "INVITATION_INVALID")


def test_changing_the_email_voids_pending_invitations(app, client, admin):
    user_id = make_user(app, "dana@old.example", status="invited")
    token = _invite(client, admin, user_id)
    sent = [e for e in outbox(app) if e["type"] == "identity.invitation.sent"][-1]
    assert sent["data"]["email"] == "dana@old.example"  # the mailer can tell a stale address
    response = client.patch(
        f"/api/v1/users/{user_id}", json={"email": "dana@new.example"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert_problem(_inspect(client, token), 400, "INVITATION_INVALID")
    _refused(client, token)
    user = _user(app, user_id)
    assert user.status == "invited" and user.password_hash is None
    # A new invitation goes to the new address and works.
    fresh = _invite(client, admin, user_id)
    sent = [e for e in outbox(app) if e["type"] == "identity.invitation.sent"][-1]
    assert sent["data"]["email"] == "dana@new.example"
    accept = {"token": fresh, "password": "a long enough secret"}
    assert client.post("/api/v1/auth/invitations/accept", json=accept).status_code == 200


def test_an_invitation_is_bound_to_the_address_it_was_sent_to(app, client, admin):
    user_id = make_user(app, "dana@old.example", status="invited")
    token = _invite(client, admin, user_id)
    # Even if the e-mail changed without voiding it (e.g. written before this rule existed).
    with app.app_context():
        db.session.execute(
            sa.update(User).where(User.id == user_id).values(email="dana@new.example")
        )
        db.session.commit()
    assert_problem(_inspect(client, token), 400, "INVITATION_INVALID")
    _refused(client, token)


def test_a_weak_password_is_refused_with_the_reason(app, client, admin):
    user_id = make_user(app, "dana@client.example", status="invited", name="Dana Lee")
    token = _invite(client, admin, user_id)
    for weak in ("password1234", "DanaLee1990!", "dana@client.example"):
        response = client.post(
            "/api/v1/auth/invitations/accept", json={"token": token, "password": weak}
        )
        errors = assert_problem(response, 422, "VALIDATION_FAILED")["errors"]
        assert errors["password"][0] == "This password is too easy to guess.", weak
        assert len(errors["password"]) > 1  # and what to do about it
    assert _user(app, user_id).status == "invited"
