"""Client contacts upload to a matter they can see: typed from the bytes, marked as theirs, in
their shared list, optionally an updated version of a shared document (which stays as it was)."""

from __future__ import annotations

import uuid

from .helpers import CONTENT_TYPE, add_document, make_pdf, multipart, rows

ANA, BEN = str(uuid.uuid4()), str(uuid.uuid4())
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 300


def client_upload(client, matter, user, content, name, fields=()):
    return client.post(
        f"/api/v1/portal/matters/{matter.id}/documents",
        data=b"".join(multipart(list(fields), content, name)),
        headers={
            **matter.portal_headers(user, email="ana@client.example"),
            "Content-Type": CONTENT_TYPE,
        },
    )


def test_a_client_upload_replacing_a_shared_document(app, client, matter, staff):
    matter.publish({ANA: ["requester"], BEN: ["watcher"]})
    lease = add_document(client, staff, matter.id, make_pdf("Lease v1"), "lease.pdf")["id"]
    client.put(
        f"/api/v1/matters/{matter.id}/document-shares",
        json={"contacts": [ANA], "documents": [lease]},
        headers=staff,
    )

    response = client_upload(
        client, matter, ANA, make_pdf("Lease signed"), "lease-signed.pdf", [("replaces", lease)]
    )

    assert response.status_code == 201, response.json
    created = response.json
    assert (created["from_client"], created["uploaded_by_me"], created["replaces_id"]) == (
        True,
        True,
        lease,
    )
    mine = client.get(
        f"/api/v1/portal/matters/{matter.id}/documents", headers=matter.portal_headers(ANA)
    ).json["items"]
    assert {d["name"] for d in mine} == {"lease.pdf", "lease-signed.pdf"}
    others = client.get(
        f"/api/v1/portal/matters/{matter.id}/documents", headers=matter.portal_headers(BEN)
    ).json["items"]
    assert others == []
    # The firm sees it in the matter's documents and in Ana's shared list; the original stays.
    listed = client.get(
        f"/api/v1/matters/{matter.id}/documents", query_string={"shared_with": ANA}, headers=staff
    ).json
    by_name = {d["name"]: d for d in listed["items"]}
    assert by_name["lease-signed.pdf"]["from_client"] is True
    assert by_name["lease.pdf"]["current_version"]["number"] == 1
    assert {d["name"] for d in listed["shared"]["items"]} == {"lease.pdf", "lease-signed.pdf"}
    (event,) = [
        e
        for e in rows(app, matter.id)["events"]
        if e["type"] == "documents.document.uploaded_by_client"
    ]
    assert event["data"]["replaces"] == {"id": lease, "name": "lease.pdf"}
    assert event["data"]["uploaded_by"] == {"user_id": ANA, "email": "ana@client.example"}


def test_bad_client_uploads_are_refused_and_leave_nothing(app, client, matter, staff, bucket):
    matter.publish({ANA: ["requester"]})
    hidden = add_document(client, staff, matter.id, make_pdf("internal"), "internal.pdf")["id"]
    before = bucket.objects()

    disguised = client_upload(client, matter, ANA, ELF, "invoice.pdf")
    assert disguised.status_code == 415
    assert "PDF" in disguised.json["detail"]
    not_mine = client_upload(client, matter, ANA, make_pdf("x"), "x.pdf", [("replaces", hidden)])
    assert not_mine.status_code == 422
    assert "replaces" in not_mine.json["errors"]
    empty = client_upload(client, matter, ANA, b"", "empty.pdf")
    assert empty.status_code == 422
    sneaky = client_upload(client, matter, ANA, make_pdf("x"), "../../etc/passwd")
    assert sneaky.status_code == 422
    outsider = client_upload(client, matter, BEN, make_pdf("x"), "x.pdf")
    assert outsider.status_code == 404

    assert bucket.objects() == before
    assert len(rows(app, matter.id)["documents"]) == 1  # only the firm's own
