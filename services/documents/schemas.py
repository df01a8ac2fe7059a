"""Request and response schemas of the documents API (unknown request fields are refused)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.common.pagination import PageQuerySchema, page_schema

from .uploads import clean_name


class Name(fields.String):
    """A folder or file name as people see it: cleaned, never empty."""

    def _deserialize(self, value, attr, data, **kwargs) -> str:
        name = clean_name(super()._deserialize(value, attr, data, **kwargs))
        if not name:
            raise ma.ValidationError("Give a name with at least one visible character.")
        return name


DOWNLOAD_HELP = "true: clients may download it, false: preview only, null: the matter's default"
VISIBILITY_HELP = "true: shown in the portal, false: hidden, null: as its folder or the matter"


class IdList(fields.String):
    """Ids separated by commas, as a query parameter: u1,u2,u3."""

    def _deserialize(self, value, attr, data, **kwargs) -> list[str]:
        ids = [v.strip() for v in super()._deserialize(value, attr, data, **kwargs).split(",")]
        ids = list(dict.fromkeys(v for v in ids if v))
        if not ids or len(ids) > MAX_CONTACTS:
            raise ma.ValidationError(f"Give between 1 and {MAX_CONTACTS} ids, comma separated.")
        return ids


MAX_CONTACTS = 50
MAX_SHARED_DOCUMENTS = 5000


class DocumentQuerySchema(PageQuerySchema):
    folder_id = fields.String(
        metadata={"description": "Only the documents directly in this folder"}
    )
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Words in the name, the folder or the text of the document"},
    )
    shared_with = IdList(
        metadata={
            "description": "Contact ids, comma separated: adds `shared`, the documents "
            "shared with all of them"
        }
    )


class ShareSelectionSchema(ma.Schema):
    contacts = fields.List(
        fields.String(validate=validate.Length(max=64)),
        required=True,
        validate=validate.Length(min=1, max=MAX_CONTACTS),
        metadata={"description": "Client contacts of the matter's audience (user ids)"},
    )
    documents = fields.List(
        fields.String(validate=validate.Length(max=64)),
        required=True,
        validate=validate.Length(max=MAX_SHARED_DOCUMENTS),
        metadata={"description": "The documents these contacts must all share, exactly"},
    )


class _Added(ma.Schema):
    contact = fields.String()
    documents = fields.List(fields.String())


class ShareSavedSchema(ma.Schema):
    matter_id = fields.String()
    contacts = fields.List(fields.String())
    documents = fields.List(fields.String())
    added = fields.List(
        fields.Nested(_Added), metadata={"description": "Newly shared, per contact"}
    )
    removed = fields.List(fields.String(), metadata={"description": "No longer shared with them"})


class DownloadQuerySchema(ma.Schema):
    version_id = fields.String(metadata={"description": "An older version (default: current)"})


class FolderCreateSchema(ma.Schema):
    name = Name(required=True, validate=validate.Length(max=255))
    parent_id = fields.String(allow_none=True, load_default=None)
    portal_visible = fields.Boolean(
        allow_none=True, load_default=None, metadata={"description": VISIBILITY_HELP}
    )


class FolderPatchSchema(ma.Schema):
    name = Name(validate=validate.Length(max=255))
    portal_visible = fields.Boolean(allow_none=True, metadata={"description": VISIBILITY_HELP})


class FolderSchema(ma.Schema):
    id = fields.String()
    matter_id = fields.String()
    parent_id = fields.String(allow_none=True)
    name = fields.String()
    portal_visible = fields.Boolean(allow_none=True, metadata={"description": VISIBILITY_HELP})
    created_at = fields.DateTime()


class DocumentPatchSchema(ma.Schema):
    name = Name(validate=validate.Length(max=255))
    folder_id = fields.String(
        allow_none=True, metadata={"description": "Move into this folder; null: the root"}
    )
    portal_visible = fields.Boolean(allow_none=True, metadata={"description": VISIBILITY_HELP})
    download_allowed = fields.Boolean(allow_none=True, metadata={"description": DOWNLOAD_HELP})


class MatterSettingsSchema(ma.Schema):
    matter_id = fields.String(dump_only=True)
    download_allowed_by_default = fields.Boolean(
        required=True,
        metadata={
            "description": "Clients may download the documents with no setting of their "
            "own (false, the default: preview only)"
        },
    )


class VersionSchema(ma.Schema):
    id = fields.String()
    document_id = fields.String()
    number = fields.Integer()
    size = fields.Integer()
    sha256 = fields.String()
    content_type = fields.String(metadata={"description": "Sniffed from the bytes"})
    uploaded_by = fields.Function(lambda v: {"kind": v.uploaded_by_kind, "user_id": v.uploaded_by})
    created_at = fields.DateTime()


class DocumentSchema(ma.Schema):
    id = fields.String()
    matter_id = fields.String()
    folder_id = fields.String(allow_none=True)
    name = fields.String()
    portal_visible = fields.Boolean(allow_none=True, metadata={"description": VISIBILITY_HELP})
    visible_in_portal = fields.Boolean(
        metadata={"description": "Whether the matter's audience sees it now (all rules applied)"}
    )
    download_allowed = fields.Boolean(allow_none=True, metadata={"description": DOWNLOAD_HELP})
    may_download = fields.Boolean(metadata={"description": "What applies (all rules applied)"})
    from_client = fields.Boolean(metadata={"description": "Uploaded by a client contact"})
    replaces_id = fields.String(
        allow_none=True, metadata={"description": "The document a client's upload updates"}
    )
    current_version = fields.Nested(VersionSchema, allow_none=True)
    created_by = fields.String()
    created_at = fields.DateTime()


class PortalDocumentSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    folder_path = fields.List(fields.String(), metadata={"description": "From the root down"})
    size = fields.Integer()
    content_type = fields.String()
    sha256 = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime(metadata={"description": "When its current version was added"})
    version_number = fields.Integer(metadata={"description": "1 for the first, then 2, 3..."})
    download_allowed = fields.Boolean(metadata={"description": "False: preview only"})
    preview_available = fields.Boolean()
    from_client = fields.Boolean(metadata={"description": "Uploaded by a client contact"})
    uploaded_by_me = fields.Boolean()
    replaces_id = fields.String(
        allow_none=True, metadata={"description": "The shared document this one updates"}
    )


FolderPageSchema = page_schema(FolderSchema, "FolderPage")


class _SharedDocuments(ma.Schema):
    items = fields.List(fields.Nested(DocumentSchema))
    total = fields.Integer()


class DocumentPageSchema(page_schema(DocumentSchema, "DocumentPage")):
    shared = fields.Nested(
        _SharedDocuments,
        metadata={"description": "With `shared_with`: the same page of those shared with all"},
    )


VersionPageSchema = page_schema(VersionSchema, "VersionPage")


class PortalDocumentPageSchema(page_schema(PortalDocumentSchema, "PortalDocumentPage")):
    audience_version = fields.Integer(
        metadata={
            "description": "Version of the matter's audience (sharing.audience.changed) this "
            "answer reflects: sharing signs only over an answer that has caught up with it"
        }
    )


class AccessQuerySchema(PageQuerySchema):
    user_id = fields.String(
        validate=validate.Length(max=64), metadata={"description": "Only this contact's"}
    )


class AccessRecordSchema(ma.Schema):
    document_id = fields.String()
    document_name = fields.String()
    version_id = fields.String()
    version_number = fields.Integer()
    user_id = fields.String()
    user_email = fields.String()
    action = fields.String(metadata={"description": "preview or download"})
    address = fields.String(metadata={"description": "The client's IP address"})
    at = fields.DateTime()


AccessPageSchema = page_schema(AccessRecordSchema, "AccessRecordPage")


class PreviewInfoSchema(ma.Schema):
    mode = fields.String(metadata={"description": "original, rendered or none"})
    kind = fields.String(metadata={"description": "rendered: image or text; original: pdf..."})
    pages = fields.Integer()
