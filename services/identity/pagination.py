"""The one list shape of the API: `?page=&page_size=` in, {items, page, page_size, total} out;
plus the text filter `?q=` that lists share."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields, validate

from .models import db

MAX_PAGE_SIZE = 100


class PageQuerySchema(ma.Schema):
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


def paginate(query: sa.Select, page: int, page_size: int) -> dict:
    """Run `query` for one page; `items` holds the first entity of each row."""
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    items = db.session.scalars(query.limit(page_size).offset((page - 1) * page_size)).all()
    return {"items": items, "page": page, "page_size": page_size, "total": total}


def contains(column: sa.ColumnElement, q: str) -> sa.ColumnElement[bool]:
    """Case-insensitive "column contains q", with LIKE wildcards in `q` taken literally."""
    escaped = q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return sa.func.lower(column).like(f"%{escaped}%", escape="\\")
