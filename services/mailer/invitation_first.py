"""A person is invited before they are told that something is shared with them.

An e-mail announcing access ("a contract was shared with you", "your signature is requested")
to someone the recipients replica knows as `invited`, whose invitation e-mail has not gone out
to that address, is logged `held` instead of sent. Sending the invitation e-mail (or the person
becoming active some other way) queues a `mailer.email.released` event per held e-mail, in the
same transaction: it is published only once the invitation is logged as sent, and its handler
sends the held e-mail with the usual retries, parking and dedupe.

Both sides lock the person's replica row first, so a hold decided while the invitation is being
sent is seen by the invitation's transaction (PostgreSQL, READ COMMITTED): nothing stays held.
An event naming several people locks them all, in id order, before sending anything: the
mailer may handle several events at once (CONSUMER_HANDLER_THREADS).
A person the replica does not know yet is not held (identity announces people before sharing
can name them, so that is rare, and holding for ever would be worse).
"""

from __future__ import annotations

from collections.abc import Iterable

import marshmallow as ma
import sqlalchemy as sa

from services.common.consumer import batched
from services.common.events import Event
from services.common.outbox import add_event

from .events import email_released
from .invitation_links import INVITATION_TEMPLATE
from .models import HELD, SENT, Email, Recipient, db

_LOCK_PEOPLE = (
    sa.select(Recipient.user_id, Recipient.status, Recipient.locale, Recipient.time_zone)
    .where(Recipient.user_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(Recipient.user_id)
    .with_for_update()
)


def lock_people(user_ids: Iterable[str | None]) -> dict[str, sa.Row]:
    """Lock the replica rows of everyone an event may hold or release an e-mail for, in one
    fixed order, before any e-mail goes: two events naming the same people the other way round
    (handled at once) then wait for each other instead of deadlocking after one has sent (its
    rollback would send those e-mails again). Returns each person found (status, locale, time
    zone), read once the lock is held (what another transaction committed meanwhile counts)."""
    ids = sorted({user_id for user_id in user_ids if user_id is not None})
    if not ids:
        return {}
    return {row.user_id: row for row in db.session.execute(_LOCK_PEOPLE, {"ids": ids})}


_INVITATION_SENT = (
    sa.select(Email.id)
    .where(
        Email.template == INVITATION_TEMPLATE,
        Email.status == SENT,
        Email.recipient_email == sa.bindparam("email"),
    )
    .limit(1)
)


def must_wait_for_invitation(status: str | None, email: str) -> bool:
    """Is this person (of `status`, as `lock_people` found them) still to receive their
    invitation e-mail at `email`?"""
    if status != "invited":
        return False
    return db.session.scalar(_INVITATION_SENT, {"email": email}) is None


def release_held_rows(rows: Iterable[Email]) -> None:
    """Queue the held e-mails among `rows`, read with their person locked (`lock_people`)."""
    for row in sorted((row for row in rows if row.status == HELD), key=lambda r: r.created_at):
        add_event(email_released(row.id))


def release_held(user_id: str | None, email: str) -> None:
    """Queue the e-mails held for `email`: it needs no invitation now."""
    lock_people([user_id])
    release_held_rows(
        db.session.scalars(
            sa.select(Email).where(Email.status == HELD, Email.recipient_email == email)
        )
    )


class _User(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    id = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    status = ma.fields.String(load_default=None, allow_none=True)


_user = _User()


@batched
def release_when_active(event: Event) -> None:
    """Handler (after the replica's): someone who no longer waits for an invitation (they
    accepted it, or were created active) gets what was held for them."""
    user = _user.load(event.data)
    if user["status"] == "active":
        release_held(user["id"], user["email"].strip().lower())
