"""A registered representative keeps their billing contact information from the portal
(`/api/v1/portal/onboarding/contact`) and is shown the group's "contact updated" message."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.common.auth import Caller, current_caller, portal_required
from services.common.models import is_id
from services.common.outbox import add_event
from services.common.problems import ProblemError, field_error

from . import events
from .formats import normalise_phone
from .groups import message
from .models import Company, CustomerGroup, Representative, db
from .wizard import PHONE_REGIONS

blp = Blueprint(
    "onboarding_contact",
    __name__,
    url_prefix="/api/v1/portal/onboarding/contact",
    description="A representative's billing contact information (portal users)",
)


class RepresentativeContactQuerySchema(ma.Schema):
    company_id = fields.String(required=True, validate=validate.Length(min=1, max=36))


class RepresentativeContactInSchema(RepresentativeContactQuerySchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    phone = fields.String(required=True, validate=validate.Length(min=3, max=40))


class RepresentativeContactSchema(ma.Schema):
    company_id = fields.String()
    name = fields.String()
    email = fields.String()
    phone = fields.String(allow_none=True)
    message = fields.String(metadata={"description": "The group's 'contact updated' message"})


def _mine(company_id: str, caller: Caller) -> Representative:
    """The caller's representative record for a company of theirs (404 for any other)."""
    if not is_id(company_id) or company_id not in caller.companies:
        raise ProblemError(404, "No company of yours has this id.", code="COMPANY_NOT_FOUND")
    key = {"company_id": company_id, "user_id": caller.user_id}
    row = db.session.get(Representative, key)
    if row is None:  # the membership event has not arrived yet: the token vouches for it
        row = Representative(
            **key,
            role=caller.companies[company_id],
            active=True,
            email=caller.email,
            name="",
            version=0,  # any event of the membership replaces what the token said
        )
        db.session.add(row)
    if not row.active:
        raise ProblemError(404, "No company of yours has this id.", code="COMPANY_NOT_FOUND")
    return row


def _view(row: Representative, updated: bool) -> dict:
    company = db.session.get(Company, row.company_id)
    group = (
        db.session.get(CustomerGroup, company.customer_group_id)
        if company and company.customer_group_id
        else None
    )
    text = message(group, "contact_updated", row.locale) if group and updated else ""
    return {
        "company_id": row.company_id,
        "name": row.name,
        "email": row.email,
        "phone": row.phone,
        "message": text,
    }


@blp.get("")
@portal_required
@blp.arguments(RepresentativeContactQuerySchema, location="query")
@blp.response(200, RepresentativeContactSchema)
def show(query: dict):
    view = _view(_mine(query["company_id"], current_caller()), updated=False)
    db.session.rollback()  # a record made from the token is kept only when saved
    return view


@blp.put("")
@portal_required
@blp.arguments(RepresentativeContactInSchema)
@blp.response(200, RepresentativeContactSchema)
def update(data: dict):
    """Save name and phone; the answer carries the group's "contact updated" message."""
    row = _mine(data["company_id"], current_caller())
    phone = normalise_phone(data["phone"], PHONE_REGIONS.get(row.locale or "en"))
    if phone is None:
        raise field_error(
            "phone", "Enter a valid phone number, with its country code (+33 1 23 45 67 89)."
        )
    row.name, row.phone = data["name"].strip(), phone
    add_event(events.contact_updated(row))
    db.session.commit()
    return _view(row, updated=True)
