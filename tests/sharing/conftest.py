"""Fixtures of the sharing tests: the service on a real PostgreSQL database (one per module),
and a `world` that feeds it identity's facts as real event envelopes and mints tokens."""

from __future__ import annotations

import pytest

from services.common.testing import TokenMinter
from services.sharing import create_app
from services.sharing.models import db

from .world import World


@pytest.fixture(scope="module")
def app(new_database):
    app = create_app(
        SQLALCHEMY_DATABASE_URI=new_database("sharing"),
        PORTAL_WEB_URL="https://portal.example.com/portal",
    )
    app.minter = TokenMinter()
    app.extensions["portal"].verifier = app.minter.verifier()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def world(app) -> World:
    return World(app, app.minter)
