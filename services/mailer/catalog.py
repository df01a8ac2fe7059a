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


@dataclass(frozen=True)
class Notification:
    template: str
    addressees: Callable[[dict], list[Addressee]]


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


NOTIFICATIONS: dict[str, Notification] = {
    "identity.invitation.sent": Notification("invitation", invitation_addressees),
}
