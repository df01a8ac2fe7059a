"""What the firm registers about its customers: sites, equipment and intervention types."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from services.common.auth import current_caller
from services.common.models import is_id
from services.common.pagination import paginate
from services.common.problems import ProblemError, field_error
from services.common.read_through import ask_owner

from .handlers import CompanySchema, apply_company
from .models import Company, Equipment, ExtraField, InterventionType, Site, db
from .views import set_address, set_contact


def _not_found(what: str, code: str) -> ProblemError:
    return ProblemError(404, f"No {what} has this id.", code=code)


def get_or_404(model: type, row_id: str, what: str, code: str):  # noqa: ANN201 - the model's row
    row = db.session.get(model, row_id) if is_id(row_id) else None
    if row is None:
        raise _not_found(what, code)
    return row


def known_company(company_id: str, field: str = "company_id") -> Company:
    company = replicated_company(company_id)
    if company is None:
        raise field_error(field, "No customer company has this id (created in identity?).")
    return company


def company_or_404(company_id: str) -> Company:
    company = replicated_company(company_id)
    if company is None:
        raise _not_found("customer company", "COMPANY_NOT_FOUND")
    return company


def replicated_company(company_id: str) -> Company | None:
    """The replica's company; for staff, identity is asked on a miss (a company created a
    moment ago, whose event has not arrived yet). None when identity has none either."""
    company = db.session.get(Company, company_id) if is_id(company_id) else None
    if company is not None or not is_id(company_id) or not current_caller().is_staff:
        return company
    url = f"{current_app.config['IDENTITY_URL'].rstrip('/')}/api/v1/companies/{company_id}"
    answer = ask_owner(url, "The customer company")
    if answer is None:
        return None
    try:
        with db.session.begin_nested():  # the worker may apply the event meanwhile
            apply_company(CompanySchema().load(answer))
    except IntegrityError:
        pass  # it did: its row is read below
    return db.session.get(Company, company_id)


def site_of(company_id: str, site_id: str | None, field: str = "site_id") -> Site | None:
    """The site, which must belong to `company_id`; a 422 naming the field otherwise."""
    if site_id is None:
        return None
    site = db.session.get(Site, site_id) if is_id(site_id) else None
    if site is None or site.company_id != company_id:
        raise field_error(field, "No site of this customer has this id.")
    return site


def equipment_of(company_id: str, equipment_id: str | None) -> Equipment | None:
    if equipment_id is None:
        return None
    item = db.session.get(Equipment, equipment_id) if is_id(equipment_id) else None
    if item is None or item.company_id != company_id:
        raise field_error("equipment_id", "No equipment of this customer has this id.")
    return item


def list_rows(model: type, filters: dict) -> dict:
    query = sa.select(model).order_by(model.name, model.id)
    if filters.get("company_id"):
        query = query.where(model.company_id == filters["company_id"])
    if filters.get("site_id") and hasattr(model, "site_id"):
        query = query.where(model.site_id == filters["site_id"])
    return paginate(db.session, query, filters["page"], filters["page_size"])


def create_site(data: dict) -> Site:
    company = known_company(data["company_id"])
    site = Site(company_id=company.id, name=data["name"])
    set_address(site, data["address"])
    set_contact(site, data["contact"])
    db.session.add(site)
    db.session.commit()
    return site


def update_site(site_id: str, data: dict) -> Site:
    site = get_or_404(Site, site_id, "site", "SITE_NOT_FOUND")
    if "name" in data:
        site.name = data["name"]
    set_address(site, data.get("address"))
    set_contact(site, data.get("contact"))
    db.session.commit()
    return site


def create_equipment(data: dict) -> Equipment:
    company = known_company(data["company_id"])
    site_of(company.id, data["site_id"])
    item = Equipment(**data)
    db.session.add(item)
    db.session.commit()
    return item


def update_equipment(equipment_id: str, data: dict) -> Equipment:
    item = get_or_404(Equipment, equipment_id, "equipment", "EQUIPMENT_NOT_FOUND")
    if data.get("site_id") is not None:
        site_of(item.company_id, data["site_id"])
    for key, value in data.items():
        setattr(item, key, value)
    db.session.commit()
    return item


def _name_taken(name: str, type_id: str | None = None) -> None:
    query = sa.select(InterventionType.id).where(InterventionType.name == name)
    if type_id:
        query = query.where(InterventionType.id != type_id)
    if db.session.scalar(query) is not None:
        raise field_error("name", "Another intervention type already has this name.")


def _set_fields(kind: InterventionType, extra_fields: list[dict]) -> None:
    kind.fields = [ExtraField(position=i, **f) for i, f in enumerate(extra_fields)]


def create_type(data: dict) -> InterventionType:
    _name_taken(data["name"])
    kind = InterventionType(name=data["name"], active=data["active"])
    _set_fields(kind, data["fields"])
    db.session.add(kind)
    db.session.commit()
    return kind


def update_type(type_id: str, data: dict) -> InterventionType:
    kind = get_or_404(InterventionType, type_id, "intervention type", "TYPE_NOT_FOUND")
    if "name" in data:
        _name_taken(data["name"], kind.id)
        kind.name = data["name"]
    if "active" in data:
        kind.active = data["active"]
    if "fields" in data:
        # Replacing the list: the old rows go before the new ones reuse their keys.
        kind.fields = []
        db.session.flush()
        _set_fields(kind, data["fields"])
    db.session.commit()
    return kind


def list_types(page: int, page_size: int, active_only: bool = False) -> dict:
    query = sa.select(InterventionType).order_by(InterventionType.name)
    if active_only:
        query = query.where(InterventionType.active)
    return paginate(db.session, query, page, page_size)
