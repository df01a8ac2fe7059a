"""Customer groups and their billing-portal configuration, as the firm's staff keep them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from services.common.models import is_id, new_id, utcnow
from services.common.pagination import paginate
from services.common.problems import ProblemError

from .formats import TAX_ID_FORMATS
from .models import Company, CustomerGroup, db


def not_found(what: str, ident: str) -> ProblemError:
    code = what.upper().replace(" ", "_").replace("-", "_") + "_NOT_FOUND"
    return ProblemError(404, f"No {what} has the id '{ident[:64]}'.", code=code)


def get_group(group_id: str, lock: bool = False) -> CustomerGroup:
    group = (
        db.session.get(CustomerGroup, group_id, with_for_update=lock) if is_id(group_id) else None
    )
    if group is None:
        raise not_found("customer group", group_id)
    return group


def group_view(group: CustomerGroup) -> dict:
    return {
        **{c.key: getattr(group, c.key) for c in CustomerGroup.__table__.columns},
        "tax_id_pattern": TAX_ID_FORMATS[group.tax_id_format].pattern,
    }


def list_groups(page: int, page_size: int) -> dict:
    query = sa.select(CustomerGroup).order_by(CustomerGroup.name, CustomerGroup.id)
    return paginate(db.session, query, page, page_size)


def _name_taken(name: str) -> ProblemError:
    return ProblemError(
        409, f"A customer group is already named '{name}'; choose another name.", code="NAME_TAKEN"
    )


def _commit(conflict: ProblemError) -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        db.session.rollback()
        raise conflict from exc


def create_group(name: str) -> CustomerGroup:
    if db.session.scalar(sa.select(CustomerGroup.id).where(CustomerGroup.name == name)):
        raise _name_taken(name)
    group = CustomerGroup(
        id=new_id(),
        name=name,
        portal_enabled=False,
        requires_approval=False,
        terms={},
        terms_version=0,
        tax_id_format="nine_digits",
        messages={},
        questions=[],
    )
    db.session.add(group)
    _commit(_name_taken(name))
    return group


def rename_group(group_id: str, name: str) -> CustomerGroup:
    group = get_group(group_id)
    clash = sa.select(CustomerGroup.id).where(
        CustomerGroup.name == name, CustomerGroup.id != group.id
    )
    if db.session.scalar(clash):
        raise _name_taken(name)
    group.name = name
    _commit(_name_taken(name))
    return group


def _clean(texts: dict) -> dict:
    """Only the languages actually given (an empty text is no text)."""
    return {locale: text for locale, text in texts.items() if text and text.strip()}


def configure_portal(group_id: str, config: dict) -> CustomerGroup:
    """Save the whole configuration (validated by the schema). New terms text: a new version,
    which representatives who accepted an older one must accept again before going on."""
    group = get_group(group_id, lock=True)  # two saves at once cannot both bump to one version
    terms = _clean(config["terms"])
    if terms != (group.terms or {}):
        group.terms = terms
        group.terms_version = (group.terms_version or 0) + 1
        group.terms_updated_at = utcnow()
    group.portal_enabled = config["portal_enabled"]
    group.requires_approval = config["requires_approval"]
    group.tax_id_format = config["tax_id_format"]
    group.email_help_url = config["email_help_url"]
    group.messages = {key: _clean(texts) for key, texts in config["messages"].items()}
    group.questions = [
        {"key": q["key"], "label": _clean(q["label"]), "required": q["required"]}
        for q in config["questions"]
    ]
    db.session.commit()
    return group


def list_group_companies(group_id: str, page: int, page_size: int) -> dict:
    """The group's companies as identity last told us (the choice when approving)."""
    get_group(group_id)
    query = (
        sa.select(Company)
        .where(Company.customer_group_id == group_id)
        .order_by(Company.name, Company.id)
    )
    return paginate(db.session, query, page, page_size)


def localized_text(texts: dict | None, locale: str | None) -> str:
    """A text in the person's language, else English, else any language it has."""
    texts = texts or {}
    return texts.get(locale or "en") or texts.get("en") or next(iter(texts.values()), "")


def message(group: CustomerGroup, key: str, locale: str | None) -> str:
    """One of the group's wizard messages (MESSAGE_KEYS) in the person's language."""
    return localized_text((group.messages or {}).get(key), locale)
