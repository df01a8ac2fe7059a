"""Interventions service: sites, equipment and field interventions customers follow and request."""

from flask import Flask

from services.common.app import ServiceParts, create_service_app

from . import staff_api
from .config import InterventionsConfig
from .handlers import HANDLERS
from .models import OutboxEvent, ProcessedEvent, db


def create_app(**overrides: object) -> Flask:
    parts = ServiceParts(db, OutboxEvent, ProcessedEvent, HANDLERS)
    return create_service_app(__name__, InterventionsConfig(**overrides), parts, [staff_api.blp])
