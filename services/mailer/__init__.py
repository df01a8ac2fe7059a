"""Mailer service: every e-mail the portal sends, rendered in the reader's language and logged."""

from flask import Flask

from services.common.app import ServiceParts, create_service_app
from services.common.replicas import disabled_lookup

from .config import MailerConfig
from .delivery import on_park
from .handlers import HANDLERS
from .models import OutboxEvent, ProcessedEvent, Recipient, db
from .staff_api import blp


def create_app(**overrides: object) -> Flask:
    parts = ServiceParts(db, OutboxEvent, ProcessedEvent, HANDLERS, on_park=on_park)
    parts.account_disabled = disabled_lookup(db, Recipient.user_id, Recipient.status)
    return create_service_app(__name__, MailerConfig(**overrides), parts, [blp])
