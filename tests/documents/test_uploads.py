"""Uploads stream to the object store and back, typed by their bytes, within the size limit,
and leave nothing behind when they fail."""

from __future__ import annotations

import hashlib

import pytest
import requests

from services.common.testing import free_port
from services.documents import create_app, service
from services.documents.models import db

from .helpers import (
    CONTENT_TYPE,
    PDF,
    PNG,
    CountingStream,
    add_folder,
    multipart,
    post_stream,
    random_chunks,
    rows,
    upload,
)

MIB = 1024 * 1024


def test_a_streamed_upload_downloads_identical_for_staff_and_portal(
    app, client, served, matter, staff, requester, bucket
):
    matter.publish({requester: ["requester"]})
    folder = add_folder(client, staff, matter.id, "Signed", portal_visible=True)
    size = 7 * MIB + 12345  # two parts of 5 MiB
    expected = hashlib.sha256(b"".join(random_chunks(size, seed=b"contract"))).hexdigest()

    # A generator body: requests sends it chunked, as it is produced.
    body = multipart(
        [("folder_id", folder["id"]), ("name", "Contrat signé.pdf")],
        random_chunks(size, seed=b"contract"),
        "scan.bin",
    )
    response = requests.post(
        f"{served.url}/api/v1/matters/{matter.id}/documents",
        data=body,
        headers={**staff, "Content-Type": CONTENT_TYPE},
        timeout=60,
    )

    assert response.status_code == 201, response.text
    document = response.json()
    version = document["current_version"]
    assert document["name"] == "Contrat signé.pdf"
    assert document["folder_id"] == folder["id"]
    assert document["visible_in_portal"] is True
    assert (version["size"], version["sha256"]) == (size, expected)
    assert version["content_type"] == "application/octet-stream"
    assert version["uploaded_by"]["kind"] == "staff"

    for url, headers in (
        (f"/api/v1/documents/{document['id']}/download", staff),
        (f"/api/v1/portal/documents/{document['id']}/download", matter.portal_headers(requester)),
    ):
        with requests.get(served.url + url, headers=headers, stream=True, timeout=60) as got:
            assert got.status_code == 200
            assert int(got.headers["Content-Length"]) == size
            assert got.headers["X-Content-Type-Options"] == "nosniff"
            assert got.headers["Content-Disposition"].startswith("attachment;")
            assert "filename*=UTF-8''Contrat%20sign%C3%A9.pdf" in got.headers["Content-Disposition"]
            digest = hashlib.sha256()
            for chunk in got.iter_content(256 * 1024):
                digest.update(chunk)
        assert digest.hexdigest() == expected

    (event,) = rows(app, matter.id)["events"]
    assert event["type"] == "documents.version.added"
    assert event["subject"] == document["id"]
    assert event["data"] == {
        "document_id": document["id"],
        "matter_id": matter.id,
        "version_id": version["id"],
        "name": "Contrat signé.pdf",
        "size": size,
        "sha256": expected,
        "content_type": "application/octet-stream",
        "uploaded_by": version["uploaded_by"],
    }


