"""Which events become e-mails: event type -> template, and who receives it with what context.

To add an e-mail: write `templates/<template>/<locale>.{subject.txt,txt,html}` for every locale
and add one entry to NOTIFICATIONS whose function turns the event's data into addressees
(load only what the template needs, with a small schema that ignores the rest).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

import marshmallow as ma
from flask import current_app

from services.common.sealing import SealingError, unseal

log = logging.getLogger(__name__)


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
    # Event data fields holding a one-time secret link (sealed): not kept in the e-mail log, not
    # even sealed, and so the e-mail is never resent (the person asks for a new link).
    secret_fields: tuple[str, ...] = ()


class _Loose(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE


# Only web links: the URL ends up in an href.
_web_link = ma.validate.URL(schemes={"http", "https"}, require_tld=False)


class SealedLink(ma.fields.String):
    """A link its producer sealed for the mailer alone (services/common/sealing.py), loaded
    opened. It is opened only here, to render the e-mail: the log keeps the sealed form."""

    def _deserialize(self, value: object, attr: str | None, data: object, **kwargs: object) -> str:
        try:
            link = unseal(super()._deserialize(value, attr, data, **kwargs))
        except SealingError as exc:
            raise ma.ValidationError(str(exc)) from exc
        _web_link(link)
        return link


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
    # The accept link; the log keeps it sealed (invitation_links.py forgets it once dead).
    sealed_url = SealedLink(required=True)
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
        "accept_url": invitation["sealed_url"],
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
    sealed_url = SealedLink(required=True)
    expires_at = ma.fields.DateTime(required=True)


_password_reset_requested = PasswordResetRequestedSchema()


def password_reset_addressees(data: dict) -> list[Addressee]:
    event = _password_reset_requested.load(data)
    user = event["user"]
    name = user["name"] or ""
    context = {"name": name, "reset_url": event["sealed_url"], "expires_at": event["expires_at"]}
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


class _OnboardingContact(_Loose):
    email = ma.fields.String(required=True)
    name = ma.fields.String(load_default="", allow_none=True)
    locale = ma.fields.String(load_default=None, allow_none=True)


class ResumeLinkIssuedSchema(_Loose):
    """What the e-mail needs from `onboarding.resume_link.issued`."""

    group = ma.fields.Nested(_Named, required=True)
    contact = ma.fields.Nested(_OnboardingContact, required=True)
    sealed_url = SealedLink(required=True)
    expires_at = ma.fields.DateTime(required=True)


class _Primary(_OnboardingContact):
    user_id = ma.fields.String(load_default=None, allow_none=True)
    time_zone = ma.fields.String(load_default=None, allow_none=True)


class AdditionalContactAddedSchema(_Loose):
    """What the e-mail needs from `onboarding.additional_contact.added`."""

    primary = ma.fields.Nested(_Primary, required=True)
    secondary = ma.fields.Nested(_OnboardingContact, required=True)
    company = ma.fields.Nested(_Named, required=True)
    message = ma.fields.String(load_default="", allow_none=True)


_resume_link_issued = ResumeLinkIssuedSchema()
_additional_contact_added = AdditionalContactAddedSchema()


def resume_link_addressees(data: dict) -> list[Addressee]:
    event = _resume_link_issued.load(data)
    contact = event["contact"]
    name = contact["name"] or ""
    context = {
        "name": name,
        "group": event["group"]["name"],
        "resume_url": event["sealed_url"],
        "expires_at": event["expires_at"],
    }
    return [Addressee(contact["email"], name, context, contact["locale"])]


def additional_contact_addressees(data: dict) -> list[Addressee]:
    event = _additional_contact_added.load(data)
    primary, secondary = event["primary"], event["secondary"]
    name = primary["name"] or ""
    context = {
        "name": name,
        "company_name": event["company"]["name"],
        "secondary_name": secondary["name"] or secondary["email"],
        "secondary_email": secondary["email"],
        "message": (event["message"] or "").strip(),
    }
    return [
        Addressee(
            primary["email"],
            name,
            context,
            primary["locale"],
            primary["user_id"],
            time_zone=primary["time_zone"],
        )
    ]


class _LinkContact(_Loose):
    name = ma.fields.String(load_default="", allow_none=True)
    email = ma.fields.String(required=True)


class LinkIssuedSchema(_Loose):
    """What the e-mail needs from `identity.link.issued` (sent only when staff ask for it)."""

    sealed_url = SealedLink(required=True)
    company = ma.fields.Nested(_Named, required=True)
    contact = ma.fields.Nested(_LinkContact, required=True)
    locale = ma.fields.String(load_default=None, allow_none=True)


_link_issued = LinkIssuedSchema()


def link_issued_addressees(data: dict) -> list[Addressee]:
    event = _link_issued.load(data)
    contact = event["contact"]
    name = contact["name"] or ""
    context = {"name": name, "company_name": event["company"]["name"], "url": event["sealed_url"]}
    return [Addressee(contact["email"], name, context, event["locale"])]


class _Address(_Loose):
    line1 = ma.fields.String(load_default=None, allow_none=True)
    line2 = ma.fields.String(load_default=None, allow_none=True)
    postal_code = ma.fields.String(load_default=None, allow_none=True)
    city = ma.fields.String(load_default=None, allow_none=True)
    country = ma.fields.String(load_default=None, allow_none=True)


class _Contact(_Loose):
    name = ma.fields.String(load_default=None, allow_none=True)
    email = ma.fields.String(load_default=None, allow_none=True)
    phone = ma.fields.String(load_default=None, allow_none=True)


class _Intervention(_Loose):
    number = ma.fields.String(required=True)
    company = ma.fields.Nested(_Named, required=True)
    site = ma.fields.Nested(_Named, load_default=None, allow_none=True)
    type = ma.fields.Nested(_Named, load_default=None, allow_none=True)
    description = ma.fields.String(required=True)
    scheduled_at = ma.fields.DateTime(load_default=None, allow_none=True)
    technician = ma.fields.String(load_default=None, allow_none=True)
    address = ma.fields.Nested(_Address, load_default=dict)
    contact = ma.fields.Nested(_Contact, load_default=dict)
    locale = ma.fields.String(load_default=None, allow_none=True)
    url = _portal_url()


class InterventionEventSchema(_Loose):
    """What the e-mails need from `interventions.intervention.created` / `.status_changed`."""

    intervention = ma.fields.Nested(_Intervention, required=True)
    to = ma.fields.String(load_default=None)


_intervention_event = InterventionEventSchema()
# The moves a customer's contact hears about.
CONTACT_TOLD = ("scheduled", "completed")


def _intervention_context(item: dict) -> dict:
    address = item["address"]
    lines = [address.get("line1"), address.get("line2")]
    lines.append(" ".join(p for p in (address.get("postal_code"), address.get("city")) if p))
    lines.append(address.get("country"))
    contact = item["contact"]
    return {
        "number": item["number"],
        "company_name": item["company"]["name"],
        "site_name": item["site"]["name"] if item["site"] else "",
        "type_name": item["type"]["name"] if item["type"] else "",
        "description": item["description"],
        "address": ", ".join(line for line in lines if line),
        "contact_name": contact.get("name") or "",
        "contact_email": contact.get("email") or "",
        "contact_phone": contact.get("phone") or "",
        "scheduled_at": item["scheduled_at"],
        "technician": item["technician"] or "",
        "url": item["url"],
    }


def intervention_created_addressees(data: dict) -> list[Addressee]:
    """The firm's dispatch address (MAIL_DISPATCH_ADDRESS), when the firm has set one."""
    dispatch = current_app.config["MAIL_DISPATCH_ADDRESS"]
    if not dispatch:
        return []
    item = _intervention_event.load(data)["intervention"]
    context = {**_intervention_context(item), "name": ""}
    return [Addressee(dispatch, "", context, current_app.config["MAIL_DISPATCH_LOCALE"])]


