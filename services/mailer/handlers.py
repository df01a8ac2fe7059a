"""Events the mailer consumes: event type -> handlers (this also makes the bindings)."""

from . import invitation_first, invitation_links
from .catalog import NOTIFICATIONS
from .delivery import deliver
from .events import EMAIL_DEFERRED, EMAIL_RELEASED, RESEND_REQUESTED
from .recipients import on_user_changed

HANDLERS: dict = {
    "identity.user.created": [
        invitation_links.on_user_changed,
        on_user_changed,
        invitation_first.on_user_changed,
    ],
    "identity.user.updated": [
        invitation_links.on_user_changed,
        on_user_changed,
        invitation_first.on_user_changed,
    ],
    RESEND_REQUESTED: [deliver],
    EMAIL_DEFERRED: [deliver],
    EMAIL_RELEASED: [deliver],
    **{event_type: [deliver] for event_type in NOTIFICATIONS},
}
