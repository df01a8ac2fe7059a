"""Interventions service: sites, equipment and field interventions customers follow and request."""

from flask import Flask

from services.common.app import ServiceParts, create_service_app

from . import portal_api, staff_api
from .config import InterventionsConfig
from .handlers import HANDLERS
from .models import OutboxEvent, ProcessedEvent, RevokedLink, db


def create_app(**overrides: object) -> Flask:
    parts = ServiceParts(db, OutboxEvent, ProcessedEvent, HANDLERS, link_revoked=_revoked)
    return create_service_app(
        __name__, InterventionsConfig(**overrides), parts, [staff_api.blp, portal_api.blp]
    )


def _revoked(link_id: str) -> bool:
    return db.session.get(RevokedLink, link_id) is not None
