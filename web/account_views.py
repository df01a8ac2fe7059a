"""A person's own account: language, company shown, profile (name, language, time zone),
and password."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from . import api, current
from .config import LOCALES
from .forms import ChangePasswordForm, ChoiceForm, ProfileForm, show_api_errors

blp = Blueprint("account", __name__, url_prefix="/portal")


def _back(form: ChoiceForm) -> Response:
    return redirect(current.local_path(form.next.data) or url_for("matters.index"))


@blp.post("/language")
def language() -> Response:
    """The language switcher: the profile's language when signed in, else this session's."""
    form = ChoiceForm()
    chosen = request.form.get("lang")
    if chosen in LOCALES:
        if current.person():
            api.call("PATCH", "/me", {"locale": chosen})
            current.reload_person()
        else:
            session["lang"] = chosen
    return _back(form)


@blp.post("/company")
@current.sign_in_required
def company() -> Response:
    """Which of the person's companies the pages show."""
    form = ChoiceForm()
    chosen = request.form.get("company_id")
    if any(c["id"] == chosen for c in current.companies()):
        session["company_id"] = chosen
    return _back(form)


@cache
def _time_zones() -> list[str]:
    return sorted(zone for zone in available_timezones() if "/" in zone and "Etc" not in zone)


@blp.route("/profile", methods=["GET", "POST"])
@current.sign_in_required
def profile() -> Response | str:
    person = current.person()
    form = ProfileForm(
        data={
            "name": person["name"],
            "locale": person.get("locale") or "en",
            "time_zone": person.get("time_zone") or "",
        }
        if request.method == "GET"
        else None
    )
    firm = _("The firm's time zone (%(zone)s)", zone=current_app.config["BABEL_DEFAULT_TIMEZONE"])
    form.time_zone.choices = [("", firm)] + [(z, z) for z in _time_zones()]
    if form.validate_on_submit():
        body = {
            "name": form.name.data,
            "locale": form.locale.data,
            "time_zone": form.time_zone.data or None,
        }
        try:
            api.call("PATCH", "/me", body)
        except api.ApiError as problem:
            if problem.status != 422:
                raise
            show_api_errors(form, problem)
        else:
            current.reload_person()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/profile.html", form=form)


@blp.route("/password", methods=["GET", "POST"])
@current.sign_in_required
def change_password() -> Response | str:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        body = {
            "current_password": form.current_password.data,
            "new_password": form.new_password.data,
        }
        try:
            api.call("POST", "/me/password", body)
        except api.ApiError as problem:
            if problem.status != 422:
                raise
            show_api_errors(form, problem)
        else:
            flash(_("Your password is changed."), "success")
            return redirect(url_for("account.profile"))
    return render_template("account/password.html", form=form)
