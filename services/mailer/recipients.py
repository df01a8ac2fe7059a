"""The recipients replica: who people are and which language they read, from identity's events."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa

from services.common.consumer import batched
from services.common.events import Event
from services.common.replicas import is_newer

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
    version = ma.fields.Integer(load_default=0)  # 0: published before versions existed


_user_changed = UserChangedSchema()


@batched
def on_user_changed(event: Event) -> None:
    """Handler: upsert the recipient unless it holds this version of the user or a newer one."""
    user = _user_changed.load(event.data)
    recipient = db.session.get(Recipient, user["id"], with_for_update=True)
    if not is_newer(user["version"], recipient.version if recipient else None):
        return
    if recipient is None:
        recipient = Recipient(user_id=user["id"])
        db.session.add(recipient)
    recipient.email = user["email"].strip().lower()
    recipient.name = user["name"] or ""
    recipient.locale = user["locale"]
    recipient.time_zone = user["time_zone"]
    recipient.kind = user["kind"]
    recipient.status = user["status"]
    recipient.version = user["version"]


_KNOWN = sa.select(Recipient.locale, Recipient.time_zone).limit(1)
_BY_EMAIL = Recipient.email == sa.bindparam("email")
_BY_ID = Recipient.user_id == sa.bindparam("user_id")
_KNOWN_BY_EMAIL = _KNOWN.where(_BY_EMAIL)
_KNOWN_BY_ID_ELSE_EMAIL = _KNOWN.where(sa.or_(_BY_ID, _BY_EMAIL)).order_by(_BY_ID.desc())


def known_recipient(user_id: str | None, email: str) -> sa.Row | None:
    """The language and time zone the replica knows for this person (by user id, else by
    e-mail address), in one query of plain columns, built once: it runs for every e-mail."""
    email = email.strip().lower()
    if not user_id:
        return db.session.execute(_KNOWN_BY_EMAIL, {"email": email}).first()
    parameters = {"user_id": user_id, "email": email}
    return db.session.execute(_KNOWN_BY_ID_ELSE_EMAIL, parameters).first()
