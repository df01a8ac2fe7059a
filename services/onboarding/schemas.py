"""Marshmallow schemas of the staff API: what comes in (unknown fields refused, every constraint
in the OpenAPI document) and goes out."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.common.pagination import PageQuerySchema, page_schema

from .formats import TAX_ID_FORMATS
from .models import LOCALES, MESSAGE_KEYS, REQUEST_STATUSES

ID = validate.Length(min=1, max=36)


def _text(maximum: int, minimum: int = 0, **kwargs: object) -> fields.String:
    return fields.String(validate=validate.Length(min=minimum, max=maximum), **kwargs)


def localized(maximum: int, name: str) -> type[ma.Schema]:
    """A text in en, fr and es (each optional), e.g. {"en": "...", "fr": "..."}."""
    return ma.Schema.from_dict(
        {locale: _text(maximum, allow_none=True) for locale in LOCALES}, name=name
    )


LocalizedMessage = localized(5000, "LocalizedMessage")
LocalizedTerms = localized(50_000, "LocalizedTerms")
LocalizedLabel = localized(500, "LocalizedLabel")

MessagesSchema = ma.Schema.from_dict(
    {key: fields.Nested(LocalizedMessage, load_default=dict) for key in MESSAGE_KEYS},
    name="WizardMessages",
)


class QuestionSchema(ma.Schema):
    key = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[a-z][a-z0-9_]{0,39}$",
            error="Use 1 to 40 lower-case letters, digits or _, starting with a letter.",
        ),
    )
    label = fields.Nested(LocalizedLabel, required=True)
    required = fields.Boolean(load_default=True)

    @ma.validates_schema
    def _has_label(self, data: dict, **_: object) -> None:
        if not any((data.get("label") or {}).values()):
            raise ma.ValidationError("Give the question in at least one language.", "label")


class PortalConfigSchema(ma.Schema):
    """The group's billing-portal configuration, saved whole ("Save" of the seed)."""

    portal_enabled = fields.Boolean(
        required=True, metadata={"description": "Use the billing portal"}
    )
    requires_approval = fields.Boolean(
        load_default=False,
        metadata={"description": "False: a request whose tax ID matches completes by itself"},
    )
    terms = fields.Nested(
        LocalizedTerms,
        load_default=dict,
        metadata={"description": "Changing the text makes a new terms version"},
    )
    tax_id_format = fields.String(
        required=True,
        validate=validate.OneOf(list(TAX_ID_FORMATS)),
        metadata={"description": "; ".join(f"{k}: {f.pattern}" for k, f in TAX_ID_FORMATS.items())},
    )
    email_help_url = fields.Url(
        load_default=None,
        allow_none=True,
        schemes={"http", "https"},
        validate=validate.Length(max=500),
        metadata={"description": "Help for setting up an e-mail address (http or https)"},
    )
    messages = fields.Nested(MessagesSchema, load_default=dict)
    questions = fields.List(
        fields.Nested(QuestionSchema), load_default=list, validate=validate.Length(max=30)
    )

    @ma.validates_schema
    def _coherent(self, data: dict, **_: object) -> None:
        keys = [q["key"] for q in data.get("questions", [])]
        if len(keys) != len(set(keys)):
            raise ma.ValidationError("Each question needs its own key.", "questions")
        if data.get("portal_enabled") and not any((data.get("terms") or {}).values()):
            raise ma.ValidationError(
                "Write the terms and conditions (in at least one language) before using the "
                "billing portal: representatives must accept them first.",
                "terms",
            )


class GroupCreateSchema(ma.Schema):
    name = _text(200, 1, required=True)


class GroupSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    portal_enabled = fields.Boolean()
    requires_approval = fields.Boolean()
    terms = fields.Nested(LocalizedTerms)
    terms_version = fields.Integer(metadata={"description": "0 until terms are written"})
    terms_updated_at = fields.DateTime(allow_none=True)
    tax_id_format = fields.String()
    tax_id_pattern = fields.String()
    email_help_url = fields.String(allow_none=True)
    messages = fields.Nested(MessagesSchema)
    questions = fields.List(fields.Nested(QuestionSchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class GroupRefSchema(ma.Schema):
    id = fields.String()
    name = fields.String()


class CompanyRefSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    tax_id = fields.String(allow_none=True)


class SignupLinkSchema(ma.Schema):
    id = fields.String()
    group_id = fields.String()
    created_at = fields.DateTime()
    revoked_at = fields.DateTime(allow_none=True)
    url = fields.String(metadata={"description": "Only in the answer that created the link"})
    token = fields.String(metadata={"description": "Only in the answer that created the link"})


class RequestQuerySchema(PageQuerySchema):
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    group_id = fields.String(validate=ID)


class ApproveSchema(ma.Schema):
    company_id = fields.String(
        validate=ID,
        load_default=None,
        metadata={"description": "Required when the tax ID matched no company of the group"},
    )


class RejectSchema(ma.Schema):
    reason = _text(2000, 1, required=True)


class AccessRequestSchema(ma.Schema):
    id = fields.String()
    group = fields.Nested(GroupRefSchema)
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    locale = fields.String()
    terms_version = fields.Integer(allow_none=True)
    terms_accepted_at = fields.DateTime(allow_none=True)
    contact = fields.Dict()
    company = fields.Dict(metadata={"description": "name and tax_id as the representative gave"})
    answers = fields.Dict()
    matched_company = fields.Nested(CompanyRefSchema, allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    decided_at = fields.DateTime(allow_none=True)
    decided_by = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()


GroupPageSchema = page_schema(GroupSchema, "CustomerGroupPage")
CompanyPageSchema = page_schema(CompanyRefSchema, "GroupCompanyPage")
SignupLinkPageSchema = page_schema(SignupLinkSchema, "SignupLinkPage")
AccessRequestPageSchema = page_schema(AccessRequestSchema, "AccessRequestPage")
