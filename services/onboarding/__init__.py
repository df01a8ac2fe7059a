"""Onboarding service: self-service registration of customer representatives (billing portal)."""

from flask import Flask

from services.common.app import ServiceParts, create_service_app

from . import contact_api, portal_api, staff_api
from .config import OnboardingConfig
from .handlers import HANDLERS
from .models import OutboxEvent, ProcessedEvent, db


def create_app(**overrides: object) -> Flask:
    parts = ServiceParts(db, OutboxEvent, ProcessedEvent, HANDLERS)
    return create_service_app(
        __name__,
        OnboardingConfig(**overrides),
        parts,
        [staff_api.blp, portal_api.blp, contact_api.blp],
    )
