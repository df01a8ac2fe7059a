"""Staff endpoints for users (staff and portal) and their invitations."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_caller, staff_required

from . import schemas, users
from .models import User

blp = Blueprint("users", __name__, url_prefix="/api/v1", description="Staff and portal users")

USER = schemas.UserSchema()
USER_CREATE = schemas.UserCreateSchema()
USER_PATCH = schemas.UserPatchSchema()
USER_QUERY = schemas.UserQuerySchema()
USER_PAGE = schemas.UserPageSchema()
INVITATION_SENT = schemas.InvitationSentSchema()


@blp.route("/users")
class Users(MethodView):
    decorators = [staff_required()]

    @blp.arguments(USER_QUERY, location="query")
    @blp.response(200, USER_PAGE)
    def get(self, query: dict) -> dict:
        """List users, oldest first; filter by kind, company (active members) or text."""
        return users.list_users(
            query.get("kind"),
            query.get("company_id"),
            query.get("q"),
            query["page"],
            query["page_size"],
        )

    @blp.arguments(USER_CREATE)
    @blp.response(201, USER)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body: dict) -> User:
        """Create a user (status 'invited'); staff users only by an admin. Invite them next."""
        return users.create_user(body, current_caller())


@blp.route("/users/<user_id>")
class UserById(MethodView):
    decorators = [staff_required()]

    @blp.response(200, USER)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, user_id: str) -> User:
        return users.get_user(user_id)

    @blp.arguments(USER_PATCH)
    @blp.response(200, USER)
    @blp.alt_response(403, response="FORBIDDEN")
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, body: dict, user_id: str) -> User:
        """Change some fields; staff users and roles only by an admin."""
        return users.update_user(user_id, body, current_caller())


@blp.post("/users/<user_id>/invite")
@staff_required()
@blp.response(202, INVITATION_SENT)
@blp.alt_response(404, response="NOT_FOUND")
@blp.alt_response(409, response="CONFLICT")
def invite(user_id: str) -> dict:
    """E-mail the user a link to choose their password; earlier links stop working."""
    invitation = users.invite_user(user_id, current_caller())
    return {"invitation_id": invitation.id, "expires_at": invitation.expires_at}
