"""What every benchmark needs: gunicorn on a free port, a keep-alive load loop, markdown tables."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Server:
    port: int
    pid: int  # gunicorn's master; its workers are its children

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# As in production: services on gthread, the gateway on its gevent pywsgi worker
# (gateway/gunicorn_conf.py, gateway/worker.py).
SERVICE_OPTIONS = ["-w", "2", "-k", "gthread", "--threads", "4"]
GATEWAY_WORKER = "gateway.worker.GatewayWorker"
GATEWAY_OPTIONS = ["-w", "2", "-k", GATEWAY_WORKER, "--worker-connections", "1000"]


def behind_gateway(running: ExitStack, service: str, env: dict[str, str]) -> dict[str, int]:
    """`service` under gunicorn with `env`, and the gateway in front of it, until `running`
    closes; target name -> port."""
    metrics = running.enter_context(tempfile.TemporaryDirectory())  # PROMETHEUS_MULTIPROC_DIR
    served = running.enter_context(
        gunicorn(
            f"services.{service}:create_app()",
            SERVICE_OPTIONS,
            {**env, "PROMETHEUS_MULTIPROC_DIR": metrics},
        )
    )
    gateway_env = {f"{service.upper()}_URL": served.url, "PROMETHEUS_MULTIPROC_DIR": metrics}
    gateway = running.enter_context(gunicorn("gateway:create_app()", GATEWAY_OPTIONS, gateway_env))
    return {
        f"direct ({service}, gthread -w2 --threads 4)": served.port,
        "through the gateway (-w2)": gateway.port,
    }


@contextmanager
def gunicorn(
    app: str,
    options: list[str],
    env: dict[str, str],
    probe: str = "/healthz",
    port: int | None = None,
) -> Iterator[Server]:
    """Serve `app` on `port` (default: a free one) until the block ends; yield it once `probe`
    answers 200."""
    port = port or free_port()
    command = [sys.executable, "-m", "gunicorn", "--no-control-socket", "-b", f"127.0.0.1:{port}"]
    with served([*command, *options, app], env, probe, port) as server:
        yield server


@contextmanager
def granian(
    app: str, options: list[str], env: dict[str, str], probe: str = "/healthz"
) -> Iterator[Server]:
    """As gunicorn(), under granian's WSGI server (`pip install granian`; only compared)."""
    port = free_port()
    command = [sys.executable, "-m", "granian", "--interface", "wsgi", "--no-ws"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"]
    factory = ["--factory", app.removesuffix("()")] if app.endswith("()") else [app]
    with served([*command, *options, *factory], env, probe, port) as server:
        yield server


@contextmanager
def served(command: list[str], env: dict[str, str], probe: str, port: int) -> Iterator[Server]:
    """Run `command` until the block ends; yield it once `probe` answers 200 on `port`."""
    app = command[-1]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            deadline = time.monotonic() + 30
            while not _answers(port, probe):
                if process.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    tail = errors.read().decode(errors="replace")[-2000:]
                    raise SystemExit(f"{app} did not answer {probe} on :{port}:\n{tail}")
                time.sleep(0.05)  # polling with a deadline
            yield Server(port, process.pid)
        finally:
            stop(process, 30)


def free_port() -> int:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        return free.getsockname()[1]


def stop(process: subprocess.Popen, grace: float) -> None:
    """SIGTERM, and SIGKILL if it is still there after `grace` seconds."""
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Client:
    """A bare HTTP/1.1 keep-alive GET, far cheaper than http.client: the servers are measured."""

    def __init__(self, port: int, path: str, headers: dict[str, str] | None = None) -> None:
        self.port = port
        lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.request = ("\r\n".join(lines) + "\r\n\r\n").encode()
        self.sock: socket.socket | None = None

    def get(self) -> tuple[int, bytes]:
        """(status, body) of one GET on the kept-alive connection."""
        if self.sock is None:
            self.sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        self.sock.sendall(self.request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += self._recv()
        head, _, body = data.partition(b"\r\n\r\n")
        head = head.lower()
        length = re.search(rb"\r\ncontent-length:\s*(\d+)", head)
        if length is None:
            raise SystemExit("the bench client needs responses with a Content-Length")
        pieces = [body]
        remaining = int(length.group(1)) - len(body)
        while remaining > 0:
            pieces.append(self._recv())
            remaining -= len(pieces[-1])
        if b"\r\nconnection: close" in head:
            self.close()  # gunicorn's sync worker closes after every response
        return int(head[9:12]), b"".join(pieces)

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536) if self.sock else b""
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        return chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def _answers(port: int, path: str) -> bool:
    client = Client(port, path)
    try:
        return client.get()[0] == 200
    except OSError:
        return False
    finally:
        client.close()


def python_load(
    port: int, requests: int, concurrency: int, path: str, headers: dict[str, str] | None = None
) -> dict:
    """`requests` GETs from `concurrency` threads, each on its own keep-alive connection."""
    left = iter(range(requests))  # next() on a shared iterator is atomic in CPython
    latencies: list[float] = []
    failures: list[int] = []

    def worker() -> None:
        client, mine = Client(port, path, headers), []
        while next(left, None) is not None:
            started = time.perf_counter()
            try:
                status = client.get()[0]
            except OSError:  # a timeout or a closed connection: a failure, on a new connection
                client.close()
                status = 0
            mine.append(time.perf_counter() - started)
            if status != 200:
                failures.append(status)
        client.close()
        latencies.extend(mine)  # list.extend is atomic too

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)
    return {
        "rps": n / elapsed,
        **{f"p{p}": latencies[int(n * p / 100)] * 1000 for p in (50, 95, 99)},
        "failures": len(failures),
    }


def median_rounds(loads: dict[str, Callable[[], dict]], rounds: int) -> dict[str, dict]:
    """Each load run `rounds` times, interleaved so that a burst of load from elsewhere on the
    host hits every target alike; per target, the round with the median req/s."""
    results: dict[str, list[dict]] = {name: [] for name in loads}
    for _ in range(rounds):
        for name, load in loads.items():
            results[name].append(load())
    return {name: sorted(r, key=lambda x: x["rps"])[len(r) // 2] for name, r in results.items()}


def table(columns: list[str], rows: list[list[object]]) -> str:
    """A markdown table; columns of figures ("12.5", "0.83x") right-aligned."""

    def figure(cell: object) -> bool:
        try:
            float(str(cell).removesuffix("x"))
            return True
        except ValueError:
            return False

    figures = [all(figure(row[i]) for row in rows) for i in range(len(columns))]
    lines = [
        "| " + " | ".join(columns) + " |",
        "|" + "".join("---:|" if f else "---|" for f in figures),
    ]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def host_load(before: float) -> str:
    """The 1-minute load average before the run (`os.getloadavg()[0]`) and now, against the
    core count: these machines are noisy, and the run itself loads them."""
    now = os.getloadavg()[0]
    return f"load average {before:.2f} before the run, {now:.2f} at its end, {os.cpu_count()} cores"
