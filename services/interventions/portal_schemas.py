"""Schemas of the portal API: what a customer sends and sees (no staff-only fields)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.common.pagination import PageQuerySchema, page_schema

from .models import STATUSES
from .schemas import KEY, AddressSchema, ContactSchema, ExtraFieldSchema, StatusChangeSchema

ID = validate.Length(min=1, max=36)


class _Named(ma.Schema):
    id = fields.String()
    name = fields.String()


class CompanyQuerySchema(ma.Schema):
    company_id = fields.String(
        validate=ID, metadata={"description": "One of your customers (portal users)"}
    )


class SiteQuerySchema(PageQuerySchema, CompanyQuerySchema):
    """A page of sites or equipment, of one of your customers when you have several."""


class PortalListQuerySchema(PageQuerySchema):
    company_id = fields.String(validate=ID)
    site_id = fields.String(validate=ID)
    equipment_id = fields.String(validate=ID)
    status = fields.String(validate=validate.OneOf(STATUSES))


class NewFormQuerySchema(CompanyQuerySchema):
    site_id = fields.String(validate=ID)


class OptionsOutSchema(ma.Schema):
    create_allowed = fields.Boolean()
    attachments_shown = fields.Boolean()
    equipment_shown = fields.Boolean()
    gallery_shown = fields.Boolean()


class ScopeOutSchema(ma.Schema):
    type = fields.String(validate=validate.OneOf(("account", "company", "site", "intervention")))
    id = fields.String(allow_none=True)


class CustomerSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    number = fields.String(allow_none=True)
    address = fields.Nested(AddressSchema)
    contact = fields.Nested(ContactSchema)
    extra_info = fields.String(allow_none=True)
    options = fields.Nested(OptionsOutSchema)
    may_create = fields.Boolean(metadata={"description": "Show the 'create' button"})
    scope = fields.Nested(ScopeOutSchema)
    companies = fields.List(
        fields.Nested(_Named), metadata={"description": "Every customer in view, each marked"}
    )


class PortalSiteSchema(ma.Schema):
    id = fields.String()
    company = fields.Nested(_Named)
    name = fields.String()
    address = fields.Nested(AddressSchema)
    contact = fields.Nested(ContactSchema)


class PortalEquipmentSchema(ma.Schema):
    id = fields.String()
    company = fields.Nested(_Named)
    site = fields.Nested(_Named, allow_none=True)
    name = fields.String()
    type = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)


class PortalInterventionSchema(ma.Schema):
    id = fields.String()
    number = fields.String(metadata={"example": "INT-000123"})
    company = fields.Nested(_Named)
    site = fields.Nested(_Named, allow_none=True)
    equipment = fields.Nested(_Named, allow_none=True)
    type = fields.Nested(_Named, allow_none=True)
    description = fields.String()
    extra = fields.Dict()
    address = fields.Nested(AddressSchema)
    contact = fields.Nested(ContactSchema)
    status = fields.String(validate=validate.OneOf(STATUSES))
    scheduled_at = fields.DateTime(allow_none=True)
    technician = fields.String(allow_none=True)
    created_at = fields.DateTime()


class PortalInterventionDetailSchema(PortalInterventionSchema):
    history = fields.List(fields.Nested(StatusChangeSchema))


class PortalSiteDetailSchema(PortalSiteSchema):
    interventions = fields.List(fields.Nested(PortalInterventionSchema))


class PortalEquipmentDetailSchema(PortalEquipmentSchema):
    interventions = fields.List(fields.Nested(PortalInterventionSchema))


class TypeFormSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    fields = fields.List(fields.Nested(ExtraFieldSchema))


class NewFormSchema(ma.Schema):
    """The creation form, pre-filled from the customer (and the site of a site link)."""

    company = fields.Nested(_Named)
    site_id = fields.String(allow_none=True)
    address = fields.Nested(AddressSchema)
    contact = fields.Nested(ContactSchema)
    types = fields.List(fields.Nested(TypeFormSchema))
    sites = fields.List(fields.Nested(_Named))
    equipment = fields.List(fields.Nested(_Named))


class PortalInterventionInSchema(ma.Schema):
    company_id = fields.String(validate=ID, load_default=None)
    site_id = fields.String(validate=ID, load_default=None, allow_none=True)
    equipment_id = fields.String(validate=ID, load_default=None, allow_none=True)
    type_id = fields.String(validate=ID, load_default=None, allow_none=True)
    description = fields.String(
        required=True,
        validate=validate.Length(
            min=1, max=5000, error="Describe what needs doing in 1 to 5,000 characters."
        ),
        error_messages={"required": "Describe what needs doing: the description is required."},
    )
    extra = fields.Dict(keys=fields.String(validate=KEY), load_default=dict)
    address = fields.Nested(AddressSchema, load_default=None)
    contact = fields.Nested(ContactSchema, load_default=None)
    locale = fields.String(load_default="en", validate=validate.OneOf(("en", "fr", "es")))


class IdempotencyHeaderSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    idempotency_key = fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Same key, same session: the first intervention is answered"},
    )


PortalSitePageSchema = page_schema(PortalSiteSchema, "PortalSitePage")
PortalEquipmentPageSchema = page_schema(PortalEquipmentSchema, "PortalEquipmentPage")
PortalInterventionPageSchema = page_schema(PortalInterventionSchema, "PortalInterventionPage")
