"""The suite's storage helper against the real S3 server: streamed put with limit, checksum and
sniffed type; streamed get; nothing left behind when an upload stops half-way."""

from __future__ import annotations

import hashlib
import io
import socket
import threading

import pytest

from services.common import storage
from services.common.problems import ProblemError

from .helpers import PNG, random_chunks

MIB = 1024 * 1024


def test_put_stream_takes_iterators_and_files_and_reads_back(app, bucket):
    data = b"".join(random_chunks(6 * MIB + 7, seed=b"put"))
    from_iterator = storage.put_stream(app, random_chunks(6 * MIB + 7, seed=b"put"), 10 * MIB)
    from_file = storage.put_stream(app, io.BytesIO(PNG), 10 * MIB)

    assert from_iterator.size == len(data)
    assert from_iterator.sha256 == hashlib.sha256(data).hexdigest()
    assert from_iterator.content_type == "application/pdf"
    assert from_file.content_type == "image/png"
    assert {from_iterator.key, from_file.key} <= bucket.objects()
    assert b"".join(storage.open_stream(app, from_iterator.key)) == data

    unread = storage.open_stream(app, from_file.key)
    unread.close()  # the client went away before the first byte: the connection is released
    for stored in (from_iterator, from_file):
        storage.delete(app, stored.key)
    assert not {from_iterator.key, from_file.key} & bucket.objects()


def test_put_stream_stops_past_the_limit(app, bucket):
    before = bucket.objects()
    with pytest.raises(ProblemError) as raised:
        storage.put_stream(app, random_chunks(20 * MIB), 11 * MIB)
    assert raised.value.status == 413
    assert raised.value.code == "PAYLOAD_TOO_LARGE"
    assert "11 MB" in raised.value.detail
    assert bucket.objects() == before
    assert bucket.pending_uploads() == set()


def test_an_interrupted_worker_leaves_no_unfinished_upload(app, bucket):
    """SystemExit (gunicorn's worker timeout) is not an Exception: minio does not abort then."""

    def chunks():
        yield from random_chunks(12 * MIB)
        raise SystemExit(1)

    before = bucket.objects()
    with pytest.raises(SystemExit):
        storage.put_stream(app, chunks(), 100 * MIB)
    assert bucket.objects() == before
    assert bucket.pending_uploads() == set()


@pytest.mark.parametrize(
    "size", [5 * MIB, 10 * MIB, 5 * MIB - 1], ids=["1-part", "2-parts", "1-put"]
)
def test_bodies_that_end_on_a_part_boundary_are_stored_whole(app, bucket, size):
    """Parts are 5 MiB here (conftest): a body that fills its last part exactly ends with an
    empty read, which must complete the upload rather than send an empty part."""
    data = b"".join(random_chunks(size, seed=b"edge"))
    stored = storage.put_stream(app, random_chunks(size, seed=b"edge"), 20 * MIB)
    assert (stored.size, stored.sha256) == (size, hashlib.sha256(data).hexdigest())
    assert b"".join(storage.open_stream(app, stored.key)) == data
    assert bucket.pending_uploads() == set()
    storage.delete(app, stored.key)


def test_a_store_failing_between_parts_is_a_503_and_leaves_nothing(app, bucket):
    """The store refuses the second part (its upload was aborted under us): an outage for the
    caller, and nothing stays in the bucket."""
    before = bucket.objects()

    def chunks():
        yield from random_chunks(6 * MIB)  # the first part has gone by now
        for upload in bucket.s3._list_multipart_uploads(bucket.name).uploads:
            bucket.s3._abort_multipart_upload(bucket.name, upload.object_name, upload.upload_id)
        yield from random_chunks(6 * MIB)

    with pytest.raises(ProblemError) as raised:
        storage.put_stream(app, chunks(), 100 * MIB)
    assert (raised.value.status, raised.value.code) == (503, "STORAGE_UNAVAILABLE")
    assert bucket.objects() == before
    assert bucket.pending_uploads() == set()


@pytest.mark.parametrize("offset, length", [(0, 0), (MIB + 5, 2 * MIB)], ids=["whole", "range"])
def test_a_large_object_is_spliced_into_the_client_socket_intact(app, offset, length):
    data = b"".join(random_chunks(4 * MIB + 3, seed=b"splice"))
    key = storage.put_stream(app, random_chunks(4 * MIB + 3, seed=b"splice"), 10 * MIB).key
    expected = data[offset : offset + length] if length else data
    server_side, client_side = socket.socketpair()  # blocking, as gunicorn's gthread worker's
    received = bytearray()

    def read_all() -> None:
        while block := client_side.recv(MIB):
            received.extend(block)

    reader = threading.Thread(target=read_all)
    reader.start()
    yielded = []
    try:
        stream = storage.open_stream(app, key, offset=offset, length=length, send_to=server_side)
        for block in stream:  # as the WSGI server: it writes what it is given, in order
            yielded.append(len(block))
            server_side.sendall(block)
        server_side.shutdown(socket.SHUT_WR)
        reader.join(timeout=30)
    finally:
        server_side.close()
        client_side.close()
        storage.delete(app, key)

    # One small block went through Python; the megabytes after it, socket to socket.
    assert len(yielded) == 1 and yielded[0] <= 64 * 1024
    assert bytes(received) == expected
