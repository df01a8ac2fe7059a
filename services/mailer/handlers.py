"""Events the mailer consumes: event type -> handlers (this also makes the bindings)."""

from . import invitation_first, invitation_links
from .catalog import NOTIFICATIONS
from .delivery import deliver
from .events import EMAIL_DEFERRED, EMAIL_RELEASED, RESEND_REQUESTED
from .recipients import on_user_changed

HANDLERS: dict = {
    "identity.user.created": [
        invitation_links.forget_voided_links,
        on_user_changed,
        invitation_first.release_when_active,
    ],
    "identity.user.updated": [
        invitation_links.forget_voided_links,
        on_user_changed,
        invitation_first.release_when_active,
    ],
    RESEND_REQUESTED: [deliver],
    EMAIL_DEFERRED: [deliver],
    EMAIL_RELEASED: [deliver],
    **{event_type: [deliver] for event_type in NOTIFICATIONS},
}
