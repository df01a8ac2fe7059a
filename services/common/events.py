"""The CloudEvents 1.0 envelope every event travels in (structured JSON mode)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

import marshmallow as ma
from flask import g, has_request_context


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso(moment: datetime) -> str:
    """A timestamp as event data carries it: ISO 8601 UTC to the second, "2026-05-01T09:30:00Z"."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def timestamp(description: str, **kwargs: object) -> ma.fields.String:
    """A field holding an `iso()` timestamp (built as a string, described as a date-time)."""
    return ma.fields.String(metadata={"format": "date-time", "description": description}, **kwargs)


def current_request_id() -> str | None:
    return g.get("request_id") if has_request_context() else None


@dataclass(frozen=True)
class Event:
    """One integration event; `type` (`identity.user.created`) is also the routing key."""

    type: str
    data: dict
    subject: str | None = None
    source: str = ""
    id: str = field(default_factory=lambda: str(uuid.uuid4()))
    time: str = field(default_factory=_now)
    correlationid: str | None = field(default_factory=current_request_id)

    @property
    def occurred_at(self) -> datetime:
        """`time` as a zone-aware datetime (a time sent without a zone is taken as UTC)."""
        moment = datetime.fromisoformat(self.time)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def to_envelope(self) -> dict:
        envelope = {
            "specversion": "1.0",
            "id": self.id,
            "source": self.source or "/" + self.type.split(".", 1)[0],
            "type": self.type,
            "time": self.time,
            "datacontenttype": "application/json",
            "data": self.data,
        }
        if self.subject is not None:
            envelope["subject"] = self.subject
        if self.correlationid:
            envelope["correlationid"] = self.correlationid
        return envelope

    def to_json(self) -> str:
        return json.dumps(self.to_envelope(), separators=(",", ":"), default=str)

    @classmethod
    def from_envelope(cls, envelope: dict) -> Event:
        missing = [k for k in ("specversion", "id", "type", "source") if not envelope.get(k)]
        if missing or envelope["specversion"] != "1.0":
            raise ValueError(f"not a CloudEvents 1.0 envelope (missing {', '.join(missing)})")
        data = envelope.get("data")
        if not isinstance(data, dict):
            raise ValueError("event data must be a JSON object")
        return cls(
            type=envelope["type"],
            data=data,
            subject=envelope.get("subject"),
            source=envelope["source"],
            id=envelope["id"],
            time=envelope.get("time") or _now(),
            correlationid=envelope.get("correlationid"),
        )

    @classmethod
    def from_json(cls, body: bytes | str) -> Event:
        try:
            envelope = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"event body is not JSON: {exc}") from exc
        if not isinstance(envelope, dict):
            raise ValueError("event body must be a JSON object")
        return cls.from_envelope(envelope)


class EventSchema(ma.Schema):
    """Base of the schemas of published event data: they describe what is sent, and building
    `data` goes through them, so a key the schema does not know is never sent."""

    class Meta:
        ordered = True


@dataclass(frozen=True)
class EventType:
    """One event type a service publishes: its name (also the routing key), the schema of its
    `data`, when it is published and what its `subject` is. Each service lists its own in
    `PUBLISHED` (its events.py); services/contract.py describes them (AsyncAPI, released schemas).

    Versioning: adding an optional field keeps the type; removing or retyping a field, or making
    one required, is a new type `<name>.v2` published beside this one (then `deprecated`)."""

    name: str
    schema: type[ma.Schema]
    description: str
    subject: str
    deprecated: bool = False
    _dumper: ma.Schema = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_dumper", self.schema())

    def event(self, data: object, subject: str, **kwargs: object) -> Event:
        """The event, its `data` dumped through the schema and checked against it (an error is
        a bug of the builder: what is sent must be what the contract says)."""
        dumped = self._dumper.dump(data)
        errors = self._dumper.validate(dumped)
        if errors:
            raise ValueError(f"{self.name}: data does not match its schema: {errors}")
        return Event(self.name, dumped, subject=subject, **kwargs)
