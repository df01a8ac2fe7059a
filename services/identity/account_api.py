"""The signed-in person's own account: GET/PATCH /me and POST /me/password."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_caller, signed_in
from services.common.network import client_address

from . import account, schemas

blp = Blueprint("account", __name__, url_prefix="/api/v1", description="Who am I, my account")

ME = schemas.MeSchema()
ME_PATCH = schemas.MePatchSchema()
CHANGE_PASSWORD = schemas.ChangePasswordSchema()


@blp.route("/me")
class Me(MethodView):
    decorators = [signed_in]

    @blp.response(200, ME)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    def get(self) -> dict:
        """The signed-in user, with the companies a portal user belongs to."""
        return account.me(current_caller())

    @blp.arguments(ME_PATCH)
    @blp.response(200, ME)
    @blp.alt_response(401, response="UNAUTHORIZED")
    @blp.alt_response(403, response="FORBIDDEN")
    def patch(self, body: dict) -> dict:
        """Change one's own name, language (en, fr, es) or time zone (IANA; null: the firm's)."""
        return account.update_me(current_caller(), body)


@blp.post("/me/password")
@signed_in
@blp.arguments(CHANGE_PASSWORD)
@blp.response(204)
@blp.alt_response(401, response="UNAUTHORIZED")
@blp.alt_response(403, response="FORBIDDEN")
@blp.alt_response(429, response="TOO_MANY_REQUESTS")
@blp.alt_response(503, response="SERVICE_UNAVAILABLE")
def change_password(body: dict) -> None:
    """Change one's password (the current one is needed); one's other sessions are signed out."""
    account.change_password(
        current_caller(), body["current_password"], body["new_password"], client_address()
    )