def test_the_stored_type_is_sniffed_from_the_bytes_not_the_name(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    body = multipart([], PNG + b"\0" * 100, "invoice.pdf", file_type="application/pdf")
    document = upload(client, staff, matter.id, body).json

    assert document["name"] == "invoice.pdf"
    assert document["current_version"]["content_type"] == "image/png"
    preview = client.get(
        f"/api/v1/portal/documents/{document['id']}/preview",
        headers=matter.portal_headers(requester),
    )
    assert preview.status_code == 200
    assert preview.headers["Content-Type"] == "image/png"
    assert preview.headers["Content-Disposition"].startswith("inline;")
    assert preview.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert preview.headers["X-Content-Type-Options"] == "nosniff"
    assert preview.data == PNG + b"\0" * 100


def test_text_and_pdf_are_recognised(client, matter, staff):
    matter.publish({})
    pdf = upload(client, staff, matter.id, multipart([], PDF, "a.txt")).json
    text = upload(client, staff, matter.id, multipart([], "Réunion à 10h".encode(), "x")).json
    assert pdf["current_version"]["content_type"] == "application/pdf"
    assert text["current_version"]["content_type"] == "text/plain; charset=utf-8"


def test_a_content_length_over_the_limit_is_refused_before_reading(app, client, matter, staff):
    matter.publish({})
    app.config["MAX_UPLOAD_BYTES"] = 1 * MIB
    stream = CountingStream(multipart([], random_chunks(3 * MIB)))

    url = f"/api/v1/matters/{matter.id}/documents"
    response = post_stream(client, url, stream, staff, length=3 * MIB + 300)

    assert response.status_code == 413
    assert response.json["code"] == "PAYLOAD_TOO_LARGE"
    assert "1 MB" in response.json["detail"]
    assert stream.taken == 0
    assert rows(app, matter.id) == {"documents": [], "versions": [], "events": []}


@pytest.mark.parametrize("limit", [100 * 1024, 12 * MIB], ids=["single-part", "multipart"])
def test_a_chunked_body_growing_past_the_limit_is_stopped_and_leaves_nothing(
    app, client, matter, staff, bucket, limit
):
    matter.publish({})
    app.config["MAX_UPLOAD_BYTES"] = limit
    before = bucket.objects()
    stream = CountingStream(multipart([("name", "huge.bin")], random_chunks(40 * MIB)))

    # No Content-Length: the server learns the size as it reads.
    response = post_stream(client, f"/api/v1/matters/{matter.id}/documents", stream, staff, None)

    assert response.status_code == 413
    assert response.json["code"] == "PAYLOAD_TOO_LARGE"
    assert stream.taken < limit + 2 * MIB  # stopped early, not read to the end
    assert rows(app, matter.id) == {"documents": [], "versions": [], "events": []}
    assert bucket.objects() == before
    assert bucket.pending_uploads() == set()  # the multipart upload was aborted


def test_a_failed_database_write_deletes_the_stored_object(
    app, client, matter, staff, bucket, monkeypatch
):
    matter.publish({})
    before = bucket.objects()

    def broken(event):
        raise RuntimeError("database write failed")

    monkeypatch.setattr(service, "add_event", broken)
    response = upload(client, staff, matter.id, multipart([], random_chunks(6 * MIB)))

    assert response.status_code == 500
    assert rows(app, matter.id)["documents"] == []
    assert bucket.objects() == before


def test_an_empty_file_is_refused_and_not_kept(app, client, matter, staff, bucket):
    matter.publish({})
    before = bucket.objects()
    response = upload(client, staff, matter.id, multipart([], b"", "empty.txt"))
    assert response.status_code == 422
    assert "empty" in response.json["errors"]["file"][0]
    assert bucket.objects() == before


def test_fields_after_the_file_are_refused_and_the_object_removed(
    app, client, matter, staff, bucket
):
    matter.publish({})
    before = bucket.objects()
    response = upload(client, staff, matter.id, multipart([], PDF, after=[("name", "late.pdf")]))
    assert response.status_code == 422
    assert "before the file" in response.json["errors"]["name"][0]
    assert bucket.objects() == before
    assert rows(app, matter.id)["documents"] == []


def test_malformed_uploads_get_problems_a_person_can_act_on(client, matter, staff):
    matter.publish({})
    url = f"/api/v1/matters/{matter.id}/documents"

    as_json = client.post(url, json={"file": "x"}, headers=staff)
    assert as_json.status_code == 400
    assert as_json.json["code"] == "MULTIPART_REQUIRED"

    no_file = upload(client, staff, matter.id, multipart([("name", "a.pdf")], None))
    assert no_file.status_code == 422
    assert "file" in no_file.json["errors"]

    unknown = upload(client, staff, matter.id, multipart([("owner", "me")], PDF))
    assert unknown.status_code == 422
    assert "owner" in unknown.json["errors"]

    # A line break in a part's name leaves it without one.
    nameless = upload(client, staff, matter.id, multipart([("owner", "me"), ("a\nb", "c")], PDF))
    assert nameless.status_code == 400
    assert nameless.json["code"] == "MALFORMED_MULTIPART"

    truncated = client.post(
        url,
        data=b"".join(multipart([], PDF))[:-30],
        headers={**staff, "Content-Type": CONTENT_TYPE},
    )
    assert truncated.status_code == 400
    assert truncated.json["code"] == "MALFORMED_MULTIPART"

    for folder_id in ("nope", "\u0000"):
        body = multipart([("folder_id", folder_id)], PDF)
        foreign_folder = upload(client, staff, matter.id, body)
        assert foreign_folder.status_code == 422
        assert "folder_id" in foreign_folder.json["errors"]


def test_an_unknown_matter_is_a_404_saying_so(client, staff):
    response = upload(client, staff, "3f1b6a52-0000-4000-8000-000000000000", multipart([], PDF))
    assert response.status_code == 404
    assert response.json["code"] == "MATTER_NOT_FOUND"
    assert "No matter has the id" in response.json["detail"]


def test_file_names_are_cleaned_of_paths_and_control_characters(client, matter, staff):
    matter.publish({})
    body = multipart([], PDF, "../../home/me/devis\u202egpj.exe")
    assert upload(client, staff, matter.id, body).json["name"] == "devisgpj.exe"


def test_readiness_includes_the_store(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert "storage" in response.json["checks"]


def test_a_store_down_at_startup_is_reported_by_readiness(app):
    down = create_app(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        AMQP_URL=app.config["AMQP_URL"],
        S3_ENDPOINT=f"127.0.0.1:{free_port()}",
    )
    response = down.test_client().get("/readyz")
    with down.app_context():
        db.engine.dispose()
    assert response.status_code == 503
    assert list(response.json["errors"]) == ["storage"]
