"""Clients that send their request slowly, or stop half-way, cannot hold the gateway: others
are still served, and the slow ones are cut off (408, or the connection closed)."""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator

import pytest
import requests

from services.common.testing import wait_until

from .conftest import Gateway, run_gateway

UPLOAD = "/api/v1/documents/upload"
MAX_UPLOADS = 3
BUFFERED = 500


def _connect(gateway: Gateway) -> socket.socket:
    host, port = gateway.url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _stalled_body(gateway: Gateway, declared: int = 1000) -> socket.socket:
    """Declares 1,000 bytes (or `declared`), sends 2, and stops."""
    sock = _connect(gateway)
    head = f"POST {UPLOAD} HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n"
    sock.sendall(head.encode() + b"ab")
    return sock


def _stalled_headers(gateway: Gateway) -> socket.socket:
    sock = _connect(gateway)
    sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    return sock


def _answer(sock: socket.socket) -> tuple[int | None, bytes]:
    """The status and body the gateway sent before closing (None: closed without a word)."""
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while block := sock.recv(65536):
            received += block
    if not received:
        return None, b""
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.fixture
def slow_clients(gateway: Gateway) -> Iterator[list[socket.socket]]:
    socks = [(_stalled_body if i % 2 else _stalled_headers)(gateway) for i in range(50)]
    yield socks
    for sock in socks:
        sock.close()


@pytest.fixture(scope="module")
def strict_gateway(identity_upstream, sharing_upstream, tmp_path_factory) -> Iterator[Gateway]:
    """Limits small enough to reach in a test."""
    yield from run_gateway(
        identity_upstream,
        sharing_upstream,
        tmp_path_factory.mktemp("strict"),
        GATEWAY_HEADER_TIMEOUT="1",
        GATEWAY_BODY_TIMEOUT="1",
        GATEWAY_BODY_MIN_RATE="100000",
        GATEWAY_MAX_UPLOADS=str(MAX_UPLOADS),
        # Bodies above this stream to the service as they come; smaller ones are received first.
        GATEWAY_BUFFER_BYTES=str(BUFFERED),
    )


def test_fifty_slow_clients_do_not_stop_a_normal_request(gateway, slow_clients):
    response = requests.get(f"{gateway.url}/api/v1/me", timeout=15)
    upload = requests.post(f"{gateway.url}{UPLOAD}", data=b"x" * 1000, timeout=15)

    assert response.status_code == 200
    assert (upload.status_code, upload.json()["size"]) == (200, 1000)


@pytest.mark.parametrize("declared", [BUFFERED + 500, BUFFERED - 100], ids=["streamed", "buffered"])
def test_a_body_that_stops_coming_is_answered_408(strict_gateway, declared):
    status, body = _answer(_stalled_body(strict_gateway, declared))

    assert status == 408
    assert json.loads(body)["code"] == "REQUEST_BODY_TIMEOUT"


def test_a_body_that_trickles_is_answered_408(strict_gateway):
    sock = _connect(strict_gateway)
    sock.sendall(f"POST {UPLOAD} HTTP/1.1\r\nHost: x\r\nContent-Length: 99999\r\n\r\n".encode())

    def cut_off() -> bool:
        try:
            sock.sendall(b"a")  # one byte at a time, never a long pause
        except OSError:
            return True
        sock.settimeout(0.3)
        try:
            return bool(sock.recv(65536, socket.MSG_PEEK))
        except TimeoutError:
            return False

    wait_until(cut_off, timeout=30, interval=0, message="the gateway to answer the trickle")
    sock.settimeout(10)
    status, body = _answer(sock)
    assert status == 408
    assert json.loads(body)["code"] == "REQUEST_BODY_TIMEOUT"


def test_headers_that_stop_coming_get_the_connection_closed(strict_gateway):
    status, _ = _answer(_stalled_headers(strict_gateway))

    assert status is None


def test_headers_that_trickle_get_the_connection_closed(strict_gateway):
    # Each byte comes well within the header timeout, the whole head never does.
    sock = _connect(strict_gateway)
    sock.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    received: list[bytes] = []

    def cut_off() -> bool:
        try:
            sock.sendall(b"a")
            sock.settimeout(0.2)
            received.append(sock.recv(65536))
        except TimeoutError:
            return False
        except OSError:
            received.append(b"")  # reset: closed without an answer too
        return True

    wait_until(cut_off, timeout=30, interval=0, message="the gateway to close the connection")
    assert received == [b""]


def test_uploads_beyond_the_limit_are_refused_and_other_requests_served(strict_gateway):
    stalled = [_stalled_body(strict_gateway) for _ in range(MAX_UPLOADS)]
    try:
        # The stalled uploads took every slot before the next one arrives.
        wait_until(lambda: _refused(strict_gateway), timeout=10, message="an upload refused")
        assert requests.get(f"{strict_gateway.url}/api/v1/me", timeout=15).status_code == 200
    finally:
        for sock in stalled:
            sock.close()


def _refused(gateway: Gateway) -> bool:
    response = requests.post(f"{gateway.url}{UPLOAD}", data=b"x", timeout=15)
    if response.status_code == 503:
        assert response.json()["code"] == "TOO_MANY_UPLOADS"
        assert response.headers["Retry-After"] == "5"
        return True
    return False


def test_a_download_nobody_reads_does_not_stop_a_normal_request(gateway):
    # The 50 MiB body is spliced socket to socket: waiting for a reader must yield the worker.
    sock = _connect(gateway)
    sock.sendall(b"GET /api/v1/documents/big HTTP/1.1\r\nHost: x\r\n\r\n")
    try:
        sock.recv(1024)  # the download has started, and then nobody reads
        assert requests.get(f"{gateway.url}/api/v1/me", timeout=5).status_code == 200
    finally:
        sock.close()
