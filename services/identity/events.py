"""The events identity publishes; this module is their contract (other services consume them).

Each type's `data` is dumped through its schema below (services/common/events.EventType): the
schema is what services/contract.py publishes as the AsyncAPI document and the released
schemas. Links carrying a live token travel sealed for the mailer alone (sealing.py).
"""

from __future__ import annotations

from marshmallow import fields

from services.common.events import Event, EventSchema, EventType, iso, timestamp
from services.common.sealing import seal

from .models import (
    MEMBER_ROLES,
    USER_KINDS,
    USER_STATUSES,
    Company,
    Invitation,
    Membership,
    PasswordReset,
    SecureLink,
    User,
)
from .versions import next_version


def _nullable(description: str) -> fields.String:
    return fields.String(required=True, allow_none=True, metadata={"description": description})


class AddressSchema(EventSchema):
    line1 = _nullable("")
    line2 = _nullable("")
    postal_code = _nullable("")
    city = _nullable("")
    country = _nullable("ISO 3166-1 alpha-2 code")


class CompanyContactSchema(EventSchema):
    name = _nullable("the company's contact person")
    email = _nullable("")
    phone = _nullable("")


class CompanySettingsSchema(EventSchema):
    members_see_each_other = fields.Boolean(required=True)


class CompanySchema(EventSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)
    number = _nullable("the firm's customer number")
    tax_id = _nullable("")
    address = fields.Nested(AddressSchema, required=True)
    contact = fields.Nested(CompanyContactSchema, required=True)
    extra_info = _nullable("")
    customer_group_id = _nullable("the onboarding customer group it belongs to")
    settings = fields.Nested(CompanySettingsSchema, required=True)
    version = fields.Integer(
        required=True, metadata={"description": "grows with each change: apply only a newer one"}
    )


