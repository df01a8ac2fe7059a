"""Portal endpoints (`/api/v1/portal/matters...`): what a client contact sees and decides.

A matter outside the caller's audience is a 404 whatever its id: never a 403 that would
confirm it exists.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_smorest import Blueprint

from services.common.auth import current_caller, portal_required
from services.common.network import client_address

from . import collaboration, portal_queries
from .portal_schemas import (
    ApprovalSchema,
    MyCollaborationSchema,
    MySignatureSchema,
    PortalMatterDetailSchema,
    PortalMatterPageSchema,
    PortalMatterQuerySchema,
    SignatureReceiptSchema,
    SignSchema,
)

blp = Blueprint(
    "portal_matters",
    __name__,
    url_prefix="/api/v1/portal/matters",
    description="Contracts and cases shared with me (client portal)",
)


@blp.get("")
@portal_required
@blp.arguments(PortalMatterQuerySchema, location="query")
@blp.response(200, PortalMatterPageSchema)
def list_matters(query: dict):
    """The matters shared with me, each with why I see it and its visible milestones; those
    awaiting my approval or signature first."""
    # Built as JSON already (the schema documents it): a marshmallow dump would cost more than SQL.
    return jsonify(
        portal_queries.matters_for(
            current_caller().user_id,
            query["page"],
            query["page_size"],
            query["q"],
            query["company_id"],
        )
    )


@blp.get("/<matter_id>")
@portal_required
@blp.response(200, PortalMatterDetailSchema)
def get_matter(matter_id: str):
    return jsonify(portal_queries.matter_for(matter_id, current_caller().user_id))


@blp.post("/<matter_id>/approval")
@portal_required
@blp.arguments(ApprovalSchema)
@blp.response(200, MyCollaborationSchema)
def approve_or_reject(data: dict, matter_id: str):
    """Approve or reject (with a comment) as an approver; the decision is final."""
    return collaboration.decide(
        matter_id, current_caller().user_id, data["decision"], data["comment"]
    )


@blp.post("/<matter_id>/signature")
@portal_required
@blp.arguments(SignSchema)
@blp.response(201, SignatureReceiptSchema)
@blp.alt_response(
    503,
    response="SERVICE_UNAVAILABLE",
    description="Nothing was signed: the documents could not be checked yet (Retry-After)",
)
def sign(data: dict, matter_id: str):
    """Sign as a signee over the matter's documents you see now; the signature is final.

    The receipt names each document signed with its SHA-256; `no_documents` is true when none
    was shown to you. A 503 (with Retry-After) means nothing was signed: try again in a moment."""
    signed = collaboration.sign(
        matter_id,
        current_caller().user_id,
        data["full_name"].strip(),
        client_address(),
        request.headers.get("User-Agent"),
        expected=data["expected_documents"],
    )
    signature = signed.signature
    return {
        "collaborator_id": signed.id,
        "full_name": signature.full_name,
        "signed_at": signature.signed_at,
        "documents": signature.documents,
        "no_documents": not signature.documents,
    }


@blp.get("/<matter_id>/signature")
@portal_required
@blp.response(200, MySignatureSchema)
def my_signature(matter_id: str):
    """My signature receipt on this matter (to reopen or print it later)."""
    return portal_queries.my_signature(matter_id, current_caller().user_id)
