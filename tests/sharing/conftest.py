"""Fixtures of the sharing tests: the service on a real PostgreSQL database (one per module),
the real documents service over HTTP (signing asks it what the signee sees), the real identity
service over HTTP (asked for a company the replica has not heard of), and a `world` that feeds
sharing identity's facts as real event envelopes and mints tokens."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.common.testing import ServedApp, TokenMinter
from services.documents import create_app as create_documents_app
from services.documents.models import db as documents_db
from services.identity import create_app as create_identity_app
from services.identity.models import db as identity_db
from services.sharing import create_app
from services.sharing.models import db

from .world import World


@pytest.fixture(scope="module")
def minter() -> TokenMinter:
    return TokenMinter()


@pytest.fixture(scope="module")
def documents(new_database, s3_server, minter) -> Iterator[ServedApp]:
    """The documents service on its own database and the S3 store, served over real HTTP."""
    app = create_documents_app(
        SQLALCHEMY_DATABASE_URI=new_database("documents"),
        TESTING=True,
        **{k: v for k, v in s3_server.items() if k.startswith("S3_")},
    )
    app.extensions["portal"].verifier = minter.verifier()
    served = ServedApp(app)
    yield served
    served.close()
    with app.app_context():
        documents_db.engine.dispose()


@pytest.fixture(scope="session")
def identity(new_database) -> Iterator[ServedApp]:
    """identity on its own database, served over real HTTP; no worker: events stay in its
    outbox, so sharing hears of its companies only by asking (or from the `world`)."""
    served = ServedApp(
        create_identity_app(SQLALCHEMY_DATABASE_URI=new_database("identity"), TESTING=True)
    )
    yield served
    served.close()
    with served.app.app_context():
        identity_db.engine.dispose()


@pytest.fixture(scope="module")
def app(new_database, minter, documents, identity):
    identity.app.extensions["portal"].verifier = minter.verifier()  # this module's tokens
    app = create_app(
        SQLALCHEMY_DATABASE_URI=new_database("sharing"),
        PORTAL_WEB_URL="https://portal.example.com/portal",
        DOCUMENTS_URL=documents.url,
        IDENTITY_URL=identity.url,
    )
    app.minter = minter
    app.extensions["portal"].verifier = minter.verifier()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def world(app, documents) -> World:
    return World(app, app.minter, documents.app)
