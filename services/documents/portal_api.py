"""Portal endpoints: the attachments a client contact may see, their download and preview.

Whatever the portal user may not see answers 404, exactly as an id that does not exist.
"""

from __future__ import annotations

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_caller, portal_required
from services.common.pagination import PageQuerySchema
from services.common.problems import ProblemError

from . import schemas
from .models import Document, Version
from .transfer import file_response
from .visibility import portal_matter, visible_document, visible_documents

blp = Blueprint(
    "portal_documents",
    __name__,
    url_prefix="/api/v1/portal",
    description="The attachments shared with the signed-in client contact.",
)


def _document(document_id: str) -> tuple[Document, Version]:
    found = visible_document(document_id, current_caller().user_id)
    if found is None:
        raise ProblemError(
            404, f"No document has the id '{document_id[:64]}'.", code="DOCUMENT_NOT_FOUND"
        )
    return found


@blp.route("/matters/<matter_id>/documents")
class PortalMatterDocuments(MethodView):
    decorators = [portal_required]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, schemas.PortalDocumentPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, matter_id: str) -> dict:
        """The matter's attachments shared with you, by folder then name."""
        matter = portal_matter(matter_id, current_caller().user_id)
        if matter is None:
            raise ProblemError(
                404, f"No matter has the id '{matter_id[:64]}'.", code="MATTER_NOT_FOUND"
            )
        rows = visible_documents(matter)
        page, size = query["page"], query["page_size"]
        items = [
            {
                "id": document.id,
                "name": document.name,
                "folder_path": path,
                "size": version.size,
                "content_type": version.content_type,
                "sha256": version.sha256,
                "created_at": document.created_at,
                "updated_at": version.created_at,
                "download_allowed": document.download_allowed,
            }
            for document, version, path in rows[(page - 1) * size : page * size]
        ]
        return {
            "items": items,
            "page": page,
            "page_size": size,
            "total": len(rows),
            "audience_version": matter.version,
        }


@blp.route("/documents/<document_id>/download")
class PortalDocumentDownload(MethodView):
    decorators = [portal_required]

    @blp.response(200, content_type="application/octet-stream", description="The file's bytes")
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, document_id: str):
        """Download the document (when the firm allows downloading it)."""
        document, version = _document(document_id)
        if not document.download_allowed:
            raise ProblemError(
                403,
                "The firm has not allowed downloading this document; open its preview instead, "
                "or ask your contact at the firm for a copy.",
                code="DOWNLOAD_NOT_ALLOWED",
            )
        app = current_app._get_current_object()
        return file_response(app, version, document.name, inline=False)


@blp.route("/documents/<document_id>/preview")
class PortalDocumentPreview(MethodView):
    decorators = [portal_required]

    @blp.response(200, content_type="application/octet-stream", description="The file, inline")
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, document_id: str):
        """View the document in the browser (sandboxed: no scripts, nothing loaded)."""
        document, version = _document(document_id)
        app = current_app._get_current_object()
        return file_response(app, version, document.name, inline=True)
