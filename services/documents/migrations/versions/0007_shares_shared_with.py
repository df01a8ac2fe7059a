"""each document's contacts as a GIN-indexed array, kept by triggers on document_shares

The firm's "shared with all of these contacts" view was a GROUP BY over every share row of the
contacts (25,000 rows of 36-character ids for 5 contacts of a large matter); with the array it
is one GIN index lookup (`shared_with @> ARRAY[...]`). The share rows stay the record (who
shared, when); the array only mirrors their user ids. Statement triggers keep it in the same
transaction as the rows, from the rows each statement added or removed, so concurrent saves
compose (an UPDATE that waited for another's row lock re-reads the array it changes). On
SQLite nothing changes: the view groups the share rows there.

Revision ID: 0007_shares_shared_with
Revises: 0006_relay_outbox_order
"""

from alembic import op

revision = "0007_shares_shared_with"
down_revision = "0006_relay_outbox_order"
branch_labels = None
depends_on = None

# Share rows are only ever inserted and deleted (a save, a client upload, a document deleted).
TRIGGERS = """
CREATE FUNCTION documents_shares_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE documents SET shared_with = documents.shared_with || added.users
    FROM (SELECT document_id, array_agg(user_id) AS users FROM added_shares
          GROUP BY document_id) AS added
    WHERE documents.id = added.document_id;
    RETURN NULL;
END $$;

CREATE FUNCTION documents_shares_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE documents SET shared_with = ARRAY(
        SELECT kept FROM unnest(documents.shared_with) AS kept WHERE kept <> ALL (removed.users))
    FROM (SELECT document_id, array_agg(user_id) AS users FROM removed_shares
          GROUP BY document_id) AS removed
    WHERE documents.id = removed.document_id;
    RETURN NULL;
END $$;

CREATE TRIGGER document_shares_added AFTER INSERT ON document_shares
    REFERENCING NEW TABLE AS added_shares
    FOR EACH STATEMENT EXECUTE FUNCTION documents_shares_added();

CREATE TRIGGER document_shares_removed AFTER DELETE ON document_shares
    REFERENCING OLD TABLE AS removed_shares
    FOR EACH STATEMENT EXECUTE FUNCTION documents_shares_removed();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE documents ADD COLUMN shared_with varchar(36)[] NOT NULL DEFAULT '{}'")
    op.execute(
        "UPDATE documents SET shared_with = shares.users FROM (SELECT document_id, "
        "array_agg(user_id) AS users FROM document_shares GROUP BY document_id) AS shares "
        "WHERE documents.id = shares.document_id"
    )
    # Without a pending list: saves are rare, listings frequent, and a pending list (flushed
    # only by vacuum or once 4 MB) is scanned whole by every lookup (7.5 ms, not 1 ms, after
    # one save of 2,000 documents).
    op.execute(
        "CREATE INDEX ix_documents_shared_with ON documents USING gin (shared_with) "
        "WITH (fastupdate = off)"
    )
    op.execute(TRIGGERS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP TRIGGER document_shares_removed ON document_shares")
    op.execute("DROP TRIGGER document_shares_added ON document_shares")
    op.execute("DROP FUNCTION documents_shares_removed()")
    op.execute("DROP FUNCTION documents_shares_added()")
    op.execute("DROP INDEX ix_documents_shared_with")
    op.execute("ALTER TABLE documents DROP COLUMN shared_with")
