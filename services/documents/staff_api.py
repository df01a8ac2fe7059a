"""Staff endpoints: folders, uploads, documents' settings, versions and downloads."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify
from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_caller, staff_required
from services.common.pagination import PageQuerySchema, paginate

from . import access, schemas, service, shares
from .models import AccessRecord, Folder, Matter, Version, db
from .transfer import file_response, upload_doc, upload_form

blp = Blueprint(
    "documents",
    __name__,
    url_prefix="/api/v1",
    description="Matter attachments: folders, documents, versions and their portal visibility.",
)

FILE_RESPONSE = {"content_type": "application/octet-stream", "description": "The file's bytes"}


@blp.route("/matters/<matter_id>/documents")
class MatterDocuments(MethodView):
    decorators = [staff_required()]

    @blp.arguments(schemas.DocumentQuerySchema, location="query")
    @blp.response(200, schemas.DocumentPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, matter_id: str) -> dict:
        """The matter's documents by name: only those directly in `folder_id` if given, only
        those whose name, folder or text matches `q`. With `shared_with` (contact ids, comma
        separated), `shared` holds the same page of those shared with ALL of these contacts."""
        # Built as JSON already (the schema documents it): a marshmallow dump cost more than SQL.
        return jsonify(service.list_documents(matter_id, query))

    @blp.doc(**upload_doc(folder_id="Optional, before the file", name="Optional, before the file"))
    @blp.response(201, schemas.DocumentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, matter_id: str) -> dict:
        """Upload a new document: fields `folder_id` and `name` (optional) before the `file` part.

        The file streams to the store; its type is sniffed from its bytes, its SHA-256 kept.
        """
        app = current_app._get_current_object()
        form = upload_form(app)
        document = service.upload_document(app, matter_id, form, current_caller())
        return service.document_view(document)


@blp.route("/matters/<matter_id>/document-shares")
class MatterDocumentShares(MethodView):
    decorators = [staff_required()]

    @blp.arguments(schemas.ShareSelectionSchema)
    @blp.response(200, schemas.ShareSavedSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def put(self, body: dict, matter_id: str) -> dict:
        """Save a selection: exactly `documents` are shared with ALL of `contacts`.

        Documents these contacts had in common and that are not listed stop being shared with
        them; documents shared with only some of them stay as they are. Each contact is
        e-mailed once, listing what is newly shared with them. Saving it again changes nothing.
        """
        matter = service.known_matter(matter_id)
        return shares.save(matter, body, current_caller())


@blp.route("/matters/<matter_id>/documents/settings")
class MatterDocumentSettings(MethodView):
    decorators = [staff_required()]

    @blp.response(200, schemas.MatterSettingsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, matter_id: str) -> Matter:
        return service.known_matter(matter_id)

    @blp.arguments(schemas.MatterSettingsSchema)
    @blp.response(200, schemas.MatterSettingsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def put(self, body: dict, matter_id: str) -> Matter:
        """Whether clients may download, or only preview, the documents with no own setting."""
        return service.update_matter_settings(matter_id, body)


@blp.route("/matters/<matter_id>/folders")
class MatterFolders(MethodView):
    decorators = [staff_required()]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, schemas.FolderPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, matter_id: str) -> dict:
        """The matter's folders (all levels; `parent_id` gives the tree), by name."""
        service.known_matter(matter_id)
        select = sa.select(Folder).where(Folder.matter_id == matter_id)
        select = select.order_by(Folder.name, Folder.id)
        return paginate(db.session, select, query["page"], query["page_size"])

    @blp.arguments(schemas.FolderCreateSchema)
    @blp.response(201, schemas.FolderSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body: dict, matter_id: str) -> Folder:
        """Create a folder (in `parent_id`, or at the root)."""
        return service.create_folder(matter_id, body)


@blp.route("/matters/<matter_id>/folders/<folder_id>")
class MatterFolder(MethodView):
    decorators = [staff_required()]

    @blp.response(200, schemas.FolderSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, matter_id: str, folder_id: str) -> Folder:
        return service.folder_of(matter_id, folder_id)

    @blp.arguments(schemas.FolderPatchSchema)
    @blp.response(200, schemas.FolderSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, body: dict, matter_id: str, folder_id: str) -> Folder:
        """Rename, or show/hide in the portal everything in it, now and added later."""
        return service.update_folder(matter_id, folder_id, body)


@blp.route("/documents/<document_id>")
class DocumentById(MethodView):
    decorators = [staff_required()]

    @blp.response(200, schemas.DocumentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, document_id: str) -> dict:
        return service.document_view(service.document_of(document_id))

    @blp.arguments(schemas.DocumentPatchSchema)
    @blp.response(200, schemas.DocumentSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def patch(self, body: dict, document_id: str) -> dict:
        """Rename, move, show/hide in the portal (null: as its folder), allow downloading."""
        return service.document_view(service.update_document(document_id, body))


@blp.route("/documents/<document_id>/versions")
class DocumentVersions(MethodView):
    decorators = [staff_required()]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, schemas.VersionPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, document_id: str) -> dict:
        """The document's versions, newest first."""
        service.document_of(document_id)
        select = sa.select(Version).where(Version.document_id == document_id)
        select = select.order_by(Version.created_at.desc(), Version.id)
        return paginate(db.session, select, query["page"], query["page_size"])

    @blp.doc(**upload_doc())
    @blp.response(201, schemas.VersionSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(413, response="REQUEST_ENTITY_TOO_LARGE")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, document_id: str) -> Version:
        """Upload a new current version: the `file` part only."""
        app = current_app._get_current_object()
        form = upload_form(app)
        return service.upload_version(app, document_id, form, current_caller())


@blp.route("/documents/<document_id>/download")
class DocumentDownload(MethodView):
    decorators = [staff_required()]

    @blp.arguments(schemas.DownloadQuerySchema, location="query")
    @blp.response(200, **FILE_RESPONSE)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, document_id: str):
        """The current version's bytes (or `version_id`'s), as an attachment."""
        document = service.document_of(document_id)
        version = service.version_of(document, query.get("version_id"))
        return file_response(
            current_app._get_current_object(), version, document.name, inline=False
        )


@blp.route("/documents/<document_id>/access")
class DocumentAccess(MethodView):
    decorators = [staff_required()]

    @blp.arguments(schemas.AccessQuerySchema, location="query")
    @blp.response(200, schemas.AccessPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, document_id: str) -> dict:
        """Who previewed or downloaded this document in the portal, newest first."""
        document = service.document_of(document_id)
        where = [AccessRecord.document_id == document.id]
        if query.get("user_id"):
            where.append(AccessRecord.user_id == query["user_id"])
        return access.records(where, query["page"], query["page_size"])


@blp.route("/matters/<matter_id>/documents/access")
class MatterAccess(MethodView):
    decorators = [staff_required()]

    @blp.arguments(schemas.AccessQuerySchema, location="query")
    @blp.response(200, schemas.AccessPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, matter_id: str) -> dict:
        """Every portal preview and download of the matter's documents (`user_id`: one
        contact's), newest first."""
        service.known_matter(matter_id)
        where = [AccessRecord.matter_id == matter_id]
        if query.get("user_id"):
            where.append(AccessRecord.user_id == query["user_id"])
        return access.records(where, query["page"], query["page_size"])
