"""The back office organises a matter's attachments: folders, names, moves, new versions."""

from __future__ import annotations

import hashlib
import uuid

import pytest
import sqlalchemy as sa

from services.common.consumer import handle_message
from services.common.events import Event
from services.documents.models import AudienceMember, db

from .conftest import Matter
from .helpers import CONTENT_TYPE, PDF, PNG, add_document, add_folder, multipart, rows

ANA = str(uuid.uuid4())


def test_folders_are_listed_renamed_and_unique_by_name_per_level(client, matter, staff):
    matter.publish({})
    root = add_folder(client, staff, matter.id, "Contracts")
    add_folder(client, staff, matter.id, "Signed", parent_id=root["id"])
    add_folder(client, staff, matter.id, "Signed")  # another level: allowed

    taken = client.post(
        f"/api/v1/matters/{matter.id}/folders", json={"name": "contracts"}, headers=staff
    )
    assert (taken.status_code, taken.json["code"]) == (409, "FOLDER_NAME_TAKEN")
    blank = client.post(f"/api/v1/matters/{matter.id}/folders", json={"name": " "}, headers=staff)
    assert blank.status_code == 422
    foreign = client.post(
        f"/api/v1/matters/{matter.id}/folders",
        json={"name": "X", "parent_id": str(uuid.uuid4())},
        headers=staff,
    )
    assert foreign.status_code == 422 and "parent_id" in foreign.json["errors"]

    renamed = client.patch(
        f"/api/v1/matters/{matter.id}/folders/{root['id']}",
        json={"name": "Agreements", "portal_visible": None},
        headers=staff,
    )
    assert renamed.status_code == 200
    assert renamed.json["name"] == "Agreements"

    listed = client.get(f"/api/v1/matters/{matter.id}/folders", headers=staff).json
    assert [f["name"] for f in listed["items"]] == ["Agreements", "Signed", "Signed"]
    assert (listed["page"], listed["page_size"], listed["total"]) == (1, 20, 3)

    elsewhere = client.patch(
        f"/api/v1/matters/{uuid.uuid4()}/folders/{root['id']}", json={"name": "Y"}, headers=staff
    )
    assert (elsewhere.status_code, elsewhere.json["code"]) == (404, "FOLDER_NOT_FOUND")


def test_documents_are_listed_by_folder_and_moved(client, matter, staff, app, minter):
    matter.publish({})
    folder = add_folder(client, staff, matter.id, "Invoices")
    loose = add_document(client, staff, matter.id, name="b.pdf")
    add_document(client, staff, matter.id, name="a.pdf", folder_id=folder["id"])

    everything = client.get(f"/api/v1/matters/{matter.id}/documents", headers=staff).json
    assert [d["name"] for d in everything["items"]] == ["a.pdf", "b.pdf"]
    in_folder = client.get(
        f"/api/v1/matters/{matter.id}/documents?folder_id={folder['id']}", headers=staff
    ).json
    assert [d["name"] for d in in_folder["items"]] == ["a.pdf"]

    moved = client.patch(
        f"/api/v1/documents/{loose['id']}",
        json={"folder_id": folder["id"], "name": "Invoice 42.pdf"},
        headers=staff,
    )
    assert moved.status_code == 200
    assert (moved.json["folder_id"], moved.json["name"]) == (folder["id"], "Invoice 42.pdf")

    other = Matter(app, minter)
    other.publish({})
    foreign = add_folder(client, staff, other.id, "Theirs")
    refused = client.patch(
        f"/api/v1/documents/{loose['id']}", json={"folder_id": foreign["id"]}, headers=staff
    )
    assert refused.status_code == 422 and "folder_id" in refused.json["errors"]
    unknown = client.patch(f"/api/v1/documents/{loose['id']}", json={"owner": "x"}, headers=staff)
    assert unknown.status_code == 422


def test_a_listed_document_is_what_its_own_endpoint_shows(client, matter, staff):
    """The listing builds its JSON itself (no marshmallow dump): every field, the current
    version, the visibility and download rules as GET /documents/{id} dumps them."""
    matter.publish({ANA: ["requester"]})
    folder = add_folder(client, staff, matter.id, "Shown")
    client.patch(
        f"/api/v1/matters/{matter.id}/folders/{folder['id']}",
        json={"portal_visible": True},
        headers=staff,
    )
    in_folder = add_document(client, staff, matter.id, PDF, "a.pdf", folder_id=folder["id"])
    hidden = add_document(client, staff, matter.id, PNG, "b.png")
    client.patch(
        f"/api/v1/documents/{hidden['id']}",
        json={"portal_visible": False, "download_allowed": True},
        headers=staff,
    )
    second = client.post(
        f"/api/v1/documents/{hidden['id']}/versions",
        data=b"".join(multipart([], PNG, "b2.png")),
        headers={**staff, "Content-Type": CONTENT_TYPE},
    )
    assert second.status_code == 201, second.json
    shared = client.put(
        f"/api/v1/matters/{matter.id}/document-shares",
        json={"contacts": [ANA], "documents": [in_folder["id"], hidden["id"]]},
        headers=staff,
    )
    assert shared.status_code == 200, shared.json

    listing = client.get(
        f"/api/v1/matters/{matter.id}/documents", query_string={"shared_with": ANA}, headers=staff
    ).json
    for items in (listing["items"], listing["shared"]["items"]):
        assert [d["name"] for d in items] == ["a.pdf", "b.png"]
        for item in items:
            alone = client.get(f"/api/v1/documents/{item['id']}", headers=staff).json
            assert item == alone
    assert listing["items"][1]["current_version"]["number"] == 2
    assert [d["visible_in_portal"] for d in listing["items"]] == [True, False]


