"""Events the documents service publishes (it owns their contract).

Each type's `data` is dumped through its schema below (services/common/events.EventType). No
event carries a document's content: names, sizes and digests only.
"""

from __future__ import annotations

from marshmallow import fields

from services.common.events import Event, EventSchema, EventType

from .models import Document, Version


class UploaderSchema(EventSchema):
    kind = fields.String(required=True, metadata={"enum": ["staff", "portal"]})
    user_id = fields.String(required=True)


class OwnerSchema(EventSchema):
    type = fields.String(required=True, metadata={"description": 'e.g. "intervention"'})
    id = fields.String(required=True)


class VersionAddedSchema(EventSchema):
    document_id = fields.String(required=True)
    matter_id = fields.String(
        required=True, allow_none=True, metadata={"description": "null for a field attachment"}
    )
    version_id = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    sha256 = fields.String(required=True, metadata={"description": "hex digest of the content"})
    content_type = fields.String(required=True)
    uploaded_by = fields.Nested(UploaderSchema, required=True)
    owner = fields.Nested(
        OwnerSchema, metadata={"description": "a field attachment's owner; absent for a matter's"}
    )


class DocumentNameSchema(EventSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class DocumentsSharedSchema(EventSchema):
    matter_id = fields.String(required=True)
    user_id = fields.String(required=True, metadata={"description": "the client contact"})
    documents = fields.List(fields.Nested(DocumentNameSchema), required=True)
    shared_by = fields.String(required=True, metadata={"description": "the staff user's id"})
    portal_url = fields.String(
        required=True, metadata={"description": "the matter in the portal (sign-in required)"}
    )


class ClientUploaderSchema(EventSchema):
    user_id = fields.String(required=True)
    email = fields.String(required=True)


class UploadedByClientSchema(EventSchema):
    document_id = fields.String(required=True)
    matter_id = fields.String(required=True)
    version_id = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "bytes"})
    content_type = fields.String(required=True)
    uploaded_by = fields.Nested(ClientUploaderSchema, required=True)
    replaces = fields.Nested(
        DocumentNameSchema,
        required=True,
        allow_none=True,
        metadata={"description": "the shared document this upload updates, if any"},
    )


VERSION_ADDED = "documents.version.added"
DOCUMENTS_SHARED = "documents.shared"
UPLOADED_BY_CLIENT = "documents.document.uploaded_by_client"
VERSION_ADDED_TYPE = EventType(
    VERSION_ADDED,
    VersionAddedSchema,
    "A document got a new current version (its first when the document is new), on a matter or "
    "as a field attachment (then `owner` is set and `matter_id` is null).",
    "the document's id",
)
DOCUMENTS_SHARED_TYPE = EventType(
    DOCUMENTS_SHARED,
    DocumentsSharedSchema,
    "Staff shared documents with one client contact in one save (the mailer tells them).",
    "the client contact's user id",
)
UPLOADED_BY_CLIENT_TYPE = EventType(
    UPLOADED_BY_CLIENT,
    UploadedByClientSchema,
    "A client contact uploaded a document to a matter (sharing tells the internal recipients).",
    "the document's id",
)
PUBLISHED = (VERSION_ADDED_TYPE, DOCUMENTS_SHARED_TYPE, UPLOADED_BY_CLIENT_TYPE)


def version_added(document: Document, version: Version) -> Event:
    """A document got a new current version (its first one when the document is new); a field
    attachment's has `owner` {type, id} and a null `matter_id`."""
    data = {
        "document_id": document.id,
        "matter_id": document.matter_id,
        "version_id": version.id,
        "name": document.name,
        "size": version.size,
        "sha256": version.sha256,
        "content_type": version.content_type,
        "uploaded_by": {"kind": version.uploaded_by_kind, "user_id": version.uploaded_by},
    }
    if document.owner_type:
        data["owner"] = {"type": document.owner_type, "id": document.owner_id}
    return VERSION_ADDED_TYPE.event(data, subject=document.id, source="/documents")


def documents_shared(
    matter_id: str, user_id: str, documents: list[Document], shared_by: str, portal_url: str
) -> Event:
    """Documents newly shared with one client contact by one save (the mailer tells them)."""
    data = {
        "matter_id": matter_id,
        "user_id": user_id,
        "documents": [{"id": d.id, "name": d.name} for d in documents],
        "shared_by": shared_by,
        "portal_url": portal_url,
    }
    return DOCUMENTS_SHARED_TYPE.event(data, subject=user_id, source="/documents")


def uploaded_by_client(
    document: Document, version: Version, uploader_email: str, replaced: Document | None
) -> Event:
    """A client contact uploaded a document (sharing tells the matter's internal recipients)."""
    data = {
        "document_id": document.id,
        "matter_id": document.matter_id,
        "version_id": version.id,
        "name": document.name,
        "size": version.size,
        "content_type": version.content_type,
        "uploaded_by": {"user_id": version.uploaded_by, "email": uploader_email},
        "replaces": {"id": replaced.id, "name": replaced.name} if replaced else None,
    }
    return UPLOADED_BY_CLIENT_TYPE.event(data, subject=document.id, source="/documents")
