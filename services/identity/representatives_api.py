"""Portal endpoints of a primary representative (`/api/v1/portal/companies/{id}/representatives`):
list, invite, deactivate. Thin: each view calls one use case."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from services.common.auth import current_caller, portal_required

from . import company_representatives as reps
from .models import LOCALES
from .schemas import email, text

blp = Blueprint(
    "representatives",
    __name__,
    url_prefix="/api/v1/portal/companies",
    description="A primary representative manages their company's representatives (portal)",
)


class RepresentativeInSchema(ma.Schema):
    email = email(required=True)
    name = text(200, required=True)
    locale = fields.String(load_default="en", validate=validate.OneOf(LOCALES))


class RepresentativeSchema(ma.Schema):
    user_id = fields.String()
    name = fields.String()
    email = fields.String()
    role = fields.String()
    active = fields.Boolean()
    status = fields.String(metadata={"description": "invited, active or disabled"})


class RepresentativeListSchema(ma.Schema):
    items = fields.List(fields.Nested(RepresentativeSchema))


def _view(membership) -> dict:
    user = membership.user
    return {
        "user_id": user.id,
        "name": user.name,
        "email": user.email,
        "role": membership.role,
        "active": membership.active,
        "status": user.status,
    }


@blp.route("/<company_id>/representatives")
class Representatives(MethodView):
    decorators = [portal_required]

    @blp.response(200, RepresentativeListSchema)
    def get(self, company_id: str):
        """The company's representatives; only for its active primary representative."""
        found = reps.list_representatives(company_id, current_caller())
        return {"items": [_view(m) for m in found]}

    @blp.arguments(RepresentativeInSchema)
    @blp.response(201, RepresentativeSchema)
    def post(self, data: dict, company_id: str):
        """Invite another representative (secondary); a new person gets the invitation e-mail."""
        return _view(reps.invite_representative(company_id, data, current_caller()))


@blp.delete("/<company_id>/representatives/<user_id>")
@portal_required
@blp.response(204)
def deactivate(company_id: str, user_id: str):
    """Deactivate a representative of your company (never yourself)."""
    reps.deactivate_representative(company_id, user_id, current_caller())
