"""No published schema has room for a password, a token or a document's content, and the scan
the end-to-end stories apply to every real event catches each of them."""

from __future__ import annotations

from services import contract

from .sensitive import leaks, schema_leaks


def test_no_published_schema_has_a_field_for_a_secret_or_content():
    found = [
        leak
        for name, event_type in contract.published().items()
        for leak in schema_leaks(name, contract.data_schema(event_type))
    ]
    assert found == []


def test_the_schema_scan_finds_a_field_named_for_a_secret():
    schema = {
        "type": "object",
        "properties": {
            "user": {"type": "object", "properties": {"reset_token": {"type": "string"}}},
            "content": {"type": "string"},
        },
    }
    assert schema_leaks("t", schema) == ["t.content", "t.properties.user.reset_token"]


def test_the_event_scan_finds_passwords_tokens_links_with_tokens_and_content():
    envelope = {
        "id": "1",
        "type": "identity.invitation.sent",
        "data": {
            "user": {"password": "hunter2"},
            "accept_url": "https://portal.example/portal/accept-invitation?token=abcdefgh123",
            "note": "see https://portal.example/link#token=zzz",
            "access": "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiIxMjM0NSJ9.c2lnbmF0dXJlLXZhbHVl",
            "content": "JVBERi0xLjcK",
            "echo": "the code is s3cr3t-t0ken-123",
        },
    }
    assert leaks(envelope, live_tokens=["s3cr3t-t0ken-123"]) == [
        "event.data.user.password: a field named 'password'",
        "event.data.accept_url: a link carrying a token",
        "event.data.note: a link carrying a token",
        "event.data.access: a JSON Web Token",
        "event.data.content: a field named 'content'",
        "event.data.echo: a live token e-mailed to someone",
    ]


def test_plain_portal_links_digests_and_sealed_links_pass():
    envelope = {
        "data": {
            "portal_url": "https://portal.example/portal/matters/42",
            "sha256": "ab" * 32,
            "content_type": "application/pdf",
            "sealed_url": "gAAAAABnZ2dn" + "x" * 80,
        }
    }
    assert leaks(envelope) == []
