"""The AsyncAPI document: generated from the services' event schemas, valid AsyncAPI 3.0, and
the one the gateway serves (gateway/asyncapi.json is current)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import jsonschema_rs
import pytest

from services import contract
from services.topology import subscriptions

OFFICIAL_SCHEMA = Path(__file__).with_name("asyncapi-3.0.0.schema.json")


@pytest.fixture(scope="module")
def validator():
    return jsonschema_rs.validator_for(json.loads(OFFICIAL_SCHEMA.read_text()))


@pytest.fixture(scope="module")
def document() -> dict:
    return contract.asyncapi()


def test_the_document_is_valid_asyncapi_3(validator, document):
    errors = [
        f"{list(e.instance_path)}: {e.message[:200]}" for e in validator.iter_errors(document)
    ]
    assert errors == []


def test_the_validator_rejects_a_document_that_is_not(validator, document):
    broken = copy.deepcopy(document)
    operation = next(iter(broken["operations"].values()))
    operation["action"] = "publish"  # AsyncAPI 2 wording
    assert not validator.is_valid(broken)
    broken = copy.deepcopy(document)
    next(iter(broken["channels"].values()))["bindings"]["amqp"]["is"] = "exchange"
    assert not validator.is_valid(broken)


def test_the_gateway_serves_the_current_document():
    assert contract.DOCUMENT.read_text() == contract.document_text(), (
        "gateway/asyncapi.json is stale: run `python -m services.contract document`"
    )


def test_every_published_type_is_a_channel_with_its_envelope_and_data_schema(document):
    types = contract.published()
    assert len(types) >= 30
    for name, event_type in types.items():
        channel = document["channels"][name.replace(".", "_")]
        assert channel["address"] == name
        assert channel["bindings"]["amqp"]["exchange"]["name"] == "portal.events"
        message = document["components"]["messages"][name.replace(".", "_")]
        payload = message["payload"]
        assert payload["properties"]["type"]["const"] == name
        assert payload["properties"]["data"] == contract.data_schema(event_type)
        assert event_type.description.endswith(".") and event_type.subject
        assert payload["properties"]["subject"]["description"] == event_type.subject


def test_every_event_the_suite_consumes_is_published_and_described():
    consumed = {key for keys in subscriptions().values() for key in keys}
    assert consumed <= set(contract.published())


def test_the_event_types_of_document_exchange_field_service_and_onboarding_are_described():
    types = set(contract.published())
    assert {
        "documents.shared",
        "documents.document.uploaded_by_client",
        "interventions.intervention.status_changed",
        "interventions.portal_options.changed",
        "onboarding.access_request.completed",
        "onboarding.resume_link.issued",
    } <= types


def test_no_service_builds_an_event_around_its_schema():
    """Every event is built by an EventType (so through its schema): no `Event(` elsewhere."""
    services = Path(contract.__file__).parent
    by_hand = [
        str(path.relative_to(services))
        for path in services.rglob("*.py")
        if path.name != "events.py" or path.parent.name != "common"
        if re.search(r"(?<![\w.])Event\(", path.read_text())
    ]
    assert by_hand == []
