"""The events sharing publishes; this module is their contract (documents and the mailer read them).
Each type's `data` is dumped through its schema below (services/common/events.EventType).

A `matter` is {id, kind, reference, title, company_id, company_name}; a person is
{user_id, email, name, locale}; timestamps are ISO 8601 UTC ("2026-05-01T09:30:00Z").
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from marshmallow import fields

from services.common.events import Event, EventSchema, EventType, iso, timestamp

from .models import Collaborator, Company, Matter, Signature, User


def _nullable(description: str = "") -> fields.String:
    return fields.String(required=True, allow_none=True, metadata={"description": description})


class MatterRefSchema(EventSchema):
    id = fields.String(required=True)
    kind = fields.String(required=True, metadata={"enum": ["contract", "case"]})
    reference = fields.String(required=True)
    title = fields.String(required=True)
    company_id = fields.String(required=True)
    company_name = fields.String(required=True)


class PersonSchema(EventSchema):
    user_id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    locale = _nullable("null: unknown (the firm's default applies)")


class SharedWithSchema(PersonSchema):
    as_ = fields.String(required=True, data_key="as", metadata={"enum": ["requester", "watcher"]})


class CollaboratorSchema(PersonSchema):
    id = fields.String(required=True, metadata={"description": "the collaboration's id"})
    role = fields.String(required=True, metadata={"enum": ["approver", "signee"]})


def _portal_url() -> fields.String:
    return fields.String(
        required=True, metadata={"description": "the matter in the portal (sign-in required)"}
    )


def _notify() -> fields.List:
    return fields.List(
        fields.Nested(PersonSchema),
        required=True,
        metadata={"description": "the staff who follow the matter"},
    )


class AudienceEntrySchema(EventSchema):
    user_id = fields.String(required=True)
    reasons = fields.List(fields.String(), required=True)


class AudienceChangedSchema(EventSchema):
    matter_id = fields.String(required=True)
    company_id = fields.String(required=True)
    visible = fields.Boolean(required=True)
    attachments_visible_by_default = fields.Boolean(required=True)
    version = fields.Integer(
        required=True, metadata={"description": "grows with each change: apply only a newer one"}
    )
    audience = fields.List(fields.Nested(AudienceEntrySchema), required=True)


class MatterPublishedSchema(EventSchema):
    matter = fields.Nested(MatterRefSchema, required=True)
    portal_url = _portal_url()
    shared_with = fields.List(fields.Nested(SharedWithSchema), required=True)


class MatterUnpublishedSchema(EventSchema):
    matter = fields.Nested(MatterRefSchema, required=True)


class CollaboratorAddedSchema(EventSchema):
    matter = fields.Nested(MatterRefSchema, required=True)
    portal_url = _portal_url()
    collaborator = fields.Nested(CollaboratorSchema, required=True)


class ApprovalDecidedSchema(EventSchema):
    matter = fields.Nested(MatterRefSchema, required=True)
    collaborator = fields.Nested(CollaboratorSchema, required=True)
    decision = fields.String(required=True, metadata={"enum": ["approved", "rejected"]})
    comment = _nullable()
    decided_at = timestamp("", required=True)
    notify = _notify()


class SignedDocumentSchema(EventSchema):
    document_id = fields.String(required=True)
    name = fields.String(required=True)
    sha256 = fields.String(required=True, metadata={"description": "of the version signed"})


class SignatureSignedSchema(EventSchema):
    matter = fields.Nested(MatterRefSchema, required=True)
    collaborator = fields.Nested(CollaboratorSchema, required=True)
    full_name = fields.String(required=True, metadata={"description": "as the signee typed it"})
    signed_at = timestamp("", required=True)
    documents = fields.List(fields.Nested(SignedDocumentSchema), required=True)
    notify = _notify()


class ActivityDocumentSchema(EventSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    size = fields.Integer(required=True, metadata={"description": "bytes"})


class ReplacedDocumentSchema(EventSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)


class ClientActivitySchema(EventSchema):
    matter = fields.Nested(MatterRefSchema, required=True)
    activity = fields.String(required=True, metadata={"enum": ["document_uploaded"]})
    client = fields.Nested(PersonSchema, required=True)
    document = fields.Nested(ActivityDocumentSchema, required=True)
    replaces = fields.Nested(
        ReplacedDocumentSchema,
        required=True,
        allow_none=True,
        metadata={"description": "the shared document it updates, if any"},
    )
    at = timestamp("when the client did it", required=True)
    notify = _notify()


def _matter_type(name: str, schema: type, description: str) -> EventType:
    return EventType(name, schema, description, "the matter's id")


AUDIENCE_CHANGED = _matter_type(
    "sharing.audience.changed",
    AudienceChangedSchema,
    "Who may see a matter changed; carries the whole audience (replace, don't merge).",
)
MATTER_PUBLISHED = _matter_type(
    "sharing.matter.published",
    MatterPublishedSchema,
    "A matter was made visible to its client, or gained requesters or watchers.",
)
MATTER_UNPUBLISHED = _matter_type(
    "sharing.matter.unpublished", MatterUnpublishedSchema, "A matter was hidden from its client."
)
COLLABORATOR_ADDED = _matter_type(
    "sharing.collaborator.added",
    CollaboratorAddedSchema,
    "A client contact was asked to approve or sign a visible matter.",
)
APPROVAL_DECIDED = _matter_type(
    "sharing.approval.decided",
    ApprovalDecidedSchema,
    "An approver approved or rejected a matter.",
)
SIGNATURE_SIGNED = _matter_type(
    "sharing.signature.signed", SignatureSignedSchema, "A signee signed a matter's documents."
)
CLIENT_ACTIVITY = _matter_type(
    "sharing.client_activity",
    ClientActivitySchema,
    "A client contact did something on a matter (uploaded a document), for the staff following it.",
)
PUBLISHED = (
    AUDIENCE_CHANGED,
    MATTER_PUBLISHED,
    MATTER_UNPUBLISHED,
    COLLABORATOR_ADDED,
    APPROVAL_DECIDED,
    SIGNATURE_SIGNED,
    CLIENT_ACTIVITY,
)


def matter_ref(matter: Matter, company: Company) -> dict:
    return {
        "id": matter.id,
        "kind": matter.kind,
        "reference": matter.reference,
        "title": matter.title,
        "company_id": matter.company_id,
        "company_name": company.name,
    }


def person(user: User) -> dict:
    return {"user_id": user.id, "email": user.email, "name": user.name, "locale": user.locale}


def portal_url(matter: Matter) -> str:
    return f"{current_app.config['PORTAL_WEB_URL']}/matters/{matter.id}"


def _collaborator(collaborator: Collaborator, user: User) -> dict:
    return {**person(user), "id": collaborator.id, "role": collaborator.role}


def audience_changed(matter: Matter, audience: dict[str, list[str]]) -> Event:
    """The full audience each time: documents replaces its replica of the matter from it."""
    return AUDIENCE_CHANGED.event(audience_data(matter, audience), subject=matter.id)


def audience_data(matter: Matter, audience: dict[str, list[str]]) -> dict:
    """Also the answer of GET /api/v1/matters/{id}/audience (a replica's read-through)."""
    return {
        "matter_id": matter.id,
        "company_id": matter.company_id,
        "visible": matter.visible,
        "attachments_visible_by_default": matter.attachments_visible_by_default,
        "version": matter.audience_version,
        "audience": [
            {"user_id": user_id, "reasons": reasons}
            for user_id, reasons in sorted(audience.items())
        ],
    }


def matter_published(
    matter: Matter, company: Company, shared_with: Iterable[tuple[User, str]]
) -> Event:
    """To the people who just got access as requester or watcher (`as` says which)."""
    data = {
        "matter": matter_ref(matter, company),
        "portal_url": portal_url(matter),
        "shared_with": [{**person(user), "as_": role} for user, role in shared_with],
    }
    return MATTER_PUBLISHED.event(data, subject=matter.id)


def matter_unpublished(matter: Matter, company: Company) -> Event:
    return MATTER_UNPUBLISHED.event({"matter": matter_ref(matter, company)}, subject=matter.id)


def collaborator_added(
    matter: Matter, company: Company, collaborator: Collaborator, user: User
) -> Event:
    data = {
        "matter": matter_ref(matter, company),
        "portal_url": portal_url(matter),
        "collaborator": _collaborator(collaborator, user),
    }
    return COLLABORATOR_ADDED.event(data, subject=matter.id)


def approval_decided(
    matter: Matter,
    company: Company,
    collaborator: Collaborator,
    user: User,
    notify: Iterable[User],
) -> Event:
    data = {
        "matter": matter_ref(matter, company),
        "collaborator": _collaborator(collaborator, user),
        "decision": collaborator.status,
        "comment": collaborator.comment,
        "decided_at": iso(collaborator.decided_at),
        "notify": [person(staff) for staff in notify],
    }
    return APPROVAL_DECIDED.event(data, subject=matter.id)


def signature_signed(
    matter: Matter,
    company: Company,
    collaborator: Collaborator,
    user: User,
    signature: Signature,
    notify: Iterable[User],
) -> Event:
    data = {
        "matter": matter_ref(matter, company),
        "collaborator": _collaborator(collaborator, user),
        "full_name": signature.full_name,
        "signed_at": iso(signature.signed_at),
        "documents": [
            {"document_id": d["document_id"], "name": d["name"], "sha256": d["sha256"]}
            for d in signature.documents
        ],
        "notify": [person(staff) for staff in notify],
    }
    return SIGNATURE_SIGNED.event(data, subject=matter.id)


def client_activity(
    matter: Matter,
    company: Company,
    activity: str,
    client: dict,
    document: dict,
    replaces: dict | None,
    at: str,
    notify: Iterable[User],
) -> Event:
    """Something a client contact did on a matter, for the staff who follow it (`notify`):
    `activity` is "document_uploaded"; `replaces` the shared document it updates, if any."""
    data = {
        "matter": matter_ref(matter, company),
        "activity": activity,
        "client": client,
        "document": document,
        "replaces": replaces,
        "at": at,
        "notify": [person(staff) for staff in notify],
    }
    return CLIENT_ACTIVITY.event(data, subject=matter.id)
