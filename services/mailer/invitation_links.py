"""The e-mail log forgets invitation links once they are dead.

The log keeps each e-mail's event data so that staff can resend it, invitation links included:
sealed as identity sent them (`sealed_url`, services/common/sealing.py), never in clear.
A link stops working when a newer invitation replaces it, when the person accepts, or when
their address changes (identity voids pending invitations then); from that moment the log has
no reason to keep it readable, and no resend may use it (resends.py refuses those cases).
"""

from __future__ import annotations

from collections.abc import Iterable

import marshmallow as ma
import sqlalchemy as sa

from services.common.consumer import batched
from services.common.events import Event

from .models import Email, Recipient, db

INVITATION_TEMPLATE = "invitation"
SEALED_URL = "sealed_url"  # where identity.invitation.sent carries the accept link


def forget_links(address: str, except_url: str | None = None) -> None:
    """Remove the invitation links logged for `address`, but `except_url` (the live one, as
    sealed: the original e-mail and its resends keep the same sealed string)."""
    rows = db.session.scalars(
        sa.select(Email).where(
            Email.template == INVITATION_TEMPLATE, Email.recipient_email == address
        )
    )
    forget_links_of(rows, except_url)


def forget_links_of(rows: Iterable[Email], except_url: str | None = None) -> None:
    """`forget_links` on log rows already read (the invitation ones among them)."""
    for row in rows:
        if row.template != INVITATION_TEMPLATE:
            continue
        url = row.event_data.get(SEALED_URL)
        if url is not None and url != except_url:
            row.event_data = {**row.event_data, SEALED_URL: None}


class _User(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    id = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    status = ma.fields.String(load_default=None, allow_none=True)


_user = _User()


@batched
def forget_voided_links(event: Event) -> None:
    """Handler (before the replica's, which it reads as it was): forget the links a change
    voids."""
    user = _user.load(event.data)
    address = user["email"].strip().lower()
    recipient = db.session.get(Recipient, user["id"])
    if recipient is not None and recipient.email != address:
        forget_links(recipient.email)
    if user["status"] == "active":
        forget_links(address)
