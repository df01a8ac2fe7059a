"""Which events become e-mails: event type -> template, and who receives it with what context.

To add an e-mail: write `templates/<template>/<locale>.{subject.txt,txt,html}` for every locale
and add one entry to NOTIFICATIONS whose function turns the event's data into addressees
(load only what the template needs, with a small schema that ignores the rest).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import marshmallow as ma


@dataclass(frozen=True)
class Addressee:
    """One person an event's e-mail goes to, and what their copy of the template is given."""

    email: str
    name: str
    context: dict = field(default_factory=dict)
    locale: str | None = None  # what the event says; when unset the recipients replica decides
    user_id: str | None = None
    time_zone: str | None = None  # likewise; then the firm's default (PORTAL_TIME_ZONE)


@dataclass(frozen=True)
class Notification:
    template: str
    addressees: Callable[[dict], list[Addressee]]
    # It tells someone they were given access: a person still to accept an invitation gets it
    # only after their invitation e-mail (see invitation_first.py).
    after_invitation: bool = False
    # Event data fields holding a one-time secret link: not kept in the e-mail log, and so the
    # e-mail is never resent (the person asks for a new link).
    secret_fields: tuple[str, ...] = ()


class _Loose(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


class _Named(_Loose):
    id = ma.fields.String(required=True)
    name = ma.fields.String(load_default="")


class _InvitedUser(_Loose):
    id = ma.fields.String(required=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String(load_default="", allow_none=True)
    locale = ma.fields.String(load_default=None, allow_none=True)


class InvitationSentSchema(_Loose):
    """What the invitation e-mail needs from `identity.invitation.sent`."""

    user = ma.fields.Nested(_InvitedUser, required=True)
    # Only web links: the URL ends up in an href.
    accept_url = ma.fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    expires_at = ma.fields.DateTime(required=True)
    invited_by = ma.fields.Nested(_Named, load_default=None, allow_none=True)
    companies = ma.fields.List(ma.fields.Nested(_Named), load_default=list)


_invitation_sent = InvitationSentSchema()


def invitation_addressees(data: dict) -> list[Addressee]:
    invitation = _invitation_sent.load(data)
    user = invitation["user"]
    inviter = invitation["invited_by"]
    context = {
        "name": user["name"] or "",
        "inviter": inviter["name"] if inviter else "",
        "companies": [company["name"] for company in invitation["companies"]],
        "accept_url": invitation["accept_url"],
        "expires_at": invitation["expires_at"],
    }
    return [
        Addressee(user["email"], user["name"] or "", context, user["locale"], user_id=user["id"])
    ]


class _ResetUser(_InvitedUser):
    time_zone = ma.fields.String(load_default=None, allow_none=True)


class PasswordResetRequestedSchema(_Loose):
    """What the e-mail needs from `identity.password_reset.requested`."""

    user = ma.fields.Nested(_ResetUser, required=True)
    # Only web links: the URL ends up in an href.
    reset_url = ma.fields.Url(required=True, schemes={"http", "https"}, require_tld=False)
    expires_at = ma.fields.DateTime(required=True)


_password_reset_requested = PasswordResetRequestedSchema()


def password_reset_addressees(data: dict) -> list[Addressee]:
    event = _password_reset_requested.load(data)
    user = event["user"]
    name = user["name"] or ""
    context = {"name": name, "reset_url": event["reset_url"], "expires_at": event["expires_at"]}
    return [
        Addressee(
            user["email"], name, context, user["locale"], user["id"], time_zone=user["time_zone"]
        )
    ]


class _Matter(_Loose):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(["contract", "case"]))
    reference = ma.fields.String(required=True)
    title = ma.fields.String(load_default="", allow_none=True)
    company_name = ma.fields.String(load_default="", allow_none=True)


class _Person(_Loose):
    user_id = ma.fields.String(load_default=None, allow_none=True)
    email = ma.fields.String(required=True)
    name = ma.fields.String(load_default="", allow_none=True)
    locale = ma.fields.String(load_default=None, allow_none=True)


class _SharedWith(_Person):
    as_ = ma.fields.String(
        data_key="as", required=True, validate=ma.validate.OneOf(["requester", "watcher"])
    )


class _Collaborator(_Person):
    role = ma.fields.String(required=True, validate=ma.validate.OneOf(["approver", "signee"]))


class _SignedDocument(_Loose):
    name = ma.fields.String(required=True)
    sha256 = ma.fields.String(required=True)


def _portal_url() -> ma.fields.Url:
    # Only web links: the URL ends up in an href.
    return ma.fields.Url(required=True, schemes={"http", "https"}, require_tld=False)


class MatterPublishedSchema(_Loose):
    """What the e-mails need from `sharing.matter.published`."""

    matter = ma.fields.Nested(_Matter, required=True)
    portal_url = _portal_url()
    shared_with = ma.fields.List(ma.fields.Nested(_SharedWith), load_default=list)


class CollaboratorAddedSchema(_Loose):
    """What the e-mail needs from `sharing.collaborator.added`."""

    matter = ma.fields.Nested(_Matter, required=True)
    portal_url = _portal_url()
    collaborator = ma.fields.Nested(_Collaborator, required=True)


class ApprovalDecidedSchema(_Loose):
    """What the e-mails need from `sharing.approval.decided`."""

    matter = ma.fields.Nested(_Matter, required=True)
    collaborator = ma.fields.Nested(_Collaborator, required=True)
    decision = ma.fields.String(required=True, validate=ma.validate.OneOf(["approved", "rejected"]))
    comment = ma.fields.String(load_default="", allow_none=True)
    decided_at = ma.fields.DateTime(required=True)
    notify = ma.fields.List(ma.fields.Nested(_Person), load_default=list)


class SignatureSignedSchema(_Loose):
    """What the e-mails need from `sharing.signature.signed`."""

    matter = ma.fields.Nested(_Matter, required=True)
    collaborator = ma.fields.Nested(_Collaborator, required=True)
    full_name = ma.fields.String(required=True)
    signed_at = ma.fields.DateTime(required=True)
    documents = ma.fields.List(ma.fields.Nested(_SignedDocument), load_default=list)
    notify = ma.fields.List(ma.fields.Nested(_Person), load_default=list)


_matter_published = MatterPublishedSchema()
_collaborator_added = CollaboratorAddedSchema()
_approval_decided = ApprovalDecidedSchema()
_signature_signed = SignatureSignedSchema()


def _matter_context(matter: dict) -> dict:
    return {
        "kind": matter["kind"],
        "reference": matter["reference"],
        "title": matter["title"] or "",
        "company_name": matter["company_name"] or "",
    }


def _to(person: dict, context: dict) -> Addressee:
    name = person["name"] or ""
    context = {**context, "name": name}
    return Addressee(person["email"], name, context, person["locale"], user_id=person["user_id"])


def matter_published_addressees(data: dict) -> list[Addressee]:
    event = _matter_published.load(data)
    context = {**_matter_context(event["matter"]), "portal_url": event["portal_url"]}
    return [_to(person, {**context, "shared_as": person["as_"]}) for person in event["shared_with"]]


def collaborator_added_addressees(data: dict) -> list[Addressee]:
    event = _collaborator_added.load(data)
    collaborator = event["collaborator"]
    context = {
        **_matter_context(event["matter"]),
        "portal_url": event["portal_url"],
        "role": collaborator["role"],
    }
    return [_to(collaborator, context)]


def _actor(collaborator: dict) -> dict:
    """Who acted, as staff read it: their name (else their address) and their address."""
    return {
        "actor": collaborator["name"] or collaborator["email"],
        "actor_email": collaborator["email"],
    }


def approval_decided_addressees(data: dict) -> list[Addressee]:
    event = _approval_decided.load(data)
    context = {
        **_matter_context(event["matter"]),
        **_actor(event["collaborator"]),
        "decision": event["decision"],
        "comment": (event["comment"] or "").strip(),
        "decided_at": event["decided_at"],
    }
    return [_to(person, context) for person in event["notify"]]


def signature_signed_addressees(data: dict) -> list[Addressee]:
    event = _signature_signed.load(data)
    context = {
        **_matter_context(event["matter"]),
        **_actor(event["collaborator"]),
        "full_name": event["full_name"],
        "signed_at": event["signed_at"],
        "documents": event["documents"],
    }
    return [_to(person, context) for person in event["notify"]]


NOTIFICATIONS: dict[str, Notification] = {
    "identity.invitation.sent": Notification("invitation", invitation_addressees),
    "identity.password_reset.requested": Notification(
        "password_reset", password_reset_addressees, secret_fields=("reset_url",)
    ),
    "sharing.matter.published": Notification(
        "matter_shared", matter_published_addressees, after_invitation=True
    ),
    "sharing.collaborator.added": Notification(
        "collaboration_requested", collaborator_added_addressees, after_invitation=True
    ),
    "sharing.approval.decided": Notification("approval_decided", approval_decided_addressees),
    "sharing.signature.signed": Notification("signature_signed", signature_signed_addressees),
}
