"""Marshmallow schemas of the portal API: a client's view of a matter, decisions and signatures."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.common.pagination import PageQuerySchema, page_schema

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


class ExpectedDocumentSchema(ma.Schema):
    document_id = fields.String(required=True, validate=validate.Length(max=36))
    sha256 = fields.String(required=True, validate=validate.Length(equal=64))


class SignSchema(ma.Schema):
    full_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    expected_documents = fields.List(
        fields.Nested(ExpectedDocumentSchema),
        load_default=None,
        validate=validate.Length(max=10_000),
        metadata={
            "description": "The documents shown to the signee before signing. When given and "
            "the matter's documents differ now, nothing is signed (409 DOCUMENTS_CHANGED)."
        },
    )

    @ma.validates("full_name")
    def _not_blank(self, value: str, **_: object) -> None:
        if not value.strip():
            raise ma.ValidationError("Type your full name to sign.")


class PortalMatterQuerySchema(PageQuerySchema):
    q = fields.String(
        load_default=None,
        validate=validate.Length(max=200),
        metadata={"description": "Only matters whose reference or title contains this"},
    )
    company_id = fields.String(
        load_default=None,
        validate=validate.Length(max=36),
        metadata={
            "description": "Only this company's matters, and those I am asked to approve or "
            "sign whatever their company"
        },
    )


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
    awaiting_my_action = fields.Boolean(
        metadata={"description": "I still have to approve or sign it (such matters come first)"}
    )


class PortalMatterDetailSchema(PortalMatterSchema):
    description = fields.String()
    collaborators = fields.List(fields.Nested(PortalCollaboratorSchema))


class SignatureReceiptSchema(ma.Schema):
    collaborator_id = fields.String()
    full_name = fields.String()
    signed_at = fields.DateTime()
    documents = fields.List(
        fields.Nested(SignedDocumentSchema), metadata={"description": "What was signed"}
    )
    no_documents = fields.Boolean(metadata={"description": NO_DOCUMENTS})


class SignedMatterSchema(ma.Schema):
    id = fields.String()
    kind = fields.String()
    reference = fields.String()
    title = fields.String()
    company = fields.Nested(CompanyRefSchema)


class MySignatureSchema(SignatureReceiptSchema):
    ip_address = fields.String(allow_none=True, metadata={"description": "Where it came from"})
    user_agent = fields.String(allow_none=True, metadata={"description": "The browser used"})
    matter = fields.Nested(SignedMatterSchema)


PortalMatterPageSchema = page_schema(PortalMatterSchema, "PortalMatterPage")
