"""A preview is really a preview: when the firm does not allow downloading, the server draws
the pages and stamps them; the original bytes never leave the store."""

from __future__ import annotations

import io

from PIL import Image

from .helpers import add_document, make_pdf

CONTRACT = make_pdf("Indemnity clause page one", "Signatures page two")


def preview(client, document_id: str, headers: dict, page: int | None = None):
    query = "" if page is None else f"?page={page}"
    return client.get(f"/api/v1/portal/documents/{document_id}/preview{query}", headers=headers)


def test_a_preview_only_pdf_is_drawn_page_by_page_and_stamped_per_viewer(
    client, matter, staff, requester, bucket
):
    watcher = "5b7a0c1e-0000-4000-8000-0000000000aa"
    matter.publish({requester: ["requester"], watcher: ["watcher"]}, attachments=True)
    document = add_document(client, staff, matter.id, CONTRACT, "contract.pdf")
    rita = matter.portal_headers(requester, email="rita@client.example")
    walt = matter.portal_headers(watcher, email="walt@client.example")

    first = preview(client, document["id"], rita)
    assert first.status_code == 200, first.json
    assert first.headers["Content-Type"] == "image/png"
    assert first.headers["X-Preview-Mode"] == "rendered"
    assert first.headers["X-Preview-Pages"] == "2"
    assert first.headers["Cache-Control"] == "private, no-store"
    assert b"%PDF" not in first.data
    assert Image.open(io.BytesIO(first.data)).size == (918, 1188)  # 612x792 points at 1.5

    second = preview(client, document["id"], rita, page=2)
    assert second.status_code == 200
    assert second.data != first.data
    beyond = preview(client, document["id"], rita, page=3)
    assert (beyond.status_code, beyond.json["code"]) == (404, "PAGE_NOT_FOUND")

    # The same page for another viewer carries another stamp.
    assert preview(client, document["id"], walt).data != first.data
    # Drawn once per version, kept on the store.
    version_id = document["current_version"]["id"]
    cached = {k for k in bucket.objects() if k.startswith(f"renditions/{version_id}/")}
    assert cached == {f"renditions/{version_id}/{n}" for n in ("index.json", "1.png", "2.png")}

    refused = client.get(f"/api/v1/portal/documents/{document['id']}/download", headers=rita)
    assert refused.status_code == 403
    assert "not allowed downloading" in refused.json["detail"]


def test_when_download_is_allowed_the_pdf_shows_inline_as_it_is(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    document = add_document(client, staff, matter.id, CONTRACT, "contract.pdf")
    client.patch(
        f"/api/v1/documents/{document['id']}", json={"download_allowed": True}, headers=staff
    )

    shown = preview(client, document["id"], matter.portal_headers(requester))

    assert shown.status_code == 200
    assert shown.headers["X-Preview-Mode"] == "original"
    assert shown.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert shown.data == CONTRACT


def test_images_are_re_encoded_and_text_comes_as_stamped_text(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 200, 30)).save(buffer, "JPEG")
    photo = add_document(client, staff, matter.id, buffer.getvalue() + b"TRAILING", "site.jpg")
    notes = add_document(client, staff, matter.id, "Réunion lundi 10h".encode(), "notes.txt")
    rita = matter.portal_headers(requester, email="rita@client.example")

    image = preview(client, photo["id"], rita)
    assert image.headers["Content-Type"] == "image/png"
    assert b"TRAILING" not in image.data
    assert Image.open(io.BytesIO(image.data)).size == (40, 30)

    text = preview(client, notes["id"], rita)
    assert text.headers["Content-Type"] == "text/plain; charset=utf-8"
    first_line, _, body = text.data.decode().partition("\n\n")
    assert "rita@client.example" in first_line
    assert body == "Réunion lundi 10h"


def test_other_types_say_no_preview_is_available(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    archive = b"PK\x03\x04" + b"\x00" * 200
    document = add_document(client, staff, matter.id, archive, "bundle.zip")
    response = preview(client, document["id"], matter.portal_headers(requester))
    assert (response.status_code, response.json["code"]) == (404, "PREVIEW_NOT_AVAILABLE")
    assert "No preview is available" in response.json["detail"]


def test_a_damaged_pdf_is_a_404_saying_so_not_an_error(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    document = add_document(client, staff, matter.id, b"%PDF-1.4\nnot really", "broken.pdf")
    response = preview(client, document["id"], matter.portal_headers(requester))
    assert (response.status_code, response.json["code"]) == (404, "PREVIEW_NOT_AVAILABLE")
    assert "damaged" in response.json["detail"]


def test_downloads_answer_byte_ranges(client, matter, staff, requester):
    matter.publish({requester: ["requester"]}, attachments=True)
    matter.allow_downloads(staff)
    document = add_document(client, staff, matter.id, CONTRACT, "contract.pdf")
    url = f"/api/v1/portal/documents/{document['id']}/download"
    rita = matter.portal_headers(requester)

    whole = client.get(url, headers=rita)
    assert whole.headers["Accept-Ranges"] == "bytes"
    part = client.get(url, headers={**rita, "Range": "bytes=5-14"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 5-14/{len(CONTRACT)}"
    assert part.data == CONTRACT[5:15]
    tail = client.get(url, headers={**rita, "Range": "bytes=-6"})
    assert tail.data == CONTRACT[-6:]
    outside = client.get(url, headers={**rita, "Range": f"bytes={len(CONTRACT) + 10}-"})
    assert outside.status_code == 416
    assert outside.headers["Content-Range"] == f"bytes */{len(CONTRACT)}"
