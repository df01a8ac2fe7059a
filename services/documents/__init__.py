"""Documents service: folders, documents and versions on the object store, and who sees them."""

import logging

from flask import Flask

from services.common import storage
from services.common.app import ServiceParts, create_service_app
from services.common.replicas import disabled_lookup

from .config import DocumentsConfig
from .field_api import portal_blp as field_portal_blp
from .field_api import staff_blp as field_staff_blp
from .field_replica import link_revoked
from .handlers import HANDLERS
from .models import OutboxEvent, ProcessedEvent, User, db
from .portal_api import blp as portal_blp
from .staff_api import blp as staff_blp

log = logging.getLogger(__name__)


def create_app(**overrides: object) -> Flask:
    parts = ServiceParts(db, OutboxEvent, ProcessedEvent, HANDLERS)
    parts.account_disabled = disabled_lookup(db, User.id, User.status)
    parts.link_revoked = link_revoked
    app = create_service_app(
        __name__,
        DocumentsConfig(**overrides),
        parts,
        [staff_blp, portal_blp, field_staff_blp, field_portal_blp],
    )
    # Also creates the bucket once a store that was down at startup comes back.
    parts.readiness["storage"] = lambda: storage.ensure_bucket(app)
    try:
        storage.ensure_bucket(app)
    except storage.STORE_ERRORS as exc:
        log.warning("object store unreachable at startup (%s); /readyz reports it", exc)
    return app
