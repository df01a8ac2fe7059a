"""A sign-in does not last for ever: refresh-token families have an absolute lifetime, and a
disabled user's refresh token stops working."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from services.common.models import utcnow
from services.identity.models import RefreshToken, User, db

from .helpers import assert_problem, make_user, sign_in


def _refresh(client, token: str):
    return client.post("/api/v1/auth/refresh", json={"refresh_token": token})


def test_rotation_never_extends_a_sign_in_past_the_family_lifetime(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REFRESH_FAMILY_TTL", 3600)
    user_id = make_user(app, "ann@firm.example", kind="staff", role="agent")
    session = sign_in(client, "ann@firm.example", user_id)
    rotated = _refresh(client, session.refresh_token).get_json()["refresh_token"]
    with app.app_context():
        rows = db.session.scalars(sa.select(RefreshToken).order_by(RefreshToken.created_at)).all()
        first, second = rows
        assert first.family_expires_at == second.family_expires_at
        assert first.family_expires_at - first.created_at <= timedelta(hours=1)
        assert second.expires_at <= second.family_expires_at  # not 30 days from the rotation
        # The family's end comes.
        db.session.execute(
            sa.update(RefreshToken).values(
                expires_at=utcnow() - timedelta(seconds=1),
                family_expires_at=utcnow() - timedelta(seconds=1),
            )
        )
        db.session.commit()
    assert_problem(_refresh(client, rotated), 401, "INVALID_REFRESH_TOKEN")


def test_the_default_family_lifetime_is_90_days(app, client):
    user_id = make_user(app, "ann@firm.example", kind="staff", role="agent")
    sign_in(client, "ann@firm.example", user_id)
    with app.app_context():
        row = db.session.scalars(sa.select(RefreshToken)).one()
        assert row.family_expires_at - row.created_at == timedelta(days=90)
        assert row.expires_at - row.created_at == timedelta(days=30)


def test_a_disabled_users_refresh_token_is_refused(app, client):
    user_id = make_user(app, "ann@firm.example", kind="staff", role="agent")
    session = sign_in(client, "ann@firm.example", user_id)
    # Even with the token itself not revoked (e.g. disabled by a direct database change).
    with app.app_context():
        db.session.execute(sa.update(User).values(status="disabled"))
        db.session.commit()
    assert_problem(_refresh(client, session.refresh_token), 401, "INVALID_REFRESH_TOKEN")


def test_disabling_through_the_api_ends_every_session(app, client, admin):
    user_id = make_user(app, "ann@firm.example", kind="staff", role="agent")
    session = sign_in(client, "ann@firm.example", user_id)
    response = client.patch(
        f"/api/v1/users/{user_id}", json={"status": "disabled"}, headers=admin.headers
    )
    assert response.status_code == 200
    assert_problem(_refresh(client, session.refresh_token), 401, "INVALID_REFRESH_TOKEN")
    # Enabled again, the old session stays over: they sign in again.
    client.patch(f"/api/v1/users/{user_id}", json={"status": "active"}, headers=admin.headers)
    assert_problem(_refresh(client, session.refresh_token), 401, "INVALID_REFRESH_TOKEN")
