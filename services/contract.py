"""The contract of the suite's events for other systems: every published type (each service's
`events.PUBLISHED`), its data as JSON Schema, the AsyncAPI 3.0 document the gateway serves at
/asyncapi.json, and the check that a change keeps a released type compatible.

`python -m services.contract document` writes gateway/asyncapi.json (after any change to an
event schema); `python -m services.contract release` writes the current schemas to
events/released/ (one file per type) when a release goes out. tests/contract fails while the
document is stale, and on a change that breaks a released type.
"""

from __future__ import annotations

import argparse
import importlib
import json
from functools import cache
from pathlib import Path
from typing import Any

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from services.common.events import EventType
from services.topology import SERVICES, subscriptions

ROOT = Path(__file__).resolve().parents[1]
RELEASED_DIR = ROOT / "events" / "released"
DOCUMENT = ROOT / "gateway" / "asyncapi.json"
EXCHANGE = "portal.events"
CLOUDEVENTS_CONTENT_TYPE = "application/cloudevents+json"
AMQP_BINDING = "0.3.0"
DESCRIPTION = """\
Every change other systems may react to is published once, as a CloudEvents 1.0 envelope in
structured JSON mode, on the durable topic exchange `portal.events`, with the event type as the
routing key (`identity.user.created`). Bind a durable quorum queue of your own to the keys you
need (wildcards allowed: `identity.#`); see the channel `yourQueue` and the consumer guide.

Delivery is at least once: deduplicate by the envelope's `id`. Events of one `subject` are
published in the order they happened, and carry a `version` where they describe a record: apply
only a newer one. Consumers must ignore fields they do not know (new optional fields are added
without notice); a breaking change publishes `<type>.v2` beside the old type, which is kept,
marked deprecated, for at least one release. No event carries a password, a live token or a
document's content: links with a token travel sealed for the suite's mailer alone.
"""


def published() -> dict[str, EventType]:
    """Every event type the suite publishes, by name (each service's events.PUBLISHED)."""
    types: dict[str, EventType] = {}
    for service in SERVICES:
        for event_type in importlib.import_module(f"services.{service}.events").PUBLISHED:
            if not event_type.name.startswith(f"{service}."):
                raise ValueError(f"{service} publishes {event_type.name}: not its own namespace")
            if event_type.name in types:
                raise ValueError(f"{event_type.name} is declared twice")
            types[event_type.name] = event_type
    return dict(sorted(types.items()))


def _clean(node: Any) -> Any:
    """JSON Schema as consumers should read it: open objects (a consumer ignores new fields)
    and no empty descriptions."""
    if isinstance(node, list):
        return [_clean(item) for item in node]
    if not isinstance(node, dict):
        return node
    return {
        key: _clean(value)
        for key, value in node.items()
        if not (key == "additionalProperties" and value is False)
        and not (key == "description" and value == "")
    }


def data_schema(event_type: EventType) -> dict:
    """The JSON Schema of the type's `data` (nested schemas inlined)."""
    plugin = MarshmallowPlugin(schema_name_resolver=lambda schema: None)
    APISpec("events", "1", "3.1.0", plugins=[plugin])  # sets the plugin's converter up
    return _clean(plugin.converter.schema2jsonschema(event_type.schema))


def contract(event_type: EventType) -> dict:
    """What is released of one type: the file events/released/<type>.json holds."""
    return {
        "type": event_type.name,
        "description": event_type.description,
        "subject": event_type.subject,
        "deprecated": event_type.deprecated,
        "data": data_schema(event_type),
    }


def envelope_schema(event_type: EventType) -> dict:
    source = "/" + event_type.name.split(".", 1)[0]
    return {
        "type": "object",
        "required": ["specversion", "id", "source", "type", "time", "datacontenttype", "data"],
        "properties": {
            "specversion": {"type": "string", "const": "1.0"},
            "id": {
                "type": "string",
                "description": "Unique per event (a UUID); redeliveries repeat it: deduplicate on "
                "it. Also the AMQP message_id.",
            },
            "source": {"type": "string", "const": source},
            "type": {"type": "string", "const": event_type.name},
            "subject": {"type": "string", "description": event_type.subject},
            "time": {"type": "string", "format": "date-time"},
            "datacontenttype": {"type": "string", "const": "application/json"},
            "correlationid": {
                "type": "string",
                "description": "The gateway request id of the change, when one caused it.",
            },
            "data": data_schema(event_type),
        },
    }


def _channel_id(name: str) -> str:
    return name.replace(".", "_")


