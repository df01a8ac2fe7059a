"""Downloads handed to the gateway (services/common/offload.py): when the request says the
gateway fetches from this very store, documents authorises, records and names the object; the
bytes never pass through it. Anything else is streamed by documents as before."""

from __future__ import annotations

import requests

from services.common.offload import OBJECT, OFFLOAD

from .helpers import add_document, make_pdf

CONTRACT = make_pdf("Indemnity clause page one", "Signatures page two")


def _download(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    matter.allow_downloads(staff)
    document = add_document(client, staff, matter.id, CONTRACT, "contract.pdf")
    return f"/api/v1/portal/documents/{document['id']}/download", matter.portal_headers(requester)


def test_through_the_gateway_the_answer_names_the_object_and_carries_no_byte(
    client, matter, staff, requester, s3_server
):
    url, rita = _download(client, matter, staff, requester)
    store = f"http://{s3_server['S3_ENDPOINT']}"

    whole = client.get(url, headers={**rita, OFFLOAD: store})
    assert whole.status_code == 200
    assert whole.data == b""
    assert whole.headers["Content-Type"] == "application/pdf"
    assert whole.headers["Content-Disposition"].startswith("attachment;")
    named = whole.headers[OBJECT]
    assert named.startswith(f"{store}/{s3_server['S3_BUCKET']}/")
    # What the gateway does with it: one GET, no credentials.
    assert requests.get(named, timeout=10).content == CONTRACT

    part = client.get(url, headers={**rita, OFFLOAD: store, "Range": "bytes=5-14"})
    assert (part.status_code, part.data) == (206, b"")
    assert part.headers["Content-Range"] == f"bytes 5-14/{len(CONTRACT)}"
    fetched = requests.get(part.headers[OBJECT], headers={"Range": "bytes=5-14"}, timeout=10)
    assert fetched.content == CONTRACT[5:15]

    # Each handed-over download is recorded, as one documents streams.
    access = client.get(f"/api/v1/portal/matters/{matter.id}/documents/access", headers=rita).json[
        "items"
    ]
    assert [row["action"] for row in access] == ["download", "download"]


def test_another_store_or_no_gateway_gets_the_bytes_from_documents(
    client, matter, staff, requester, s3_server
):
    url, rita = _download(client, matter, staff, requester)
    for headers in ({}, {OFFLOAD: "http://127.0.0.1:1"}):
        response = client.get(url, headers={**rita, **headers})
        assert response.status_code == 200
        assert OBJECT not in response.headers
        assert response.data == CONTRACT
    # A HEAD has no body to hand over: its length is the file's.
    head = client.head(url, headers={**rita, OFFLOAD: f"http://{s3_server['S3_ENDPOINT']}"})
    assert OBJECT not in head.headers
    assert head.headers["Content-Length"] == str(len(CONTRACT))


def test_a_refused_download_names_nothing(client, matter, staff, requester, s3_server):
    matter.publish({requester: ["requester"]}, attachments=True)
    document = add_document(client, staff, matter.id, CONTRACT, "contract.pdf")
    refused = client.get(
        f"/api/v1/portal/documents/{document['id']}/download",
        headers={**matter.portal_headers(requester), OFFLOAD: f"http://{s3_server['S3_ENDPOINT']}"},
    )
    assert refused.status_code == 403
    assert OBJECT not in refused.headers