def intervention_status_addressees(data: dict) -> list[Addressee]:
    """The intervention's contact, in the intervention's language, when it is scheduled or done."""
    event = _intervention_event.load(data)
    item = event["intervention"]
    email = item["contact"].get("email")
    if event["to"] not in CONTACT_TOLD or not email:
        return []
    name = item["contact"].get("name") or ""
    context = {**_intervention_context(item), "name": name, "status": event["to"]}
    return [Addressee(email, name, context, item["locale"])]


class _DocumentName(_Loose):
    id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)


class DocumentsSharedSchema(_Loose):
    """What the e-mail needs from `documents.shared` (one contact, one save)."""

    user_id = ma.fields.String(required=True)
    documents = ma.fields.List(ma.fields.Nested(_DocumentName), required=True)
    portal_url = _portal_url()


_documents_shared = DocumentsSharedSchema()


def documents_shared_addressees(data: dict) -> list[Addressee]:
    """The contact as the recipients replica knows them (documents knows only their id)."""
    from .models import Recipient, db  # the replica is filled from identity's events

    event = _documents_shared.load(data)
    recipient = db.session.get(Recipient, event["user_id"])
    if recipient is None or not recipient.email or not event["documents"]:
        # identity's user event has not reached the mailer: nobody to write to (yet).
        log.warning("documents.shared for user %s: no address known, no e-mail", event["user_id"])
        return []
    context = {
        "name": recipient.name or "",
        "documents": [d["name"] for d in event["documents"]],
        "portal_url": event["portal_url"],
    }
    return [Addressee(recipient.email, recipient.name or "", context, user_id=recipient.user_id)]


