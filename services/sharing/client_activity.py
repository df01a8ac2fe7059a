"""Client activity told to the firm: documents announces what a client contact uploaded, and
sharing, which knows the matter and who follows it inside the firm, re-announces it as
`sharing.client_activity` with the people to e-mail (the mailer sends it)."""

from __future__ import annotations

import logging

import marshmallow as ma
from marshmallow import fields

from services.common.events import Event
from services.common.outbox import add_event

# `service` imports the handlers (through read_through): a module reference, read at call time.
from . import events, service
from .models import Matter, User, db

log = logging.getLogger(__name__)


class _Loose(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class _Uploader(_Loose):
    user_id = fields.String(required=True)
    email = fields.String(load_default="")


class _Replaced(_Loose):
    id = fields.String(required=True)
    name = fields.String(load_default="")


class UploadedByClientSchema(_Loose):
    """What sharing reads of `documents.document.uploaded_by_client`."""

    document_id = fields.String(required=True)
    matter_id = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.Integer(load_default=0)
    uploaded_by = fields.Nested(_Uploader, required=True)
    replaces = fields.Nested(_Replaced, load_default=None, allow_none=True)


_uploaded = UploadedByClientSchema()


def on_client_upload(event: Event) -> None:
    """Handler: one `sharing.client_activity` per upload (the consumer's dedup makes a
    redelivery add nothing)."""
    data = _uploaded.load(event.data)
    matter = db.session.get(Matter, data["matter_id"])
    if matter is None:
        log.warning("client upload on unknown matter %s ignored", data["matter_id"])
        return
    uploader = db.session.get(User, data["uploaded_by"]["user_id"])
    client = (
        events.person(uploader)
        if uploader is not None
        else {
            "user_id": data["uploaded_by"]["user_id"],
            "email": data["uploaded_by"]["email"],
            "name": "",
            "locale": None,
        }
    )
    _, notify, _ = service.notification_recipients(matter)
    document = {"id": data["document_id"], "name": data["name"], "size": data["size"]}
    add_event(
        events.client_activity(
            matter,
            service.company_of(matter),
            "document_uploaded",
            client,
            document,
            data["replaces"],
            event.time,
            notify,
        )
    )
