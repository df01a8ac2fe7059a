"""The first admin from the environment, and events that share their change's transaction."""

from __future__ import annotations

import sqlalchemy as sa

from services.identity import create_admin, users
from services.identity.models import User, db

from .helpers import PASSWORD, assert_problem, count, outbox, sign_in


def _env(monkeypatch, app, **values) -> None:
    monkeypatch.setenv("IDENTITY_DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    monkeypatch.setenv("AMQP_URL", app.config["AMQP_URL"])
    for name in ("PORTAL_ADMIN_EMAIL", "PORTAL_ADMIN_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)


def test_create_admin_creates_an_active_admin_once(app, client, monkeypatch, capsys):
    _env(monkeypatch, app, PORTAL_ADMIN_EMAIL="Boss@Firm.Example", PORTAL_ADMIN_PASSWORD=PASSWORD)
    assert create_admin.main() == 0
    assert "created" in capsys.readouterr().out
    with app.app_context():
        admin = db.session.scalars(sa.select(User)).one()
        assert (admin.email, admin.kind, admin.role, admin.status) == (
            "boss@firm.example",
            "staff",
            "admin",
            "active",
        )
    (event,) = outbox(app)
    assert event["type"] == "identity.user.created" and event["data"]["role"] == "admin"
    sign_in(client, "boss@firm.example", admin.id)

    monkeypatch.setenv("PORTAL_ADMIN_PASSWORD", "a different password")
    assert create_admin.main() == 0
    assert "already exists" in capsys.readouterr().out
    assert count(app, User) == 1 and len(outbox(app)) == 1
    sign_in(client, "boss@firm.example", admin.id)  # the password did not change


def test_create_admin_says_what_is_missing(app, monkeypatch, capsys):
    _env(monkeypatch, app, PORTAL_ADMIN_EMAIL="boss@firm.example")
    assert create_admin.main() == 2
    assert "PORTAL_ADMIN_PASSWORD" in capsys.readouterr().err
    _env(monkeypatch, app, PORTAL_ADMIN_EMAIL="boss", PORTAL_ADMIN_PASSWORD="short")
    assert create_admin.main() == 2
    err = capsys.readouterr().err
    assert "PORTAL_ADMIN_EMAIL" in err and "PORTAL_ADMIN_PASSWORD" in err
    assert count(app, User) == 0


def test_create_admin_refuses_a_guessable_password_and_says_why(app, monkeypatch, capsys):
    _env(
        monkeypatch,
        app,
        PORTAL_ADMIN_EMAIL="boss@firm.example",
        PORTAL_ADMIN_PASSWORD="password1234",
    )
    assert create_admin.main() == 2
    err = capsys.readouterr().err
    assert "PORTAL_ADMIN_PASSWORD: This password is too easy to guess." in err
    assert "common" in err  # zxcvbn's reason
    assert count(app, User) == 0


def test_a_change_lost_at_commit_takes_its_event_with_it(app, client, admin, monkeypatch):
    # As if a concurrent request took the address between the check and the commit.
    monkeypatch.setattr(users, "_ensure_email_free", lambda *_args: None)
    body = {"email": "admin@firm.example", "name": "Twin", "kind": "portal"}
    response = client.post("/api/v1/users", json=body, headers=admin.headers)
    assert_problem(response, 409, "EMAIL_TAKEN")
    assert count(app, User) == 1
    assert outbox(app) == []
