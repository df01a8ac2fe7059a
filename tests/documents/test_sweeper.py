"""The sweeper removes what a process killed between storing and committing left behind, and
nothing a version still names."""

from __future__ import annotations

from services.common import storage
from services.documents.sweeper import sweep

from .helpers import PDF, add_document, random_chunks


def test_an_object_stored_by_a_process_killed_before_its_commit_is_swept(
    app, client, matter, staff, bucket
):
    matter.publish({})
    kept = add_document(client, staff, matter.id, PDF, "kept.pdf")
    # What an upload does before its commit; the process dies here (no row, no clean-up).
    orphan = storage.put_stream(app, random_chunks(100_000), 10**6)
    assert orphan.key in bucket.objects()

    young = sweep(app)  # within the grace period: an upload may be about to commit
    assert orphan.key not in young
    # Rather than wait an hour: a cutoff a minute ahead makes every object old enough.
    swept = sweep(app, grace_seconds=-60)

    assert orphan.key in swept
    assert orphan.key not in bucket.objects()
    kept_key = kept["current_version"]["id"]
    download = client.get(f"/api/v1/documents/{kept['id']}/download", headers=staff)
    assert download.status_code == 200, kept_key
    assert download.data == PDF
