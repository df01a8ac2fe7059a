"""Fixtures of the interventions tests: the service on a real PostgreSQL database (one per
module) and a `world` that feeds it identity's facts as real event envelopes and mints tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from services.common.testing import TokenMinter
from services.interventions import create_app
from services.interventions.models import db

from .world import World


@pytest.fixture(scope="module")
def app(new_database) -> Iterator[Flask]:
    app = create_app(
        SQLALCHEMY_DATABASE_URI=new_database("interventions"),
        PORTAL_WEB_URL="https://portal.example.com/portal",
        PORTAL_CREATE_LIMIT=5,
    )
    app.minter = TokenMinter()
    app.extensions["portal"].verifier = app.minter.verifier()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def world(app) -> World:
    return World(app, app.minter)
