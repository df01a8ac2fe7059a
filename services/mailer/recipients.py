"""The recipients replica: who people are and which language they read, from identity's events."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa

from services.common.events import Event

from .models import Recipient, db


class UserChangedSchema(ma.Schema):
    """What the mailer keeps of `identity.user.created` / `identity.user.updated`."""

    class Meta:
        unknown = ma.EXCLUDE

    id = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String(load_default="", allow_none=True)
    locale = ma.fields.String(load_default=None, allow_none=True)
    time_zone = ma.fields.String(load_default=None, allow_none=True)
    kind = ma.fields.String(load_default=None, allow_none=True)
    status = ma.fields.String(load_default=None, allow_none=True)


_user_changed = UserChangedSchema()


def on_user_changed(event: Event) -> None:
    """Handler: upsert the recipient; an event older than the one applied last is ignored."""
    user = _user_changed.load(event.data)
    changed_at = event.occurred_at
    recipient = db.session.get(Recipient, user["id"])
    if recipient is None:
        recipient = Recipient(user_id=user["id"])
        db.session.add(recipient)
    elif recipient.changed_at > changed_at:
        return
    recipient.email = user["email"].strip().lower()
    recipient.name = user["name"] or ""
    recipient.locale = user["locale"]
    recipient.time_zone = user["time_zone"]
    recipient.kind = user["kind"]
    recipient.status = user["status"]
    recipient.changed_at = changed_at


def known_recipient(user_id: str | None, email: str) -> Recipient | None:
    """What the replica knows of this person (by user id, else by e-mail address)."""
    recipient = db.session.get(Recipient, user_id) if user_id else None
    if recipient is None:
        recipient = db.session.scalars(
            sa.select(Recipient).where(Recipient.email == email.strip().lower()).limit(1)
        ).first()
    return recipient
