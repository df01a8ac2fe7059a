"""Fixtures of the documents tests: one migrated PostgreSQL database and the SeaweedFS store for
the session, tokens, matters published to the portal through `sharing.audience.changed`, and
the real sharing service over HTTP (asked for a matter the replica has not heard of)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from flask import Flask
from flask.testing import FlaskClient
from minio import Minio

from services.common.consumer import handle_message
from services.common.events import Event
from services.common.testing import ServedApp, TokenMinter
from services.documents import create_app
from services.documents.models import db
from services.sharing import create_app as create_sharing_app
from services.sharing.models import db as sharing_db

MIB = 1024 * 1024


@pytest.fixture(scope="session")
def minter() -> TokenMinter:
    return TokenMinter()


@pytest.fixture(scope="session")
def sharing(new_database, minter) -> Iterator[ServedApp]:
    """sharing on its own database, served over real HTTP; no worker: what it announces stays in
    its outbox, so documents hears of its matters only by asking (or from the test)."""
    app = create_sharing_app(SQLALCHEMY_DATABASE_URI=new_database("sharing"), TESTING=True)
    app.extensions["portal"].verifier = minter.verifier()
    served = ServedApp(app)
    yield served
    served.close()
    with app.app_context():
        sharing_db.engine.dispose()


@pytest.fixture(scope="session")
def documents_app(new_database, amqp_url, s3_server, minter, sharing) -> Iterator[Flask]:
    app = create_app(
        SQLALCHEMY_DATABASE_URI=new_database("documents"),
        AMQP_URL=amqp_url,
        TESTING=True,
        SHARING_URL=sharing.url,
        # The smallest part S3 takes: a few MiB already make a multipart upload.
        S3_PART_SIZE=5 * MIB,
        **{k: v for k, v in s3_server.items() if k.startswith("S3_")},
    )
    app.extensions["portal"].verifier = minter.verifier()
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(documents_app: Flask) -> Iterator[Flask]:
    limit = documents_app.config["MAX_UPLOAD_BYTES"]
    yield documents_app
    documents_app.config["MAX_UPLOAD_BYTES"] = limit


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def served(documents_app: Flask) -> Iterator[ServedApp]:
    """The app over real HTTP, for uploads and downloads that really stream."""
    server = ServedApp(documents_app)
    yield server
    server.close()


@pytest.fixture(scope="session")
def s3(s3_server) -> Minio:
    return Minio(
        s3_server["S3_ENDPOINT"],
        s3_server["S3_ACCESS_KEY"],
        s3_server["S3_SECRET_KEY"],
        secure=False,
    )


@pytest.fixture
def bucket(s3: Minio, s3_server) -> Bucket:
    return Bucket(s3, s3_server["S3_BUCKET"])


@dataclass
class Bucket:
    """What the store holds, as the minio client lists it."""

    s3: Minio
    name: str

    def objects(self) -> set[str]:
        return {o.object_name for o in self.s3.list_objects(self.name, recursive=True)}

    def pending_uploads(self) -> set[str]:
        # No public listing of unfinished multipart uploads in minio-py; this is its own call.
        return {u.object_name for u in self.s3._list_multipart_uploads(self.name).uploads}


@dataclass
class Matter:
    """A matter published to the portal, with the headers of its people."""

    app: Flask
    minter: TokenMinter
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    company_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    version: int = 0

    def publish(
        self,
        audience: dict[str, list[str]],
        *,
        visible: bool = True,
        attachments: bool = False,
        version: int | None = None,
    ) -> None:
        """Deliver `sharing.audience.changed` as the consumer does; audience: user -> reasons."""
        self.version = self.version + 1 if version is None else version
        event = Event(
            type="sharing.audience.changed",
            subject=self.id,
            source="/sharing",
            data={
                "matter_id": self.id,
                "company_id": self.company_id,
                "visible": visible,
                "attachments_visible_by_default": attachments,
                "version": self.version,
                "audience": [{"user_id": u, "reasons": r} for u, r in audience.items()],
            },
        )
        outcome = handle_message(self.app, event.to_json().encode(), 0)
        assert outcome.action == "ack", outcome

    def portal_headers(self, user_id: str, company_id: str | None = None) -> dict:
        company = {"id": company_id or self.company_id, "role": "member"}
        return self.minter.headers(kind="portal", role=None, sub=user_id, companies=[company])


@pytest.fixture
def staff(minter: TokenMinter) -> dict:
    return minter.headers(kind="staff", role="agent")


@pytest.fixture
def matter(app: Flask, minter: TokenMinter) -> Matter:
    return Matter(app, minter)


@pytest.fixture
def requester() -> str:
    return str(uuid.uuid4())
