"""A statement planned once per PostgreSQL connection, and run as it is on SQLite."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from services.common.prepared import OneOf, Prepared

metadata = sa.MetaData()
people = sa.Table(
    "people",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
)


def _active_among(one_of: OneOf) -> sa.Select:
    return (
        sa.select(people.c.id)
        .where(one_of(people.c.id, "ids"), people.c.status != "disabled")
        .order_by(people.c.id)
    )


ACTIVE_AMONG = Prepared("test_active_among", _active_among)


def _seeded(url: str) -> sa.Engine:
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as connection:
        connection.execute(
            people.insert(),
            [
                {"id": "a", "status": "active"},
                {"id": "b", "status": "disabled"},
                {"id": "c", "status": "active"},
            ],
        )
    return engine


@pytest.fixture
def pg_engine(new_database):
    engine = _seeded(new_database("prepared", migrated=False))
    yield engine
    engine.dispose()


@pytest.fixture(params=["postgresql", "sqlite"])
def engine(request, new_database, tmp_path):
    if request.param == "postgresql":
        engine = _seeded(new_database("prepared", migrated=False))
    else:
        engine = _seeded(f"sqlite:///{tmp_path / 'prepared.db'}")
    yield engine
    engine.dispose()


@pytest.mark.parametrize(
    ("ids", "found"),
    [([], []), (["a"], ["a"]), (["b"], []), (["c", "b", "a", "x"], ["a", "c"])],
)
def test_lists_of_any_length_give_the_same_rows_on_both_databases(engine, ids, found):
    with Session(engine) as session:
        assert [id_ for (id_,) in ACTIVE_AMONG.execute(session, {"ids": ids})] == found


def test_postgresql_prepares_it_once_per_connection_with_the_list_as_only_parameter(pg_engine):
    prepared = sa.text(
        "SELECT parameter_types::text FROM pg_prepared_statements WHERE name = :name"
    )
    with Session(pg_engine) as session:
        ACTIVE_AMONG.execute(session, {"ids": ["a"]})
        # 'disabled' is written into the statement: a parameter there would leave the generic
        # plan guessing how many people are disabled.
        assert session.execute(prepared, {"name": ACTIVE_AMONG.name}).scalar() == (
            '{"character varying[]"}'
        )
        session.rollback()  # a rollback does not undo a PREPARE: the next call must not redo it
        assert [row.id for row in ACTIVE_AMONG.execute(session, {"ids": ["a", "c"]})] == [
            "a",
            "c",
        ]
        ACTIVE_AMONG.execute(session, {"ids": ["c"]})
        # Planned once, whatever the lists' lengths: no plan made for one call's values.
        plans = sa.text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE name = :name"
        )
        assert tuple(session.execute(plans, {"name": ACTIVE_AMONG.name}).one()) == (3, 0)


def test_a_new_connection_prepares_it_again(pg_engine):
    with Session(pg_engine) as session:
        ACTIVE_AMONG.execute(session, {"ids": ["a"]})
        session.connection().invalidate()  # as after a dropped connection
    with Session(pg_engine) as session:
        assert [row.id for row in ACTIVE_AMONG.execute(session, {"ids": ["c"]})] == ["c"]
