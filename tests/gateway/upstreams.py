"""Small WSGI services standing in for the real ones behind the gateway under test."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable

from werkzeug.wsgi import get_input_stream

MiB = 1024 * 1024
PROBLEM_422 = (
    b'{"type":"about:blank","title":"Unprocessable Content","status":422,'
    b'"detail":"Tax id does not match the expected format.","code":"VALIDATION_FAILED",'
    b'"errors":{"tax_id":["Expected 9 digits."]}}'
)
PREVIEW_CSP = "sandbox; default-src 'none'; img-src 'self'; frame-ancestors 'self'"

IDENTITY_DOC = {
    "openapi": "3.0.3",
    "info": {"title": "identity", "version": "1"},
    "paths": {
        "/api/v1/me": {"get": {"responses": {"200": {"description": "who is calling"}}}},
        "/api/v1/documents/{id}": {"get": {"responses": {"200": {"description": "a document"}}}},
        "/healthz": {"get": {"responses": {"200": {"description": "not public"}}}},
    },
    "components": {
        "schemas": {
            "Error": {"type": "object", "properties": {"code": {"type": "string"}}},
            "Company": {"type": "object", "properties": {"name": {"type": "string"}}},
        }
    },
}
SHARING_DOC = {
    "openapi": "3.0.3",
    "info": {"title": "sharing", "version": "1"},
    "paths": {
        "/api/v1/matters": {
            "get": {
                "responses": {
                    "200": {"description": "matters"},
                    "422": {
                        "description": "invalid",
                        "content": {
                            "application/problem+json": {
                                "schema": {"$ref": "#/components/schemas/Error"}
                            }
                        },
                    },
                }
            }
        },
    },
    "components": {
        "schemas": {
            "Error": {"type": "object", "properties": {"message": {"type": "string"}}},
            "Company": {"type": "object", "properties": {"name": {"type": "string"}}},
        }
    },
}


def _json(
    start_response: Callable, body: object, status: str = "200 OK", extra: tuple = ()
) -> list[bytes]:
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response(status, [*headers, *extra])
    return [data]


# A hop-by-hop header and an id of its own: the gateway drops both. (Werkzeug's server adds
# `Connection: close` to every response, also hop-by-hop.)
HOP_HEADERS = (("Keep-Alive", "timeout=5"), ("X-Request-ID", "the-service-own-id"))


def identity_like(payload: bytes) -> Callable:
    """Plays identity, documents, interventions and onboarding: every endpoint the tests need."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ["PATH_INFO"]
        if path == "/healthz":
            return _json(start_response, {"status": "ok"})
        if path == "/openapi.json":
            return _json(start_response, IDENTITY_DOC)
        if path == "/api/v1/documents/upload":
            # A service waiting on object storage stops reading the upload for a while.
            time.sleep(float(environ.get("HTTP_X_PAUSE_BEFORE_READ", "0")))
            digest, size, stream = hashlib.sha256(), 0, get_input_stream(environ)
            while block := stream.read(256 * 1024):
                digest.update(block)
                size += len(block)
            return _json(
                start_response,
                {
                    "sha256": digest.hexdigest(),
                    "size": size,
                    "content_length": environ.get("CONTENT_LENGTH"),
                    "transfer_encoding": environ.get("HTTP_TRANSFER_ENCODING"),
                },
            )
        if path == "/api/v1/documents/big":
            start_response(
                "200 OK",
                [
                    ("Content-Type", "application/octet-stream"),
                    ("Content-Length", str(len(payload))),
                ],
            )
            view = memoryview(payload)
            return (bytes(view[i : i + MiB]) for i in range(0, len(payload), MiB))
        if path == "/api/v1/documents/preview":
            # As documents serves a preview: its own sandboxing CSP and caching.
            own = (
                ("Content-Security-Policy", PREVIEW_CSP),
                ("Cache-Control", "private, max-age=60"),
            )
            return _json(start_response, {"preview": True}, extra=own)
        if path == "/api/v1/sites/slow":
            time.sleep(2)
            return _json(start_response, {"late": True})
        if path == "/api/v1/access-requests":
            get_input_stream(environ).read()
            start_response(
                "422 Unprocessable Content",
                [
                    ("Content-Type", "application/problem+json"),
                    ("Content-Length", str(len(PROBLEM_422))),
                ],
            )
            return [PROBLEM_422]
        if path.startswith("/api/v1/me"):
            return _json(
                start_response,
                {
                    "request_id": environ.get("HTTP_X_REQUEST_ID"),
                    "forwarded_for": environ.get("HTTP_X_FORWARDED_FOR"),
                    "forwarded_proto": environ.get("HTTP_X_FORWARDED_PROTO"),
                    "forwarded_host": environ.get("HTTP_X_FORWARDED_HOST"),
                    "raw_uri": environ.get("REQUEST_URI"),
                    "connection_header": environ.get("HTTP_CONNECTION"),
                    "custom": environ.get("HTTP_X_CUSTOM"),
                },
                extra=HOP_HEADERS,
            )
        return _json(start_response, {"detail": "no such thing"}, "404 NOT FOUND")

    return app


def sharing_like(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """Plays sharing: a second document with a colliding schema name."""
    if environ["PATH_INFO"] == "/openapi.json":
        return _json(start_response, SHARING_DOC)
    return _json(start_response, {"status": "ok"})
