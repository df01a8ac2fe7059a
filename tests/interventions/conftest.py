"""Fixtures of the interventions tests: the service on a real PostgreSQL database (one per
module) and a `world` that feeds it identity's facts as real event envelopes and mints tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from services.common.testing import ServedApp, TokenMinter
from services.identity import create_app as create_identity_app
from services.identity.models import db as identity_db
from services.interventions import create_app
from services.interventions.models import db

from .world import World


@pytest.fixture(scope="module")
def minter() -> TokenMinter:
    return TokenMinter()


@pytest.fixture(scope="module")
def identity(new_database, minter) -> Iterator[ServedApp]:
    """The real identity service over HTTP (asked for companies not replicated yet); it takes
    the tokens the tests mint."""
    app = create_identity_app(SQLALCHEMY_DATABASE_URI=new_database("identity"), TESTING=True)
    app.extensions["portal"].verifier = minter.verifier()
    served = ServedApp(app)
    yield served
    served.close()
    with app.app_context():
        identity_db.engine.dispose()


@pytest.fixture(scope="module")
def app(new_database, minter, identity) -> Iterator[Flask]:
    app = create_app(
        SQLALCHEMY_DATABASE_URI=new_database("interventions"),
        IDENTITY_URL=identity.url,
        PORTAL_WEB_URL="https://portal.example.com/portal",
        PORTAL_CREATE_LIMIT=5,
    )
    app.minter = minter
    app.extensions["portal"].verifier = minter.verifier()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def world(app, identity) -> World:
    return World(app, app.minter, identity.app)
