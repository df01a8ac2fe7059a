"""Statements PostgreSQL plans once per connection instead of on every call.

psycopg2 sends each statement as text, so PostgreSQL plans it every time. For a statement of
several joined parts, planning can cost more than running it: sharing's audience query takes
0.5-0.9 ms of PostgreSQL's CPU to plan and 0.1-0.2 ms to run. A `Prepared` statement is
`PREPARE`d the first time a connection runs it and `EXECUTE`d from then on with its generic
plan, made once. That suits statements that find rows by key, whatever the key; not one whose
best plan depends on the values. On other databases (SQLite in development) the statement runs
as it is. A migration that alters a table it reads makes PostgreSQL plan it again by itself
(one that changes the type of a column it returns makes it fail until the process restarts,
as a deploy does).

The statement is built by a function of `one_of(column, name)`, the test "column is one of the
list `name`": an expanding IN on other databases, `= ANY($n)` on PostgreSQL, so that the text,
and the prepared plan, do not depend on the length of the list (pass lists as Python lists).
These lists are the statement's only parameters. Rows come back as the driver gives them (no
SQLAlchemy type processing): select plain strings, numbers and booleans.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

OneOf = Callable[[sa.ColumnElement, str], sa.ColumnElement]
_INFO_KEY = "portal_prepared"  # names prepared on a pooled connection (cleared when it closes)


def _in_list(column: sa.ColumnElement, name: str) -> sa.ColumnElement:
    return column.in_(sa.bindparam(name, expanding=True))


class Prepared:
    """A statement PREPAREd under `name` on each PostgreSQL connection that runs it."""

    def __init__(self, name: str, build: Callable[[OneOf], sa.Executable]) -> None:
        self.name, self.build = name, build

    @cached_property
    def portable(self) -> sa.Executable:
        return self.build(_in_list)

    @cached_property
    def _postgresql(self) -> tuple[str, str, tuple[str, ...]]:
        """(PREPARE, EXECUTE with a typed placeholder per list, the lists' names in order).
        Every other value is written into the statement: a constant as a parameter ($n) would
        leave the generic plan guessing its selectivity (`status = $4` for 'disabled' made the
        audience's plan forty times slower to run)."""
        dialect = postgresql.dialect()
        arrays: dict[str, str] = {}  # list name -> its SQL array type

        def any_of(column: sa.ColumnElement, name: str) -> sa.ColumnElement:
            array = arrays.setdefault(name, postgresql.ARRAY(column.type).compile(dialect=dialect))
            return column == sa.any_(sa.literal_column(f"${list(arrays).index(name) + 1}::{array}"))

        statement = self.build(any_of).compile(
            dialect=dialect, compile_kwargs={"literal_binds": True}
        )
        # Typed, so that a list (an ARRAY of text to psycopg2) takes the column's array type.
        # Generic plan always, in the same round trip (SET LOCAL ends with the transaction):
        # PostgreSQL's own rule compares costs estimated for a list of unknown length with
        # those for the actual one, and kept planning the audience at every call.
        execute = (
            "SET LOCAL plan_cache_mode = force_generic_plan; "
            f"EXECUTE {self.name}({', '.join(f'%s::{t}' for t in arrays.values())})"
        )
        return f"PREPARE {self.name} AS {statement}", execute, tuple(arrays)

    def execute(self, session: Session, parameters: Mapping[str, Any]) -> sa.CursorResult:
        connection = session.connection()
        if connection.dialect.name != "postgresql":
            return connection.execute(self.portable, dict(parameters))
        prepare, execute, names = self._postgresql
        prepared = connection.connection.info.setdefault(_INFO_KEY, set())
        if self.name not in prepared:
            # PREPARE outlives the transaction (a rollback does not undo it) and dies with the
            # connection, whose `info` is cleared then.
            connection.exec_driver_sql(prepare)
            prepared.add(self.name)
        return connection.exec_driver_sql(execute, tuple(parameters[name] for name in names))
