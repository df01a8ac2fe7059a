"""Arrange steps of the documents tests: multipart bodies built as streams, uploads, rows."""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from services.documents.models import Document, DocumentShare, OutboxEvent, Version, db

BOUNDARY = "----documents-test-7d1c2e"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
PDF_SIGNATURE = b"%PDF-1.7\n"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def multipart(
    fields: Iterable[tuple[str, str]] = (),
    file: Iterable[bytes] | bytes | None = b"hello",
    filename: str = "notes.txt",
    file_type: str = "application/octet-stream",
    after: Iterable[tuple[str, str]] = (),
) -> Iterator[bytes]:
    """A multipart/form-data body, chunk by chunk: `fields`, the `file` part, then `after`."""

    def part(name: str, extra: str = "", headers: str = "") -> bytes:
        disposition = f'Content-Disposition: form-data; name="{name}"{extra}\r\n'
        return f"--{BOUNDARY}\r\n{disposition}{headers}\r\n".encode()

    for name, value in fields:
        yield part(name) + value.encode() + b"\r\n"
    if file is not None:
        yield part("file", f'; filename="{filename}"', f"Content-Type: {file_type}\r\n")
        yield from [file] if isinstance(file, bytes) else file
        yield b"\r\n"
    for name, value in after:
        yield part(name) + value.encode() + b"\r\n"
    yield f"--{BOUNDARY}--\r\n".encode()


def random_chunks(size: int, chunk: int = 256 * 1024, seed: bytes = b"") -> Iterator[bytes]:
    """`size` pseudo-random bytes made as they are sent, behind a PDF signature: an allowed
    type (bytes with no signature are refused)."""
    block = hashlib.sha256(seed or os.urandom(8)).digest() * (chunk // 32)
    block = PDF_SIGNATURE + block[len(PDF_SIGNATURE) :]
    sent = 0
    while sent < size:
        n = min(chunk, size - sent)
        yield block[:n]
        block = block[1:] + block[:1]
        sent += n


class CountingStream(io.RawIOBase):
    """A request body the server reads as a WSGI input; remembers how much it took."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._pending = b""
        self.taken = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            self._pending = next(self._chunks, None)
            if self._pending is None:
                self._pending = b""
                return 0
        n = min(len(buffer), len(self._pending))
        buffer[:n], self._pending = self._pending[:n], self._pending[n:]
        self.taken += n
        return n


def upload(client: FlaskClient, headers: dict, matter_id: str, body: Iterable[bytes], **kw):
    """POST a multipart body with a Content-Length (the test client's usual way)."""
    return client.post(
        f"/api/v1/matters/{matter_id}/documents",
        data=b"".join(body),
        headers={**headers, "Content-Type": CONTENT_TYPE},
        **kw,
    )


def post_stream(
    client: FlaskClient, url: str, stream: CountingStream, headers: dict, length: int | None
):
    """POST a body the server reads from `stream`: with a Content-Length, or chunked (None)."""
    # Given as headers, a multipart type would make the test client write its own body.
    environ = {"wsgi.input": stream, "wsgi.input_terminated": True, "CONTENT_TYPE": CONTENT_TYPE}
    if length is None:
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    else:
        environ["CONTENT_LENGTH"] = str(length)
    return client.post(url, headers=headers, environ_overrides=environ)


def add_document(
    client: FlaskClient,
    headers: dict,
    matter_id: str,
    content: bytes = PDF,
    name: str = "contract.pdf",
    folder_id: str | None = None,
) -> dict:
    fields = [("folder_id", folder_id)] if folder_id else []
    response = upload(client, headers, matter_id, multipart(fields, content, name))
    assert response.status_code == 201, response.json
    return response.json


def add_folder(client: FlaskClient, headers: dict, matter_id: str, name: str, **body) -> dict:
    response = client.post(
        f"/api/v1/matters/{matter_id}/folders", json={"name": name, **body}, headers=headers
    )
    assert response.status_code == 201, response.json
    return response.json


def rows(app: Flask, matter_id: str) -> dict:
    """The matter's documents and versions, and the outbox events about them."""
    with app.app_context():
        documents = db.session.scalars(
            sa.select(Document).where(Document.matter_id == matter_id)
        ).all()
        ids = [d.id for d in documents]
        versions = db.session.scalars(sa.select(Version).where(Version.document_id.in_(ids))).all()
        events = [
            json.loads(e.payload)
            for e in db.session.scalars(sa.select(OutboxEvent).order_by(OutboxEvent.created_at))
            if json.loads(e.payload)["data"].get("matter_id") == matter_id
        ]
        db.session.rollback()
    return {"documents": documents, "versions": versions, "events": events}


def portal_names(client: FlaskClient, matter_id: str, headers: dict) -> set[str]:
    response = client.get(f"/api/v1/portal/matters/{matter_id}/documents", headers=headers)
    assert response.status_code == 200, response.json
    return {d["name"] for d in response.json["items"]}


def make_pdf(*pages: str) -> bytes:
    """A real PDF (PDFium opens it): one page per text, in Helvetica."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for text in pages:
        stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
        content = len(objects) + 1
        objects.append(
            f"<< /Length {len(stream)} >>\nstream\n{stream.decode('latin-1')}\nendstream"
        )
        kids.append(len(objects) + 1)
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content} 0 R "
            "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> "
            ">> >> >>"
        )
    objects[1] = (
        f"<< /Type /Pages /Kids [{' '.join(f'{k} 0 R' for k in kids)}] /Count {len(kids)} >>"
    )
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    out += (
        f"trailer << /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return out


def contacts_mirror_shares(app: Flask, matter_id: str) -> bool:
    """Whether each of the matter's documents lists in `shared_with` (PostgreSQL, kept by
    triggers) exactly the contacts of its share rows, each once."""
    with app.app_context():
        listed = dict(
            db.session.execute(
                sa.text("SELECT id, shared_with FROM documents WHERE matter_id = :m"),
                {"m": matter_id},
            ).all()
        )
        shares = db.session.execute(
            sa.select(DocumentShare.document_id, DocumentShare.user_id).where(
                DocumentShare.matter_id == matter_id
            )
        ).all()
        db.session.rollback()
    expected: dict[str, list[str]] = {d: [] for d in listed}
    for document_id, user_id in shares:
        expected[document_id].append(user_id)
    return {d: sorted(u) for d, u in listed.items()} == {d: sorted(u) for d, u in expected.items()}
