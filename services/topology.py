"""Who subscribes to what: the event types each service's worker consumes, as data.

Each service's HANDLERS (its handlers.py) is where a subscription is made; this copy lets a
worker's relay declare every queue and binding without importing the five other services
(which cost each worker process about 30 MiB). tests/contract/test_topology.py keeps the two
equal: add an event type to both.
"""

from __future__ import annotations

SERVICES = ("identity", "sharing", "documents", "interventions", "onboarding", "mailer")

SUBSCRIPTIONS: dict[str, tuple[str, ...]] = {
    "identity": ("onboarding.access_request.completed",),
    "sharing": (
        "documents.document.uploaded_by_client",
        "identity.company.created",
        "identity.company.updated",
        "identity.membership.changed",
        "identity.user.created",
        "identity.user.updated",
    ),
    "documents": (
        "identity.link.revoked",
        "identity.user.created",
        "identity.user.updated",
        "interventions.intervention.created",
        "interventions.intervention.status_changed",
        "interventions.portal_options.changed",
        "sharing.audience.changed",
    ),
    "interventions": (
        "identity.company.created",
        "identity.company.updated",
        "identity.link.revoked",
    ),
    "onboarding": (
        "identity.company.created",
        "identity.company.updated",
        "identity.membership.changed",
        "identity.user.created",
        "identity.user.updated",
    ),
    "mailer": (
        "documents.shared",
        "identity.invitation.sent",
        "identity.link.issued",
        "identity.password_reset.requested",
        "identity.user.created",
        "identity.user.updated",
        "interventions.intervention.created",
        "interventions.intervention.status_changed",
        "mailer.email.deferred",
        "mailer.email.released",
        "mailer.email.resend_requested",
        "onboarding.additional_contact.added",
        "onboarding.resume_link.issued",
        "sharing.approval.decided",
        "sharing.client_activity",
        "sharing.collaborator.added",
        "sharing.matter.published",
        "sharing.signature.signed",
    ),
}


def subscriptions() -> dict[str, list[str]]:
    return {service: list(keys) for service, keys in SUBSCRIPTIONS.items()}
