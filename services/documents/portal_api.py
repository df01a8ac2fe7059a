"""Portal endpoints: the attachments a client contact may see, their download and preview.

Whatever the portal user may not see answers 404, exactly as an id that does not exist. A
preview never sends the original bytes unless the firm allows downloading the document: the
server draws the pages and stamps each one with the viewer and the time.
"""

from __future__ import annotations

import marshmallow as ma
from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.common.auth import current_caller, portal_required
from services.common.models import utcnow
from services.common.pagination import PageQuerySchema
from services.common.problems import ProblemError

from . import access, renditions, schemas, service
from .models import AccessRecord, Document, Matter, Version, db
from .transfer import file_response, rendered_response, upload_doc, upload_form
from .visibility import (
    folder_path,
    matter_folders,
    may_download,
    portal_matter,
    visible_document,
    visible_documents,
    visible_ids,
)

blp = Blueprint(
    "portal_documents",
    __name__,
    url_prefix="/api/v1/portal",
    description="The attachments shared with the signed-in client contact.",
)


def _document(document_id: str) -> tuple[Document, Version, Matter]:
    found = visible_document(document_id, current_caller().user_id)
    if found is None:
        raise ProblemError(
            404, f"No document has the id '{document_id[:64]}'.", code="DOCUMENT_NOT_FOUND"
        )
    return found


def _matter(matter_id: str) -> Matter:
    matter = portal_matter(matter_id, current_caller().user_id)
    if matter is None:
        raise ProblemError(
            404, f"No matter has the id '{matter_id[:64]}'.", code="MATTER_NOT_FOUND"
        )
    return matter


def _row(document: Document, version: Version, path: list[str], matter: Matter, me: str) -> dict:
    return {
        "id": document.id,
        "name": document.name,
        "folder_path": path,
        "size": version.size,
        "content_type": version.content_type,
        "sha256": version.sha256,
        "version_number": version.number,
        "created_at": document.created_at,
        "updated_at": version.created_at,
        "download_allowed": may_download(document, matter),
        "preview_available": renditions.previewable(version.content_type, version.size),
        "from_client": document.from_client,
        "uploaded_by_me": document.from_client and document.created_by == me,
        "replaces_id": document.replaces_id,
    }


def _item(document: Document, matter: Matter, me: str) -> dict:
    version = db.session.get(Version, document.current_version_id)
    return _row(
        document,
        version,
        folder_path(document.folder_id, matter_folders(matter.matter_id)),
        matter,
        me,
    )


class PortalDocumentQuerySchema(PageQuerySchema):
    q = fields.String(
        validate=validate.Length(max=200),
        metadata={"description": "Words in the name, the folder or the text of the document"},
    )


@blp.route("/matters/<matter_id>/documents")
class PortalMatterDocuments(MethodView):
    decorators = [portal_required]

    @blp.arguments(PortalDocumentQuerySchema, location="query")
    @blp.response(200, schemas.PortalDocumentPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, matter_id: str) -> dict:
        """The matter's attachments shared with you, by folder then name (`q` searches)."""
        matter = _matter(matter_id)
        me = current_caller().user_id
        page, size = query["page"], query["page_size"]
        rows, total = visible_documents(matter, me, query.get("q", ""), page, size)
        items = [_row(document, version, path, matter, me) for document, version, path in rows]
        return {
            "items": items,
            "page": page,
            "page_size": size,
            "total": total,
            "audience_version": matter.version,
        }

    @blp.doc(
        **upload_doc(
            replaces="Optional: the id of a document shared with you that this one updates",
            name="Optional: the file's name (default: the file part's)",
        )
    )
    @blp.response(201, schemas.PortalDocumentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @blp.alt_response(415, response="UNSUPPORTED_MEDIA_TYPE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, matter_id: str) -> dict:
        """Send the firm a document: fields `replaces` and `name` (optional), then `file`.

        It streams to the store; its type is read from its bytes (PDF, images, Office
        documents, text, CSV, ZIP unless the firm set otherwise). It is marked as yours and
        the firm's people following the matter are told.
        """
        app = current_app._get_current_object()
        form = upload_form(app)
        document = service.client_upload(app, matter_id, form, current_caller())
        return _item(document, _matter(matter_id), current_caller().user_id)


@blp.route("/documents/<document_id>/download")
class PortalDocumentDownload(MethodView):
    decorators = [portal_required]

    @blp.response(200, content_type="application/octet-stream", description="The file's bytes")
    @blp.alt_response(206, description="The byte range asked for (Range: bytes=...)")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, document_id: str):
        """Download the document (when the firm allows downloading it)."""
        document, version, matter = _document(document_id)
        if not may_download(document, matter):
            raise ProblemError(
                403,
                "The firm has not allowed downloading this document; open its preview instead, "
                "or ask your contact at the firm for a copy.",
                code="DOWNLOAD_NOT_ALLOWED",
            )
        app = current_app._get_current_object()
        response = file_response(app, version, document.name, inline=False)
        access.record(document, version, matter, current_caller(), "download")
        return response


class PreviewQuerySchema(ma.Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=10_000))


