"""Unit: values of a type's extra fields checked against the type (no I/O)."""

from __future__ import annotations

import pytest

from services.common.problems import ProblemError
from services.interventions.extra_fields import checked_values
from services.interventions.models import ExtraField, InterventionType


def kind(*fields: ExtraField) -> InterventionType:
    return InterventionType(name="Repair", fields=list(fields))


FLOOR = ExtraField(key="floor", label="Floor", kind="number", required=True)
SINCE = ExtraField(key="since", label="Since", kind="date", required=False)
URGENCY = ExtraField(key="urgency", label="Urgency", kind="choice", choices=["low", "high"])
NOTE = ExtraField(key="note", label="Note", kind="text", required=False)


def errors_of(values: dict, of: InterventionType | None) -> dict:
    with pytest.raises(ProblemError) as raised:
        checked_values(of, values)
    assert raised.value.status == 422
    return raised.value.errors["extra"]


def test_good_values_are_kept_and_blanks_dropped():
    repair = kind(FLOOR, SINCE, URGENCY, NOTE)
    values = {"floor": 2.5, "since": "2026-11-01", "urgency": "low", "note": ""}
    assert checked_values(repair, values) == {"floor": 2.5, "since": "2026-11-01", "urgency": "low"}


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({}, "floor", "Floor is required"),
        ({"floor": True}, "floor", "Must be a number"),
        ({"floor": "3"}, "floor", "Must be a number"),
        ({"floor": 1, "since": "01/11/2026"}, "since", "YYYY-MM-DD"),
        ({"floor": 1, "since": 20261101}, "since", "YYYY-MM-DD"),
        ({"floor": 1, "urgency": "panic"}, "urgency", "low, high"),
        ({"floor": 1, "note": "x" * 1001}, "note", "at most 1000"),
        ({"floor": 1, "colour": "red"}, "colour", "no such field"),
    ],
)
def test_each_wrong_value_is_named_with_what_to_do(values, field, message):
    errors = errors_of(values, kind(FLOOR, SINCE, URGENCY, NOTE))
    assert message in errors[field][0]


def test_without_a_type_no_extra_field_is_taken():
    assert "floor" in errors_of({"floor": 1}, None)
