"""A signature and a withdrawal of the same collaborator at the same moment make one consistent
outcome, on PostgreSQL and on SQLite (where `make run` keeps sharing's data and FOR UPDATE is a
no-op): the other request's commit is injected exactly between a request's read and its write."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import sqlalchemy as sa

from services.common import migrate
from services.sharing import create_app
from services.sharing.models import db
from tests.documents.helpers import PDF

from .world import Person, World


@pytest.fixture(params=["postgresql", "sqlite"])
def both(request, world: World, documents, minter, tmp_path: Path) -> Iterator[World]:
    """The sharing service on PostgreSQL (the suite's), or on a SQLite file as under make run."""
    if request.param == "postgresql":
        yield world
        return
    url = f"sqlite:///{tmp_path / 'sharing.db'}"
    migrate.upgrade("sharing", url)
    app = create_app(
        SQLALCHEMY_DATABASE_URI=url,
        PORTAL_WEB_URL="https://portal.example.com/portal",
        DOCUMENTS_URL=documents.url,
    )
    app.extensions["portal"].verifier = minter.verifier()
    yield World(app, minter, documents.app)
    with app.app_context():
        db.engine.dispose()


def signee_on_a_matter_with_a_file(world: World) -> tuple[str, str, Person]:
    acme = world.company("Acme Industries")
    rita, sam = world.client("Rita", acme), world.client("Sam", world.company("Globex"))
    mid = world.new_matter(acme)["id"]
    assert world.show(mid, rita, attachments=True).status_code == 200
    added = world.http.post(
        f"/api/v1/matters/{mid}/collaborators",
        json={"user_id": sam.id, "role": "signee"},
        headers=world.as_staff(),
    )
    assert added.status_code == 201, added.json
    world.sync_documents()
    world.upload(mid, "contract.pdf", PDF + b"% contract\n")
    return mid, added.json["id"], sam


def sign(world: World, mid: str, sam: Person):
    return world.app.test_client().post(
        f"/api/v1/portal/matters/{mid}/signature",
        json={"full_name": "Sam"},
        headers=world.as_portal(sam),
    )


def withdraw(world: World, mid: str, collaborator_id: str):
    return world.app.test_client().delete(
        f"/api/v1/matters/{mid}/collaborators/{collaborator_id}", headers=world.as_staff()
    )


@contextlib.contextmanager
def meanwhile(world: World, statement: str, other: Callable) -> Iterator[list]:
    """Before the first SQL statement starting with `statement`, run `other` in another thread
    to its end (its response lands in the yielded list)."""
    with world.app.app_context():
        engine = db.engine
    done: list = []
    fired = threading.Event()

    def interpose(conn, cursor, sql: str, *args) -> None:
        if sql.lstrip().upper().startswith(statement) and not fired.is_set():
            fired.set()
            pool = ThreadPoolExecutor(1)
            try:  # a bounded wait: a request stuck on our locks must fail the test, not hang it
                done.append(pool.submit(other).result(timeout=20))
            finally:
                pool.shutdown(wait=False)

    sa.event.listen(engine, "before_cursor_execute", interpose)
    try:
        yield done
    finally:
        sa.event.remove(engine, "before_cursor_execute", interpose)


def staff_record(world: World, mid: str, collaborator_id: str) -> dict | None:
    listed = world.http.get(f"/api/v1/matters/{mid}/collaborators", headers=world.as_staff())
    return next((c for c in listed.json["items"] if c["id"] == collaborator_id), None)


def test_a_signature_made_while_the_firm_withdraws_the_signee_is_kept(both: World):
    mid, collaborator_id, sam = signee_on_a_matter_with_a_file(both)
    # The withdrawal has read the signee as pending; Sam's signature commits before it writes.
    with meanwhile(both, "DELETE FROM COLLABORATORS", lambda: sign(both, mid, sam)) as signed:
        withdrawn = withdraw(both, mid, collaborator_id)
    assert withdrawn.status_code == 204
    assert [r.status_code for r in signed] == [201]

    record = staff_record(both, mid, collaborator_id)
    assert record is not None and record["status"] == "signed"
    assert record["signature"]["documents"] == signed[0].json["documents"]
    assert record["withdrawn_at"] is not None
    assert both.portal_matters(sam) == []


def test_a_signee_withdrawn_while_signing_signs_nothing(both: World):
    mid, collaborator_id, sam = signee_on_a_matter_with_a_file(both)
    before = both.counts()
    # The signature has read the signee as pending; the withdrawal commits before it writes.
    with meanwhile(
        both, "UPDATE COLLABORATORS", lambda: withdraw(both, mid, collaborator_id)
    ) as withdrawn:
        signed = sign(both, mid, sam)
    assert [r.status_code for r in withdrawn] == [204]
    assert signed.status_code == 404, signed.json
    assert signed.json["code"] == "MATTER_NOT_FOUND"
    assert staff_record(both, mid, collaborator_id) is None
    assert both.outbox(mid, "sharing.signature.signed") == []
    assert both.counts()[1] == before[1] + 1  # the withdrawal's audience event, nothing else


def test_two_clicks_on_approve_and_reject_make_one_decision(both: World):
    acme = both.company("Acme Industries")
    rita, alice = both.client("Rita", acme), both.client("Alice", acme)
    mid = both.new_matter(acme)["id"]
    assert both.show(mid, rita).status_code == 200
    added = both.http.post(
        f"/api/v1/matters/{mid}/collaborators",
        json={"user_id": alice.id, "role": "approver"},
        headers=both.as_staff(),
    )
    assert added.status_code == 201, added.json

    def decide(decision: str):
        return both.app.test_client().post(
            f"/api/v1/portal/matters/{mid}/approval",
            json={"decision": decision, "comment": "Clause 7."},
            headers=both.as_portal(alice),
        )

    # The rejection has read the approval as pending; the approval commits before it writes.
    with meanwhile(both, "UPDATE COLLABORATORS", lambda: decide("approve")) as approved:
        rejected = decide("reject")
    assert [r.status_code for r in approved] == [200]
    assert rejected.status_code == 409 and rejected.json["code"] == "DECISION_FINAL"
    decided = both.outbox(mid, "sharing.approval.decided")
    assert [e["data"]["decision"] for e in decided] == ["approved"]
    assert staff_record(both, mid, added.json["id"])["status"] == "approved"
