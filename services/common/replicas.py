"""Replicas of another service's records: which change is newer, and who is disabled.

An owner bumps a record's version under the row's lock with every change and carries it in the
event data; a replica applies a change only if its version is greater than the one it holds
(never by the wall clock: two transactions can commit in the other order of their times).
Replica handlers only write their service's database: they are marked `consumer.batched`, so
the consumer applies many such events in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy


def is_newer(incoming: int, stored: int | None) -> bool:
    """Whether a change at version `incoming` replaces what a replica holds at `stored` (None:
    nothing yet). Events published before versions existed read as 0 and apply in arrival
    order as long as the replica has seen no versioned one."""
    return stored is None or incoming > stored or incoming == stored == 0


def disabled_lookup(
    db: SQLAlchemy, id_column: sa.ColumnElement, status_column: sa.ColumnElement
) -> Callable[[str], bool]:
    """For `ServiceParts.account_disabled`: whether this service's users table (a replica of
    identity's, or identity's own) says the account is disabled; an unknown user is not."""

    # Built once: every request of a portal user asks it.
    query = sa.select(status_column).where(id_column == sa.bindparam("user_id"))

    def disabled(user_id: str) -> bool:
        return db.session.scalar(query, {"user_id": user_id}) == "disabled"

    return disabled
