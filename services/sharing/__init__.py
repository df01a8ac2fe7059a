"""Sharing service: matters (contracts and cases) shown in the client portal and their audience."""

from flask import Flask

from services.common.app import ServiceParts, create_service_app

from . import portal_api, staff_api
from .config import SharingConfig
from .handlers import HANDLERS
from .models import OutboxEvent, ProcessedEvent, db


def create_app(**overrides: object) -> Flask:
    parts = ServiceParts(db, OutboxEvent, ProcessedEvent, HANDLERS)
    return create_service_app(
        __name__, SharingConfig(**overrides), parts, [staff_api.blp, portal_api.blp]
    )
