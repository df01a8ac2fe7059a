"""Released event types stay compatible: the code's schemas against events/released/, and the
check itself on each kind of breaking change."""

from __future__ import annotations

import copy

import pytest

from services import contract

RELEASED = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "note": {"type": ["string", "null"]},
        "count": {"type": "integer"},
        "user": {
            "type": "object",
            "properties": {"id": {"type": "string"}, "email": {"type": "string"}},
            "required": ["id"],
        },
        "items": {
            "type": "array",
            "items": {"type": "object", "properties": {"name": {"type": "string"}}},
        },
    },
    "required": ["id", "count", "user"],
}


def changed(edit) -> list[str]:
    new = copy.deepcopy(RELEASED)
    edit(new)
    return contract.breaking_changes(RELEASED, new)


def test_the_code_keeps_every_released_type_compatible():
    assert contract.incompatibilities() == {}


def test_every_published_type_has_been_released():
    missing = set(contract.published()) - set(contract.released())
    assert not missing, f"run `python -m services.contract release` for {sorted(missing)}"


def test_an_unchanged_schema_and_additive_changes_are_compatible():
    assert changed(lambda s: None) == []

    def additive(s):
        s["properties"]["added"] = {"type": "string"}  # optional: old events lack it
        s["properties"]["user"]["properties"]["phone"] = {"type": ["string", "null"]}
        s["properties"]["note"]["type"] = "string"  # narrower: never null any more
        s["properties"]["note"]["description"] = "documented now"

    assert changed(additive) == []


def test_a_removed_field_is_breaking_at_any_depth():
    assert changed(lambda s: s["properties"].pop("count")) == ["data.count: field removed"]
    assert changed(lambda s: s["properties"]["user"]["properties"].pop("email")) == [
        "data.user.email: field removed"
    ]
    assert changed(lambda s: s["properties"]["items"]["items"]["properties"].pop("name")) == [
        "data.items[].name: field removed"
    ]


@pytest.mark.parametrize(
    ("field", "new_type", "allowed"),
    [("count", "string", "string"), ("id", ["string", "null"], "null"), ("user", "array", "array")],
)
def test_a_changed_type_is_breaking(field, new_type, allowed):
    def retype(s):
        s["properties"][field]["type"] = new_type

    assert changed(retype) == [f"data.{field}: type changed to allow {allowed}"]


def test_an_optional_field_made_required_is_breaking():
    def require(s):
        s["properties"]["user"]["required"].append("email")

    assert changed(require) == ["data.user.email: optional field made required"]


def test_a_new_required_field_and_a_required_field_made_optional_are_breaking():
    def new_required(s):
        s["properties"]["added"] = {"type": "string"}
        s["required"].append("added")

    assert changed(new_required) == ["data.added: new field is required (add it optional)"]
    assert changed(lambda s: s["required"].remove("count")) == [
        "data.count: required field made optional"
    ]


def test_a_breaking_change_to_a_published_schema_is_caught(monkeypatch):
    """The check end to end: the user's e-mail dropped from identity.user.created's schema."""
    from services.identity import events

    fields = dict(events.UserSchema._declared_fields)
    fields.pop("email")
    narrowed = type("UserSchema", (events.EventSchema,), fields)
    types = contract.published()
    monkeypatch.setattr(
        contract,
        "published",
        lambda: {
            **types,
            "identity.user.created": contract.EventType(
                "identity.user.created", narrowed, "Changed.", "the user's id"
            ),
        },
    )
    assert contract.incompatibilities() == {"identity.user.created": ["data.email: field removed"]}
