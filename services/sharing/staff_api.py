"""Staff endpoints (`/api/v1/matters...`): matters, portal publication, milestones,
collaborators and notification recipients. Thin: each view calls one use case."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_caller, staff_required
from services.common.models import is_id
from services.common.pagination import PageQuerySchema

from . import audience, collaboration, events, milestones, service
from .schemas import (
    AudienceSchema,
    CollaboratorCreateSchema,
    CollaboratorPageSchema,
    CollaboratorSchema,
    MatterCreateSchema,
    MatterPageSchema,
    MatterQuerySchema,
    MatterSchema,
    MatterUpdateSchema,
    MilestoneCreateSchema,
    MilestonePageSchema,
    MilestoneSchema,
    MilestoneUpdateSchema,
    PortalSettingsSchema,
    RecipientsInSchema,
    RecipientsSchema,
)
from .views import collaborator_views, matter_view, matter_views

blp = Blueprint(
    "matters", __name__, url_prefix="/api/v1/matters", description="Contracts and cases (staff)"
)


@blp.route("")
class Matters(MethodView):
    decorators = [staff_required()]

    @blp.arguments(MatterQuerySchema, location="query")
    @blp.response(200, MatterPageSchema)
    def get(self, filters: dict):
        """Matters, newest first; each says whether (and to whom) it is shown in the portal."""
        page = service.list_matters(filters)
        return {**page, "items": matter_views(page["items"])}

    @blp.arguments(MatterCreateSchema)
    @blp.response(201, MatterSchema)
    def post(self, data: dict):
        """Register a contract or case of a client company (hidden from the portal)."""
        return matter_view(service.create_matter(data, current_caller().user_id))


@blp.route("/<matter_id>")
class MatterResource(MethodView):
    decorators = [staff_required()]

    @blp.response(200, MatterSchema)
    def get(self, matter_id: str):
        return matter_view(service.get_matter(matter_id))

    @blp.arguments(MatterUpdateSchema)
    @blp.response(200, MatterSchema)
    def patch(self, data: dict, matter_id: str):
        return matter_view(service.update_matter(matter_id, data))


@blp.get("/<matter_id>/audience")
@staff_required()
@blp.response(200, AudienceSchema)
def matter_audience(matter_id: str):
    """Who may see the matter in the portal, as last announced: what a service that has not
    heard of the matter yet fills its replica with (documents, on an upload right after)."""
    found = audience.announced(matter_id) if is_id(matter_id) else None
    if found is None:
        raise service.matter_not_found(matter_id)
    return events.audience_data(*found)


@blp.post("/<matter_id>/archive")
@staff_required()
@blp.response(200, MatterSchema)
def archive(matter_id: str):
    """Archive a matter; a matter shown in the portal is hidden first."""
    return matter_view(service.archive_matter(matter_id))


@blp.post("/<matter_id>/unarchive")
@staff_required()
@blp.response(200, MatterSchema)
def unarchive(matter_id: str):
    return matter_view(service.unarchive_matter(matter_id))


@blp.route("/<matter_id>/portal")
class Portal(MethodView):
    decorators = [staff_required()]

    @blp.arguments(PortalSettingsSchema)
    @blp.response(200, MatterSchema)
    def put(self, settings: dict, matter_id: str):
        """Show in the client portal, or change its requester, watchers or attachments default.

        Requester and watchers must be active members of the matter's company."""
        return matter_view(service.show_in_portal(matter_id, settings))

    @blp.response(204)
    def delete(self, matter_id: str):
        """Hide from the client portal."""
        service.hide_from_portal(matter_id)


@blp.route("/<matter_id>/milestones")
class Milestones(MethodView):
    decorators = [staff_required()]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, MilestonePageSchema)
    def get(self, query: dict, matter_id: str):
        return milestones.list_milestones(matter_id, query["page"], query["page_size"])

    @blp.arguments(MilestoneCreateSchema)
    @blp.response(201, MilestoneSchema)
    def post(self, data: dict, matter_id: str):
        return milestones.add_milestone(matter_id, data)


@blp.route("/<matter_id>/milestones/<milestone_id>")
class MilestoneResource(MethodView):
    decorators = [staff_required()]

    @blp.arguments(MilestoneUpdateSchema)
    @blp.response(200, MilestoneSchema)
    def patch(self, data: dict, matter_id: str, milestone_id: str):
        """Edit a milestone, or hide/show it in the portal (`portal_visible`)."""
        return milestones.update_milestone(matter_id, milestone_id, data)

    @blp.response(204)
    def delete(self, matter_id: str, milestone_id: str):
        milestones.delete_milestone(matter_id, milestone_id)


@blp.route("/<matter_id>/collaborators")
class Collaborators(MethodView):
    decorators = [staff_required()]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, CollaboratorPageSchema)
    def get(self, query: dict, matter_id: str):
        """Approvers and signees with their status, decision and signature record."""
        page = collaboration.list_collaborators(matter_id, query["page"], query["page_size"])
        return {**page, "items": collaborator_views(page["items"])}

    @blp.arguments(CollaboratorCreateSchema)
    @blp.response(201, CollaboratorSchema)
    def post(self, data: dict, matter_id: str):
        """Ask a portal user (of any company) to approve or sign this matter."""
        added = collaboration.add_collaborator(matter_id, data["user_id"], data["role"])
        return collaborator_views([added])[0]


@blp.delete("/<matter_id>/collaborators/<collaborator_id>")
@staff_required()
@blp.response(204)
def withdraw_collaborator(matter_id: str, collaborator_id: str):
    """Withdraw a collaborator at any time: their access to the matter and its attachments
    goes at once. One who has not decided is removed; a decision or signature stays listed,
    marked withdrawn (when, by whom)."""
    collaboration.withdraw_collaborator(matter_id, collaborator_id, current_caller().user_id)


def _recipients(matter) -> dict:
    staff_ids, users, default = service.notification_recipients(matter)
    people = [{"id": u.id, "name": u.name, "email": u.email} for u in users]
    return {"staff_ids": staff_ids, "recipients": people, "default": default}


@blp.route("/<matter_id>/notification-recipients")
class NotificationRecipients(MethodView):
    decorators = [staff_required()]

    @blp.response(200, RecipientsSchema)
    def get(self, matter_id: str):
        """Staff told about client activity (approvals, rejections, signatures)."""
        return _recipients(service.get_matter(matter_id))

    @blp.arguments(RecipientsInSchema)
    @blp.response(200, RecipientsSchema)
    def put(self, data: dict, matter_id: str):
        return _recipients(service.set_notification_recipients(matter_id, data["staff_ids"]))
