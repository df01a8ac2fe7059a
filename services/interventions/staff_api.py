"""Staff endpoints: sites, equipment, intervention types, interventions (the back-office queue and
status moves) and the customers' portal options. Thin: each view calls one use case."""

from __future__ import annotations

from flask.views import MethodView
from flask_smorest import Blueprint

from services.common.auth import current_caller, staff_required
from services.common.pagination import PageQuerySchema

from . import catalog, lifecycle, options
from .models import Equipment, InterventionType, Site
from .schemas import (
    CustomerOptionsSchema,
    EquipmentInSchema,
    EquipmentPageSchema,
    EquipmentSchema,
    EquipmentUpdateSchema,
    InterventionInSchema,
    InterventionPageSchema,
    InterventionQuerySchema,
    InterventionSchema,
    InterventionUpdateSchema,
    ListQuerySchema,
    OptionsSchema,
    SiteInSchema,
    SitePageSchema,
    SiteSchema,
    SiteUpdateSchema,
    StatusMoveSchema,
    TypeInSchema,
    TypePageSchema,
    TypeSchema,
    TypeUpdateSchema,
)
from .views import equipment_view, intervention_view, site_view

blp = Blueprint(
    "interventions_staff",
    __name__,
    url_prefix="/api/v1",
    description="Sites, equipment and field interventions (staff)",
)


def _by() -> str:
    return f"staff:{current_caller().user_id}"


def _page(page: dict, view) -> dict:  # noqa: ANN001 - a row -> dict function
    return {**page, "items": [view(row) for row in page["items"]]}


@blp.route("/sites")
class Sites(MethodView):
    decorators = [staff_required()]

    @blp.arguments(ListQuerySchema, location="query")
    @blp.response(200, SitePageSchema)
    def get(self, filters: dict):
        """A customer's sites (`company_id`), by name."""
        return _page(catalog.list_rows(Site, filters), site_view)

    @blp.arguments(SiteInSchema)
    @blp.response(201, SiteSchema)
    def post(self, data: dict):
        return site_view(catalog.create_site(data))


@blp.route("/sites/<site_id>")
class SiteResource(MethodView):
    decorators = [staff_required()]

    @blp.response(200, SiteSchema)
    def get(self, site_id: str):
        return site_view(catalog.get_or_404(Site, site_id, "site", "SITE_NOT_FOUND"))

    @blp.arguments(SiteUpdateSchema)
    @blp.response(200, SiteSchema)
    def patch(self, data: dict, site_id: str):
        return site_view(catalog.update_site(site_id, data))


@blp.route("/equipment")
class EquipmentList(MethodView):
    decorators = [staff_required()]

    @blp.arguments(ListQuerySchema, location="query")
    @blp.response(200, EquipmentPageSchema)
    def get(self, filters: dict):
        return _page(catalog.list_rows(Equipment, filters), equipment_view)

    @blp.arguments(EquipmentInSchema)
    @blp.response(201, EquipmentSchema)
    def post(self, data: dict):
        """Equipment of a customer, optionally at one of its sites."""
        return equipment_view(catalog.create_equipment(data))


@blp.route("/equipment/<equipment_id>")
class EquipmentResource(MethodView):
    decorators = [staff_required()]

    @blp.response(200, EquipmentSchema)
    def get(self, equipment_id: str):
        row = catalog.get_or_404(Equipment, equipment_id, "equipment", "EQUIPMENT_NOT_FOUND")
        return equipment_view(row)

    @blp.arguments(EquipmentUpdateSchema)
    @blp.response(200, EquipmentSchema)
    def patch(self, data: dict, equipment_id: str):
        return equipment_view(catalog.update_equipment(equipment_id, data))


@blp.route("/intervention-types")
class Types(MethodView):
    decorators = [staff_required()]

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, TypePageSchema)
    def get(self, query: dict):
        return catalog.list_types(query["page"], query["page_size"])

    @blp.arguments(TypeInSchema)
    @blp.response(201, TypeSchema)
    def post(self, data: dict):
        """A type with its extra fields (text, number, date, choice; required or not)."""
        return catalog.create_type(data)


@blp.route("/intervention-types/<type_id>")
class TypeResource(MethodView):
    decorators = [staff_required()]

    @blp.response(200, TypeSchema)
    def get(self, type_id: str):
        return catalog.get_or_404(InterventionType, type_id, "intervention type", "TYPE_NOT_FOUND")

    @blp.arguments(TypeUpdateSchema)
    @blp.response(200, TypeSchema)
    def patch(self, data: dict, type_id: str):
        """Rename, retire (`active: false`) or replace the extra fields (past values stay)."""
        return catalog.update_type(type_id, data)


@blp.route("/interventions")
class Interventions(MethodView):
    decorators = [staff_required()]

    @blp.arguments(InterventionQuerySchema, location="query")
    @blp.response(200, InterventionPageSchema)
    def get(self, filters: dict):
        """The back-office queue, newest first: `?status=to_schedule&company_id=&site_id=`."""
        return _page(lifecycle.queue(filters), intervention_view)

    @blp.arguments(InterventionInSchema)
    @blp.response(201, InterventionSchema)
    def post(self, data: dict):
        """Record an intervention (to schedule); address and contact default to the site's,
        else the customer's."""
        return intervention_view(lifecycle.create(data, _by()), with_history=True)


@blp.route("/interventions/portal-options")
class FirmOptions(MethodView):
    decorators = [staff_required()]

    @blp.response(200, OptionsSchema)
    def get(self):
        """The firm-wide default of every customer's portal options."""
        return options.firm_defaults()

    @blp.arguments(OptionsSchema)
    @blp.response(200, OptionsSchema)
    def put(self, data: dict):
        options.set_options(options.DEFAULT_ROW, data)
        return options.firm_defaults()


@blp.route("/interventions/portal-options/<company_id>")
class CustomerOptions(MethodView):
    decorators = [staff_required()]

    @blp.response(200, CustomerOptionsSchema)
    def get(self, company_id: str):
        catalog.company_or_404(company_id)
        return options.customer_view(company_id)

    @blp.arguments(OptionsSchema)
    @blp.response(200, CustomerOptionsSchema)
    def put(self, data: dict, company_id: str):
        """Override options for one customer; null goes back to the firm-wide default."""
        catalog.company_or_404(company_id)
        options.set_options(company_id, data)
        return options.customer_view(company_id)


@blp.route("/interventions/<intervention_id>")
class InterventionResource(MethodView):
    decorators = [staff_required()]

    @blp.response(200, InterventionSchema)
    def get(self, intervention_id: str):
        return intervention_view(lifecycle.get(intervention_id), with_history=True)

    @blp.arguments(InterventionUpdateSchema)
    @blp.response(200, InterventionSchema)
    def patch(self, data: dict, intervention_id: str):
        return intervention_view(lifecycle.update(intervention_id, data), with_history=True)


@blp.post("/interventions/<intervention_id>/status")
@staff_required()
@blp.arguments(StatusMoveSchema)
@blp.response(200, InterventionSchema)
def move_status(data: dict, intervention_id: str):
    """Move to another status (scheduling needs `scheduled_at`); a 409 lists the allowed moves."""
    return intervention_view(lifecycle.move(intervention_id, data, _by()), with_history=True)
