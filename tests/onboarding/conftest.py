"""Fixtures of the onboarding tests: the service on a real PostgreSQL database (one per module),
identity's facts delivered as real event envelopes, staff tokens minted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.common.testing import TokenMinter
from services.onboarding import create_app
from services.onboarding.models import db

from .world import World


@pytest.fixture(scope="module")
def app(new_database) -> Iterator:
    app = create_app(
        SQLALCHEMY_DATABASE_URI=new_database("onboarding"),
        PORTAL_WEB_URL="https://portal.example.com/portal",
        GUESS_MAX_PER_ADDRESS=5,
    )
    app.minter = TokenMinter()
    app.extensions["portal"].verifier = app.minter.verifier()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def world(app) -> World:
    return World(app)
