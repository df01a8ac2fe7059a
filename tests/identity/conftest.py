"""Fixtures of the identity tests: one migrated PostgreSQL database for the session, emptied
after each test, and signed-in staff users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from services.common import migrate
from services.identity import create_app
from services.identity.models import db

from .helpers import Session, make_user, sign_in

# Signing keys stay: the app caches its active key, as a long-running process does.
TABLES = (
    "outbox",
    "processed_events",
    "login_failures",
    "password_reset_requests",
    "password_resets",
    "refresh_tokens",
    "secure_links",
    "invitations",
    "memberships",
    "users",
    "companies",
)


@pytest.fixture(scope="session")
def identity_app(new_database, amqp_url) -> Flask:
    return create_app(
        SQLALCHEMY_DATABASE_URI=new_database("identity"),
        AMQP_URL=amqp_url,
        TESTING=True,
        PORTAL_WEB_URL="https://portal.example/portal",
    )


@pytest.fixture
def app(identity_app: Flask) -> Iterator[Flask]:
    yield identity_app
    with identity_app.app_context():
        db.session.execute(sa.text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
        db.session.commit()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> Session:
    user_id = make_user(app, "admin@firm.example", kind="staff", role="admin")
    return sign_in(client, "admin@firm.example", user_id)


@pytest.fixture
def agent(app: Flask, client: FlaskClient) -> Session:
    user_id = make_user(app, "agent@firm.example", kind="staff", role="agent")
    return sign_in(client, "agent@firm.example", user_id)


@pytest.fixture
def sqlite_app(tmp_path, amqp_url) -> Flask:
    """The same service on SQLite (as `make run` has it): a fresh migrated file per test."""
    url = f"sqlite:///{tmp_path / 'identity.db'}"
    migrate.upgrade("identity", url)
    return create_app(
        SQLALCHEMY_DATABASE_URI=url,
        AMQP_URL=amqp_url,
        TESTING=True,
        PORTAL_WEB_URL="https://portal.example/portal",
    )


@pytest.fixture(params=["postgresql", "sqlite"])
def any_app(request) -> Flask:
    """Each database the service runs on: PostgreSQL (production) and SQLite (`make run`)."""
    return request.getfixturevalue("app" if request.param == "postgresql" else "sqlite_app")
