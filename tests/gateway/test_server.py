"""The gateway's HTTP server (gateway/worker.py): keep-alive, request heads it refuses, and
spliced downloads that still start with their headers."""

from __future__ import annotations

import hashlib
import json
import signal
import socket
import time

from .conftest import Gateway, run_gateway


def _connect(gateway: Gateway) -> socket.socket:
    host, port = gateway.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _read_answer(file) -> tuple[int, dict[str, str], bytes]:
    """One answer framed by Content-Length from a connection's file."""
    status = int(file.readline().split()[1])
    headers = {}
    while (line := file.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.lower()] = value.strip()
    return status, headers, file.read(int(headers.get("content-length", "0")))


def _closed(sock: socket.socket) -> bool:
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True


def test_requests_on_one_connection_are_answered_in_turn_until_it_asks_to_close(gateway):
    sock = _connect(gateway)
    file = sock.makefile("rb")
    get = b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n"
    # Two requests sent at once: the second waits in the buffer until the first is answered.
    sock.sendall(get + b"\r\n" + get + b"\r\n")
    first, second = _read_answer(file), _read_answer(file)
    sock.sendall(get + b"Connection: close\r\n\r\n")
    last = _read_answer(file)

    assert [a[0] for a in (first, second, last)] == [200, 200, 200]
    assert first[1]["connection"] == second[1]["connection"] == "keep-alive"
    assert last[1]["connection"] == "close"
    assert first[1]["x-request-id"] != second[1]["x-request-id"]
    assert "server" not in first[1]
    assert file.read() == b"", "closed after the answer it asked to be the last"
    sock.close()


def test_a_large_download_starts_with_its_headers(gateway, payload):
    # The body is spliced socket to socket; the status line and headers must go first.
    sock = _connect(gateway)
    sock.sendall(b"GET /api/v1/documents/big HTTP/1.1\r\nHost: x\r\n\r\n")
    status, headers, body = _read_answer(sock.makefile("rb"))
    sock.close()

    assert (status, int(headers["content-length"])) == (200, len(payload))
    assert hashlib.sha256(body).digest() == hashlib.sha256(payload).digest()


def test_header_lines_folded_or_nameless_are_refused_with_400(gateway):
    for bad in (b"X-A: 1\r\n  folded\r\n", b": no name\r\n", b"X-A : space before colon\r\n"):
        sock = _connect(gateway)
        sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n" + bad + b"\r\n")
        received = sock.makefile("rb").read()
        sock.close()

        assert received.split(b" ", 2)[1] == b"400", bad
        assert b"\nserver:" not in received.lower(), "the server's own answers name no server"


def test_a_body_framed_ambiguously_is_refused_with_400(gateway):
    # A proxy in front could read these otherwise, and send the rest on as another request.
    for framing in (
        b"Content-Length: 5\r\nContent-Length: 6\r\n",
        b"Content-Length: +5\r\n",
        b"Transfer-Encoding: gzip, chunked\r\n",
        b"Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        b"Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
    ):
        sock = _connect(gateway)
        sock.sendall(b"POST /api/v1/documents/upload HTTP/1.1\r\nHost: x\r\n" + framing + b"\r\n")
        received = sock.makefile("rb").read()
        sock.close()

        assert received.split(b" ", 2)[1] == b"400", framing


def test_more_than_a_hundred_header_fields_are_refused_with_400(gateway):
    sock = _connect(gateway)
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(101))
    sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    received = sock.makefile("rb").read()
    sock.close()

    assert received.split(b" ", 2)[1] == b"400"


def test_a_header_name_with_an_underscore_is_not_passed_on(gateway):
    # `X_Custom` would otherwise become the same HTTP_X_CUSTOM as `X-Custom` in the environ.
    sock = _connect(gateway)
    sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX_Custom: forged\r\n\r\n")
    status, _, body = _read_answer(sock.makefile("rb"))
    sock.close()

    assert status == 200
    assert json.loads(body)["custom"] is None


def test_a_request_in_flight_when_told_to_stop_is_answered(
    identity_upstream, sharing_upstream, tmp_path
):
    running = run_gateway(identity_upstream, sharing_upstream, tmp_path, GATEWAY_READ_TIMEOUT="5")
    gateway = next(running)
    sock = _connect(gateway)
    # The service takes 2 s to answer this one; the gateway is told to stop meanwhile.
    sock.sendall(b"GET /api/v1/sites/slow HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.5)
    gateway.process.send_signal(signal.SIGTERM)
    status, _, body = _read_answer(sock.makefile("rb"))
    sock.close()

    assert (status, json.loads(body)) == (200, {"late": True})
    assert gateway.process.wait(timeout=15) == 0
    next(running, None)  # the fixture's own clean-up