def test_a_new_version_becomes_current_and_older_ones_stay_downloadable(app, client, matter, staff):
    matter.publish({})
    document = add_document(client, staff, matter.id, content=PDF)
    first = document["current_version"]

    response = client.post(
        f"/api/v1/documents/{document['id']}/versions",
        data=b"".join(multipart([], PNG, "scan.png")),
        headers={
            **staff,
            "Content-Type": "multipart/form-data; boundary=----documents-test-7d1c2e",
        },
    )
    assert response.status_code == 201, response.json
    second = response.json
    assert second["sha256"] == hashlib.sha256(PNG).hexdigest()

    current = client.get(f"/api/v1/documents/{document['id']}", headers=staff).json
    assert current["current_version"]["id"] == second["id"]
    versions = client.get(f"/api/v1/documents/{document['id']}/versions", headers=staff).json
    assert [v["id"] for v in versions["items"]] == [second["id"], first["id"]]

    old = client.get(
        f"/api/v1/documents/{document['id']}/download?version_id={first['id']}", headers=staff
    )
    assert (old.status_code, old.data, old.headers["Content-Type"]) == (
        200,
        PDF,
        "application/pdf",
    )
    latest = client.get(f"/api/v1/documents/{document['id']}/download", headers=staff)
    assert latest.data == PNG
    assert [e["data"]["version_id"] for e in rows(app, matter.id)["events"]] == [
        first["id"],
        second["id"],
    ]


@pytest.mark.parametrize("unknown", [str(uuid.uuid4()), "%00"])
def test_unknown_ids_are_404_problems(client, matter, staff, unknown):
    matter.publish({})
    for url, code in (
        (f"/api/v1/documents/{unknown}", "DOCUMENT_NOT_FOUND"),
        (f"/api/v1/documents/{unknown}/download", "DOCUMENT_NOT_FOUND"),
        (f"/api/v1/documents/{unknown}/versions", "DOCUMENT_NOT_FOUND"),
        (f"/api/v1/matters/{unknown}/documents", "MATTER_NOT_FOUND"),
        (f"/api/v1/matters/{unknown}/folders", "MATTER_NOT_FOUND"),
        (f"/api/v1/matters/{matter.id}/folders/{unknown}", "FOLDER_NOT_FOUND"),
    ):
        response = client.get(url, headers=staff)
        assert (response.status_code, response.json["code"]) == (404, code), url


def test_odd_text_in_a_query_or_field_is_a_422_naming_it(client, matter, staff):
    matter.publish({})
    document = add_document(client, staff, matter.id)
    for url in (
        f"/api/v1/matters/{matter.id}/documents?folder_id=%00",
        f"/api/v1/documents/{document['id']}/download?version_id=a%00",
    ):
        response = client.get(url, headers=staff)
        assert response.status_code == 422 and response.mimetype == "application/problem+json"
    for url, body, field in (
        (f"/api/v1/matters/{matter.id}/folders", {"name": "A", "parent_id": "\u0000"}, "parent_id"),
        (f"/api/v1/documents/{document['id']}", {"folder_id": "\u0000"}, "folder_id"),
    ):
        response = getattr(client, "post" if "folders" in url else "patch")(
            url, json=body, headers=staff
        )
        assert response.status_code == 422 and field in response.json["errors"], url


def test_the_audience_replica_keeps_one_row_per_person(app, matter):
    person, other = str(uuid.uuid4()), str(uuid.uuid4())
    matter.publish({person: ["requester"], other: ["watcher"]})
    event = Event(
        type="sharing.audience.changed",
        source="/sharing",
        data={
            "matter_id": matter.id,
            "company_id": matter.company_id,
            "visible": True,
            "version": matter.version + 1,
            "audience": [
                {"user_id": person, "reasons": ["watcher"]},
                {"user_id": person, "reasons": ["approver", "watcher"]},
            ],
        },
    )
    assert handle_message(app, event.to_json().encode(), 0).action == "ack"
    with app.app_context():
        audience = db.session.scalars(
            sa.select(AudienceMember).where(AudienceMember.matter_id == matter.id)
        ).all()
        assert [(a.user_id, a.reasons) for a in audience] == [(person, ["watcher", "approver"])]
