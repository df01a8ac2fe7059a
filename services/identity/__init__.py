"""Identity service: staff and portal users, client companies and memberships, invitations,
sign-in (access and refresh tokens) and the signing keys published as JWKS."""

from flask import Flask

from services.common.app import ServiceParts, create_service_app
from services.common.auth import TokenVerifier
from services.common.replicas import disabled_lookup

from . import (
    account_api,
    auth_api,
    companies_api,
    representatives_api,
    secure_links_api,
    users_api,
)
from .config import IdentityConfig
from .handlers import HANDLERS
from .keys import KeyRing
from .models import OutboxEvent, ProcessedEvent, User, db
from .passwords import hashing_slots


def create_app(**overrides: object) -> Flask:
    config = IdentityConfig(**overrides)
    keys = KeyRing(config.SIGNING_KEY_PEM)
    # Identity verifies its own tokens from its key table, never over HTTP to itself.
    verifier = TokenVerifier(config.JWT_ISSUER, config.JWT_AUDIENCE, key_resolver=keys.public_key)
    parts = ServiceParts(db, OutboxEvent, ProcessedEvent, HANDLERS, verifier=verifier)
    # Its own users table, not a replica: a disabled user's tokens stop at once here too.
    parts.account_disabled = disabled_lookup(db, User.id, User.status)
    blueprints = [
        auth_api.blp,
        auth_api.jwks_blp,
        account_api.blp,
        companies_api.blp,
        users_api.blp,
        representatives_api.blp,
        secure_links_api.blp,
    ]
    app = create_service_app(__name__, config, parts, blueprints)
    app.extensions["identity.keys"] = keys
    app.extensions["identity.hash_slots"] = hashing_slots(config.HASH_CONCURRENCY)
    return app
