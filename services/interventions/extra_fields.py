"""The values a customer gives for an intervention type's extra fields, checked against the type."""

from __future__ import annotations

from datetime import date

from services.common.problems import VALIDATION_DETAIL, ProblemError

from .models import ExtraField, InterventionType

MAX_TEXT = 1000


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10


def _problem(field: ExtraField, value: object) -> str | None:
    """What is wrong with `value` for `field`, or None."""
    if field.kind == "text":
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            return f"Must be text of at most {MAX_TEXT} characters."
    elif field.kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "Must be a number."
    elif field.kind == "date":
        if not isinstance(value, str) or not _is_date(value):
            return "Must be a date written YYYY-MM-DD."
    elif value not in (field.choices or []):
        return "Must be one of: " + ", ".join(field.choices or []) + "."
    return None


def checked_values(kind: InterventionType | None, values: dict) -> dict:
    """The values to store (blank ones dropped); a 422 naming each wrong field otherwise."""
    fields = {f.key: f for f in kind.fields} if kind else {}
    errors: dict[str, list[str]] = {}
    for key in values:
        if key not in fields:
            errors[key] = ["This intervention type has no such field."]
    kept = {}
    for key, field in fields.items():
        value = values.get(key)
        if value is None or value == "":
            if field.required:
                errors[key] = [f"{field.label} is required for this type of intervention."]
            continue
        message = _problem(field, value)
        if message:
            errors[key] = [message]
        else:
            kept[key] = value
    if errors:
        raise ProblemError(
            422, VALIDATION_DETAIL, code="VALIDATION_FAILED", errors={"extra": errors}
        )
    return kept
