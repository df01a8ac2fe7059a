"""Events the sharing service consumes: event type -> handlers (this also makes the bindings).

Each handler runs inside the consumer's transaction and never commits. Replicas are upserts
that skip an event older than what is stored, so a duplicate or late delivery changes nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import marshmallow as ma
from marshmallow import fields

from services.common.events import Event

from . import audience
from .models import Company, Membership, User, db

NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # a user only a membership event has mentioned


class _Loose(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class _Settings(_Loose):
    members_see_each_other = fields.Boolean(load_default=False)


class CompanySchema(_Loose):
    id = fields.String(required=True)
    name = fields.String(load_default="")
    settings = fields.Nested(_Settings, load_default=lambda: {"members_see_each_other": False})


class UserSchema(_Loose):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(load_default="", allow_none=True)
    locale = fields.String(load_default=None, allow_none=True)
    kind = fields.String(load_default=None, allow_none=True)
    role = fields.String(load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True)


class MembershipSchema(_Loose):
    user_id = fields.String(required=True)
    company_id = fields.String(required=True)
    role = fields.String(required=True)
    active = fields.Boolean(required=True)
    user = fields.Nested(UserSchema, load_default=None)


def _newer(row: object | None, moment: datetime) -> bool:
    """Apply an event only if it is not older than the state stored from another one."""
    return row is None or row.source_time <= moment


def on_company(event: Event) -> None:
    data = CompanySchema().load(event.data)
    moment, company = event.occurred_at, db.session.get(Company, data["id"])
    if not _newer(company, moment):
        return
    setting = data["settings"]["members_see_each_other"]
    changed = company is not None and company.members_see_each_other != setting
    if company is None:
        company = Company(id=data["id"])
        db.session.add(company)
    company.name = data["name"]
    company.members_see_each_other = setting
    company.source_time = moment
    if changed:
        audience.refresh_company(company.id)


def _upsert_user(data: dict, moment: datetime, full: bool) -> User | None:
    """`full` events (identity.user.*) carry kind, role and status and set `source_time`;
    a membership event only fills in contact details, so it never hides a later user event."""
    user = db.session.get(User, data["id"])
    if full and not _newer(user, moment):
        return None
    if not full and user is not None and user.source_time > moment:
        return None
    if user is None:
        user = User(id=data["id"], source_time=NEVER)
        db.session.add(user)
    user.email, user.name, user.locale = data["email"], data["name"] or "", data["locale"]
    if full:
        user.kind, user.role, user.status = data["kind"], data["role"], data["status"]
        user.source_time = moment
    return user


def on_user(event: Event) -> None:
    data = UserSchema().load(event.data)
    before = db.session.get(User, data["id"])
    was_disabled = before is not None and before.disabled
    user = _upsert_user(data, event.occurred_at, full=True)
    if user is not None and user.disabled != was_disabled:
        db.session.flush()
        audience.refresh_user(user.id)


def on_membership(event: Event) -> None:
    data = MembershipSchema().load(event.data)
    moment = event.occurred_at
    if data["user"] is not None:
        _upsert_user({**data["user"], "id": data["user_id"]}, moment, full=False)
    key = {"company_id": data["company_id"], "user_id": data["user_id"]}
    membership = db.session.get(Membership, key)
    if not _newer(membership, moment):
        return
    if membership is None:
        membership = Membership(**key)
        db.session.add(membership)
    membership.role, membership.active, membership.source_time = (
        data["role"],
        data["active"],
        moment,
    )
    db.session.flush()
    audience.refresh_company(data["company_id"])


HANDLERS = {
    "identity.company.created": [on_company],
    "identity.company.updated": [on_company],
    "identity.user.created": [on_user],
    "identity.user.updated": [on_user],
    "identity.membership.changed": [on_membership],
}
