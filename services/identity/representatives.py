"""Billing-portal representatives registered through onboarding: on a completed access request,
the portal user (found by e-mail, or created and invited) joins the matched company, as its
primary representative when it has none yet, else as a secondary one.

Runs inside the consumer's transaction (it commits, with the processed-event record). A
redelivered event finds the membership active and changes nothing: no second invitation."""

from __future__ import annotations

import logging

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields

from services.common.events import Event
from services.common.models import new_id
from services.common.outbox import add_event

from . import events
from .models import LOCALES, Company, Membership, User, db
from .users import send_invitation

log = logging.getLogger(__name__)


class _Contact(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    name = fields.String(required=True)
    email = fields.Email(required=True)
    locale = fields.String(load_default="en", validate=ma.validate.OneOf(LOCALES))


class AccessRequestCompletedSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    access_request_id = fields.String(required=True)
    company_id = fields.String(required=True)
    contact = fields.Nested(_Contact, required=True)


def _portal_user(contact: dict) -> User | None:
    email = contact["email"].strip().lower()
    user = db.session.scalars(sa.select(User).where(User.email == email)).first()
    if user is None:
        user = User(
            id=new_id(),
            email=email,
            name=contact["name"],
            locale=contact["locale"],
            kind="portal",
            status="invited",
        )
        db.session.add(user)
        add_event(events.user_created(user))
    elif user.kind != "portal":
        log.warning("access request for a staff address %s: no membership given", email)
        return None
    return user


def on_access_request_completed(event: Event) -> None:
    data = AccessRequestCompletedSchema().load(event.data)
    # Locked: two representatives completing at once cannot both become primary.
    company = db.session.get(Company, data["company_id"], with_for_update=True)
    if company is None:
        raise ValueError(f"access request {data['access_request_id']}: unknown company")
    user = _portal_user(data["contact"])
    if user is None:
        return
    membership = db.session.scalars(
        sa.select(Membership).where(
            Membership.company_id == company.id, Membership.user_id == user.id
        )
    ).first()
    if membership is not None and membership.active:
        return
    has_primary = db.session.scalar(
        sa.select(Membership.id).where(
            Membership.company_id == company.id, Membership.role == "primary", Membership.active
        )
    )
    if membership is None:
        membership = Membership(id=new_id(), user=user, company_id=company.id)
        db.session.add(membership)
    membership.role = "secondary" if has_primary else "primary"
    membership.active = True
    add_event(events.membership_changed(membership, user))
    if user.status == "invited":
        send_invitation(user, None)
