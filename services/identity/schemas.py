"""Request and response schemas of the identity API (unknown fields are refused: RAISE)."""

from __future__ import annotations

import functools
import zoneinfo

import marshmallow as ma
from marshmallow import ValidationError, fields, validate, validates_schema

from services.common.models import ID_PATTERN
from services.common.openapi_fields import NO_CONTROL_CHARACTERS
from services.common.pagination import PageQuerySchema, page_schema

from .models import LOCALES, MEMBER_ROLES, STAFF_ROLES, USER_KINDS


class _Trimmed:
    """Mixin for string fields: surrounding blanks trimmed; a blank optional value means none."""

    def _deserialize(self, value, attr, data, **kwargs) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        # PostgreSQL refuses NUL in text, and no person types control characters.
        if any(ord(char) < 32 and char not in "\t\n\r" for char in text):
            raise ValidationError("Must not contain control characters.")
        return None if text == "" and self.allow_none else text

    def _validate(self, value: str | None) -> None:
        if value is not None:  # a blank turned into None has nothing left to check
            super()._validate(value)


class Text(_Trimmed, fields.String):
    """A trimmed string."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        # The refusal of control characters, told to clients in the OpenAPI document.
        self.metadata = {"pattern": NO_CONTROL_CHARACTERS, **self.metadata}


class EmailAddress(_Trimmed, fields.Email):
    """An e-mail address, stored lower case so that uniqueness ignores case."""

    def _deserialize(self, value, attr, data, **kwargs) -> str | None:
        text = super()._deserialize(value, attr, data, **kwargs)
        return text.lower() if text is not None else None


def text(max_len: int, *, required: bool = False, optional: bool = True, **kwargs) -> Text:
    """A trimmed string of at most `max_len` characters; `optional` ones accept null."""
    low = 1 if required or not optional else 0
    return Text(
        required=required,
        allow_none=optional and not required,
        validate=validate.Length(min=low or None, max=max_len),
        **kwargs,
    )


def ident(**kwargs) -> fields.String:
    """The id of a user or company (a UUID)."""
    return fields.String(validate=validate.Regexp(ID_PATTERN, error="Not a valid id."), **kwargs)


def email(*, required: bool = False, optional: bool = False) -> EmailAddress:
    return EmailAddress(required=required, allow_none=optional, validate=validate.Length(max=254))


def password(min_len: int = 1) -> fields.String:
    # Never trimmed: blanks are part of a password.
    return fields.String(required=True, validate=validate.Length(min=min_len, max=256))


# --- auth ---------------------------------------------------------------------------------


class LoginSchema(ma.Schema):
    email = email(required=True)
    password = password()


class RefreshSchema(ma.Schema):
    refresh_token = fields.String(required=True, validate=validate.Length(min=1, max=200))


def link_token() -> fields.String:
    """The secret of an e-mailed link (invitation, password reset)."""
    return fields.String(required=True, validate=validate.Length(min=1, max=200))


class AcceptInvitationSchema(ma.Schema):
    token = link_token()
    password = password(min_len=10)


class InspectInvitationSchema(ma.Schema):
    token = link_token()


class InviterSchema(ma.Schema):
    name = fields.String()


class InvitationCompanySchema(ma.Schema):
    id = fields.String()
    name = fields.String()


class InvitationInfoSchema(ma.Schema):
    email = fields.String()
    name = fields.String()
    invited_by = fields.Nested(InviterSchema, allow_none=True)
    companies = fields.List(fields.Nested(InvitationCompanySchema))
    expires_at = fields.DateTime()


class PasswordResetRequestSchema(ma.Schema):
    email = email(required=True)


class PasswordResetConfirmSchema(ma.Schema):
    token = link_token()
    password = password(min_len=10)


class ChangePasswordSchema(ma.Schema):
    current_password = password()
    new_password = password(min_len=10)


@functools.cache
def _time_zones() -> frozenset[str]:
    # The system's zone directory also holds files that are not zones a person lives in.
    not_zones = {"localtime", "posixrules", "Factory"}
    return frozenset(
        name
        for name in zoneinfo.available_timezones()
        if name not in not_zones and not name.startswith(("posix/", "right/"))
    )


def _known_time_zone(value: str) -> None:
    if value not in _time_zones():
        raise ValidationError(
            "Not a time zone this server knows; use an IANA name such as 'Europe/Paris'."
        )


def time_zone() -> Text:
    """A person's IANA time zone; null means the firm's default (PORTAL_TIME_ZONE)."""
    return Text(
        allow_none=True,
        validate=[validate.Length(max=64), _known_time_zone],
        metadata={"description": "IANA time zone, e.g. Europe/Paris; null: the firm's default"},
    )


class MePatchSchema(ma.Schema):
    name = text(200, optional=False)
    locale = fields.String(validate=validate.OneOf(LOCALES))
    time_zone = time_zone()


class TokenPairSchema(ma.Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_in = fields.Integer(metadata={"description": "Access token lifetime, seconds"})
    refresh_token = fields.String()


class MeCompanySchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    number = fields.String(allow_none=True)
    role = fields.String()


class MeSchema(ma.Schema):
    id = fields.String()
    email = fields.String()
    name = fields.String()
    locale = fields.String()
    time_zone = fields.String(
        allow_none=True, metadata={"description": "IANA time zone; null: the firm's default"}
    )
    kind = fields.String()
    role = fields.String(allow_none=True)
    companies = fields.List(fields.Nested(MeCompanySchema))


# --- companies ----------------------------------------------------------------------------


class AddressSchema(ma.Schema):
    line1 = text(200)
    line2 = text(200)
    postal_code = text(20)
    city = text(100)
    country = text(100)


class ContactSchema(ma.Schema):
    name = text(200)
    email = email(optional=True)
    phone = text(50)


class CompanySettingsSchema(ma.Schema):
    members_see_each_other = fields.Boolean(
        metadata={"description": "Members of this company see each other's requests"}
    )


class CompanyPatchSchema(ma.Schema):
    name = text(200, optional=False)
    number = text(50, metadata={"description": "Customer number, unique"})
    tax_id = text(50)
    address = fields.Nested(AddressSchema)
    contact = fields.Nested(ContactSchema)
    extra_info = text(5000)
    settings = fields.Nested(CompanySettingsSchema)
    customer_group_id = ident(
        allow_none=True,
        metadata={"description": "Its customer group (onboarding's /customer-groups), or null"},
    )


class CompanyCreateSchema(CompanyPatchSchema):
    name = text(200, required=True)


class CompanySchema(CompanyCreateSchema):
    id = fields.String()
    version = fields.Integer(
        dump_only=True, metadata={"description": "Bumped by every change (replicas use it)"}
    )
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class MemberCreateSchema(ma.Schema):
    user_id = ident(required=True)
    role = fields.String(required=True, validate=validate.OneOf(MEMBER_ROLES))


class MemberPatchSchema(ma.Schema):
    role = fields.String(validate=validate.OneOf(MEMBER_ROLES))
    active = fields.Boolean()


class MemberUserSchema(ma.Schema):
    id = fields.String()
    email = fields.String()
    name = fields.String()
    locale = fields.String()
    status = fields.String()
    version = fields.Integer(metadata={"description": "The user's version"})


class MemberSchema(ma.Schema):
    company_id = fields.String()
    user_id = fields.String()
    role = fields.String()
    active = fields.Boolean()
    version = fields.Integer(metadata={"description": "Bumped by every change (replicas use it)"})
    created_at = fields.DateTime()
    user = fields.Nested(MemberUserSchema)


# --- users --------------------------------------------------------------------------------


class NewMembershipSchema(ma.Schema):
    company_id = ident(required=True)
    role = fields.String(required=True, validate=validate.OneOf(MEMBER_ROLES))


class UserCreateSchema(ma.Schema):
    email = email(required=True)
    name = text(200, required=True)
    locale = fields.String(load_default="en", validate=validate.OneOf(LOCALES))
    time_zone = time_zone()
    kind = fields.String(required=True, validate=validate.OneOf(USER_KINDS))
    role = fields.String(
        allow_none=True,
        validate=validate.OneOf(STAFF_ROLES),
        metadata={"description": "Staff only: admin or agent"},
    )
    memberships = fields.List(
        fields.Nested(NewMembershipSchema),
        load_default=list,
        validate=validate.Length(max=100),
        metadata={"description": "Portal users only"},
    )

    @validates_schema
    def _fits_kind(self, data: dict, **_kwargs) -> None:
        if data.get("kind") == "staff":
            if not data.get("role"):
                raise ValidationError("A staff user needs a role: admin or agent.", "role")
            if data.get("memberships"):
                raise ValidationError("Staff users do not belong to companies.", "memberships")
        elif data.get("kind") == "portal" and data.get("role"):
            raise ValidationError("Only staff users have a role.", "role")
        companies = [m["company_id"] for m in data.get("memberships", [])]
        if len(companies) != len(set(companies)):
            raise ValidationError("Each company may appear only once.", "memberships")


class UserPatchSchema(ma.Schema):
    email = email()
    name = text(200, optional=False)
    locale = fields.String(validate=validate.OneOf(LOCALES))
    time_zone = time_zone()
    role = fields.String(
        validate=validate.OneOf(STAFF_ROLES), metadata={"description": "Staff only; admin only"}
    )
    status = fields.String(
        validate=validate.OneOf(("active", "disabled")),
        metadata={
            "description": "disabled signs the user out; active re-enables (back to 'invited' "
            "when no invitation was accepted yet)"
        },
    )


class UserMembershipSchema(ma.Schema):
    company_id = fields.String()
    company_name = fields.String(attribute="company.name")
    role = fields.String()
    active = fields.Boolean()


class UserSchema(ma.Schema):
    id = fields.String()
    email = fields.String()
    name = fields.String()
    locale = fields.String()
    time_zone = fields.String(allow_none=True)
    kind = fields.String()
    role = fields.String(allow_none=True)
    status = fields.String()
    version = fields.Integer(metadata={"description": "Bumped by every change (replicas use it)"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    memberships = fields.List(fields.Nested(UserMembershipSchema))


class InvitationSentSchema(ma.Schema):
    invitation_id = fields.String()
    expires_at = fields.DateTime()


# --- lists --------------------------------------------------------------------------------


class CompanyQuerySchema(PageQuerySchema):
    q = text(200, metadata={"description": "Part of the name or customer number, or exact tax id"})


class UserQuerySchema(PageQuerySchema):
    kind = fields.String(validate=validate.OneOf(USER_KINDS))
    company_id = ident(metadata={"description": "Active members of"})
    q = text(200, metadata={"description": "Part of e-mail or name"})


CompanyPageSchema = page_schema(CompanySchema, "CompanyPage")
MemberPageSchema = page_schema(MemberSchema, "MemberPage")
UserPageSchema = page_schema(UserSchema, "UserPage")
