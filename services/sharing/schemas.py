"""Marshmallow schemas of the staff API: what comes in (unknown fields refused) and goes out."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.common.pagination import PageQuerySchema, page_schema

from .models import (
    COLLABORATOR_ROLES,
    COLLABORATOR_STATUSES,
    MATTER_KINDS,
    MATTER_STATUSES,
    MILESTONE_STATUSES,
)

ID = validate.Length(min=1, max=36)


def _id(**kwargs: object) -> fields.String:
    return fields.String(validate=ID, **kwargs)


def _text(maximum: int, minimum: int = 0, **kwargs: object) -> fields.String:
    return fields.String(validate=validate.Length(min=minimum, max=maximum), **kwargs)


class MatterCreateSchema(ma.Schema):
    kind = fields.String(required=True, validate=validate.OneOf(MATTER_KINDS))
    reference = _text(100, 1, required=True)
    title = _text(200, load_default="")
    description = _text(10_000, load_default="")
    status = fields.String(load_default="open", validate=validate.OneOf(MATTER_STATUSES))
    company_id = _id(required=True)
    owner_id = _id(load_default=None, metadata={"description": "Staff user; default: you"})


class MatterUpdateSchema(ma.Schema):
    kind = fields.String(validate=validate.OneOf(MATTER_KINDS))
    reference = _text(100, 1)
    title = _text(200)
    description = _text(10_000)
    status = fields.String(validate=validate.OneOf(MATTER_STATUSES))
    company_id = _id(metadata={"description": "Only while the matter is hidden from the portal"})
    owner_id = _id()


class MatterQuerySchema(PageQuerySchema):
    company_id = _id()
    visible = fields.Boolean()
    kind = fields.String(validate=validate.OneOf(MATTER_KINDS))
    status = fields.String(validate=validate.OneOf(MATTER_STATUSES))
    archived = fields.Boolean()
    q = _text(200, metadata={"description": "Part of the reference or title"})


class PortalSettingsSchema(ma.Schema):
    requester_id = _id(required=True)
    watcher_ids = fields.List(_id(), load_default=list, validate=validate.Length(max=100))
    attachments_visible_by_default = fields.Boolean(load_default=False)


class MilestoneCreateSchema(ma.Schema):
    title = _text(200, 1, required=True)
    due_date = fields.Date(load_default=None, allow_none=True)
    status = fields.String(load_default="planned", validate=validate.OneOf(MILESTONE_STATUSES))
    portal_visible = fields.Boolean(load_default=True)
    position = fields.Integer(
        load_default=None,
        validate=validate.Range(min=0, max=1_000_000),
        metadata={"description": "Default: last"},
    )


class MilestoneUpdateSchema(ma.Schema):
    title = _text(200, 1)
    due_date = fields.Date(allow_none=True)
    status = fields.String(validate=validate.OneOf(MILESTONE_STATUSES))
    portal_visible = fields.Boolean()
    position = fields.Integer(validate=validate.Range(min=0, max=1_000_000))


class CollaboratorCreateSchema(ma.Schema):
    user_id = _id(required=True, metadata={"description": "A portal user, of any company"})
    role = fields.String(required=True, validate=validate.OneOf(COLLABORATOR_ROLES))


class RecipientsInSchema(ma.Schema):
    staff_ids = fields.List(
        _id(),
        required=True,
        validate=validate.Length(max=50),
        metadata={"description": "Empty: back to the default, the matter's owner"},
    )


class PersonSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    email = fields.String()


class CompanyRefSchema(ma.Schema):
    id = fields.String()
    name = fields.String()


class PortalStateSchema(ma.Schema):
    visible = fields.Boolean()
    requester = fields.Nested(PersonSchema, allow_none=True)
    watchers = fields.List(fields.Nested(PersonSchema))
    attachments_visible_by_default = fields.Boolean()


class MatterSchema(ma.Schema):
    id = fields.String()
    kind = fields.String()
    reference = fields.String()
    title = fields.String()
    description = fields.String()
    status = fields.String()
    company = fields.Nested(CompanyRefSchema)
    owner = fields.Nested(PersonSchema)
    archived = fields.Boolean()
    archived_at = fields.DateTime(allow_none=True)
    portal = fields.Nested(PortalStateSchema)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class AudienceEntrySchema(ma.Schema):
    user_id = fields.String()
    reasons = fields.List(fields.String(), metadata={"description": "requester, watcher, ..."})


class AudienceSchema(ma.Schema):
    """A matter's portal audience as last announced (`sharing.audience.changed` data)."""

    matter_id = fields.String()
    company_id = fields.String()
    visible = fields.Boolean()
    attachments_visible_by_default = fields.Boolean()
    version = fields.Integer(metadata={"description": "Bumped by every audience change"})
    audience = fields.List(fields.Nested(AudienceEntrySchema))


class MilestoneSchema(ma.Schema):
    id = fields.String()
    title = fields.String()
    due_date = fields.Date(allow_none=True)
    status = fields.String()
    portal_visible = fields.Boolean()
    position = fields.Integer()


class SignedDocumentSchema(ma.Schema):
    document_id = fields.String()
    version_id = fields.String(metadata={"description": "Only on older signatures"})
    name = fields.String()
    sha256 = fields.String()


NO_DOCUMENTS = (
    "True when no document of the matter was shown to the signee when they signed (documents "
    "had caught up with the matter's audience): the signature covers none"
)


class SignatureSchema(ma.Schema):
    full_name = fields.String()
    signed_at = fields.DateTime()
    ip_address = fields.String(allow_none=True)
    user_agent = fields.String(allow_none=True)
    documents = fields.List(fields.Nested(SignedDocumentSchema))
    no_documents = fields.Function(
        lambda signature: not signature.documents,
        metadata={"type": "boolean", "description": NO_DOCUMENTS},
    )


class CollaboratorSchema(ma.Schema):
    id = fields.String()
    user = fields.Nested(PersonSchema)
    role = fields.String()
    status = fields.String(validate=validate.OneOf(COLLABORATOR_STATUSES))
    decided_at = fields.DateTime(allow_none=True)
    comment = fields.String(allow_none=True)
    signature = fields.Nested(SignatureSchema, allow_none=True)
    created_at = fields.DateTime()
    withdrawn_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "Set when the firm withdrew them after they decided"},
    )
    withdrawn_by = fields.Nested(
        PersonSchema, allow_none=True, metadata={"description": "The staff member who did"}
    )


class RecipientsSchema(ma.Schema):
    staff_ids = fields.List(fields.String())
    recipients = fields.List(fields.Nested(PersonSchema))
    default = fields.Boolean(metadata={"description": "True when none were set: the owner"})


MatterPageSchema = page_schema(MatterSchema, "MatterPage")
MilestonePageSchema = page_schema(MilestoneSchema, "MilestonePage")
CollaboratorPageSchema = page_schema(CollaboratorSchema, "CollaboratorPage")
