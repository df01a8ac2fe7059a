"""Marshmallow schemas of the staff API: what comes in (unknown fields refused) and goes out."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from services.common.pagination import PageQuerySchema, page_schema

from .models import FIELD_KINDS, STATUSES

ID = validate.Length(min=1, max=36)
KEY = validate.Regexp(r"^[a-z][a-z0-9_]{0,49}$", error="Use lower-case letters, digits and _.")


def _id(**kwargs: object) -> fields.String:
    return fields.String(validate=ID, **kwargs)


def _text(maximum: int, minimum: int = 0, **kwargs: object) -> fields.String:
    return fields.String(validate=validate.Length(min=minimum, max=maximum), **kwargs)


class AddressSchema(ma.Schema):
    line1 = _text(200, allow_none=True)
    line2 = _text(200, allow_none=True)
    postal_code = _text(20, allow_none=True)
    city = _text(100, allow_none=True)
    country = _text(100, allow_none=True)


class ContactSchema(ma.Schema):
    name = _text(200, allow_none=True)
    email = fields.Email(allow_none=True, validate=validate.Length(max=254))
    phone = _text(50, allow_none=True)


class SiteInSchema(ma.Schema):
    company_id = _id(required=True)
    name = _text(200, 1, required=True)
    address = fields.Nested(AddressSchema, load_default=dict)
    contact = fields.Nested(ContactSchema, load_default=dict)


class SiteUpdateSchema(ma.Schema):
    name = _text(200, 1)
    address = fields.Nested(AddressSchema)
    contact = fields.Nested(ContactSchema)


class SiteSchema(ma.Schema):
    id = fields.String()
    company_id = fields.String()
    name = fields.String()
    address = fields.Nested(AddressSchema)
    contact = fields.Nested(ContactSchema)


class ListQuerySchema(PageQuerySchema):
    company_id = _id()
    site_id = _id()


class EquipmentInSchema(ma.Schema):
    company_id = _id(required=True)
    site_id = _id(load_default=None, allow_none=True)
    name = _text(200, 1, required=True)
    type = _text(100, load_default=None, allow_none=True)
    serial = _text(100, load_default=None, allow_none=True)


class EquipmentUpdateSchema(ma.Schema):
    site_id = _id(allow_none=True)
    name = _text(200, 1)
    type = _text(100, allow_none=True)
    serial = _text(100, allow_none=True)


class EquipmentSchema(ma.Schema):
    id = fields.String()
    company_id = fields.String()
    site_id = fields.String(allow_none=True)
    name = fields.String()
    type = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)


class ExtraFieldSchema(ma.Schema):
    key = fields.String(required=True, validate=KEY)
    label = _text(200, 1, required=True)
    kind = fields.String(required=True, validate=validate.OneOf(FIELD_KINDS))
    required = fields.Boolean(load_default=False)
    choices = fields.List(
        _text(200, 1),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Required for a `choice` field, refused for the others"},
    )

    @ma.validates_schema
    def _choices_only_for_choice(self, data: dict, **_: object) -> None:
        if data.get("kind") == "choice" and not data.get("choices"):
            raise ma.ValidationError("A choice field needs its choices.", "choices")
        if data.get("kind") != "choice" and data.get("choices"):
            raise ma.ValidationError("Only a choice field has choices.", "choices")


def _unique_keys(extra_fields: list[dict]) -> None:
    keys = [f["key"] for f in extra_fields]
    if len(keys) != len(set(keys)):
        raise ma.ValidationError("Each extra field needs its own key.")


class TypeInSchema(ma.Schema):
    name = _text(200, 1, required=True)
    active = fields.Boolean(load_default=True)
    fields = fields.List(
        fields.Nested(ExtraFieldSchema),
        load_default=list,
        validate=[validate.Length(max=50), _unique_keys],
    )


class TypeUpdateSchema(ma.Schema):
    name = _text(200, 1)
    active = fields.Boolean()
    fields = fields.List(
        fields.Nested(ExtraFieldSchema), validate=[validate.Length(max=50), _unique_keys]
    )


class TypeSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    active = fields.Boolean()
    fields = fields.List(fields.Nested(ExtraFieldSchema))


class InterventionInSchema(ma.Schema):
    company_id = _id(required=True)
    site_id = _id(load_default=None, allow_none=True)
    equipment_id = _id(load_default=None, allow_none=True)
    type_id = _id(load_default=None, allow_none=True)
    description = _text(5000, 1, required=True)
    extra = fields.Dict(keys=fields.String(validate=KEY), load_default=dict)
    address = fields.Nested(AddressSchema, load_default=None)
    contact = fields.Nested(ContactSchema, load_default=None)
    scheduled_at = fields.AwareDateTime(load_default=None, allow_none=True)
    technician = _text(200, load_default=None, allow_none=True)
    locale = fields.String(load_default="en", validate=validate.OneOf(("en", "fr", "es")))


class InterventionUpdateSchema(ma.Schema):
    description = _text(5000, 1)
    scheduled_at = fields.AwareDateTime(allow_none=True)
    technician = _text(200, allow_none=True)


class StatusMoveSchema(ma.Schema):
    status = fields.String(required=True, validate=validate.OneOf(STATUSES))
    scheduled_at = fields.AwareDateTime(
        load_default=None, metadata={"description": "Required when moving to `scheduled`"}
    )
    technician = _text(200, load_default=None, allow_none=True)
    note = _text(1000, load_default=None, allow_none=True)


class InterventionQuerySchema(ListQuerySchema):
    status = fields.String(validate=validate.OneOf(STATUSES))


class StatusChangeSchema(ma.Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    note = fields.String(allow_none=True)
    at = fields.DateTime()


class TypeRefSchema(ma.Schema):
    id = fields.String()
    name = fields.String()


class InterventionSchema(ma.Schema):
    id = fields.String()
    number = fields.String(metadata={"example": "INT-000123"})
    company_id = fields.String()
    site_id = fields.String(allow_none=True)
    equipment_id = fields.String(allow_none=True)
    type = fields.Nested(TypeRefSchema, allow_none=True)
    description = fields.String()
    extra = fields.Dict()
    address = fields.Nested(AddressSchema)
    contact = fields.Nested(ContactSchema)
    status = fields.String(validate=validate.OneOf(STATUSES))
    allowed_moves = fields.List(fields.String())
    scheduled_at = fields.DateTime(allow_none=True)
    technician = fields.String(allow_none=True)
    locale = fields.String()
    created_at = fields.DateTime()
    history = fields.List(fields.Nested(StatusChangeSchema))


class OptionsSchema(ma.Schema):
    """Each option; on a customer, null means "the firm-wide default"."""

    portal_enabled = fields.Boolean(allow_none=True)
    create_allowed = fields.Boolean(allow_none=True)
    attachments_shown = fields.Boolean(allow_none=True)
    equipment_shown = fields.Boolean(allow_none=True)
    gallery_shown = fields.Boolean(allow_none=True)


class CustomerOptionsSchema(ma.Schema):
    company_id = fields.String()
    own = fields.Nested(OptionsSchema, metadata={"description": "What this customer overrides"})
    effective = fields.Nested(OptionsSchema, metadata={"description": "What its portal offers"})


SitePageSchema = page_schema(SiteSchema, "SitePage")
EquipmentPageSchema = page_schema(EquipmentSchema, "EquipmentPage")
TypePageSchema = page_schema(TypeSchema, "InterventionTypePage")
InterventionPageSchema = page_schema(InterventionSchema, "InterventionPage")
