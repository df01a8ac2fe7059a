"""Signing in and out, accepting an invitation, and a forgotten password, page by page.

A one-time token from an e-mail link is moved into the server-side session at the first hit
and the browser redirected to the same page without it: the token does not stay in the
address bar, the history, or a Referer header.
"""

from __future__ import annotations

import json

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from . import api, current
from .errors import error_page
from .forms import ChoiceForm, ForgotPasswordForm, NewPasswordForm, SignInForm, show_api_errors

blp = Blueprint("auth", __name__, url_prefix="/portal")

EXPIRED_INVITATION = _l(
    "This invitation link has expired or has already been used. If you already chose a "
    "password, sign in; otherwise ask the firm to send you a new invitation."
)
EXPIRED_RESET = _l(
    "This link to choose a new password has expired or has already been used. "
    "Ask for a new one from the sign-in page."
)
STAFF = _l("This portal is for the firm's clients. Staff members use the back office.")
TOO_MANY = _l("Too many attempts. Wait a few minutes, then try again.")


def _home(target: str | None = None) -> Response:
    return redirect(current.local_path(target) or url_for("matters.index"))


@blp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response | str:
    form = SignInForm(next=request.args.get("next", ""))
    if request.method == "GET" and current.person():
        return _home(form.next.data)
    if form.validate_on_submit():
        answer = api.send(
            "POST",
            "/auth/login",
            body={"email": form.email.data, "password": form.password.data},
        )
        if answer.status == 200:
            current.start(json.loads(answer.data))
            if current.person()["kind"] == "portal":
                return _home(form.next.data)
            current.end()  # staff: the portal would show them nothing
            form.form_errors.append(STAFF)
            return render_template("auth/sign_in.html", form=form)
        problem = api.ApiError.from_response(answer)
        if answer.status == 429:
            form.form_errors.append(TOO_MANY)
        elif answer.status == 422:
            show_api_errors(form, problem)
        else:
            form.form_errors.append(_("The e-mail address or password is not correct."))
    return render_template("auth/sign_in.html", form=form)


@blp.post("/sign-out")
def sign_out() -> Response:
    ChoiceForm()  # the CSRF token was checked for every POST already
    current.end()
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.sign_in"))


def _token_from_link(key: str, endpoint: str) -> Response | None:
    """First hit of an e-mail link: keep its token in the session, show the page without it."""
    token = request.args.get("token")
    if token is None:
        return None
    session[key] = token[:200]
    return redirect(url_for(endpoint))


@blp.route("/accept-invitation", methods=["GET", "POST"])
def accept_invitation() -> Response | str:
    moved = _token_from_link("invitation_token", "auth.accept_invitation")
    if moved is not None:
        return moved
    token = session.get("invitation_token")
    if not token:
        return error_page(410, message=EXPIRED_INVITATION)
    try:
        invitation = api.call("POST", "/auth/invitations/inspect", {"token": token}, anonymous=True)
    except api.ApiError:
        session.pop("invitation_token", None)
        return error_page(410, message=EXPIRED_INVITATION)
    form = NewPasswordForm()
    if form.validate_on_submit():
        welcome = _("Welcome! Your password is set and you are signed in.")
        path = "/auth/invitations/accept"
        spent = _spend_link(form, "invitation_token", path, welcome, EXPIRED_INVITATION)
        if spent is not None:
            return spent
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation)


def _spend_link(
    form: NewPasswordForm, key: str, path: str, welcome: str, expired: str
) -> Response | None:
    """Send the single-use token kept under `key` with the chosen password to `path`: signed in
    on success, the expired page when the link is dead, None to show the API's field errors."""
    answer = api.send("POST", path, body={"token": session[key], "password": form.password.data})
    if answer.status == 200:
        current.start(json.loads(answer.data))
        flash(welcome, "success")
        return _home()
    problem = api.ApiError.from_response(answer)
    if answer.status != 422 or "token" in problem.errors:
        session.pop(key, None)
        return error_page(410, message=expired)
    show_api_errors(form, problem)
    return None


@blp.route("/forgot-password", methods=["GET", "POST"])
def forgot_password() -> Response | str:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        answer = api.send("POST", "/auth/password-reset", body={"email": form.email.data})
        if answer.status == 429:
            form.form_errors.append(TOO_MANY)
        elif answer.status == 422:
            show_api_errors(form, api.ApiError.from_response(answer))
        else:
            return render_template("auth/reset_sent.html", email=form.email.data)
    return render_template("auth/forgot_password.html", form=form)


@blp.route("/reset-password", methods=["GET", "POST"])
def reset_password() -> Response | str:
    moved = _token_from_link("reset_token", "auth.reset_password")
    if moved is not None:
        return moved
    token = session.get("reset_token")
    if not token:
        return error_page(410, message=EXPIRED_RESET)
    form = NewPasswordForm()
    if form.validate_on_submit():
        welcome = _("Your new password is set and you are signed in.")
        path = "/auth/password-reset/confirm"
        spent = _spend_link(form, "reset_token", path, welcome, EXPIRED_RESET)
        if spent is not None:
            return spent
    return render_template("auth/reset_password.html", form=form)
