"""Versions seen by the client at the same place, the firm's history, and the access record."""

from __future__ import annotations

import hashlib
import uuid

from .helpers import CONTENT_TYPE, add_document, make_pdf, multipart

ANA, BEN = str(uuid.uuid4()), str(uuid.uuid4())
V1, V2 = make_pdf("Draft one"), make_pdf("Final text", "Annex")


def new_version(client, staff, document_id, content):
    response = client.post(
        f"/api/v1/documents/{document_id}/versions",
        data=b"".join(multipart([], content, "x.pdf")),
        headers={**staff, "Content-Type": CONTENT_TYPE},
    )
    assert response.status_code == 201, response.json
    return response.json


def test_a_new_version_is_what_the_client_sees_and_the_firm_keeps_the_history(
    client, matter, staff
):
    matter.publish({ANA: ["requester"]}, attachments=True)
    document = add_document(client, staff, matter.id, V1, "terms.pdf")
    ana = matter.portal_headers(ANA)
    preview = f"/api/v1/portal/documents/{document['id']}/preview"
    first = client.get(preview, headers=ana)
    assert first.headers["X-Preview-Pages"] == "1"

    second = new_version(client, staff, document["id"], V2)

    listed = client.get(f"/api/v1/portal/matters/{matter.id}/documents", headers=ana).json
    (item,) = listed["items"]
    assert (item["id"], item["version_number"], item["size"]) == (document["id"], 2, len(V2))
    assert client.get(preview, headers=ana).headers["X-Preview-Pages"] == "2"

    history = client.get(f"/api/v1/documents/{document['id']}/versions", headers=staff).json
    assert [(v["number"], v["size"], v["sha256"]) for v in history["items"]] == [
        (2, len(V2), hashlib.sha256(V2).hexdigest()),
        (1, len(V1), hashlib.sha256(V1).hexdigest()),
    ]
    assert all(v["uploaded_by"]["kind"] == "staff" and v["created_at"] for v in history["items"])
    old = client.get(
        f"/api/v1/documents/{document['id']}/download",
        query_string={"version_id": history["items"][1]["id"]},
        headers=staff,
    )
    assert old.data == V1
    assert second["number"] == 2


def test_every_preview_and_download_is_recorded_and_shown_to_the_right_people(
    client, matter, staff
):
    other_company = str(uuid.uuid4())
    matter.publish({ANA: ["requester"], BEN: ["watcher"]}, attachments=True)
    document = add_document(client, staff, matter.id, V2, "terms.pdf")
    ana = {
        **matter.portal_headers(ANA, email="ana@client.example"),
        "X-Forwarded-For": "203.0.113.7",
    }
    ben = matter.portal_headers(BEN, company_id=other_company, email="ben@partner.example")
    base = f"/api/v1/portal/documents/{document['id']}"

    assert client.get(f"{base}/preview", headers=ana).status_code == 200
    assert client.get(f"{base}/preview?page=2", headers=ana).status_code == 200  # same viewing
    assert client.get(f"{base}/download", headers=ana).status_code == 403  # not recorded
    client.patch(
        f"/api/v1/documents/{document['id']}", json={"download_allowed": True}, headers=staff
    )
    assert client.get(f"{base}/download", headers=ana).status_code == 200
    assert client.get(f"{base}/preview", headers=ben).status_code == 200

    per_document = client.get(f"/api/v1/documents/{document['id']}/access", headers=staff).json
    assert [(r["user_email"], r["action"], r["version_number"]) for r in per_document["items"]] == [
        ("ben@partner.example", "preview", 1),
        ("ana@client.example", "download", 1),
        ("ana@client.example", "preview", 1),
    ]
    assert all(r["address"] for r in per_document["items"])
    per_contact = client.get(
        f"/api/v1/matters/{matter.id}/documents/access",
        query_string={"user_id": ANA},
        headers=staff,
    ).json
    assert per_contact["total"] == 2

    # Ana sees her company's record; Ben (another company) sees none of it.
    mine = client.get(f"/api/v1/portal/matters/{matter.id}/documents/access", headers=ana).json
    assert {r["user_id"] for r in mine["items"]} == {ANA}
    assert mine["total"] == 2
    theirs = client.get(f"/api/v1/portal/matters/{matter.id}/documents/access", headers=ben).json
    assert theirs["total"] == 0
