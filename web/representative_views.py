"""A representative's own billing contact, and a primary representative's management of their
company's representatives (list, invite, deactivate), for the company the pages show."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response
from wtforms import EmailField, SelectField, StringField, TelField
from wtforms.validators import DataRequired, Length

from . import api, current
from .config import LANGUAGE_NAMES
from .forms import REQUIRED, ChoiceForm, show_api_errors

blp = Blueprint("representatives", __name__, url_prefix="/portal/company")


class BillingContactForm(ChoiceForm):
    name = StringField(_l("Full name"), [DataRequired(REQUIRED), Length(max=200)])
    phone = TelField(_l("Phone number"), [DataRequired(REQUIRED), Length(max=40)])


class InviteForm(ChoiceForm):
    name = StringField(_l("Full name"), [DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("E-mail address"), [DataRequired(REQUIRED), Length(max=254)])
    locale = SelectField(_l("Language"), choices=list(LANGUAGE_NAMES.items()))


def _company(primary: bool = False) -> dict:
    company = current.company()
    if company is None or (primary and company.get("role") != "primary"):
        abort(404)
    return company


@blp.route("/contact", methods=["GET", "POST"])
@current.sign_in_required
def contact() -> Response | str:
    company = _company()
    path = f"/portal/onboarding/contact?company_id={company['id']}"
    form = BillingContactForm()
    if form.validate_on_submit():
        body = {"company_id": company["id"], "name": form.name.data, "phone": form.phone.data}
        try:
            saved = api.call("PUT", "/portal/onboarding/contact", body)
            flash(saved["message"] or _("Your contact information is saved."), "success")
            return redirect(url_for("representatives.contact"))
        except api.ApiError as problem:
            show_api_errors(form, problem)
    elif not form.is_submitted():
        shown = api.call("GET", path)
        form.name.data = shown["name"] or (current.person() or {}).get("name")
        form.phone.data = shown["phone"]
    return render_template("company/contact.html", form=form)


def _list_path(company: dict) -> str:
    return f"/portal/companies/{company['id']}/representatives"


@blp.route("/representatives", methods=["GET", "POST"])
@current.sign_in_required
def representatives() -> Response | str:
    company = _company(primary=True)
    form = InviteForm()
    if form.validate_on_submit():
        body = {"name": form.name.data, "email": form.email.data, "locale": form.locale.data}
        try:
            api.call("POST", _list_path(company), body)
            flash(_("%(email)s is invited.", email=form.email.data), "success")
            return redirect(url_for("representatives.representatives"))
        except api.ApiError as problem:
            show_api_errors(form, problem)
    people = api.call("GET", _list_path(company))["items"]
    person = current.person() or {}
    return render_template(
        "company/representatives.html",
        form=form,
        people=people,
        me=person.get("id"),
        action=ChoiceForm(),
    )


@blp.post("/representatives/<user_id>/deactivate")
@current.sign_in_required
def deactivate(user_id: str) -> Response:
    company = _company(primary=True)
    ChoiceForm()  # the CSRF token was checked for every POST already
    try:
        api.call("DELETE", f"{_list_path(company)}/{user_id}")
        flash(_("The representative is deactivated."), "success")
    except api.ApiError as problem:
        flash(problem.detail, "error")
    return redirect(url_for("representatives.representatives"))
