"""Schemas of the representative's wizard (`/api/v1/portal/onboarding/...`)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from .models import LOCALES, MESSAGE_KEYS, REQUEST_STATUSES

STEPS = ("terms", "contact", "company", "questions")


class SignupSchema(ma.Schema):
    token = fields.String(
        required=True,
        validate=validate.Length(min=1, max=200),
        metadata={"description": "The token of the signup link the firm handed out"},
    )
    locale = fields.String(load_default="en", validate=validate.OneOf(LOCALES))


class TermsAcceptSchema(ma.Schema):
    version = fields.Integer(
        required=True,
        validate=validate.Range(min=1),
        metadata={"description": "The version shown (group.terms.version)"},
    )


class ContactSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    email = fields.Email(required=True, validate=validate.Length(max=254))
    phone = fields.String(
        required=True,
        validate=validate.Length(min=3, max=40),
        metadata={"description": "Any usual writing; with its country code outside your locale"},
    )
    locale = fields.String(validate=validate.OneOf(LOCALES))


class CompanyInfoSchema(ma.Schema):
    company_name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    tax_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "In the group's format (group.tax_id_pattern)"},
    )


class AnswersSchema(ma.Schema):
    answers = fields.Dict(
        keys=fields.String(validate=validate.Length(min=1, max=40)),
        values=fields.String(validate=validate.Length(max=2000)),
        required=True,
        validate=validate.Length(max=30),
    )


class ProgressSchema(ma.Schema):
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    complete = fields.Boolean()
    missing = fields.List(fields.String(validate=validate.OneOf(STEPS)))
    message = fields.String(metadata={"description": "The group's incomplete/complete message"})


class QuestionViewSchema(ma.Schema):
    key = fields.String()
    label = fields.String()
    required = fields.Boolean()


class TermsViewSchema(ma.Schema):
    version = fields.Integer()
    text = fields.String()


class GroupViewSchema(ma.Schema):
    name = fields.String()
    tax_id_format = fields.String()
    tax_id_pattern = fields.String()
    email_help_url = fields.String(allow_none=True)
    terms = fields.Nested(TermsViewSchema)
    messages = fields.Dict(
        keys=fields.String(validate=validate.OneOf(MESSAGE_KEYS)), values=fields.String()
    )
    questions = fields.List(fields.Nested(QuestionViewSchema))


class TermsAcceptedSchema(ma.Schema):
    version = fields.Integer()
    at = fields.DateTime()


class WizardSchema(ma.Schema):
    access_request_id = fields.String()
    status = fields.String(validate=validate.OneOf(REQUEST_STATUSES))
    locale = fields.String()
    group = fields.Nested(GroupViewSchema)
    terms_accepted = fields.Nested(TermsAcceptedSchema, allow_none=True)
    contact = fields.Dict()
    company = fields.Dict()
    answers = fields.Dict()
    progress = fields.Nested(ProgressSchema)


class StartedSchema(WizardSchema):
    resume_token = fields.String(
        metadata={
            "description": "Send it as 'Authorization: Resume <token>' on the wizard's other "
            "endpoints; it is also e-mailed (as a link) once the contact e-mail is saved"
        }
    )
