"""Endpoints of field attachments: staff upload and list those of an intervention or a customer;
portal users and link sessions list, preview and download them, and see the photo gallery, as
field_attachments.py authorizes."""

from __future__ import annotations

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from services.common.auth import current_caller, customer_required, staff_required
from services.common.pagination import PageQuerySchema

from . import field_attachments as field
from . import renditions
from .transfer import file_response, upload_doc, upload_form

staff_blp = Blueprint(
    "field_attachments",
    __name__,
    url_prefix="/api/v1",
    description="Attachments and photos of interventions and customers (staff).",
)
portal_blp = Blueprint(
    "portal_field_attachments",
    __name__,
    url_prefix="/api/v1/portal",
    description="Attachments and photo gallery of the customer's interventions.",
)

# URL segment -> owner type; each view below is routed once per owner type (explicit paths,
# which the gateway's route table and the merged OpenAPI document name).
OWNER_PATHS = {"interventions": "intervention", "companies": "company"}


def _route_per_owner(blp: Blueprint, suffix: str):  # noqa: ANN202 - a class decorator
    def register(view: type[MethodView]) -> type[MethodView]:
        for segment, owner_type in OWNER_PATHS.items():
            routed = type(f"{view.__name__}{segment.title()}", (view,), {"owner_type": owner_type})
            blp.route(f"/{segment}/<owner_id>/{suffix}")(routed)
        return view

    return register


class FieldAttachmentSchema(ma.Schema):
    id = fields.String()
    name = fields.String()
    owner_type = fields.String(metadata={"description": "intervention or company"})
    owner_id = fields.String()
    size = fields.Integer()
    content_type = fields.String()
    sha256 = fields.String()
    photo = fields.Boolean(metadata={"description": "An image: it has a thumbnail"})
    preview_available = fields.Boolean()
    created_at = fields.DateTime()


class FieldAttachmentPageSchema(ma.Schema):
    items = fields.List(fields.Nested(FieldAttachmentSchema))
    page = fields.Integer()
    page_size = fields.Integer()
    total = fields.Integer()


def _page(rows: list, query: dict) -> dict:
    page, size = query["page"], query["page_size"]
    items = [field.item(d, v) for d, v in rows[(page - 1) * size : page * size]]
    return {"items": items, "page": page, "page_size": size, "total": len(rows)}


@_route_per_owner(staff_blp, "attachments")
class StaffFieldAttachments(MethodView):
    decorators = [staff_required()]
    owner_type = ""

    @staff_blp.arguments(PageQuerySchema, location="query")
    @staff_blp.response(200, FieldAttachmentPageSchema)
    @staff_blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, owner_id: str) -> dict:
        """The intervention's or customer's attachments, by name."""
        owner = field.staff_owner(self.owner_type, owner_id)
        return _page(field.attachments(owner), query)

    @staff_blp.doc(**upload_doc(name="Optional, before the file"))
    @staff_blp.response(201, FieldAttachmentSchema)
    @staff_blp.alt_response(404, response="NOT_FOUND")
    @staff_blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @staff_blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    @staff_blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, owner_id: str) -> dict:
        """Attach a file: `name` (optional), then the `file` part. It streams to the store; its
        type is read from its bytes; a photo gets a thumbnail for the portal's gallery."""
        owner = field.staff_owner(self.owner_type, owner_id)
        app = current_app._get_current_object()
        document = field.upload(app, owner, upload_form(app), current_caller())
        return field.item(*field.attachments_of(document))


@_route_per_owner(portal_blp, "attachments")
class PortalFieldAttachments(MethodView):
    decorators = [customer_required]
    owner_type = ""

    @portal_blp.arguments(PageQuerySchema, location="query")
    @portal_blp.response(200, FieldAttachmentPageSchema)
    @portal_blp.alt_response(403, response="FORBIDDEN")
    @portal_blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, owner_id: str) -> dict:
        """The attachments of an intervention or of your company (when the firm shows them)."""
        owner = field.portal_owner(current_caller(), self.owner_type, owner_id, "attachments_shown")
        return _page(field.attachments(owner), query)


@_route_per_owner(portal_blp, "gallery")
class PortalFieldGallery(MethodView):
    decorators = [customer_required]
    owner_type = ""

    @portal_blp.arguments(PageQuerySchema, location="query")
    @portal_blp.response(200, FieldAttachmentPageSchema)
    @portal_blp.alt_response(403, response="FORBIDDEN")
    @portal_blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, owner_id: str) -> dict:
        """The photos (when the firm shows the gallery); each has a `thumbnail`."""
        owner = field.portal_owner(current_caller(), self.owner_type, owner_id, "gallery_shown")
        return _page(field.attachments(owner, photos_only=True), query)


def _open(document_id: str, option: str, *, inline: bool) -> Response:
    document, version = field.portal_document(current_caller(), document_id, option)
    return file_response(current_app._get_current_object(), version, document.name, inline=inline)


@portal_blp.route("/attachments/<document_id>/download")
class PortalFieldDownload(MethodView):
    decorators = [customer_required]

    @portal_blp.response(200, content_type="application/octet-stream")
    @portal_blp.alt_response(403, response="FORBIDDEN")
    @portal_blp.alt_response(404, response="NOT_FOUND")
    def get(self, document_id: str) -> Response:
        """Download an attachment."""
        return _open(document_id, "attachments_shown", inline=False)


@portal_blp.route("/attachments/<document_id>/preview")
class PortalFieldPreview(MethodView):
    decorators = [customer_required]

    @portal_blp.response(200, content_type="application/octet-stream")
    @portal_blp.alt_response(403, response="FORBIDDEN")
    @portal_blp.alt_response(404, response="NOT_FOUND")
    def get(self, document_id: str) -> Response:
        """The attachment in the browser (sandboxed: no scripts, nothing loaded)."""
        return _open(document_id, "attachments_shown", inline=True)


@portal_blp.route("/attachments/<document_id>/thumbnail")
class PortalFieldThumbnail(MethodView):
    decorators = [customer_required]

    @portal_blp.response(200, content_type="image/jpeg")
    @portal_blp.alt_response(403, response="FORBIDDEN")
    @portal_blp.alt_response(404, response="NOT_FOUND")
    def get(self, document_id: str) -> Response:
        """A photo's thumbnail (when the firm shows the gallery)."""
        _, version = field.portal_document(current_caller(), document_id, "gallery_shown")
        data = renditions.thumbnail_bytes(current_app._get_current_object(), version)
        response = Response(data, content_type="image/jpeg")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response


@portal_blp.route("/attachments/<document_id>/photo")
class PortalFieldPhoto(MethodView):
    decorators = [customer_required]

    @portal_blp.response(200, content_type="image/*")
    @portal_blp.alt_response(403, response="FORBIDDEN")
    @portal_blp.alt_response(404, response="NOT_FOUND")
    def get(self, document_id: str) -> Response:
        """A gallery photo in full (when the firm shows the gallery)."""
        return _open(document_id, "gallery_shown", inline=True)
