"""Schemas of the secure links API (staff) and of the link exchange."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.common.pagination import PageQuerySchema, page_schema

from .models import LINK_SCOPES, LOCALES

ID = validate.Length(min=1, max=36)


class ScopeSchema(ma.Schema):
    type = fields.String(required=True, validate=validate.OneOf(LINK_SCOPES))
    id = fields.String(
        load_default=None,
        allow_none=True,
        validate=ID,
        metadata={"description": "The site or intervention; none for a company-wide link"},
    )


class SecureLinkCreateSchema(ma.Schema):
    company_id = fields.String(required=True, validate=ID)
    scope = fields.Nested(ScopeSchema, load_default=lambda: {"type": "company", "id": None})
    label = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    expires_at = fields.AwareDateTime(
        load_default=None, allow_none=True, metadata={"description": "None: until revoked"}
    )
    send_to_contact = fields.Boolean(
        load_default=False, metadata={"description": "E-mail the link to the customer's contact"}
    )
    locale = fields.String(load_default="en", validate=validate.OneOf(LOCALES))


class SecureLinkSchema(ma.Schema):
    id = fields.String()
    company_id = fields.String()
    scope = fields.Nested(ScopeSchema)
    label = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(("active", "expired", "revoked")))
    expires_at = fields.DateTime(allow_none=True)
    revoked_at = fields.DateTime(allow_none=True)
    last_used_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class IssuedLinkSchema(SecureLinkSchema):
    token = fields.String(metadata={"description": "Shown this once; only its hash is kept"})
    url = fields.String(metadata={"description": "The portal page that opens the link"})


class SecureLinkQuerySchema(PageQuerySchema):
    company_id = fields.String(validate=ID)


class LinkExchangeSchema(ma.Schema):
    token = fields.String(required=True, validate=validate.Length(min=1, max=200))


class _Named(ma.Schema):
    id = fields.String()
    name = fields.String()


class LinkSessionSchema(ma.Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "Lifetime, seconds; exchange again after"})
    company = fields.Nested(_Named)
    scope = fields.Nested(ScopeSchema)


SecureLinkPageSchema = page_schema(SecureLinkSchema, "SecureLinkPage")
