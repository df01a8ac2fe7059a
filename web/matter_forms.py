"""Forms of the matter pages: approve or reject (then confirm), sign."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    ValidationError,
)

from .forms import REQUIRED

_DOCUMENT = re.compile(r"^[0-9a-f-]{1,36}:[0-9a-f]{64}$")


class ApprovalForm(FlaskForm):
    decision = RadioField(
        _l("Your decision"),
        choices=[
            SelectChoice("approve", _l("I approve it")),
            SelectChoice("reject", _l("I reject it")),
        ],
        validators=[InputRequired(_l("Choose whether you approve or reject it."))],
    )
    comment = TextAreaField(_l("Comment"), [Length(max=2000)])

    def validate_comment(self, field: TextAreaField) -> None:
        if self.decision.data == "reject" and not (field.data or "").strip():
            raise ValidationError(_l("Say why you reject it, so the firm can act on it."))


class SignForm(FlaskForm):
    full_name = StringField(_l("Your full name"), [DataRequired(REQUIRED), Length(max=200)])
    confirm = BooleanField(
        _l("I have read the documents listed above and I sign them."),
        [DataRequired(_l("Tick the box to confirm that you sign these documents."))],
    )
    # What the page showed, "id:sha256" comma-separated: the API refuses if documents changed.
    documents = HiddenField()

    def shown_documents(self) -> list[dict] | None:
        """The documents the page showed, or None when the field was tampered with."""
        pairs = [p for p in (self.documents.data or "").split(",") if p]
        if not all(_DOCUMENT.match(p) for p in pairs):
            return None
        return [dict(zip(("document_id", "sha256"), p.split(":"), strict=True)) for p in pairs]