@cache
def asyncapi() -> dict:
    """The AsyncAPI 3.0 document of every published type (built once per process)."""
    consumers: dict[str, list[str]] = {}
    for service, keys in subscriptions().items():
        for key in keys:
            consumers.setdefault(key, []).append(service)
    exchange = {
        "name": EXCHANGE,
        "type": "topic",
        "durable": True,
        "autoDelete": False,
        "vhost": "/",
    }
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for name, event_type in published().items():
        channel = _channel_id(name)
        used_by = ", ".join(consumers.get(name, [])) or "no service of the suite"
        messages[channel] = {
            "name": name,
            "title": name,
            "summary": event_type.description,
            "description": f"{event_type.description} Subject: {event_type.subject}. "
            f"Consumed in the suite by: {used_by}.",
            "contentType": CLOUDEVENTS_CONTENT_TYPE,
            "payload": envelope_schema(event_type),
            "bindings": {"amqp": {"messageType": name, "bindingVersion": AMQP_BINDING}},
            **({"x-deprecated": True} if event_type.deprecated else {}),
        }
        channels[channel] = {
            "address": name,
            "title": name,
            "description": f"Routing key `{name}` on the topic exchange `{EXCHANGE}`.",
            "messages": {channel: {"$ref": f"#/components/messages/{channel}"}},
            "bindings": {
                "amqp": {"is": "routingKey", "exchange": exchange, "bindingVersion": AMQP_BINDING}
            },
        }
        operations[f"publish_{channel}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "summary": event_type.description,
            "messages": [{"$ref": f"#/channels/{channel}/messages/{channel}"}],
            "bindings": {
                "amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": AMQP_BINDING}
            },
        }
    channels["yourQueue"] = {
        "address": "{queue}",
        "title": "A consumer's own queue",
        "description": "A durable quorum queue an integrator declares and binds to "
        f"`{EXCHANGE}` with the routing keys (or patterns) it needs; every message above can "
        "arrive on it. Declare it with the arguments in `x-arguments` (a delivery limit, and "
        "dead-lettering to a parking queue of its own).",
        "parameters": {"queue": {"description": "e.g. `erp.portal-events`", "default": "erp"}},
        "messages": {channel: {"$ref": f"#/components/messages/{channel}"} for channel in messages},
        "bindings": {
            "amqp": {
                "is": "queue",
                "queue": {
                    "name": "{queue}",
                    "durable": True,
                    "exclusive": False,
                    "autoDelete": False,
                    "vhost": "/",
                },
                "x-arguments": {
                    "x-queue-type": "quorum",
                    "x-delivery-limit": 10,
                    "x-dead-letter-exchange": "",
                    "x-dead-letter-routing-key": "{queue}.parked",
                    "x-dead-letter-strategy": "at-least-once",
                    "x-overflow": "reject-publish",
                },
                "bindingVersion": AMQP_BINDING,
            }
        },
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Client portal suite events",
            "version": "1",
            "description": DESCRIPTION,
        },
        "defaultContentType": CLOUDEVENTS_CONTENT_TYPE,
        "servers": {
            "rabbitmq": {
                "host": "{host}",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "The suite's RabbitMQ; ask the firm for an account of your own.",
                "variables": {"host": {"default": "rabbitmq:5672"}},
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages},
    }


def _types(schema: dict) -> set[str]:
    declared = schema.get("type")
    if declared is None:
        return {"any"}
    return {declared} if isinstance(declared, str) else set(declared)


def breaking_changes(old: dict, new: dict, path: str = "data") -> list[str]:
    """How `new` (a data JSON Schema) breaks consumers written for `old`: a field removed, a
    type changed (a value of a type `old` did not allow, null included), a field that was
    optional (or new) made required (events published before it lack it), a required field
    made optional. Empty when compatible."""
    found = []
    widened = _types(new) - _types(old)
    if "any" in _types(old):
        widened = set()
    if widened:
        found.append(f"{path}: type changed to allow {', '.join(sorted(widened))}")
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    for name, old_field in old_props.items():
        where = f"{path}.{name}"
        if name not in new_props:
            found.append(f"{where}: field removed")
            continue
        if name in old_required and name not in new_required:
            found.append(f"{where}: required field made optional")
        found.extend(breaking_changes(old_field, new_props[name], where))
    for name in sorted(new_required - old_required):
        if name in old_props:
            found.append(f"{path}.{name}: optional field made required")
        elif name in new_props:
            found.append(f"{path}.{name}: new field is required (add it optional)")
    if "items" in old and "items" in new:
        found.extend(breaking_changes(old["items"], new["items"], f"{path}[]"))
    return found


def released() -> dict[str, dict]:
    """The released contracts kept in the repository, by type."""
    return {
        contract["type"]: contract
        for contract in (json.loads(p.read_text()) for p in sorted(RELEASED_DIR.glob("*.json")))
    }


def incompatibilities() -> dict[str, list[str]]:
    """Each released type the code no longer publishes compatibly, with what breaks."""
    current = published()
    found = {}
    for name, contract_ in released().items():
        if name not in current:
            found[name] = ["no longer published (keep it, deprecated, beside its .v2)"]
            continue
        problems = breaking_changes(contract_["data"], data_schema(current[name]))
        if problems:
            found[name] = problems
    return found


def release() -> list[Path]:
    """Write the current contracts to events/released/; refuses a breaking change."""
    broken = incompatibilities()
    if broken:
        raise SystemExit(
            "breaking changes to released event types (publish a <type>.v2 instead):\n"
            + json.dumps(broken, indent=2)
        )
    RELEASED_DIR.mkdir(parents=True, exist_ok=True)
    written = []
    for name, event_type in published().items():
        path = RELEASED_DIR / f"{name}.json"
        path.write_text(json.dumps(contract(event_type), indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written


def document_text() -> str:
    """gateway/asyncapi.json as it must be."""
    return json.dumps(asyncapi(), indent=1, ensure_ascii=False) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["document", "release", "check"])
    args = parser.parse_args()
    if args.command == "release":
        for path in release():
            print(path.relative_to(ROOT))
    elif args.command == "document":
        DOCUMENT.write_text(document_text())
        print(DOCUMENT.relative_to(ROOT))
    else:
        broken = incompatibilities()
        print(json.dumps(broken, indent=2) if broken else "compatible with events/released/")
        raise SystemExit(1 if broken else 0)


if __name__ == "__main__":
    main()
