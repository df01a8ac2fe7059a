"""The audience replica applies a batch of `sharing.audience.changed` in one transaction: the
newest version of each matter wins, a redelivered event counts once, every one is acked."""

from __future__ import annotations

import uuid

import pika
import sqlalchemy as sa

from services.common.consumer import Delivery, handle_batch
from services.common.events import Event
from services.documents.models import AudienceMember, Matter, ProcessedEvent, db


def _changed(matter_id: str, version: int, users: list[str]) -> Event:
    return Event(
        type="sharing.audience.changed",
        subject=matter_id,
        source="/sharing",
        data={
            "matter_id": matter_id,
            "company_id": "c-1",
            "visible": True,
            "version": version,
            "audience": [{"user_id": u, "reasons": ["member"]} for u in users],
        },
    )


def _delivery(tag: int, event: Event) -> Delivery:
    properties = pika.BasicProperties(message_id=event.id, type=event.type)
    return Delivery(tag, event.type, properties, event.to_json().encode())


def test_a_batch_of_audience_changes_is_applied_in_one_transaction(app):
    matters = [str(uuid.uuid4()) for _ in range(3)]
    events = [
        _changed(matter, version, [f"user-{version}-{n}" for n in range(version)])
        for version in (1, 3, 2)  # version 2 arrives after 3: it is older, ignored
        for matter in matters
    ]
    deliveries = [_delivery(tag, event) for tag, event in enumerate([*events, events[0]])]

    outcomes = handle_batch(app, deliveries)

    assert [outcome.action for outcome in outcomes] == ["ack"] * len(deliveries)
    with app.app_context():
        rows = db.session.execute(
            sa.select(Matter.version, sa.column("xmin")).where(Matter.matter_id.in_(matters))
        ).all()
        assert {version for version, _ in rows} == {3}
        assert len({xmin for _, xmin in rows}) == 1  # written by one transaction
        members = db.session.scalars(
            sa.select(AudienceMember.user_id).where(AudienceMember.matter_id == matters[0])
        ).all()
        assert sorted(members) == ["user-3-0", "user-3-1", "user-3-2"]
        processed = db.session.scalar(
            sa.select(sa.func.count()).where(ProcessedEvent.event_id.in_([e.id for e in events]))
        )
        assert processed == len(events)
