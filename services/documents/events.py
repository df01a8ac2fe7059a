"""Events the documents service publishes (it owns their contract)."""

from __future__ import annotations

from services.common.events import Event

from .models import Document, Version

VERSION_ADDED = "documents.version.added"


def version_added(document: Document, version: Version) -> Event:
    """A document got a new current version (its first one when the document is new)."""
    return Event(
        type=VERSION_ADDED,
        subject=document.id,
        source="/documents",
        data={
            "document_id": document.id,
            "matter_id": document.matter_id,
            "version_id": version.id,
            "name": document.name,
            "size": version.size,
            "sha256": version.sha256,
            "content_type": version.content_type,
            "uploaded_by": {"kind": version.uploaded_by_kind, "user_id": version.uploaded_by},
        },
    )
