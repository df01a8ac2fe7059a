"""Companies the replica has not heard of yet, asked of identity (services/common/read_through).

A company created a moment ago may not have reached this replica: identity's answer fills it,
with identity's version, so the event arriving later changes nothing it should not. The fill is
committed with the use case's change (it may run while a matter is locked, so it cannot commit
on its own); a refused request asks again next time.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.exc import IntegrityError

from services.common.models import is_id
from services.common.read_through import ask_owner

from .handlers import CompanySchema, apply_company
from .models import Company, db


def company(company_id: str) -> Company | None:
    """The replica's company, asked of identity on a miss; None if identity has none either."""
    found = db.session.get(Company, company_id) if is_id(company_id) else None
    if found is not None or not is_id(company_id):
        return found
    url = f"{current_app.config['IDENTITY_URL'].rstrip('/')}/api/v1/companies/{company_id}"
    answer = ask_owner(url, "The client company")
    if answer is None:
        return None
    try:
        with db.session.begin_nested():  # the event may be applied by the worker meanwhile
            apply_company(CompanySchema().load(answer))
    except IntegrityError:
        pass  # it was: the row the worker committed is read below
    return db.session.get(Company, company_id)
