"""Secure access links: staff issue, list and revoke them; anyone holding one exchanges it."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_caller, staff_required

from . import secure_links
from .secure_link_schemas import (
    IssuedLinkSchema,
    LinkExchangeSchema,
    LinkSessionSchema,
    SecureLinkCreateSchema,
    SecureLinkPageSchema,
    SecureLinkQuerySchema,
    SecureLinkSchema,
)
from .tokens import keyring

blp = Blueprint("secure_links", __name__, url_prefix="/api/v1", description="Secure access links")

NO_STORE = {"Cache-Control": "no-store"}


@blp.route("/secure-links")
class SecureLinks(MethodView):
    decorators = [staff_required()]

    @blp.arguments(SecureLinkQuerySchema, location="query")
    @blp.response(200, SecureLinkPageSchema)
    def get(self, filters: dict):
        """A customer's links (`company_id`), newest first; never their tokens."""
        page = secure_links.list_links(filters)
        return {**page, "items": [secure_links.view(link) for link in page["items"]]}

    @blp.arguments(SecureLinkCreateSchema)
    @blp.response(201, IssuedLinkSchema)
    def post(self, data: dict):
        """Issue a link to a customer's portal (whole customer, one site or one intervention).
        The token and URL are in this answer only: copy it, or `send_to_contact`."""
        link, raw = secure_links.issue(data, current_caller().user_id)
        body = {**secure_links.view(link), "token": raw, "url": secure_links.link_url(raw)}
        return body, NO_STORE


@blp.route("/secure-links/<link_id>")
class SecureLinkResource(MethodView):
    decorators = [staff_required()]

    @blp.response(200, SecureLinkSchema)
    def get(self, link_id: str):
        return secure_links.view(secure_links.get(link_id))

    @blp.response(204)
    def delete(self, link_id: str):
        """Revoke the link: it stops opening the portal and its sessions end at their next
        request."""
        secure_links.revoke(link_id)


@blp.post("/auth/links/exchange")
@blp.arguments(LinkExchangeSchema)
@blp.response(200, LinkSessionSchema)
@blp.alt_response(400, response="BAD_REQUEST")
def exchange(body: dict):
    """Open a secure link: a short-lived access token limited to the link's customer and scope
    (400 LINK_INVALID when revoked or expired)."""
    keyring().signing_key()
    return secure_links.exchange(body["token"]), NO_STORE
