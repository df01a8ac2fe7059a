"""Per-customer portal options over a firm-wide default (an option that is off refuses the action,
it does not just hide a button)."""

from __future__ import annotations

from services.common.outbox import add_event
from services.common.problems import ProblemError

from .events import options_changed
from .models import OPTIONS, PortalOptions, db

DEFAULT_ROW = "default"
# What a firm that never chose gets: the gallery is a paid option, off until switched on.
BUILT_IN = {
    "portal_enabled": True,
    "create_allowed": True,
    "attachments_shown": True,
    "equipment_shown": True,
    "gallery_shown": False,
}


def _own(company_id: str) -> dict:
    row = db.session.get(PortalOptions, company_id)
    return {name: getattr(row, name) if row else None for name in OPTIONS}


def firm_defaults() -> dict:
    own = _own(DEFAULT_ROW)
    return {name: BUILT_IN[name] if own[name] is None else own[name] for name in OPTIONS}


def effective(company_id: str) -> dict:
    defaults, own = firm_defaults(), _own(company_id)
    return {name: defaults[name] if own[name] is None else own[name] for name in OPTIONS}


def set_options(company_id: str, changes: dict) -> None:
    row = db.session.get(PortalOptions, company_id)
    if row is None:
        row = PortalOptions(company_id=company_id)
        db.session.add(row)
    for name, value in changes.items():
        setattr(row, name, value)
    db.session.flush()
    add_event(options_changed(company_id, _own(company_id)))
    db.session.commit()


def customer_view(company_id: str) -> dict:
    return {"company_id": company_id, "own": _own(company_id), "effective": effective(company_id)}


OFF_MESSAGES = {
    "portal_enabled": "The firm has turned the portal off for this customer; contact the firm.",
    "create_allowed": "The firm does not take intervention requests through the portal for "
    "this customer; contact the firm directly.",
    "equipment_shown": "The firm does not show equipment in this customer's portal.",
}


def require(company_id: str, option: str) -> None:
    """A 403 that says which option the firm turned off."""
    if not effective(company_id)[option]:
        raise ProblemError(403, OFF_MESSAGES[option], code=f"{option.upper()}_OFF")
