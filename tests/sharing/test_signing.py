"""A signature covers exactly what the documents service shows the signee: asked at signing
time with the signee's own token, from the real documents service over HTTP. Hidden files are
neither signed nor named; when documents cannot answer, nothing is signed."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest
from flask import Flask

from services.common.testing import ServedApp
from tests.documents.helpers import PDF

from .world import Person, World


@pytest.fixture
def setting(world: World) -> dict:
    """An Acme contract shown to Rita with attachments visible by default, two signees (Walt
    of Acme, Sam of the counterparty Globex), and files of every visibility in documents."""
    acme, globex = world.company("Acme Industries"), world.company("Globex")
    rita, walt = world.client("Rita", acme, "primary"), world.client("Walt", acme)
    sam = world.client("Sam", globex)
    mid = world.new_matter(acme)["id"]
    assert world.show(mid, rita, attachments=True).status_code == 200
    for person in (walt, sam):
        response = world.http.post(
            f"/api/v1/matters/{mid}/collaborators",
            json={"user_id": person.id, "role": "signee"},
            headers=world.as_staff(),
        )
        assert response.status_code == 201, response.json
    world.sync_documents()
    internal = world.folder(mid, "Internal", portal_visible=False)
    annexes = world.folder(mid, "Annexes")
    shown = [
        world.upload(mid, "contract.pdf", PDF + b"% contract\n"),
        world.upload(mid, "annex-1.pdf", PDF + b"% annex\n", folder_id=annexes["id"]),
    ]
    hidden = [
        world.upload(mid, "memo.pdf", PDF + b"% memo\n", portal_visible=False),
        world.upload(mid, "pricing.pdf", PDF + b"% pricing\n", folder_id=internal["id"]),
    ]
    return {"mid": mid, "walt": walt, "sam": sam, "shown": shown, "hidden": hidden}


def sign(world: World, mid: str, person: Person):
    return world.http.post(
        f"/api/v1/portal/matters/{mid}/signature",
        json={"full_name": person.name},
        headers=world.as_portal(person),
    )


def signee_status(world: World, mid: str, person: Person) -> str:
    listed = world.http.get(f"/api/v1/matters/{mid}/collaborators", headers=world.as_staff())
    return next(c["status"] for c in listed.json["items"] if c["user"]["id"] == person.id)


def test_each_signee_signs_only_the_documents_they_see(world: World, setting: dict):
    mid = setting["mid"]
    expected = sorted(
        (d["id"], d["name"], d["current_version"]["sha256"]) for d in setting["shown"]
    )
    for person in (setting["walt"], setting["sam"]):  # same company, then the counterparty
        # What documents itself shows this person in the portal...
        seen = world.documents.test_client().get(
            f"/api/v1/portal/matters/{mid}/documents", headers=world.as_portal(person)
        )
        assert seen.status_code == 200, seen.json
        assert sorted((d["id"], d["name"], d["sha256"]) for d in seen.json["items"]) == expected

        # ...is what the signature covers, in the receipt and in the event.
        signed = sign(world, mid, person)
        assert signed.status_code == 201, signed.json
        receipt = [(d["document_id"], d["name"], d["sha256"]) for d in signed.json["documents"]]
        assert sorted(receipt) == expected
        assert signed.json["no_documents"] is False
        event = next(
            e["data"]
            for e in world.outbox(mid, "sharing.signature.signed")
            if e["data"]["collaborator"]["user_id"] == person.id
        )
        assert sorted((d["document_id"], d["name"], d["sha256"]) for d in event["documents"]) == (
            expected
        )
        assert all(set(d) == {"document_id", "name", "sha256"} for d in event["documents"])

    written = json.dumps(world.outbox(mid))
    for secret in setting["hidden"]:
        for value in (secret["id"], secret["name"], secret["current_version"]["sha256"]):
            assert value not in written


def add_signee(world: World, mid: str, person: Person) -> None:
    response = world.http.post(
        f"/api/v1/matters/{mid}/collaborators",
        json={"user_id": person.id, "role": "signee"},
        headers=world.as_staff(),
    )
    assert response.status_code == 201, response.json


def assert_not_signed_yet(world: World, refused, mid: str, person: Person, before) -> None:
    assert refused.status_code == 503, refused.json
    assert refused.mimetype == "application/problem+json"
    assert refused.json["code"] == "DOCUMENTS_CATCHING_UP"
    assert "Try again in a moment" in refused.json["detail"]
    assert int(refused.headers["Retry-After"]) > 0
    assert world.counts() == before
    assert world.outbox(mid, "sharing.signature.signed") == []
    assert signee_status(world, mid, person) == "pending"


def test_a_matter_documents_has_not_heard_of_yet_is_not_signed_over_nothing(world: World):
    acme = world.company("Acme Industries")
    rita, sam = world.client("Rita", acme), world.client("Sam", world.company("Globex"))
    mid = world.new_matter(acme)["id"]
    assert world.show(mid, rita, attachments=True).status_code == 200
    add_signee(world, mid, sam)
    # Documents' worker has not applied the audience: it answers 404 for this matter.
    before = world.counts()
    assert_not_signed_yet(world, sign(world, mid, sam), mid, sam, before)

    # Caught up, with truly nothing to show Sam: the signature says it covers no document.
    world.sync_documents()
    signed = sign(world, mid, sam)
    assert signed.status_code == 201, signed.json
    assert signed.json["documents"] == [] and signed.json["no_documents"] is True
    assert world.outbox(mid, "sharing.signature.signed")[-1]["data"]["documents"] == []
    listed = world.http.get(f"/api/v1/matters/{mid}/collaborators", headers=world.as_staff())
    (record,) = [c["signature"] for c in listed.json["items"] if c["user"]["id"] == sam.id]
    assert record["documents"] == [] and record["no_documents"] is True


def test_documents_one_audience_change_behind_is_not_signed_over_its_old_view(world: World):
    acme = world.company("Acme Industries")
    rita, sam = world.client("Rita", acme), world.client("Sam", world.company("Globex"))
    mid = world.new_matter(acme)["id"]
    assert world.show(mid, rita, attachments=False).status_code == 200
    add_signee(world, mid, sam)
    world.sync_documents()
    contract = world.upload(mid, "contract.pdf", PDF + b"% contract\n")  # as the default: hidden
    # The firm shows attachments by default; documents has not applied that change yet, so it
    # still shows Sam nothing (a 200 with no item, for the older audience).
    assert world.show(mid, rita, attachments=True).status_code == 200
    behind = world.documents.test_client().get(
        f"/api/v1/portal/matters/{mid}/documents", headers=world.as_portal(sam)
    )
    assert behind.status_code == 200 and behind.json["items"] == []
    assert behind.json["audience_version"] < world.audience_events(mid)[-1]["version"]
    before = world.counts()
    assert_not_signed_yet(world, sign(world, mid, sam), mid, sam, before)

    world.sync_documents()
    signed = sign(world, mid, sam)
    assert signed.status_code == 201, signed.json
    assert signed.json["no_documents"] is False
    assert signed.json["documents"] == [
        {
            "document_id": contract["id"],
            "name": "contract.pdf",
            "sha256": contract["current_version"]["sha256"],
        }
    ]


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def failing_server(status: int = 500, delay: float = 0.0) -> ServedApp:
    """A server on the documents URL that answers `status` after `delay` seconds."""
    broken = Flask("broken-documents")

    @broken.get("/api/v1/portal/matters/<matter_id>/documents")
    def listing(matter_id: str):
        time.sleep(delay)
        return {"title": "Internal Server Error"}, status

    return ServedApp(broken)


@pytest.fixture
def outage(app: Flask) -> Iterator[dict]:
    """Point sharing at something that is not a working documents service, then restore."""
    config = app.config
    saved = {k: config[k] for k in ("DOCUMENTS_URL", "DOCUMENTS_READ_TIMEOUT")}
    servers: list[ServedApp] = []
    yield {"config": config, "servers": servers, "restore": lambda: config.update(saved)}
    config.update(saved)
    for server in servers:
        server.close()


@pytest.mark.parametrize("failure", ["down", "5xx", "slow"])
def test_documents_unavailable_is_a_503_and_nothing_is_signed(
    world: World, setting: dict, outage: dict, failure: str
):
    mid, sam = setting["mid"], setting["sam"]
    config = outage["config"]
    if failure == "down":
        config["DOCUMENTS_URL"] = closed_port_url()
    else:
        server = failing_server(500 if failure == "5xx" else 200, 2.0 if failure == "slow" else 0)
        outage["servers"].append(server)
        config["DOCUMENTS_URL"] = server.url
        config["DOCUMENTS_READ_TIMEOUT"] = 0.5
    before = world.counts()

    refused = sign(world, mid, sam)
    assert refused.status_code == 503, refused.json
    assert refused.mimetype == "application/problem+json"
    assert refused.json["code"] == "DOCUMENTS_UNAVAILABLE"
    assert "Try again in a moment" in refused.json["detail"]
    assert refused.headers["Retry-After"]
    assert world.counts() == before
    assert world.outbox(mid, "sharing.signature.signed") == []
    assert signee_status(world, mid, sam) == "pending"

    # Documents is back: the same signee signs, over what they see.
    outage["restore"]()
    signed = sign(world, mid, sam)
    assert signed.status_code == 201, signed.json
    assert sorted(d["name"] for d in signed.json["documents"]) == ["annex-1.pdf", "contract.pdf"]
    assert signee_status(world, mid, sam) == "signed"
    assert len(world.outbox(mid, "sharing.signature.signed")) == 1
