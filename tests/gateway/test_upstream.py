"""The gateway's own HTTP/1.1 client, against a real socket server that answers as scripted:
keep-alive, connections the service closed, every way a body can be framed."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator

import pytest

from gateway.config import Settings
from services.common.testing import wait_until
from services.common.upstream import HeaderLineBreak, NoAnswer, Pool, exchange

# (request number on its connection, request bytes) -> (answer bytes, then close the connection)
Script = Callable[[int, bytes], tuple[bytes, bool]]


class RawServer:
    """Accepts connections and answers each request with what `script` says."""

    def __init__(self, script: Script) -> None:
        self.script = script
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.closed = 0
        self.requests: list[bytes] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(sock,), daemon=True).start()

    def _serve(self, sock: socket.socket) -> None:
        file = sock.makefile("rb")
        number = 0
        try:
            while request := _read_request(file):
                self.requests.append(request)
                number += 1
                answer, close = self.script(number, request)
                sock.sendall(answer)
                if close:
                    break
        finally:
            file.close()
            sock.close()
            self.closed += 1


def _read_request(file) -> bytes:
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        line = file.readline()
        if not line:
            return b""
        head += line
    lower = head.lower()
    if b"transfer-encoding: chunked" in lower:
        body = b""
        while not body.endswith(b"0\r\n\r\n"):
            body += file.readline()
        return head + body
    if b"content-length:" in lower:
        length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
        return head + file.read(length)
    return head


def ok(body: bytes = b"hello") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(body), body)


@pytest.fixture
def serve() -> Iterator[Callable[[Script], tuple[RawServer, Pool]]]:
    servers: list[RawServer] = []

    def start(script: Script) -> tuple[RawServer, Pool]:
        server = RawServer(script)
        servers.append(server)
        settings = Settings(connect_timeout=1, read_timeout=2)
        return server, Pool(f"http://127.0.0.1:{server.port}", settings)

    yield start
    for server in servers:
        server.listener.close()


def get(pool: Pool, method: str = "GET", body: bytes | None = None) -> tuple[int, bytes]:
    headers = {"content-length": str(len(body))} if body is not None else {}
    response = exchange(pool, method, "/x", headers, body, retryable=body is None)
    return response.status, b"".join(response.stream())


def test_a_connection_is_kept_alive_across_requests(serve):
    server, pool = serve(lambda n, _: (ok(b"answer %d" % n), False))

    assert [get(pool) for _ in range(3)] == [(200, b"answer %d" % n) for n in (1, 2, 3)]
    assert server.connections == 1


def test_a_connection_the_service_closed_while_idle_is_not_reused(serve):
    server, pool = serve(lambda n, _: (ok(), True))  # gunicorn's keep-alive timeout, at once
    assert get(pool) == (200, b"hello")
    wait_until(lambda: server.closed == 1, timeout=5, message="the service to close")

    # Not retryable (a body): it must not go out on the dead connection.
    assert get(pool, "POST", b"data") == (200, b"hello")
    assert server.connections == 2


def test_a_get_is_sent_again_when_a_kept_alive_connection_dies_unanswered(serve):
    # The second request on a connection gets no answer: the service closed it just then.
    server, pool = serve(lambda n, _: (ok() if n == 1 else b"", n > 1))
    assert get(pool) == (200, b"hello")

    assert get(pool) == (200, b"hello")
    assert server.connections == 2


def test_a_post_is_never_sent_twice(serve):
    server, pool = serve(lambda n, _: (ok() if n == 1 else b"", n > 1))
    assert get(pool) == (200, b"hello")

    with pytest.raises(NoAnswer):
        get(pool, "POST", b"data")
    assert len(server.requests) == 2


def test_a_chunked_body_arrives_decoded_and_the_connection_is_reused(serve):
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    server, pool = serve(lambda n, _: (chunked if n == 1 else ok(b"next"), False))

    assert get(pool) == (200, b"hello world")
    assert get(pool) == (200, b"next")
    assert server.connections == 1


def test_a_body_ended_by_closing_is_read_to_the_end_and_the_connection_dropped(serve):
    server, pool = serve(lambda n, _: (b"HTTP/1.1 200 OK\r\n\r\nuntil the end", True))

    assert get(pool) == (200, b"until the end")
    assert get(pool) == (200, b"until the end")
    assert server.connections == 2


def test_an_interim_answer_is_skipped(serve):
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n"
    _, pool = serve(lambda n, _: (early + ok(), False))

    response = exchange(pool, "GET", "/x", {})
    assert (response.status, response.headers) == (200, [("Content-Length", "5")])
    assert b"".join(response.stream()) == b"hello"


def test_a_body_cut_short_is_an_error_not_a_short_answer(serve):
    _, pool = serve(lambda n, _: (b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf", True))

    response = exchange(pool, "GET", "/x", {})
    with pytest.raises(NoAnswer):
        b"".join(response.stream())


def test_a_streamed_body_goes_chunked(serve):
    server, pool = serve(lambda n, _: (ok(), False))

    class Body:
        parts = [b"abc", b"defg", b""]

        def read(self, _: int) -> bytes:
            return self.parts.pop(0)

    response = exchange(pool, "PUT", "/x", {}, Body(), chunked=True)
    assert b"".join(response.stream()) == b"hello"
    assert server.requests[0].endswith(b"\r\n\r\n3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n")
    assert b"transfer-encoding: chunked\r\n" in server.requests[0]


def test_a_line_break_in_a_header_never_reaches_the_service(serve):
    server, pool = serve(lambda n, _: (ok(), False))

    with pytest.raises(HeaderLineBreak):
        exchange(pool, "GET", "/x", {"x-a": "1\r\nx-injected: 1"})
    assert server.requests == []


def test_an_answer_sent_before_the_body_was_read_reaches_the_client(serve):
    """A service refuses an upload over its limit with a 413 and closes without reading it:
    the client must get that 413, not a 502 for the broken pipe."""
    too_large = b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!"
    listener = socket.create_server(("127.0.0.1", 0))

    def refuse() -> None:
        sock, _ = listener.accept()
        file = sock.makefile("rb")
        while file.readline() not in (b"\r\n", b""):
            pass  # the head only
        sock.sendall(too_large)
        sock.shutdown(socket.SHUT_WR)
        file.close()
        sock.close()  # with the body unread: the client's sends now fail

    threading.Thread(target=refuse, daemon=True).start()
    pool = Pool(f"http://127.0.0.1:{listener.getsockname()[1]}", Settings(read_timeout=5))
    body = b"x" * (32 * 2**20)  # far more than the socket buffers hold
    try:
        response = exchange(pool, "POST", "/x", {"content-length": str(len(body))}, body)
        assert (response.status, b"".join(response.stream())) == (413, b"too big!")
        assert pool._idle == []  # the connection carried half a request: never reused
    finally:
        listener.close()


def test_a_connection_idle_near_the_services_keep_alive_timeout_is_not_reused(serve, monkeypatch):
    """The service may be closing it at that very moment; a request with a body sent on it then
    could not be sent again."""
    import services.common.upstream

    monkeypatch.setattr(services.common.upstream, "MAX_IDLE_SECONDS", 0.05)
    server, pool = serve(lambda n, _: (ok(), False))  # the service keeps it open meanwhile
    assert get(pool) == (200, b"hello")
    assert get(pool, "POST", b"data") == (200, b"hello")  # at once: reused
    assert server.connections == 1

    threading.Event().wait(0.1)
    assert get(pool, "POST", b"data") == (200, b"hello")
    assert server.connections == 2
