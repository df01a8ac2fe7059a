"""Each document's contacts (`documents.shared_with`, what the firm's intersection view reads):
kept equal to its share rows by the database in every transaction that writes them, filled
from the rows already there by the migration, and absent on SQLite, where the view counts
the rows instead."""

from __future__ import annotations

import threading
import uuid

import sqlalchemy as sa
from alembic import command

from services.common import migrate
from services.common.testing import wait_until
from services.documents import create_app, shares
from services.documents.models import Document, DocumentShare, db

from .helpers import add_document, contacts_mirror_shares

ANA, BEN, CLEO = (str(uuid.uuid4()) for _ in range(3))
BEFORE = "0006_relay_outbox_order"
SHARE = sa.text(
    "INSERT INTO document_shares (document_id, user_id, matter_id, shared_by, shared_at) "
    "VALUES (:d, :u, :m, :u, now())"
)
UNSHARE = sa.text("DELETE FROM document_shares WHERE document_id = :d AND user_id = :u")


def _waiting_for_a_lock(engine: sa.Engine, pid: int) -> bool:
    with engine.connect() as connection:
        return connection.scalar(
            sa.text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
            {"pid": pid},
        )


def _share_while_held(engine: sa.Engine, held: sa.TextClause, share: dict, params: dict) -> None:
    """Run `held` with `params` in one transaction and, before it commits, `share` in another
    (which waits for the document's row); then commit both."""
    with engine.connect() as first, engine.connect() as second:
        first.execute(held, params)
        pid = second.scalar(sa.text("SELECT pg_backend_pid()"))
        failures = []

        def share_meanwhile() -> None:
            try:
                second.execute(SHARE, share)
                second.commit()
            except Exception as exc:  # reported below
                failures.append(exc)

        thread = threading.Thread(target=share_meanwhile)
        thread.start()
        wait_until(lambda: _waiting_for_a_lock(engine, pid), message="the second to wait")
        first.commit()
        thread.join(timeout=15)
    assert failures == []


def test_writes_to_one_document_at_once_both_count(app, client, matter, staff):
    """A transaction that changes a document's shares while another holds its row waits, then
    applies its change to what the other committed."""
    matter.publish({ANA: ["requester"], BEN: ["watcher"], CLEO: ["watcher"]})
    document = add_document(client, staff, matter.id)["id"]
    with app.app_context():
        engine = db.engine
    ana, ben, cleo = ({"d": document, "u": u, "m": matter.id} for u in (ANA, BEN, CLEO))

    _share_while_held(engine, SHARE, ben, ana)
    assert contacts_mirror_shares(app, matter.id)
    _share_while_held(engine, UNSHARE, cleo, ana)
    assert contacts_mirror_shares(app, matter.id)

    with app.app_context():
        listed = db.session.execute(
            sa.text("SELECT shared_with FROM documents WHERE id = :d"), {"d": document}
        ).scalar_one()
    assert sorted(listed) == sorted([BEN, CLEO])


def test_deleting_a_document_takes_its_shares_along(app, client, matter, staff):
    matter.publish({ANA: ["requester"]})
    kept, dropped = (add_document(client, staff, matter.id)["id"] for _ in range(2))
    saved = client.put(
        f"/api/v1/matters/{matter.id}/document-shares",
        json={"contacts": [ANA], "documents": [kept, dropped]},
        headers=staff,
    )
    assert saved.status_code == 200, saved.json
    with app.app_context():
        db.session.execute(sa.delete(Document).where(Document.id == dropped))
        db.session.commit()
    assert contacts_mirror_shares(app, matter.id)


def _load(url: str, matter_id: str) -> dict[str, str]:
    """Two documents, the first shared with Ana and Ben, the second with Ben; name -> id."""
    ids = {"a": str(uuid.uuid4()), "b": str(uuid.uuid4())}
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for name, document_id in ids.items():
            connection.execute(
                sa.text(
                    "INSERT INTO documents (id, matter_id, name, created_by, created_at, "
                    "from_client) VALUES (:d, :m, :n, :m, CURRENT_TIMESTAMP, false)"
                ),
                {"d": document_id, "m": matter_id, "n": name},
            )
        for name, user in (("a", ANA), ("a", BEN), ("b", BEN)):
            connection.execute(
                sa.text(
                    "INSERT INTO document_shares (document_id, user_id, matter_id, shared_by, "
                    "shared_at) VALUES (:d, :u, :m, :u, CURRENT_TIMESTAMP)"
                ),
                {"d": ids[name], "u": user, "m": matter_id},
            )
    engine.dispose()
    return ids


def _store(s3_server: dict) -> dict:
    return {k: v for k, v in s3_server.items() if k.startswith("S3_")}


def _shared_with_all(app, contacts: list[str]) -> set[str]:
    with app.app_context():
        found = db.session.scalars(
            sa.select(Document.name).where(shares.shared_with_all(contacts))
        ).all()
        db.session.remove()
        db.engine.dispose()
    return set(found)


def test_the_upgrade_fills_each_documents_contacts_and_the_downgrade_removes_them(
    new_database, s3_server
):
    url = new_database("documents", migrated=False)
    config = migrate.alembic_config("documents", url)
    command.upgrade(config, BEFORE)
    _load(url, str(uuid.uuid4()))

    migrate.upgrade("documents", url)
    app = create_app(SQLALCHEMY_DATABASE_URI=url, **_store(s3_server))
    assert _shared_with_all(app, [ANA, BEN]) == {"a"}
    assert _shared_with_all(app, [BEN]) == {"a", "b"}

    command.downgrade(config, BEFORE)
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        columns = {c["name"] for c in sa.inspect(connection).get_columns("documents")}
        kept = connection.scalar(sa.select(sa.func.count()).select_from(DocumentShare))
    engine.dispose()
    assert "shared_with" not in columns
    assert kept == 3


def test_on_sqlite_the_share_rows_are_counted(tmp_path, s3_server):
    url = f"sqlite:///{tmp_path / 'documents.db'}"
    migrate.upgrade("documents", url)
    _load(url, str(uuid.uuid4()))
    app = create_app(SQLALCHEMY_DATABASE_URI=url, **_store(s3_server))
    assert _shared_with_all(app, [ANA, BEN]) == {"a"}
    assert _shared_with_all(app, [BEN]) == {"a", "b"}
    assert _shared_with_all(app, [ANA, CLEO]) == set()
