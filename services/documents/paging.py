"""One page of a listing and the number of rows in all, from a single query: the total rides
along each row as a window count, so the filter (an intersection of shares, a visibility
check per document) is worked out once per request rather than once for the page and once
more for the count."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa

from .models import db


def page_and_total(
    query: sa.Select,
    page: int,
    page_size: int,
    then: Callable[[sa.Select], sa.Select] | None = None,
) -> tuple[Sequence[sa.Row], int]:
    """The rows of page `page` and the total (each row ends with a `listing_total` column).

    `then` turns the page's query into the one run (to join what only the page's rows need,
    after the limit), keeping `listing_total` as its last column."""
    counted = query.add_columns(sa.func.count().over().label("listing_total"))
    limited = counted.limit(page_size).offset((page - 1) * page_size)
    rows = db.session.execute(then(limited) if then else limited).all()
    if rows:
        return rows, rows[0][-1]
    if page == 1:
        return [], 0
    # Past the last page: no row carries the total, count it apart.
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )
    return [], total or 0
