"""The one list shape of the API: `?page=&page_size=` in, {items, page, page_size, total} out;
plus `contains`, the text filter behind the lists' `?q=`."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields, validate
from sqlalchemy.orm import Session, scoped_session

MAX_PAGE_SIZE = 200


class PageQuerySchema(ma.Schema):
    """Subclass it to add a list's filters."""

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A response schema for one page of `item`s (named for the OpenAPI document)."""
    return ma.Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "page": fields.Integer(),
            "page_size": fields.Integer(),
            "total": fields.Integer(),
        },
        name=name,
    )


def paginate(
    session: Session | scoped_session,
    query: sa.Select,
    page: int,
    page_size: int,
    count: sa.Select | None = None,
) -> dict:
    """Run `query` for one page; `items` holds the first entity of each row.

    `count` may be a cheaper query of the same total.
    """
    if count is None:
        count = sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    total = session.scalar(count)
    items = session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": items, "page": page, "page_size": page_size, "total": total}


def contains(column: sa.ColumnElement, q: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "column contains q", with LIKE wildcards in `q` taken literally."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")