class UserSchema(EventSchema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    locale = fields.String(required=True)
    time_zone = _nullable("IANA name, or null for the firm's default (PORTAL_TIME_ZONE)")
    kind = fields.String(required=True, metadata={"enum": list(USER_KINDS)})
    role = _nullable("staff only: admin or agent")
    status = fields.String(required=True, metadata={"enum": list(USER_STATUSES)})
    version = fields.Integer(
        required=True, metadata={"description": "grows with each change: apply only a newer one"}
    )


class PersonSchema(EventSchema):
    id = fields.String(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    locale = fields.String(required=True)
    time_zone = _nullable("IANA name, or null for the firm's default")


class VersionedPersonSchema(PersonSchema):
    version = fields.Integer(required=True, metadata={"description": "the user's own version"})


class MembershipChangedSchema(EventSchema):
    user_id = fields.String(required=True)
    company_id = fields.String(required=True)
    role = fields.String(required=True, metadata={"enum": list(MEMBER_ROLES)})
    active = fields.Boolean(required=True)
    version = fields.Integer(required=True, metadata={"description": "the membership's version"})
    user = fields.Nested(
        VersionedPersonSchema,
        required=True,
        metadata={"description": "fill contact details in only if none newer are known"},
    )


class NamedSchema(EventSchema):
    id = fields.String(required=True)
    name = fields.String(required=True)


def sealed_url(what: str) -> fields.String:
    return fields.String(
        required=True,
        metadata={
            "description": f"{what}, sealed for the mailer alone (Fernet under MAIL_LINK_KEYS): "
            "opaque to every other consumer, never a usable link"
        },
    )


class InvitationSentSchema(EventSchema):
    invitation_id = fields.String(required=True)
    email = fields.String(
        required=True,
        metadata={"description": "the address invited: valid only while it is the user's"},
    )
    user = fields.Nested(PersonSchema, required=True)
    sealed_url = sealed_url("The link accepting the invitation")
    expires_at = timestamp("when the invitation link stops working", required=True)
    invited_by = fields.Nested(NamedSchema, required=True, allow_none=True)
    companies = fields.List(fields.Nested(NamedSchema), required=True)


class PasswordResetRequestedSchema(EventSchema):
    user = fields.Nested(PersonSchema, required=True)
    sealed_url = sealed_url("The link choosing a new password")
    expires_at = timestamp("when the reset link stops working", required=True)


class LinkScopeSchema(EventSchema):
    type = fields.String(required=True, metadata={"description": "what the link opens"})
    id = fields.String(required=True)


class LinkSchema(EventSchema):
    id = fields.String(required=True)
    company_id = fields.String(required=True)
    scope = fields.Nested(LinkScopeSchema, required=True)
    expires_at = timestamp("null: it does not expire", required=True, allow_none=True)


class LinkContactSchema(EventSchema):
    name = _nullable("")
    email = _nullable("")


class LinkIssuedSchema(EventSchema):
    link = fields.Nested(LinkSchema, required=True)
    sealed_url = sealed_url("The secure link")
    company = fields.Nested(NamedSchema, required=True)
    contact = fields.Nested(LinkContactSchema, required=True)
    locale = fields.String(required=True, metadata={"description": "the e-mail's language"})


COMPANY_CREATED = EventType(
    "identity.company.created",
    CompanySchema,
    "Staff created a customer company (or onboarding completed one).",
    "the company's id",
)
COMPANY_UPDATED = EventType(
    "identity.company.updated",
    CompanySchema,
    "A company's details or settings changed; carries the whole company.",
    "the company's id",
)
USER_CREATED = EventType(
    "identity.user.created",
    UserSchema,
    "A user (staff or portal contact) was created.",
    "the user's id",
)
USER_UPDATED = EventType(
    "identity.user.updated",
    UserSchema,
    "A user changed (details, status: accepted an invitation, disabled, enabled); the whole user.",
    "the user's id",
)
MEMBERSHIP_CHANGED = EventType(
    "identity.membership.changed",
    MembershipChangedSchema,
    "A user's membership of a company was added, changed or ended (`active`).",
    "the user's id",
)
INVITATION_SENT = EventType(
    "identity.invitation.sent",
    InvitationSentSchema,
    "Staff invited a portal user; the mailer e-mails the sealed accept link.",
    "the user's id",
)
PASSWORD_RESET_REQUESTED = EventType(
    "identity.password_reset.requested",
    PasswordResetRequestedSchema,
    "Someone asked for a password reset of an existing account; the mailer e-mails the link.",
    "the user's id",
)
LINK_ISSUED = EventType(
    "identity.link.issued",
    LinkIssuedSchema,
    "Staff issued a secure link and asked for it to be e-mailed to the company's contact.",
    "the secure link's id",
)
LINK_REVOKED = EventType(
    "identity.link.revoked",
    LinkSchema,
    "Staff revoked a secure link: it opens nothing from now on.",
    "the secure link's id",
)
PUBLISHED = (
    COMPANY_CREATED,
    COMPANY_UPDATED,
    USER_CREATED,
    USER_UPDATED,
    MEMBERSHIP_CHANGED,
    INVITATION_SENT,
    PASSWORD_RESET_REQUESTED,
    LINK_ISSUED,
    LINK_REVOKED,
)


def company_data(company: Company) -> dict:
    """Also the answer of identity's company read-through (GET /api/v1/companies/{id})."""
    return CompanySchema().dump(
        {
            "id": company.id,
            "name": company.name,
            "number": company.number,
            "tax_id": company.tax_id,
            "address": {
                "line1": company.address_line1,
                "line2": company.address_line2,
                "postal_code": company.address_postal_code,
                "city": company.address_city,
                "country": company.address_country,
            },
            "contact": {
                "name": company.contact_name,
                "email": company.contact_email,
                "phone": company.contact_phone,
            },
            "extra_info": company.extra_info,
            "customer_group_id": company.customer_group_id,
            "settings": {"members_see_each_other": company.members_see_each_other},
            "version": company.version,
        }
    )


def user_data(user: User) -> dict:
    return UserSchema().dump(user)


def _person(user: User) -> dict:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "locale": user.locale,
        "time_zone": user.time_zone,
    }


# Building a created/updated/changed event takes the row's next version (versions.py): the
# builders below are called once per change, just before add_event.


def company_created(company: Company) -> Event:
    next_version(company)
    return COMPANY_CREATED.event(company_data(company), subject=company.id)


def company_updated(company: Company) -> Event:
    next_version(company)
    return COMPANY_UPDATED.event(company_data(company), subject=company.id)


def user_created(user: User) -> Event:
    next_version(user)
    return USER_CREATED.event(user, subject=user.id)


def user_updated(user: User) -> Event:
    next_version(user)
    return USER_UPDATED.event(user, subject=user.id)


def membership_changed(membership: Membership, user: User) -> Event:
    data = {
        "user_id": user.id,  # membership.user_id is not set before the flush
        "company_id": membership.company_id,
        "role": membership.role,
        "active": membership.active,
        "version": next_version(membership),
        # The user's own version (a user created in this transaction gets 1 at the flush): a
        # consumer fills in contact details only if it has none newer.
        "user": {**_person(user), "version": 1 if user.version is None else user.version},
    }
    return MEMBERSHIP_CHANGED.event(data, subject=user.id)


def invitation_sent(
    invitation: Invitation,
    user: User,
    accept_url: str,
    invited_by: User | None,
    companies: list[Company],
) -> Event:
    data = {
        "invitation_id": invitation.id,
        # The address the link was sent to: the invitation is valid only while it is the user's.
        "email": invitation.email,
        "user": _person(user),
        "sealed_url": seal(accept_url),
        "expires_at": iso(invitation.expires_at),
        "invited_by": {"id": invited_by.id, "name": invited_by.name} if invited_by else None,
        "companies": [{"id": c.id, "name": c.name} for c in companies],
    }
    return INVITATION_SENT.event(data, subject=user.id)


def password_reset_requested(reset: PasswordReset, user: User, reset_url: str) -> Event:
    data = {
        "user": _person(user),
        "sealed_url": seal(reset_url),
        "expires_at": iso(reset.expires_at),
    }
    return PASSWORD_RESET_REQUESTED.event(data, subject=user.id)


def _link(link: SecureLink) -> dict:
    return {
        "id": link.id,
        "company_id": link.company_id,
        "scope": {"type": link.scope_type, "id": link.scope_id},
        "expires_at": iso(link.expires_at) if link.expires_at else None,
    }


def link_issued(link: SecureLink, company: Company, url: str, locale: str) -> Event:
    """Only when staff ask for the link to be e-mailed: `url` holds the raw token, sealed."""
    data = {
        "link": _link(link),
        "sealed_url": seal(url),
        "company": {"id": company.id, "name": company.name},
        "contact": {"name": company.contact_name, "email": company.contact_email},
        "locale": locale,
    }
    return LINK_ISSUED.event(data, subject=link.id)


def link_revoked(link: SecureLink) -> Event:
    return LINK_REVOKED.event(_link(link), subject=link.id)
