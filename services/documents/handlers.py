"""Events the documents service consumes: event type -> handlers (this also makes the bindings).

Handlers run inside the consumer's transaction (`handle_message`) and never commit.
"""

from __future__ import annotations

import logging

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields

from services.common.consumer import batched
from services.common.events import Event
from services.common.replicas import is_newer

from .field_replica import HANDLERS as FIELD_HANDLERS
from .models import AudienceMember, Matter, User, db

log = logging.getLogger(__name__)


class _AudienceEntry(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    user_id = fields.String(required=True)
    reasons = fields.List(fields.String(), load_default=list)


class AudienceChangedData(ma.Schema):
    """What this service reads of `sharing.audience.changed` (sharing owns the full contract)."""

    class Meta:
        unknown = ma.EXCLUDE

    matter_id = fields.String(required=True)
    company_id = fields.String(required=True)
    visible = fields.Boolean(required=True)
    attachments_visible_by_default = fields.Boolean(load_default=False)
    version = fields.Integer(required=True)
    audience = fields.List(fields.Nested(_AudienceEntry), load_default=list)


AUDIENCE_CHANGED = AudienceChangedData()


@batched
def replace_audience(event: Event) -> None:
    """The event carries the whole audience: it replaces the replica, unless it is older."""
    apply_audience(AUDIENCE_CHANGED.load(event.data))


def apply_audience(data: dict) -> None:
    """Replace the matter's replica from sharing's audience data (an event, or a read-through
    answer), unless the stored version is newer."""
    matter = db.session.scalars(
        sa.select(Matter).where(Matter.matter_id == data["matter_id"]).with_for_update()
    ).first()
    if matter is not None and data["version"] < matter.version:
        log.info(
            "audience of matter %s: version %s ignored, %s already applied",
            matter.matter_id,
            data["version"],
            matter.version,
        )
        return
    if matter is None:
        matter = Matter(matter_id=data["matter_id"])
        db.session.add(matter)
    matter.company_id = data["company_id"]
    matter.visible = data["visible"]
    matter.attachments_visible_by_default = data["attachments_visible_by_default"]
    matter.version = data["version"]
    db.session.flush()
    db.session.execute(
        sa.delete(AudienceMember).where(AudienceMember.matter_id == matter.matter_id)
    )
    reasons: dict[str, list[str]] = {}
    for entry in data["audience"]:  # one row per person, whatever sharing repeated
        merged = reasons.setdefault(entry["user_id"], [])
        merged.extend(r for r in entry["reasons"] if r not in merged)
    db.session.add_all(
        AudienceMember(matter_id=matter.matter_id, user_id=user_id, reasons=why)
        for user_id, why in reasons.items()
    )


class UserChangedData(ma.Schema):
    """What this service reads of `identity.user.created` / `.updated`."""

    class Meta:
        unknown = ma.EXCLUDE

    id = fields.String(required=True)
    status = fields.String(load_default=None, allow_none=True)
    version = fields.Integer(load_default=0)  # 0: published before versions existed


USER_CHANGED = UserChangedData()


@batched
def replicate_user(event: Event) -> None:
    """Keep the user's status (a disabled account's tokens are refused), unless older."""
    data = USER_CHANGED.load(event.data)
    user = db.session.get(User, data["id"], with_for_update=True)
    if not is_newer(data["version"], user.version if user else None):
        return
    if user is None:
        user = User(id=data["id"])
        db.session.add(user)
    user.status, user.version = data["status"], data["version"]


HANDLERS: dict = {
    "sharing.audience.changed": [replace_audience],
    "identity.user.created": [replicate_user],
    "identity.user.updated": [replicate_user],
    **FIELD_HANDLERS,
}
