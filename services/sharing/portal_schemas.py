"""Marshmallow schemas of the portal API: a client's view of a matter, decisions and signatures."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.common.pagination import page_schema

from .schemas import NO_DOCUMENTS, CompanyRefSchema, SignedDocumentSchema


class ApprovalSchema(ma.Schema):
    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject"]))
    comment = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=2000),
        metadata={"description": "Required when rejecting: say what should change"},
    )

    @ma.validates_schema
    def _reason_for_rejecting(self, data: dict, **_: object) -> None:
        if data.get("decision") == "reject" and not (data.get("comment") or "").strip():
            raise ma.ValidationError("Say why you reject it, so the firm can act on it.", "comment")


class SignSchema(ma.Schema):
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))

    @ma.validates("full_name")
    def _not_blank(self, value: str, **_: object) -> None:
        if not value.strip():
            raise ma.ValidationError("Type your full name to sign.")


class PortalMilestoneSchema(ma.Schema):
    id = fields.String()
    title = fields.String()
    due_date = fields.Date(allow_none=True)
    status = fields.String()
    position = fields.Integer()


class MyCollaborationSchema(ma.Schema):
    id = fields.String()
    role = fields.String()
    status = fields.String()
    decided_at = fields.DateTime(allow_none=True)
    comment = fields.String(allow_none=True)


class PortalCollaboratorSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    role = fields.String()
    status = fields.String()
    decided_at = fields.DateTime(allow_none=True)


class PortalMatterSchema(ma.Schema):
    id = fields.String()
    kind = fields.String()
    reference = fields.String()
    title = fields.String()
    status = fields.String()
    company = fields.Nested(CompanyRefSchema)
    reasons = fields.List(
        fields.String(), metadata={"description": "requester, watcher, collaborator, company"}
    )
    attachments_visible_by_default = fields.Boolean()
    collaborations = fields.List(
        fields.Nested(MyCollaborationSchema), metadata={"description": "What I am asked to do"}
    )
    milestones = fields.List(fields.Nested(PortalMilestoneSchema))
    updated_at = fields.DateTime()


class PortalMatterDetailSchema(PortalMatterSchema):
    collaborators = fields.List(fields.Nested(PortalCollaboratorSchema))


class SignatureReceiptSchema(ma.Schema):
    collaborator_id = fields.String()
    full_name = fields.String()
    signed_at = fields.DateTime()
    documents = fields.List(
        fields.Nested(SignedDocumentSchema), metadata={"description": "What was signed"}
    )
    no_documents = fields.Boolean(metadata={"description": NO_DOCUMENTS})


PortalMatterPageSchema = page_schema(PortalMatterSchema, "PortalMatterPage")