class _ActivityDocument(_Loose):
    name = ma.fields.String(required=True)


class ClientActivitySchema(_Loose):
    """What the e-mail needs from `sharing.client_activity`."""

    matter = ma.fields.Nested(_Matter, required=True)
    activity = ma.fields.String(required=True, validate=ma.validate.OneOf(["document_uploaded"]))
    client = ma.fields.Nested(_Person, required=True)
    document = ma.fields.Nested(_ActivityDocument, required=True)
    replaces = ma.fields.Nested(_ActivityDocument, load_default=None, allow_none=True)
    at = ma.fields.DateTime(required=True)
    notify = ma.fields.List(ma.fields.Nested(_Person), load_default=list)


_client_activity = ClientActivitySchema()


def client_activity_addressees(data: dict) -> list[Addressee]:
    event = _client_activity.load(data)
    context = {
        **_matter_context(event["matter"]),
        **_actor(event["client"]),
        "document": event["document"]["name"],
        "replaces": event["replaces"]["name"] if event["replaces"] else "",
        "at": event["at"],
    }
    return [_to(person, context) for person in event["notify"]]


NOTIFICATIONS: dict[str, Notification] = {
    "onboarding.resume_link.issued": Notification(
        "onboarding_resume", resume_link_addressees, secret_fields=("sealed_url",)
    ),
    "onboarding.additional_contact.added": Notification(
        "additional_contact", additional_contact_addressees
    ),
    "identity.link.issued": Notification(
        "secure_link", link_issued_addressees, secret_fields=("sealed_url",)
    ),
    "interventions.intervention.created": Notification(
        "intervention_requested", intervention_created_addressees
    ),
    "interventions.intervention.status_changed": Notification(
        "intervention_status", intervention_status_addressees
    ),
    "identity.invitation.sent": Notification("invitation", invitation_addressees),
    "identity.password_reset.requested": Notification(
        "password_reset", password_reset_addressees, secret_fields=("sealed_url",)
    ),
    "sharing.matter.published": Notification(
        "matter_shared", matter_published_addressees, after_invitation=True
    ),
    "sharing.collaborator.added": Notification(
        "collaboration_requested", collaborator_added_addressees, after_invitation=True
    ),
    "sharing.approval.decided": Notification("approval_decided", approval_decided_addressees),
    "sharing.signature.signed": Notification("signature_signed", signature_signed_addressees),
    "documents.shared": Notification("documents_shared", documents_shared_addressees),
    "sharing.client_activity": Notification("client_activity", client_activity_addressees),
}
