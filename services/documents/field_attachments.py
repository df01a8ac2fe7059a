"""Field attachments: documents owned by an intervention or a customer company, uploaded by staff
and shown in the portal by the customer's options and the caller's scope.

Who sees what, from the token's claims checked against this service's replicas: a portal user
sees the attachments of their companies and of those companies' interventions; a link session
scoped to a customer sees all of it, one scoped to a site only the interventions of that site,
one scoped to an intervention only that intervention. Anything outside answers 404, exactly as
an id that does not exist; an option the firm turned off answers 403 saying so.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask

from services.common import storage
from services.common.auth import Caller
from services.common.models import is_id
from services.common.problems import ProblemError, field_error

from . import renditions
from .field_replica import effective_options
from .models import Document, FieldIntervention, Version, db
from .service import add_version, store_upload, upload_name
from .uploads import UploadForm

OWNER_TYPES = ("intervention", "company")
OFF_MESSAGES = {
    "portal_enabled": "The firm has turned the portal off for this customer; contact the firm.",
    "attachments_shown": "The firm does not show attachments in this customer's portal.",
    "gallery_shown": "The firm does not show the photo gallery in this customer's portal.",
}


@dataclass(frozen=True)
class Owner:
    type: str  # "intervention" or "company"
    id: str
    company_id: str


def not_found(owner_type: str, owner_id: str) -> ProblemError:
    return ProblemError(
        404, f"There is no {owner_type} '{owner_id[:64]}' in your portal.", code="NOT_FOUND"
    )


def staff_owner(owner_type: str, owner_id: str) -> Owner:
    """The owner a staff upload or listing names: a customer id, or an intervention this
    service has heard of (it learns of a new one seconds after its creation)."""
    if not is_id(owner_id):
        raise ProblemError(404, f"No {owner_type} has the id '{owner_id[:64]}'.", code="NOT_FOUND")
    if owner_type == "company":
        return Owner("company", owner_id, owner_id)
    row = db.session.get(FieldIntervention, owner_id)
    if row is None:
        raise ProblemError(
            404,
            f"No intervention has the id '{owner_id[:64]}' (a new one is known here a few "
            "seconds after its creation: try again then).",
            code="INTERVENTION_NOT_FOUND",
        )
    return Owner("intervention", row.intervention_id, row.company_id)


def _sees_company(caller: Caller, company_id: str) -> bool:
    if caller.kind == "link":
        scope = caller.scope or {}
        return scope.get("type") == "company" and scope.get("company") == company_id
    return caller.kind == "portal" and company_id in caller.companies


def _sees_intervention(caller: Caller, row: FieldIntervention) -> bool:
    if caller.kind == "portal":
        return row.company_id in caller.companies
    if caller.kind != "link":
        return False
    scope = caller.scope or {}
    if scope.get("company") != row.company_id:
        return False
    if scope.get("type") == "site":
        return row.site_id is not None and row.site_id == scope.get("id")
    if scope.get("type") == "intervention":
        return row.intervention_id == scope.get("id")
    return scope.get("type") == "company"


def _visible_owner(caller: Caller, owner_type: str, owner_id: str) -> Owner | None:
    if owner_type not in OWNER_TYPES or not is_id(owner_id):
        return None
    if owner_type == "company":
        return Owner("company", owner_id, owner_id) if _sees_company(caller, owner_id) else None
    row = db.session.get(FieldIntervention, owner_id)
    if row is None or not _sees_intervention(caller, row):
        return None
    return Owner("intervention", row.intervention_id, row.company_id)


def require_option(owner: Owner, option: str) -> None:
    """403 naming the option the firm turned off (the portal itself first)."""
    shown = effective_options(owner.company_id)
    for name in ("portal_enabled", option):
        if not shown[name]:
            raise ProblemError(403, OFF_MESSAGES[name], code=f"{name.upper()}_OFF")


def portal_owner(caller: Caller, owner_type: str, owner_id: str, option: str) -> Owner:
    """The owner if the caller may see it and the firm shows `option` for its customer."""
    owner = _visible_owner(caller, owner_type, owner_id)
    if owner is None:
        raise not_found(owner_type, owner_id)
    require_option(owner, option)
    return owner


def portal_document(caller: Caller, document_id: str, option: str) -> tuple[Document, Version]:
    """A field attachment the caller may open under `option` ("attachments_shown" for the
    file, "gallery_shown" for a photo's thumbnail or the photo itself from the gallery)."""
    document = db.session.get(Document, document_id) if is_id(document_id) else None
    owner = None
    if document is not None and document.owner_type and document.current_version_id:
        owner = _visible_owner(caller, document.owner_type, document.owner_id)
    if owner is None:
        raise ProblemError(
            404, f"No document has the id '{document_id[:64]}'.", code="DOCUMENT_NOT_FOUND"
        )
    version = db.session.get(Version, document.current_version_id)
    if option == "gallery_shown" and version.thumbnail_key is None:
        raise renditions.not_available("This document is not a photo: it has no thumbnail.")
    require_option(owner, option)
    return document, version


def attachments(owner: Owner, photos_only: bool = False) -> list[tuple[Document, Version]]:
    """The owner's documents with their current version, by name."""
    query = (
        sa.select(Document, Version)
        .join(Version, Version.id == Document.current_version_id)
        .where(Document.owner_type == owner.type, Document.owner_id == owner.id)
        .order_by(Document.name, Document.id)
    )
    if photos_only:
        query = query.where(Version.thumbnail_key.is_not(None))
    return [tuple(row) for row in db.session.execute(query).all()]


def item(document: Document, version: Version) -> dict:
    return {
        "id": document.id,
        "name": document.name,
        "owner_type": document.owner_type,
        "owner_id": document.owner_id,
        "size": version.size,
        "content_type": version.content_type,
        "sha256": version.sha256,
        "photo": version.thumbnail_key is not None,
        "preview_available": renditions.previewable(version.content_type, version.size),
        "created_at": document.created_at,
    }


def upload(app: Flask, owner: Owner, form: UploadForm, caller: Caller) -> Document:
    """A new attachment from the form's optional `name` and its `file` (type allow-list and
    size limit as every upload); a photo gets its thumbnail now, once (add_version)."""
    fields = form.fields()
    for unknown in sorted(set(fields) - {"name"}):
        raise field_error(unknown, "Unknown field; send only name (optional) and file.")
    name = upload_name(fields, form)
    stored = store_upload(app, form)
    with storage.deleted_on_error(app, stored.key):
        form.finish()
        document = Document(
            owner_type=owner.type,
            owner_id=owner.id,
            name=name,
            created_by=caller.user_id,
            download_allowed=True,
        )
        db.session.add(document)
        db.session.flush()
        add_version(app, document, stored, caller)
        db.session.commit()
    return document


def attachments_of(document: Document) -> tuple[Document, Version]:
    return document, db.session.get(Version, document.current_version_id)
