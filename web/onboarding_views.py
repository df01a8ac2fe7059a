"""The billing-portal access request, tab by tab (terms, contact information, company
information, questions, status), for a representative who has no account yet.

The signup link's token is exchanged for the request's resume token, kept in the server-side
session (as the resume link e-mailed later is): no token stays in the address bar."""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from . import api
from .errors import error_page
from .forms import ChoiceForm, show_api_errors
from .onboarding_forms import CompanyForm, ContactForm, TermsForm, questions_form

blp = Blueprint("onboarding", __name__, url_prefix="/portal/onboarding")

RESUME = "onboarding_resume"
STEPS = ("terms", "contact", "company", "questions", "status")
TAB_NAMES = {
    "terms": _l("Terms and conditions"),
    "contact": _l("Contact information"),
    "company": _l("Company information"),
    "questions": _l("Questions"),
    "status": _l("Status"),
}
LINK_BROKEN = _l(
    "This registration link does not work: it may have been mistyped or withdrawn. "
    "Ask the firm for a new link."
)
LINK_GONE = _l("This registration link is no longer in use. Ask the firm for a new link.")
NO_REQUEST = _l(
    "Your access request cannot be opened: the link is wrong or has expired. Open the "
    "registration link again, or the resume link from our e-mail."
)
TOO_MANY = _l("Too many attempts. Wait a few minutes, then try again.")
# The API's field messages are in English: the fields a person gets wrong, in their language.
FIELD_MESSAGES = {
    "phone": _l(
        "This phone number is not valid: write it with its country code, e.g. +33 1 23 45 67 89."
    ),
    "email": _l("This e-mail address is not valid."),
}


def _show_problem(form, problem: api.ApiError, pattern: str = "") -> None:
    """The API's problem on the form, its usual field messages in the page's language."""
    localized = {
        **FIELD_MESSAGES,
        "tax_id": _(
            "This tax ID is not valid: write it in the format %(pattern)s (n is a digit, nine "
            "digits in all).",
            pattern=pattern,
        ),
    }
    for name in list(problem.errors):
        if name in localized and name in form._fields:
            form[name].errors = [*form[name].errors, str(localized[name])]
            del problem.errors[name]
    if problem.errors or not any(f.errors for f in form):
        show_api_errors(form, problem)


class NoRequest(Exception):
    """No usable resume token in the session."""


def _request(method: str, step: str = "", body: dict | None = None) -> dict:
    token = session.get(RESUME)
    if not token:
        raise NoRequest
    path = "/portal/onboarding/request" + (f"/{step}" if step else "")
    answer = api.send(method, path, body=body, headers={"Authorization": f"Resume {token}"})
    if answer.status == 401:
        session.pop(RESUME, None)
        raise NoRequest
    if answer.status >= 400:
        raise api.ApiError.from_response(answer)
    return json.loads(answer.data)


@blp.errorhandler(NoRequest)
def _no_request(_: NoRequest) -> Response:
    return error_page(410, message=NO_REQUEST)


def _page(step: str, view: dict, **context: object) -> str:
    message_key = {"status": None}.get(step, step)
    return render_template(
        f"onboarding/{step}.html",
        step=step,
        steps=STEPS,
        tab_names=TAB_NAMES,
        view=view,
        group=view["group"],
        message=view["group"]["messages"].get(message_key, "") if message_key else "",
        **context,
    )


def _next(step: str) -> Response:
    flash(_("Saved."), "success")
    return redirect(url_for(f"onboarding.{STEPS[STEPS.index(step) + 1]}"))


def _gate(view: dict, step: str) -> Response | None:
    """Closed requests show their status; nothing but the terms before they are accepted."""
    if view["status"] != "draft" and step != "status":
        return redirect(url_for("onboarding.status"))
    if view["terms_accepted"] is None and step not in ("terms", "status"):
        flash(_("Accept the terms and conditions first."), "error")
        return redirect(url_for("onboarding.terms"))
    return None


@blp.get("/signup")
def signup() -> Response:
    token = request.args.get("token")
    if token is not None:  # the first hit: the token goes to the session, not the history
        session["signup_token"] = token[:200]
        return redirect(url_for("onboarding.signup"))
    token = session.pop("signup_token", None)
    if not token:
        return (
            redirect(url_for("onboarding.terms"))
            if session.get(RESUME)
            else error_page(404, message=LINK_BROKEN)
        )
    answer = api.send(
        "POST", "/portal/onboarding/signup", body={"token": token, "locale": str(get_locale())}
    )
    if answer.status == 201:
        session[RESUME] = json.loads(answer.data)["resume_token"]
        return redirect(url_for("onboarding.terms"))
    if answer.status == 429:
        return error_page(400, title=TOO_MANY, message=TOO_MANY)
    return (
        error_page(410, message=LINK_GONE)
        if answer.status == 410
        else error_page(404, message=LINK_BROKEN)
    )


@blp.get("/resume")
def resume() -> Response:
    token = request.args.get("token")
    if token:
        session[RESUME] = token[:200]
    return redirect(url_for("onboarding.status"))


@blp.route("/terms", methods=["GET", "POST"])
def terms() -> Response | str:
    view = _request("GET")
    if (gated := _gate(view, "terms")) is not None:
        return gated
    form = TermsForm(version=view["group"]["terms"]["version"])
    if form.validate_on_submit():
        try:
            _request("POST", "terms", {"version": int(form.version.data or 0)})
            return _next("terms")
        except api.ApiError as problem:
            show_api_errors(form, problem)
    return _page("terms", view, form=form)


@blp.route("/contact", methods=["GET", "POST"])
def contact() -> Response | str:
    view = _request("GET")
    if (gated := _gate(view, "contact")) is not None:
        return gated
    form = ContactForm(data=view["contact"] if request.method == "GET" else None)
    if form.validate_on_submit():
        body = {
            "name": form.name.data,
            "email": form.email.data,
            "phone": form.phone.data,
            "locale": str(get_locale()),
        }
        try:
            _request("PUT", "contact", body)
            return _next("contact")
        except api.ApiError as problem:
            _show_problem(form, problem)
    return _page("contact", view, form=form)


@blp.route("/company", methods=["GET", "POST"])
def company() -> Response | str:
    view = _request("GET")
    if (gated := _gate(view, "company")) is not None:
        return gated
    form = CompanyForm(data=view["company"] if request.method == "GET" else None)
    if form.validate_on_submit():
        body = {"company_name": form.company_name.data, "tax_id": form.tax_id.data}
        try:
            _request("PUT", "company", body)
            return _next("company")
        except api.ApiError as problem:
            _show_problem(form, problem, view["group"]["tax_id_pattern"])
    return _page("company", view, form=form)


@blp.route("/questions", methods=["GET", "POST"])
def questions() -> Response | str:
    view = _request("GET")
    if (gated := _gate(view, "questions")) is not None:
        return gated
    asked = view["group"]["questions"]
    form = questions_form(
        asked, view["answers"], request.form if request.method == "POST" else None
    )
    if form.validate_on_submit():
        answers = {q["key"]: form[f"answer_{q['key']}"].data or "" for q in asked}
        try:
            _request("PUT", "answers", {"answers": answers})
            return _next("questions")
        except api.ApiError as problem:
            form.form_errors.append(problem.detail)
    return _page("questions", view, form=form)


@blp.route("/status", methods=["GET", "POST"])
def status() -> Response | str:
    view = _request("GET")
    form = ChoiceForm()
    if form.validate_on_submit():
        try:
            view = _request("POST", "submit")
        except api.ApiError as problem:
            form.form_errors.append(problem.detail)
    return _page("status", view, form=form)
