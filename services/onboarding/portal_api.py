"""The access-request wizard (`/api/v1/portal/onboarding/...`), used without an account.

POST /signup exchanges the signup link's token for a new request and its resume token; every
other endpoint names the request by `Authorization: Resume <resume token>` (so no secret sits in
a URL), and the same token is in the resume link e-mailed to the representative."""

from __future__ import annotations

from flask import request as http_request
from flask_smorest import Blueprint

from services.common.problems import ProblemError

from . import wizard
from .formats import TAX_ID_FORMATS
from .groups import localized_text, message
from .models import MESSAGE_KEYS, AccessRequest, CustomerGroup
from .portal_schemas import (
    AnswersSchema,
    CompanyInfoSchema,
    ContactSchema,
    ProgressSchema,
    SignupSchema,
    StartedSchema,
    TermsAcceptSchema,
    WizardSchema,
)

blp = Blueprint(
    "onboarding_portal",
    __name__,
    url_prefix="/api/v1/portal/onboarding",
    description="The billing-portal access-request wizard (signup link, no account)",
)


def _resume_token() -> str:
    scheme, _, token = http_request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "resume" or not token.strip() or len(token) > 200:
        raise ProblemError(
            401,
            "Open the registration or resume link first: send 'Authorization: Resume <token>'.",
            code="RESUME_TOKEN_REQUIRED",
            headers={"WWW-Authenticate": 'Resume realm="onboarding"'},
        )
    return token.strip()


def _current(lock: bool = False) -> tuple[AccessRequest, CustomerGroup]:
    return wizard.resumed(_resume_token(), lock=lock)


def _view(request: AccessRequest, group: CustomerGroup) -> dict:
    locale = request.locale
    return {
        "access_request_id": request.id,
        "status": request.status,
        "locale": locale,
        "group": {
            "name": group.name,
            "tax_id_format": group.tax_id_format,
            "tax_id_pattern": TAX_ID_FORMATS[group.tax_id_format].pattern,
            "email_help_url": group.email_help_url,
            "terms": {"version": group.terms_version, "text": localized_text(group.terms, locale)},
            "messages": {key: message(group, key, locale) for key in MESSAGE_KEYS},
            "questions": [
                {
                    "key": q["key"],
                    "label": localized_text(q["label"], locale),
                    "required": q["required"],
                }
                for q in group.questions or []
            ],
        },
        "terms_accepted": (
            {"version": request.terms_version, "at": request.terms_accepted_at}
            if request.terms_version
            else None
        ),
        "contact": {
            "name": request.contact_name,
            "email": request.contact_email,
            "phone": request.contact_phone,
        },
        "company": {"company_name": request.company_name, "tax_id": request.tax_id},
        "answers": request.answers or {},
        "progress": wizard.status(request, group),
    }


@blp.post("/signup")
@blp.arguments(SignupSchema)
@blp.response(201, StartedSchema)
def signup(data: dict):
    """Open a signup link: a new access request, showing the group's terms to accept first.
    Unknown tokens are throttled per address (429)."""
    request, group, raw = wizard.start(data["token"], data["locale"])
    return {**_view(request, group), "resume_token": raw}


@blp.get("/request")
@blp.response(200, WizardSchema)
def show():
    """The request with the group's terms, messages and questions, in the request's language."""
    return _view(*_current())


@blp.post("/request/terms")
@blp.arguments(TermsAcceptSchema)
@blp.response(200, WizardSchema)
def accept_terms(data: dict):
    """Accept the terms in force; an older version is refused (409 TERMS_OUTDATED)."""
    request, group = _current(lock=True)
    wizard.accept_terms(request, group, data["version"])
    return _view(request, group)


@blp.put("/request/contact")
@blp.arguments(ContactSchema)
@blp.response(200, WizardSchema)
def save_contact(data: dict):
    """Name, e-mail and phone; a new address is e-mailed the resume link."""
    request, group = _current(lock=True)
    wizard.save_contact(request, group, data, _resume_token())
    return _view(request, group)


@blp.put("/request/company")
@blp.arguments(CompanyInfoSchema)
@blp.response(200, WizardSchema)
def save_company(data: dict):
    """Company name and tax ID in the group's format (422 on tax_id shows the pattern)."""
    request, group = _current(lock=True)
    wizard.save_company(request, group, data)
    return _view(request, group)


@blp.put("/request/answers")
@blp.arguments(AnswersSchema)
@blp.response(200, WizardSchema)
def save_answers(data: dict):
    request, group = _current(lock=True)
    wizard.save_answers(request, group, data["answers"])
    return _view(request, group)


@blp.get("/request/status")
@blp.response(200, ProgressSchema)
def status():
    """What is missing, with the group's incomplete message, or its complete message."""
    return wizard.status(*_current())


@blp.post("/request/submit")
@blp.response(200, WizardSchema)
def submit():
    """Send the request: matched by tax ID to a company of the group it completes (or waits for
    approval); no match goes to the firm for review."""
    request, group = _current(lock=True)
    wizard.submit(request, group)
    return _view(request, group)
