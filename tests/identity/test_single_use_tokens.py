"""Single-use tokens used concurrently (8 requests released together), on PostgreSQL and on
SQLite alike: one invitation, one reset link, one refresh token — exactly one use wins."""

from __future__ import annotations

import secrets
from datetime import timedelta

import sqlalchemy as sa

from services.common.models import new_id, utcnow
from services.identity.models import Invitation, PasswordReset, RefreshToken, User, db
from services.identity.tokens import token_hash

from .helpers import assert_problem, at_once, make_user, sign_in

THREADS = 8
PASSWORDS = [f"lantern orchard velvet {i}{i}" for i in range(THREADS)]


def _link(app, model: type, user_id: str, email: str) -> str:
    """An invitation or reset link as if just e-mailed; returns its raw token."""
    raw = secrets.token_urlsafe(32)
    with app.app_context():
        db.session.add(
            model(
                id=new_id(),
                user_id=user_id,
                email=email,
                token_hash=token_hash(raw),
                expires_at=utcnow() + timedelta(hours=1),
            )
        )
        db.session.commit()
    return raw


def _post_all(app, path: str, bodies: list[dict], headers: list[dict] | None = None) -> list:
    return at_once(
        len(bodies),
        lambda i: app.test_client().post(path, json=bodies[i], headers=(headers or [{}] * 8)[i]),
    )


def _winner(responses: list, loser_status: int, loser_code: str) -> int:
    """Index of the one 200; every other answer is the given problem."""
    statuses = [getattr(r, "status_code", r) for r in responses]
    assert statuses.count(200) == 1, statuses
    for response in responses:
        if response.status_code != 200:
            assert_problem(response, loser_status, loser_code)
    return statuses.index(200)


def test_concurrent_acceptances_of_one_invitation_one_wins(any_app):
    app = any_app
    user_id = make_user(app, "dana@client.example", status="invited")
    token = _link(app, Invitation, user_id, "dana@client.example")
    bodies = [{"token": token, "password": p} for p in PASSWORDS]
    responses = _post_all(app, "/api/v1/auth/invitations/accept", bodies)
    winner = _winner(responses, 400, "INVITATION_INVALID")
    client = app.test_client()
    sign_in(client, "dana@client.example", user_id, PASSWORDS[winner])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(RefreshToken)) == 2


def test_concurrent_uses_of_one_reset_link_one_wins(any_app):
    app = any_app
    user_id = make_user(app, "dana@client.example")
    token = _link(app, PasswordReset, user_id, "dana@client.example")
    bodies = [{"token": token, "password": p} for p in PASSWORDS]
    responses = _post_all(app, "/api/v1/auth/password-reset/confirm", bodies)
    winner = _winner(responses, 400, "RESET_TOKEN_INVALID")
    sign_in(app.test_client(), "dana@client.example", user_id, PASSWORDS[winner])


def test_concurrent_refreshes_of_one_token_from_different_clients_one_wins(any_app):
    app = any_app
    client = app.test_client()
    user_id = make_user(app, "ann@firm.example", kind="staff", role="agent")
    session = sign_in(client, "ann@firm.example", user_id)
    bodies = [{"refresh_token": session.refresh_token}] * THREADS
    addresses = [{"X-Forwarded-For": f"198.51.100.{i + 1}"} for i in range(THREADS)]
    responses = _post_all(app, "/api/v1/auth/refresh", bodies, addresses)
    winner = _winner(responses, 401, "INVALID_REFRESH_TOKEN")
    # The others were replays by someone else: the whole sign-in is revoked, the winner's too.
    rotated = responses[winner].get_json()["refresh_token"]
    again = client.post("/api/v1/auth/refresh", json={"refresh_token": rotated})
    assert_problem(again, 401, "INVALID_REFRESH_TOKEN")


def test_parallel_refreshes_from_one_client_within_the_grace_window_all_succeed(any_app):
    app = any_app
    client = app.test_client()
    user_id = make_user(app, "ann@firm.example", kind="staff", role="agent")
    session = sign_in(client, "ann@firm.example", user_id)
    bodies = [{"refresh_token": session.refresh_token}] * THREADS
    responses = _post_all(app, "/api/v1/auth/refresh", bodies)  # two tabs, one browser
    assert [r.status_code for r in responses] == [200] * THREADS
    successors = {r.get_json()["refresh_token"] for r in responses}
    assert len(successors) == THREADS
    for token in list(successors)[:2]:
        assert client.post("/api/v1/auth/refresh", json={"refresh_token": token}).status_code == 200
    # After the window, presenting the old token again is a reuse: everything is revoked.
    with app.app_context():
        db.session.execute(
            sa.update(RefreshToken)
            .where(RefreshToken.token_hash == token_hash(session.refresh_token))
            .values(revoked_at=utcnow() - timedelta(seconds=60))
        )
        db.session.commit()
    late = client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token})
    assert_problem(late, 401, "INVALID_REFRESH_TOKEN")
    for token in list(successors)[2:]:
        refused = client.post("/api/v1/auth/refresh", json={"refresh_token": token})
        assert_problem(refused, 401, "INVALID_REFRESH_TOKEN")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert user.status == "active"  # signed out, not locked
