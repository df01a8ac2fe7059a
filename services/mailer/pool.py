"""The mailer's database connections are checked with a ping only after they sat idle.

Its worker commits one e-mail at a time, each with a connection from the pool; the pre-ping
every checkout did (`pool_pre_ping`) was one more round trip to PostgreSQL per e-mail, like a
query. A connection back in use within IDLE_PING_SECONDS is not pinged: if the database went
away meanwhile, the first statement fails instead, the pool is invalidated, and the consumer
waits that out as a database outage (services/common/consumer.py), spending no attempt.
"""

from __future__ import annotations

import time

import sqlalchemy as sa

IDLE_PING_SECONDS = 5.0


def ping_when_idle(engine: sa.Engine) -> None:
    """Ping a connection at checkout only if it was idle more than IDLE_PING_SECONDS (or new)."""

    @sa.event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _ping(dbapi_connection, record, _proxy) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) <= IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool discards this connection and checks out another (a new one if need be).
            raise sa.exc.DisconnectionError(str(exc)) from exc
