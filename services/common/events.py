"""The CloudEvents 1.0 envelope every event travels in (structured JSON mode)."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from flask import g, has_request_context


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def iso(moment: datetime) -> str:
    """A timestamp as event data carries it: ISO 8601 UTC to the second, "2026-05-01T09:30:00Z"."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


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
