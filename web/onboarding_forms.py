"""Forms of the access-request wizard (each carries the session's CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField, TelField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from .forms import REQUIRED


class TermsForm(FlaskForm):
    version = HiddenField()
    accept = BooleanField(
        _l("I have read and I accept the terms and conditions"),
        [DataRequired(_l("Tick the box to accept the terms and conditions."))],
    )


class ContactForm(FlaskForm):
    name = StringField(_l("Full name"), [DataRequired(REQUIRED), Length(max=200)])
    email = EmailField(_l("E-mail address"), [DataRequired(REQUIRED), Length(max=254)])
    phone = TelField(_l("Phone number"), [DataRequired(REQUIRED), Length(max=40)])


class CompanyForm(FlaskForm):
    company_name = StringField(_l("Company name"), [DataRequired(REQUIRED), Length(max=200)])
    tax_id = StringField(_l("Tax ID"), [DataRequired(REQUIRED), Length(max=40)])


def questions_form(questions: list[dict], answers: dict, formdata: object) -> FlaskForm:
    """A form with one answer field per question of the group (`answer_<key>`)."""

    class QuestionsForm(FlaskForm):
        pass

    for question in questions:
        checks = [DataRequired(REQUIRED)] if question["required"] else [Optional()]
        field = TextAreaField(question["label"], [*checks, Length(max=2000)])
        setattr(QuestionsForm, f"answer_{question['key']}", field)
    defaults = {f"answer_{key}": value for key, value in answers.items()}
    return QuestionsForm(formdata=formdata, data=defaults)
