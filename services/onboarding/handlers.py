"""Events the onboarding service consumes: event type -> handlers (this also makes the bindings).

Each handler runs inside the consumer's transaction and never commits. Replicas apply only a
newer owner version, so a duplicate or late delivery changes nothing; the consumer's
processed-event record keeps a redelivered membership from telling the primary twice."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields

from services.common.consumer import batched
from services.common.events import Event
from services.common.outbox import add_event
from services.common.replicas import is_newer

from . import events
from .formats import tax_id_digits
from .groups import message
from .models import Company, CustomerGroup, Representative, User, db


class _Loose(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class CompanySchema(_Loose):
    id = fields.String(required=True)
    name = fields.String(load_default="")
    tax_id = fields.String(load_default=None, allow_none=True)
    customer_group_id = fields.String(load_default=None, allow_none=True)
    version = fields.Integer(load_default=0)


class _Person(_Loose):
    email = fields.String(required=True)
    name = fields.String(load_default="", allow_none=True)
    locale = fields.String(load_default=None, allow_none=True)
    time_zone = fields.String(load_default=None, allow_none=True)


class MembershipSchema(_Loose):
    user_id = fields.String(required=True)
    company_id = fields.String(required=True)
    role = fields.String(required=True)
    active = fields.Boolean(required=True)
    version = fields.Integer(load_default=0)
    user = fields.Nested(_Person, required=True)


class UserSchema(_Loose):
    """What this service reads of `identity.user.created` / `.updated`."""

    id = fields.String(required=True)
    status = fields.String(load_default=None, allow_none=True)
    version = fields.Integer(load_default=0)  # 0: published before versions existed


@batched
def on_company(event: Event) -> None:
    data = CompanySchema().load(event.data)
    # Locked: two workers applying two versions of one company compare one after the other.
    company = db.session.get(Company, data["id"], with_for_update=True)
    if not is_newer(data["version"], company.version if company else None):
        return
    if company is None:
        company = Company(id=data["id"])
        db.session.add(company)
    company.name = data["name"]
    company.tax_id = data["tax_id"]
    company.tax_id_digits = tax_id_digits(data["tax_id"])
    company.customer_group_id = data["customer_group_id"]
    company.version = data["version"]


@batched
def on_membership(event: Event) -> None:
    """Keep the representatives; a secondary one newly active: tell the company's primary."""
    data = MembershipSchema().load(event.data)
    key = {"company_id": data["company_id"], "user_id": data["user_id"]}
    row = db.session.get(Representative, key, with_for_update=True)
    if not is_newer(data["version"], row.version if row else None):
        return
    newly_secondary = (
        data["role"] == "secondary"
        and data["active"]
        and (row is None or not row.active or row.role != "secondary")
    )
    if row is None:
        row = Representative(**key)
        db.session.add(row)
    person = data["user"]
    row.role, row.active, row.version = data["role"], data["active"], data["version"]
    row.email, row.name = person["email"], person["name"] or ""
    row.locale, row.time_zone = person["locale"], person["time_zone"]
    if newly_secondary:
        db.session.flush()
        _tell_primary(row)


@batched
def on_user(event: Event) -> None:
    """Keep the user's status (a disabled account's tokens are refused), unless older."""
    data = UserSchema().load(event.data)
    user = db.session.get(User, data["id"], with_for_update=True)
    if not is_newer(data["version"], user.version if user else None):
        return
    if user is None:
        user = User(id=data["id"])
        db.session.add(user)
    user.status, user.version = data["status"], data["version"]


def _tell_primary(secondary: Representative) -> None:
    company = db.session.get(Company, secondary.company_id)
    group = (
        db.session.get(CustomerGroup, company.customer_group_id)
        if company and company.customer_group_id
        else None
    )
    if group is None or not group.portal_enabled:
        return
    primaries = db.session.scalars(
        sa.select(Representative).where(
            Representative.company_id == secondary.company_id,
            Representative.role == "primary",
            Representative.active,
        )
    ).all()
    for primary in primaries:
        add_event(
            events.additional_contact_added(
                {
                    "user_id": primary.user_id,
                    "email": primary.email,
                    "name": primary.name,
                    "locale": primary.locale,
                    "time_zone": primary.time_zone,
                },
                {"user_id": secondary.user_id, "email": secondary.email, "name": secondary.name},
                {"id": company.id, "name": company.name},
                group,
                message(group, "additional_contact", primary.locale),
            )
        )


HANDLERS = {
    "identity.company.created": [on_company],
    "identity.company.updated": [on_company],
    "identity.membership.changed": [on_membership],
    "identity.user.created": [on_user],
    "identity.user.updated": [on_user],
}
