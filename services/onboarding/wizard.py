"""The access-request wizard as a representative uses it, with no account: the signup link
starts a request and hands back a resume token, which then names the request (hash kept).

Terms first: nothing else is saved until the group's current terms are accepted. Each step is
saved on its own, in any order, until the request is submitted; then it is closed."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from services.common.models import new_id, utcnow
from services.common.outbox import add_event
from services.common.problems import ProblemError, field_error

from . import events, links
from .decisions import complete, refuse_duplicate
from .formats import normalise_phone, normalise_tax_id, tax_id_digits, tax_id_message
from .groups import message
from .models import AccessRequest, Company, CustomerGroup, SignupLink, db

PHONE_REGIONS = {"en": "US", "fr": "FR", "es": "ES"}


def _link_unusable() -> ProblemError:
    return ProblemError(
        404,
        "This registration link does not work: it may have been mistyped or withdrawn. Ask "
        "the firm for a new link.",
        code="SIGNUP_LINK_INVALID",
    )


def start(signup_token: str, locale: str) -> tuple[AccessRequest, CustomerGroup, str]:
    """A new draft request from a signup link; returns it with its raw resume token."""
    links.refuse_if_guessing()
    link = db.session.scalars(
        sa.select(SignupLink).where(SignupLink.token_hash == links.token_hash(signup_token))
    ).first()
    if link is None:
        links.record_guess()
        raise _link_unusable()
    group = db.session.get(CustomerGroup, link.group_id)
    if link.revoked_at is not None or not group.portal_enabled or not group.terms_version:
        raise ProblemError(
            410,
            "This registration link is no longer in use. Ask the firm for a new link.",
            code="SIGNUP_LINK_REVOKED",
        )
    raw = links.new_token()
    request = AccessRequest(
        id=new_id(),
        group_id=group.id,
        signup_link_id=link.id,
        resume_token_hash=links.token_hash(raw),
        resume_expires_at=utcnow() + timedelta(seconds=current_app.config["RESUME_TTL"]),
        status="draft",
        locale=locale,
        answers={},
        answered=False,
    )
    db.session.add(request)
    db.session.commit()
    return request, group, raw


def resumed(resume_token: str, lock: bool = False) -> tuple[AccessRequest, CustomerGroup]:
    """The request this resume token names (401 when none: the client asks for the link)."""
    links.refuse_if_guessing()
    query = sa.select(AccessRequest).where(
        AccessRequest.resume_token_hash == links.token_hash(resume_token)
    )
    request = db.session.scalars(query.with_for_update() if lock else query).first()
    if request is None or request.resume_expires_at < utcnow():
        if request is None:
            links.record_guess()
        raise ProblemError(
            401,
            "This access request cannot be opened: the resume link is wrong or has expired. "
            "Open the registration link again to start a new request.",
            code="RESUME_TOKEN_INVALID",
            headers={"WWW-Authenticate": 'Resume realm="onboarding"'},
        )
    return request, db.session.get(CustomerGroup, request.group_id)


def _editable(request: AccessRequest, group: CustomerGroup, terms_needed: bool = True) -> None:
    if request.status != "draft":
        raise ProblemError(
            409,
            "This access request was already submitted; it can no longer be changed.",
            code="REQUEST_CLOSED",
        )
    if terms_needed and request.terms_version != group.terms_version:
        raise ProblemError(
            409,
            f"Accept the terms and conditions (version {group.terms_version}) first.",
            code="TERMS_NOT_ACCEPTED",
        )


def accept_terms(request: AccessRequest, group: CustomerGroup, version: int) -> None:
    _editable(request, group, terms_needed=False)
    if version != group.terms_version:
        raise ProblemError(
            409,
            f"These terms (version {version}) are not the ones in force: version "
            f"{group.terms_version} replaced them. Read the current terms and accept them.",
            code="TERMS_OUTDATED",
        )
    request.terms_version, request.terms_accepted_at = version, utcnow()
    db.session.commit()


def save_contact(
    request: AccessRequest, group: CustomerGroup, data: dict, resume_token: str
) -> None:
    """Name, e-mail, phone. A new address is sent the resume link (the way back later)."""
    _editable(request, group)
    phone = normalise_phone(data["phone"], PHONE_REGIONS.get(request.locale))
    if phone is None:
        raise field_error(
            "phone", "Enter a valid phone number, with its country code (+33 1 23 45 67 89)."
        )
    email = data["email"].strip().lower()
    new_address = email != request.contact_email
    request.contact_name, request.contact_email, request.contact_phone = (
        data["name"].strip(),
        email,
        phone,
    )
    if "locale" in data:
        request.locale = data["locale"]
    if new_address:
        url = f"{current_app.config['PORTAL_WEB_URL']}/onboarding/resume?token={resume_token}"
        add_event(events.resume_link_issued(request, group, url))
    db.session.commit()


def save_company(request: AccessRequest, group: CustomerGroup, data: dict) -> None:
    _editable(request, group)
    tax_id = normalise_tax_id(data["tax_id"], group.tax_id_format)
    if tax_id is None:
        raise field_error("tax_id", tax_id_message(group.tax_id_format))
    request.company_name, request.tax_id = data["company_name"].strip(), tax_id
    db.session.commit()


def save_answers(request: AccessRequest, group: CustomerGroup, answers: dict) -> None:
    _editable(request, group)
    known = {q["key"] for q in group.questions or []}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise field_error("answers", {key: ["The group asks no such question."] for key in unknown})
    request.answers = {key: value.strip() for key, value in answers.items() if value.strip()}
    request.answered = True
    db.session.commit()


def missing_steps(request: AccessRequest, group: CustomerGroup) -> list[str]:
    missing = []
    if request.terms_version != group.terms_version:
        missing.append("terms")
    if not request.contact_email:
        missing.append("contact")
    if not request.tax_id:
        missing.append("company")
    answers = request.answers or {}
    if any(q["required"] and not answers.get(q["key"]) for q in group.questions or []):
        missing.append("questions")
    return missing


def status(request: AccessRequest, group: CustomerGroup) -> dict:
    missing = missing_steps(request, group)
    key = "status_incomplete" if missing else "status_complete"
    return {
        "status": request.status,
        "complete": not missing,
        "missing": missing,
        "message": message(group, key, request.locale),
    }


def submit(request: AccessRequest, group: CustomerGroup) -> None:
    """Find the group's company by tax ID: a match completes (unless the group wants to approve
    each request), no match goes to the firm for review."""
    _editable(request, group)
    missing = missing_steps(request, group)
    if missing:
        raise ProblemError(
            422,
            "Some steps are not done yet: " + ", ".join(missing) + ".",
            code="REQUEST_INCOMPLETE",
            errors={step: ["This step is not done yet."] for step in missing},
        )
    matches = db.session.scalars(
        sa.select(Company.id).where(
            Company.customer_group_id == group.id,
            Company.tax_id_digits == tax_id_digits(request.tax_id),
        )
    ).all()
    # Two companies of the group with one tax ID: a person must choose.
    request.company_id = matches[0] if len(matches) == 1 else None
    refuse_duplicate(request, request.company_id)
    request.submitted_at = utcnow()
    request.status = "in_review"
    if request.company_id and not group.requires_approval:
        complete(request, group, request.company_id, decided_by=None)
    add_event(events.access_request_submitted(request))
    db.session.commit()