@blp.route("/documents/<document_id>/preview")
class PortalDocumentPreview(MethodView):
    decorators = [portal_required]

    @blp.arguments(PreviewQuerySchema, location="query")
    @blp.response(200, content_type="image/png", description="A page, or the file itself")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, document_id: str):
        """View the document in the browser.

        Downloadable PDFs, images and text come as they are (sandboxed: no scripts, nothing
        loaded). Otherwise the server draws page `page` as a PNG (text: as text) stamped with
        your name and the time; `X-Preview-Pages` says how many pages there are.
        """
        document, version, matter = _document(document_id)
        app = current_app._get_current_object()
        caller = current_caller()
        if not renditions.previewable(version.content_type, version.size):
            raise renditions.not_available(
                "No preview is available for this kind of file; download it if the firm "
                "allows it, or ask your contact at the firm."
            )
        if may_download(document, matter):
            response = file_response(app, version, document.name, inline=True)
            response.headers["X-Preview-Mode"] = "original"
        else:
            rendered = renditions.rendition(app, version)
            if query["page"] > rendered.pages:
                raise ProblemError(
                    404,
                    f"This document has {rendered.pages} page(s) to preview.",
                    code="PAGE_NOT_FOUND",
                )
            data = renditions.page(app, version, rendered, query["page"])
            line = renditions.stamp_line(caller.email or caller.user_id, utcnow())
            if rendered.kind == "text":
                body = f"{line}\n\n".encode() + data
                response = rendered_response(body, renditions.TEXT, rendered.pages)
            else:
                from . import stamping  # Pillow: loaded on the first page viewed, not at start

                png = stamping.stamped_png(data, line)
                response = rendered_response(png, "image/png", rendered.pages)
        if query["page"] == 1:  # one record per viewing, not per page turned
            access.record(document, version, matter, caller, "preview")
        return response


@blp.route("/matters/<matter_id>/documents/access")
class PortalMatterAccess(MethodView):
    decorators = [portal_required]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, schemas.AccessPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, matter_id: str) -> dict:
        """Who in your company previewed or downloaded the documents you can see here."""
        matter = _matter(matter_id)
        caller = current_caller()
        if matter.company_id not in caller.companies:
            return {"items": [], "page": query["page"], "page_size": query["page_size"], "total": 0}
        where = [
            AccessRecord.matter_id == matter.matter_id,
            AccessRecord.company_id == matter.company_id,
            AccessRecord.document_id.in_(visible_ids(matter, caller.user_id)),
        ]
        return access.records(where, query["page"], query["page_size"])


@blp.route("/documents/<document_id>/preview/info")
class PortalDocumentPreviewInfo(MethodView):
    decorators = [portal_required]

    @blp.response(200, schemas.PreviewInfoSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, document_id: str) -> dict:
        """How the preview comes: `original` (the file itself, inline) or `rendered` pages
        (`kind` image or text) and how many; drawing them now if they are not yet."""
        document, version, matter = _document(document_id)
        if not renditions.previewable(version.content_type, version.size):
            return {"mode": "none", "kind": "none", "pages": 0}
        if may_download(document, matter):
            kind = "pdf" if version.content_type == renditions.PDF else "original"
            return {"mode": "original", "kind": kind, "pages": 1}
        rendered = renditions.rendition(current_app._get_current_object(), version)
        return {"mode": "rendered", "kind": rendered.kind, "pages": rendered.pages}
