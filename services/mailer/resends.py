"""Which logged e-mails staff may send again, and queuing the resend.

A resend renders the logged e-mail again from the event data it was built from, links included,
to the address it went to. That is safe only while the link still works and the address is
still the person's: an invitation to an address the person has left would hand a live link to
whoever reads that mailbox now. The API refuses those (409) and the worker checks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import marshmallow as ma
import sqlalchemy as sa

from services.common.models import utcnow
from services.common.outbox import add_event

from .catalog import NOTIFICATIONS
from .events import resend_requested
from .invitation_links import INVITATION_TEMPLATE, SEALED_URL
from .models import HELD, Email, Recipient, db


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str


def _recipient(email: Email) -> Recipient | None:
    """The person the e-mail went to, as the replica knows them now (by user id)."""
    addressees = NOTIFICATIONS[email.event_type].addressees(email.event_data)
    user_ids = [a.user_id for a in addressees if a.email.strip().lower() == email.recipient_email]
    return db.session.get(Recipient, user_ids[0]) if user_ids and user_ids[0] else None


def _superseded(email: Email) -> bool:
    """Was a newer invitation e-mail sent to this address (identity voids older links)?"""
    first = db.session.get(Email, email.resend_of) if email.resend_of else email
    newer = sa.select(Email.id).where(
        Email.template == INVITATION_TEMPLATE,
        Email.recipient_email == email.recipient_email,
        Email.resend_of.is_(None),
        Email.created_at > first.created_at,
    )
    return db.session.scalar(newer.limit(1)) is not None


def _address_changed(email: Email, recipient: Recipient | None, invitation: bool) -> Refusal | None:
    if recipient is None or recipient.email == email.recipient_email:
        return None
    advice = " Invite them again: a new invitation goes to their current address."
    return Refusal(
        "RECIPIENT_ADDRESS_CHANGED",
        f"This e-mail went to {email.recipient_email}, but this person's address is now "
        f"{recipient.email}: it is not sent again to the old address."
        + (advice if invitation else ""),
    )


def _accepted(recipient: Recipient | None) -> Refusal | None:
    if recipient is None or recipient.status != "active":
        return None
    return Refusal(
        "INVITATION_ACCEPTED",
        "This person has accepted an invitation already and signs in with their password.",
    )


def _invitation_refusal(email: Email, recipient: Recipient | None) -> Refusal | None:
    accepted = _accepted(recipient)
    if accepted is not None:
        return accepted
    expires_at = datetime.fromisoformat(email.event_data["expires_at"].replace("Z", "+00:00"))
    if expires_at.astimezone(UTC) <= utcnow():
        return Refusal(
            "INVITATION_EXPIRED",
            f"This invitation expired at {email.event_data['expires_at']}: invite the person "
            "again (POST /api/v1/users/{id}/invite) to send a new link.",
        )
    if _superseded(email):
        return Refusal(
            "INVITATION_SUPERSEDED",
            "A newer invitation was sent to this person since, and its link replaced this one: "
            "resend the newest invitation e-mail instead.",
        )
    return None


def resend_refusal(email: Email) -> Refusal | None:
    """Why this logged e-mail must not be sent again, or None when it may."""
    if email.status == HELD:
        return Refusal(
            "EMAIL_HELD",
            f"This e-mail has not been sent yet: it goes to {email.recipient_email} as soon as "
            "their invitation e-mail has.",
        )
    notification = NOTIFICATIONS.get(email.event_type)
    if notification is None:
        return Refusal("RESEND_NOT_ALLOWED", "The portal no longer sends this kind of e-mail.")
    if notification.secret_fields:
        return Refusal(
            "RESEND_NOT_ALLOWED",
            "This e-mail carried a one-time link, which the log does not keep: the person asks "
            "for a new one (for a password, on the sign-in page).",
        )
    invitation = notification.template == INVITATION_TEMPLATE
    if invitation and not email.event_data.get(SEALED_URL):
        # The log forgot the link (invitation_links.py): it is dead, say why if we can tell.
        invited = db.session.get(Recipient, email.event_data["user"]["id"])
        return (
            _address_changed(email, invited, invitation)
            or _accepted(invited)
            or Refusal(
                "INVITATION_LINK_DEAD",
                "This invitation's link no longer works (a newer invitation replaced it or it was "
                "accepted): invite the person again if they still need one.",
            )
        )
    try:
        recipient = _recipient(email)
    except ma.ValidationError:
        return Refusal("RESEND_NOT_ALLOWED", "This e-mail can no longer be rebuilt.")
    changed = _address_changed(email, recipient, invitation)
    if changed is not None:
        return changed
    if recipient is not None and recipient.status == "disabled":
        return Refusal(
            "RECIPIENT_DISABLED",
            "This person's account is disabled: enable it before sending them anything.",
        )
    if invitation:
        return _invitation_refusal(email, recipient)
    return None


def request_resend(email: Email, requested_by: str) -> str:
    """Queue a resend of a logged e-mail; the worker sends it with the usual retries."""
    event = resend_requested(email.id, requested_by)
    add_event(event)
    return event.id
