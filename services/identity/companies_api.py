"""Staff endpoints for client companies and their members."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import staff_required

from . import companies, schemas
from .events import company_data
from .models import Company, Membership

blp = Blueprint(
    "companies", __name__, url_prefix="/api/v1", description="Client companies and members"
)

COMPANY = schemas.CompanySchema()
COMPANY_CREATE = schemas.CompanyCreateSchema()
COMPANY_PATCH = schemas.CompanyPatchSchema()
COMPANY_QUERY = schemas.CompanyQuerySchema()
COMPANY_PAGE = schemas.CompanyPageSchema()
MEMBER = schemas.MemberSchema()
MEMBER_CREATE = schemas.MemberCreateSchema()
MEMBER_PATCH = schemas.MemberPatchSchema()
PAGE_QUERY = schemas.PageQuerySchema()
MEMBER_PAGE = schemas.MemberPageSchema()


def company_view(company: Company) -> dict:
    """The API shows a company exactly as its events describe it, plus its timestamps."""
    return {
        **company_data(company),
        "created_at": company.created_at,
        "updated_at": company.updated_at,
    }


@blp.route("/companies")
class Companies(MethodView):
    decorators = [staff_required()]

    @blp.arguments(COMPANY_QUERY, location="query")
    @blp.response(200, COMPANY_PAGE)
    def get(self, query: dict) -> dict:
        """List companies, by name."""
        page = companies.list_companies(query.get("q"), query["page"], query["page_size"])
        return {**page, "items": [company_view(c) for c in page["items"]]}

    @blp.arguments(COMPANY_CREATE)
    @blp.response(201, COMPANY)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body: dict) -> dict:
        """Register a client company."""
        return company_view(companies.create_company(body))


@blp.route("/companies/<company_id>")
class CompanyById(MethodView):
    decorators = [staff_required()]

    @blp.response(200, COMPANY)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, company_id: str) -> dict:
        return company_view(companies.get_company(company_id))

    @blp.arguments(COMPANY_PATCH)
    @blp.response(200, COMPANY)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def patch(self, body: dict, company_id: str) -> dict:
        """Change some fields; nested ones (address, contact, settings) field by field."""
        return company_view(companies.update_company(company_id, body))


@blp.route("/companies/<company_id>/members")
class Members(MethodView):
    decorators = [staff_required()]

    @blp.arguments(PAGE_QUERY, location="query")
    @blp.response(200, MEMBER_PAGE)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, query: dict, company_id: str) -> dict:
        """Members of the company, inactive ones included."""
        return companies.list_members(company_id, query["page"], query["page_size"])

    @blp.arguments(MEMBER_CREATE)
    @blp.response(201, MEMBER)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT")
    def post(self, body: dict, company_id: str) -> Membership:
        """Add a portal user to the company (or re-activate them) with a role."""
        return companies.add_member(company_id, body["user_id"], body["role"])


@blp.route("/companies/<company_id>/members/<user_id>")
class Member(MethodView):
    decorators = [staff_required()]

    @blp.response(200, MEMBER)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, company_id: str, user_id: str) -> Membership:
        """One membership, active or not (services ask it for one they have not heard of)."""
        return companies.get_member(company_id, user_id)

    @blp.arguments(MEMBER_PATCH)
    @blp.response(200, MEMBER)
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, body: dict, company_id: str, user_id: str) -> Membership:
        """Change a member's role, or (de)activate them."""
        return companies.update_member(company_id, user_id, body)

    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    def delete(self, company_id: str, user_id: str) -> None:
        """Deactivate the membership (it stays listed, inactive)."""
        companies.deactivate_member(company_id, user_id)
