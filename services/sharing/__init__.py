"""Sharing service: matters (contracts and cases) shown in the client portal and their audience."""

from flask import Flask

from services.common.app import ServiceParts, create_service_app
from services.common.replicas import disabled_lookup

from . import portal_api, staff_api
from .config import SharingConfig
from .handlers import HANDLERS
from .models import OutboxEvent, ProcessedEvent, User, db


def create_app(**overrides: object) -> Flask:
    parts = ServiceParts(db, OutboxEvent, ProcessedEvent, HANDLERS)
    parts.account_disabled = disabled_lookup(db, User.id, User.status)
    return create_service_app(
        __name__, SharingConfig(**overrides), parts, [staff_api.blp, portal_api.blp]
    )
