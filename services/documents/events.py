"""Events the documents service publishes (it owns their contract)."""

from __future__ import annotations

from services.common.events import Event

from .models import Document, Version

VERSION_ADDED = "documents.version.added"


def version_added(document: Document, version: Version) -> Event:
    """A document got a new current version (its first one when the document is new); a field
    attachment's has `owner` {type, id} and a null `matter_id`."""
    event = Event(
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
    if document.owner_type:
        event.data["owner"] = {"type": document.owner_type, "id": document.owner_id}
    return event


DOCUMENTS_SHARED = "documents.shared"


def documents_shared(
    matter_id: str, user_id: str, documents: list[Document], shared_by: str, portal_url: str
) -> Event:
    """Documents newly shared with one client contact by one save (the mailer tells them)."""
    return Event(
        type=DOCUMENTS_SHARED,
        subject=user_id,
        source="/documents",
        data={
            "matter_id": matter_id,
            "user_id": user_id,
            "documents": [{"id": d.id, "name": d.name} for d in documents],
            "shared_by": shared_by,
            "portal_url": portal_url,
        },
    )


UPLOADED_BY_CLIENT = "documents.document.uploaded_by_client"


def uploaded_by_client(
    document: Document, version: Version, uploader_email: str, replaced: Document | None
) -> Event:
    """A client contact uploaded a document (sharing tells the matter's internal recipients)."""
    return Event(
        type=UPLOADED_BY_CLIENT,
        subject=document.id,
        source="/documents",
        data={
            "document_id": document.id,
            "matter_id": document.matter_id,
            "version_id": version.id,
            "name": document.name,
            "size": version.size,
            "content_type": version.content_type,
            "uploaded_by": {"user_id": version.uploaded_by, "email": uploader_email},
            "replaces": {"id": replaced.id, "name": replaced.name} if replaced else None,
        },
    )
