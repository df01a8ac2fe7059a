"""Events the interventions service consumes: event type -> handlers (also its bindings).

Each handler runs inside the consumer's transaction and never commits; a duplicate or late
delivery changes nothing.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from services.common.consumer import batched
from services.common.events import Event
from services.common.replicas import is_newer

from .models import Company, RevokedLink, db
from .views import set_address, set_contact


class _Loose(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class _Address(_Loose):
    line1 = fields.String(load_default=None, allow_none=True)
    line2 = fields.String(load_default=None, allow_none=True)
    postal_code = fields.String(load_default=None, allow_none=True)
    city = fields.String(load_default=None, allow_none=True)
    country = fields.String(load_default=None, allow_none=True)


class _Contact(_Loose):
    name = fields.String(load_default=None, allow_none=True)
    email = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)


class CompanySchema(_Loose):
    id = fields.String(required=True)
    name = fields.String(load_default="")
    number = fields.String(load_default=None, allow_none=True)
    extra_info = fields.String(load_default=None, allow_none=True)
    address = fields.Nested(_Address, load_default=dict)
    contact = fields.Nested(_Contact, load_default=dict)
    version = fields.Integer(load_default=0)  # 0: published before versions existed


class LinkRevokedSchema(_Loose):
    id = fields.String(required=True)


@batched
def on_company(event: Event) -> None:
    apply_company(CompanySchema().load(event.data))


def apply_company(data: dict) -> Company | None:
    """Upsert the replica from identity's company data (an event, or a read-through answer);
    None if what is stored is as new or newer."""
    # Locked: two workers applying two versions of one row at once compare one after the other.
    company = db.session.get(Company, data["id"], with_for_update=True)
    if not is_newer(data["version"], company.version if company else None):
        return None
    if company is None:
        company = Company(id=data["id"])
        db.session.add(company)
    company.name, company.number, company.extra_info = (
        data["name"],
        data["number"],
        data["extra_info"],
    )
    set_address(company, data["address"])
    set_contact(company, data["contact"])
    company.version = data["version"]
    return company


@batched
def on_link_revoked(event: Event) -> None:
    data = LinkRevokedSchema().load(event.data)
    if db.session.get(RevokedLink, data["id"]) is None:
        db.session.add(RevokedLink(link_id=data["id"], revoked_at=event.occurred_at))


HANDLERS = {
    "identity.company.created": [on_company],
    "identity.company.updated": [on_company],
    "identity.link.revoked": [on_link_revoked],
}
