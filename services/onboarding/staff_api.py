"""Staff endpoints: customer groups (`/api/v1/customer-groups...`) with their billing-portal
configuration, companies and signup links, and access requests (`/api/v1/access-requests...`).
Thin: each view calls one use case."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_caller, staff_required
from services.common.pagination import PageQuerySchema

from . import decisions, groups, links
from .schemas import (
    AccessRequestPageSchema,
    AccessRequestSchema,
    ApproveSchema,
    CompanyPageSchema,
    GroupCreateSchema,
    GroupPageSchema,
    GroupSchema,
    PortalConfigSchema,
    RejectSchema,
    RequestQuerySchema,
    SignupLinkPageSchema,
    SignupLinkSchema,
)

blp = Blueprint(
    "customer_groups",
    __name__,
    url_prefix="/api/v1",
    description="Customer groups, billing-portal onboarding and access requests (staff)",
)


@blp.route("/customer-groups")
class Groups(MethodView):
    decorators = [staff_required()]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, GroupPageSchema)
    def get(self, query: dict):
        page = groups.list_groups(query["page"], query["page_size"])
        return {**page, "items": [groups.group_view(g) for g in page["items"]]}

    @blp.arguments(GroupCreateSchema)
    @blp.response(201, GroupSchema)
    def post(self, data: dict):
        """A new group, billing portal off; a company joins it in identity (customer_group_id)."""
        return groups.group_view(groups.create_group(data["name"].strip()))


@blp.route("/customer-groups/<group_id>")
class GroupResource(MethodView):
    decorators = [staff_required()]

    @blp.response(200, GroupSchema)
    def get(self, group_id: str):
        return groups.group_view(groups.get_group(group_id))

    @blp.arguments(GroupCreateSchema)
    @blp.response(200, GroupSchema)
    def patch(self, data: dict, group_id: str):
        return groups.group_view(groups.rename_group(group_id, data["name"].strip()))


@blp.put("/customer-groups/<group_id>/portal-configuration")
@staff_required()
@blp.arguments(PortalConfigSchema)
@blp.response(200, GroupSchema)
def configure(config: dict, group_id: str):
    """Save the billing-portal configuration whole; every field is validated and each error is
    reported on its field. New terms text makes a new terms version."""
    return groups.group_view(groups.configure_portal(group_id, config))


@blp.get("/customer-groups/<group_id>/companies")
@staff_required()
@blp.arguments(PageQuerySchema, location="query")
@blp.response(200, CompanyPageSchema)
def companies(query: dict, group_id: str):
    """The group's companies (set in identity: PATCH /api/v1/companies/{id} customer_group_id)."""
    return groups.list_group_companies(group_id, query["page"], query["page_size"])


@blp.route("/customer-groups/<group_id>/signup-links")
class SignupLinks(MethodView):
    decorators = [staff_required()]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, SignupLinkPageSchema)
    def get(self, query: dict, group_id: str):
        return links.list_links(group_id, query["page"], query["page_size"])

    @blp.response(201, SignupLinkSchema)
    def post(self, group_id: str):
        """A new signup link to hand to the group's customers; its URL is shown only now."""
        return links.create_link(group_id)


@blp.delete("/customer-groups/<group_id>/signup-links/<link_id>")
@staff_required()
@blp.response(204)
def revoke(group_id: str, link_id: str):
    """The link stops working at once; requests already started with it go on."""
    links.revoke_link(group_id, link_id)


@blp.get("/access-requests")
@staff_required()
@blp.arguments(RequestQuerySchema, location="query")
@blp.response(200, AccessRequestPageSchema)
def list_requests(filters: dict):
    """Access requests, submitted first and newest first; `?status=in_review` is the to-do list."""
    page = decisions.list_requests(filters)
    return {**page, "items": decisions.request_views(page["items"])}


@blp.get("/access-requests/<request_id>")
@staff_required()
@blp.response(200, AccessRequestSchema)
def get_request(request_id: str):
    """Every step: terms version and time, contact, company, answers, the matched company."""
    return decisions.request_views([decisions.get_request(request_id)])[0]


@blp.post("/access-requests/<request_id>/approve")
@staff_required()
@blp.arguments(ApproveSchema)
@blp.response(200, AccessRequestSchema)
def approve(data: dict, request_id: str):
    """Approve a request in review; `company_id` (one of the group's) is needed when its tax ID
    matched none. The representative's account is then created and invited."""
    request = decisions.approve(request_id, data["company_id"], current_caller().user_id)
    return decisions.request_views([request])[0]


@blp.post("/access-requests/<request_id>/reject")
@staff_required()
@blp.arguments(RejectSchema)
@blp.response(200, AccessRequestSchema)
def reject(data: dict, request_id: str):
    request = decisions.reject(request_id, data["reason"], current_caller().user_id)
    return decisions.request_views([request])[0]
