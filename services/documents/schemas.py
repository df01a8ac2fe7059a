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


VISIBILITY_HELP = "true: shown in the portal, false: hidden, null: as its folder or the matter"


class DocumentQuerySchema(PageQuerySchema):
    folder_id = fields.String(
        metadata={"description": "Only the documents directly in this folder"}
    )


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
    download_allowed = fields.Boolean()


class VersionSchema(ma.Schema):
    id = fields.String()
    document_id = fields.String()
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
    download_allowed = fields.Boolean()
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
    download_allowed = fields.Boolean()


FolderPageSchema = page_schema(FolderSchema, "FolderPage")
DocumentPageSchema = page_schema(DocumentSchema, "DocumentPage")
VersionPageSchema = page_schema(VersionSchema, "VersionPage")


class PortalDocumentPageSchema(page_schema(PortalDocumentSchema, "PortalDocumentPage")):
    audience_version = fields.Integer(
        metadata={
            "description": "Version of the matter's audience (sharing.audience.changed) this "
            "answer reflects: sharing signs only over an answer that has caught up with it"
        }
    )
