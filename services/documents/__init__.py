"""Documents service: folders, documents and versions on the object store, and who sees them."""

from flask import Flask

from services.common.app import ServiceParts, create_service_app
from services.common.config import BaseConfig

from .handlers import HANDLERS
from .models import OutboxEvent, ProcessedEvent, db


def create_app(**overrides: object) -> Flask:
    parts = ServiceParts(db, OutboxEvent, ProcessedEvent, HANDLERS)
    return create_service_app(__name__, BaseConfig("documents", **overrides), parts)
