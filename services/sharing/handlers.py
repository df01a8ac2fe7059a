"""Events the sharing service consumes: event type -> handlers (this also makes the bindings).

Each handler runs inside the consumer's transaction and never commits. Replicas are upserts
that skip a change whose owner version is not greater than the stored one (the row is locked
while comparing), so a duplicate or late delivery changes nothing.
"""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields

from services.common.events import Event
from services.common.replicas import is_newer

from . import audience, client_activity
from .models import Company, Membership, User, db

UNVERSIONED = 0  # events published before versions existed, and users only a membership named


class _Loose(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class _Settings(_Loose):
    members_see_each_other = fields.Boolean(load_default=False)


class CompanySchema(_Loose):
    id = fields.String(required=True)
    name = fields.String(load_default="")
    settings = fields.Nested(_Settings, load_default=lambda: {"members_see_each_other": False})
    version = fields.Integer(load_default=UNVERSIONED)


class UserSchema(_Loose):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(load_default="", allow_none=True)
    locale = fields.String(load_default=None, allow_none=True)
    kind = fields.String(load_default=None, allow_none=True)
    role = fields.String(load_default=None, allow_none=True)
    status = fields.String(load_default=None, allow_none=True)
    version = fields.Integer(load_default=UNVERSIONED)


class MembershipSchema(_Loose):
    user_id = fields.String(required=True)
    company_id = fields.String(required=True)
    role = fields.String(required=True)
    active = fields.Boolean(required=True)
    version = fields.Integer(load_default=UNVERSIONED)
    user = fields.Nested(UserSchema, load_default=None)


def _locked(model: type, key: object) -> object | None:
    # Two workers applying two versions of one row at once must compare one after the other.
    return db.session.get(model, key, with_for_update=True)


# The replica handlers here are not @batched (services/common/consumer.py): each may lock many
# matters (an audience refresh), and in a batch the locks of several events would not follow one
# order, so a request locking a matter could deadlock with the worker.
def on_company(event: Event) -> None:
    apply_company(CompanySchema().load(event.data))


def apply_company(data: dict) -> Company | None:
    """Upsert the replica from identity's company data (an event, or a read-through answer);
    None if what is stored is as new or newer."""
    company = _locked(Company, data["id"])
    if not is_newer(data["version"], company.version if company else None):
        return None
    setting = data["settings"]["members_see_each_other"]
    changed = company is not None and company.members_see_each_other != setting
    if company is None:
        company = Company(id=data["id"])
        db.session.add(company)
    company.name = data["name"]
    company.members_see_each_other = setting
    company.version = data["version"]
    if changed:
        audience.refresh_company(company.id)
    return company


def _upsert_user(data: dict, full: bool) -> User | None:
    """`full` events (identity.user.*) carry kind, role, status and the user's version; a
    membership event only fills in contact details (of the user's version it names), and keeps
    the stored version so that it never hides a user event."""
    user = _locked(User, data["id"])
    if not is_newer(data["version"], user.version if user else None):
        return None
    if user is None:
        user = User(id=data["id"], version=UNVERSIONED)
        db.session.add(user)
    user.email, user.name, user.locale = data["email"], data["name"] or "", data["locale"]
    if full:
        user.kind, user.role, user.status = data["kind"], data["role"], data["status"]
        user.version = data["version"]
    return user


def on_user(event: Event) -> None:
    apply_user(UserSchema().load(event.data))


def apply_user(data: dict) -> None:
    """Upsert the replica from identity's user data (an event, or a read-through answer); a
    user disabled or enabled again changes the audiences they are in."""
    before = _locked(User, data["id"])
    was_disabled = before is not None and before.disabled
    user = _upsert_user(data, full=True)
    if user is not None and user.disabled != was_disabled:
        db.session.flush()
        audience.refresh_user(user.id)


def on_membership(event: Event) -> None:
    apply_membership(MembershipSchema().load(event.data))


def apply_membership(data: dict) -> None:
    """Upsert the replica from identity's membership data (an event, or a read-through answer)
    and recompute the audiences it changes; nothing if what is stored is as new or newer."""
    if data["user"] is not None:
        _upsert_user({**data["user"], "id": data["user_id"]}, full=False)
    key = {"company_id": data["company_id"], "user_id": data["user_id"]}
    membership = _locked(Membership, key)
    if not is_newer(data["version"], membership.version if membership else None):
        return
    if membership is None:
        membership = Membership(**key)
        db.session.add(membership)
    membership.role, membership.active = data["role"], data["active"]
    membership.version = data["version"]
    db.session.flush()
    audience.refresh_member(data["company_id"], data["user_id"])


HANDLERS = {
    "identity.company.created": [on_company],
    "identity.company.updated": [on_company],
    "identity.user.created": [on_user],
    "identity.user.updated": [on_user],
    "identity.membership.changed": [on_membership],
    "documents.document.uploaded_by_client": [client_activity.on_client_upload],
}
