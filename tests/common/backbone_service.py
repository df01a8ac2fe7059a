"""A tiny service made only of the common building blocks, to test the backbone on its own."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Mapped, mapped_column

from services.common.app import ServiceParts, create_service_app
from services.common.config import BaseConfig
from services.common.consumer import batched
from services.common.events import Event
from services.common.models import OutboxMixin, ProcessedEventMixin

db = SQLAlchemy()
FAILURES: dict[str, int] = {}  # event id -> failures still to simulate
CALLS: dict[str, int] = {}  # event id -> times a handler ran
PARKED: list[str] = []


class OutboxEvent(OutboxMixin, db.Model):
    pass


class ProcessedEvent(ProcessedEventMixin, db.Model):
    pass


class Note(db.Model):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    text: Mapped[str] = mapped_column(sa.String(200))


class Tally(db.Model):
    """One entity many transactions change: the relay's order test counts on it."""

    __tablename__ = "tallies"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def record_note(event: Event) -> None:
    CALLS[event.id] = CALLS.get(event.id, 0) + 1
    time.sleep(event.data.get("work_seconds", 0))  # a long handler
    if FAILURES.get(event.id, 0) > 0:
        FAILURES[event.id] -= 1
        raise RuntimeError("simulated handler failure")
    db.session.add(Note(event_id=event.id, text=event.data["text"]))


class BatchTally(db.Model):
    """What a batched handler writes, with the transaction that wrote it."""

    __tablename__ = "batch_tallies"
    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(36), index=True)
    txid: Mapped[int] = mapped_column(sa.BigInteger)


@batched
def count_tally(event: Event) -> None:
    if FAILURES.get(event.id, 0) > 0:
        FAILURES[event.id] -= 1
        raise RuntimeError("simulated handler failure")
    txid = db.session.scalar(sa.select(sa.func.txid_current()))
    db.session.add(BatchTally(event_id=event.id, txid=txid))


class Label(db.Model):
    """A replica-like row upserted by key: what a concurrent insert can race with."""

    __tablename__ = "labels"
    key: Mapped[str] = mapped_column(sa.String(36), primary_key=True)
    text: Mapped[str] = mapped_column(sa.String(200))


INSERTED_MEANWHILE: dict[str, str] = {}  # label key -> text another transaction inserts first


def set_label(event: Event) -> None:
    """Lock the label and change it, or insert it when there is none: as replicas do."""
    CALLS[event.id] = CALLS.get(event.id, 0) + 1
    key = event.data["key"]
    label = db.session.get(Label, key, with_for_update=True)
    if label is None:
        if key in INSERTED_MEANWHILE:  # another transaction (a read-through) gets there first
            with db.engine.begin() as other:
                other.execute(sa.insert(Label), {"key": key, "text": INSERTED_MEANWHILE.pop(key)})
        label = Label(key=key)
        db.session.add(label)
    label.text = event.data["text"]


def on_park(event: Event, error: str) -> None:
    PARKED.append(event.id)


HANDLERS = {
    "backbone.note.added": [record_note],
    "backbone.tally.counted": [count_tally],
    "backbone.label.set": [set_label],
}


def create_app(**overrides: object) -> Flask:
    parts = ServiceParts(db, OutboxEvent, ProcessedEvent, HANDLERS, on_park=on_park)
    app = create_service_app(__name__, BaseConfig("backbone", **overrides), parts)
    with app.app_context():
        db.create_all()  # tests only: real services migrate with Alembic
    return app


def note_event(text: str, work_seconds: float = 0) -> Event:
    data = {"text": text, "work_seconds": work_seconds}
    return Event(type="backbone.note.added", data=data, source="/backbone")


def tally_event() -> Event:
    return Event(type="backbone.tally.counted", data={}, source="/backbone")


def label_event(key: str, text: str) -> Event:
    return Event(type="backbone.label.set", data={"key": key, "text": text}, source="/backbone")
