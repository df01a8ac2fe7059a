"""Versions of the records other services replicate (companies, users, memberships).

Consumers apply a change only if its version is greater than the one they hold, so two
transactions changing one row must get distinct versions in the order they commit, and each
must describe the row as it was after the other. Hence, on both databases:
- a use case takes the row's lock before reading it (`lock`): an UPDATE holds the row lock on
  PostgreSQL (as SELECT ... FOR UPDATE would) and the database's write lock on SQLite, where
  FOR UPDATE does nothing;
- building the event bumps the version with `version = version + 1` in SQL (`next_version`),
  which waits for that same lock, so even a writer that did not lock first cannot reuse one.
"""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value

from .models import db

Row = TypeVar("Row")


def lock(model: type[Row], *criteria: sa.ColumnElement[bool]) -> Row | None:
    """The one row matching `criteria`, locked until the transaction ends and read after the
    lock was taken (so a change committed meanwhile is seen); None if there is none."""
    table = model.__table__
    taken = db.session.execute(
        sa.update(table).where(*criteria).values(version=table.c.version)
    ).rowcount
    if not taken:
        return None
    return db.session.scalars(
        sa.select(model).where(*criteria).execution_options(populate_existing=True)
    ).one()


def next_version(row: object) -> int:
    """Bump and return the version of `row` for the event about its change (1 for a new row)."""
    if not sa.inspect(row).persistent:
        row.version = 1
        return 1
    table = type(row).__table__
    # No autoflush: the row's other changes are flushed at commit, where the use case turns a
    # lost unique-constraint race into its 409.
    with db.session.no_autoflush:
        version = db.session.execute(
            sa.update(table)
            .where(table.c.id == row.id)
            .values(version=table.c.version + 1)
            .returning(table.c.version)
        ).scalar_one()
    set_committed_value(row, "version", version)
    return version
