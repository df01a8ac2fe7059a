"""The portal's forms (Flask-WTF: every one carries the session's CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .api import ApiError
from .config import LANGUAGE_NAMES

REQUIRED = _l("This field is required.")


class SignInForm(FlaskForm):
    email = EmailField(_l("E-mail address"), [DataRequired(REQUIRED), Length(max=254)])
    password = PasswordField(_l("Password"), [DataRequired(REQUIRED), Length(max=256)])
    next = HiddenField()


class NewPasswordForm(FlaskForm):
    """Choosing a password (invitation, reset): the API's policy judges its strength."""

    password = PasswordField(_l("New password"), [DataRequired(REQUIRED), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        [DataRequired(REQUIRED), EqualTo("password", _l("The two passwords are not the same."))],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(_l("E-mail address"), [DataRequired(REQUIRED), Length(max=254)])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), [DataRequired(REQUIRED), Length(max=256)]
    )
    new_password = PasswordField(_l("New password"), [DataRequired(REQUIRED), Length(max=256)])
    confirm = PasswordField(
        _l("Repeat the new password"),
        [
            DataRequired(REQUIRED),
            EqualTo("new_password", _l("The two passwords are not the same.")),
        ],
    )


class ProfileForm(FlaskForm):
    name = StringField(_l("Name"), [DataRequired(REQUIRED), Length(max=200)])
    locale = SelectField(
        _l("Language"),
        choices=list(LANGUAGE_NAMES.items()),
        validators=[DataRequired(REQUIRED)],
    )
    time_zone = SelectField(_l("Time zone"))


class ChoiceForm(FlaskForm):
    """A one-button form (sign out, language, company): the CSRF token and where to return."""

    next = HiddenField()


def show_api_errors(form: FlaskForm, problem: ApiError) -> None:
    """The API's messages next to the fields they are about; the others above the form."""
    for name in problem.errors:
        field = form._fields.get(name)
        texts = problem.field_messages(name)
        if field is not None:
            field.errors = [*field.errors, *texts]
        else:
            form.form_errors.extend(texts)
    if not problem.errors:
        form.form_errors.append(problem.detail or _l("This could not be done; please try again."))
