"""What the gateway costs: one GET straight at a service vs through the gateway, in one run.

    python -m bench gateway [--upstream identity|echo] [--requests N] [--concurrency C]

The service and both gateway variants run under gunicorn at once; each round loads every target
in turn with N requests from C threads on keep-alive connections (or wrk for --duration seconds
when it is installed) and stops; the table shows each target's median round.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PATH = "/.well-known/jwks.json"  # public, no token: identity's and the echo app's
GATEWAY_VARIANTS = {
    "gateway sync -w2": ["-w", "2", "-k", "sync"],
    "gateway gthread -w2 --threads 8": ["-w", "2", "-k", "gthread", "--threads", "8"],
}
UPSTREAM_WORKERS = {"sync": ["-w", "2"], "gthread": ["-w", "2", "-k", "gthread", "--threads", "8"]}
_ECHO = json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "bench", "x": "A" * 43}]})


def echo_app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """The stand-in service: a small JSON document for any path."""
    body = _ECHO.encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response("200 OK", headers)
    return [body]


@contextmanager
def gunicorn(app: str, options: list[str], env: dict[str, str]) -> Iterator[int]:
    """Serve `app` on a free port until the block ends; yield the port once it answers."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "gunicorn", "--no-control-socket", "-b", f"127.0.0.1:{port}"]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [*command, *options, app],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            deadline = time.monotonic() + 30
            while not _answers(port):
                if process.poll() is not None or time.monotonic() > deadline:
                    errors.seek(0)
                    tail = errors.read().decode(errors="replace")[-2000:]
                    raise SystemExit(f"{app} did not answer {PATH} on :{port}:\n{tail}")
                time.sleep(0.05)  # polling with a deadline
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


class _Client:
    """A bare HTTP/1.1 keep-alive GET, far cheaper than http.client: the servers are measured."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.request = f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
        self.sock: socket.socket | None = None

    def get(self) -> int:
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
        remaining = int(length.group(1)) - len(body)
        while remaining > 0:
            remaining -= len(self._recv())
        if b"\r\nconnection: close" in head:
            self.close()  # gunicorn's sync worker closes after every response
        return int(head[9:12])

    def _recv(self) -> bytes:
        chunk = self.sock.recv(65536) if self.sock else b""
        if not chunk:
            raise ConnectionResetError("the server closed the connection")
        return chunk

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def _answers(port: int) -> bool:
    client = _Client(port)
    try:
        return client.get() == 200
    except OSError:
        return False
    finally:
        client.close()


def python_load(port: int, requests: int, concurrency: int) -> dict:
    """`requests` GETs from `concurrency` threads, each on its own keep-alive connection."""
    left = iter(range(requests))  # next() on a shared iterator is atomic in CPython
    latencies: list[float] = []
    failures: list[int] = []

    def worker() -> None:
        client, mine = _Client(port), []
        while next(left, None) is not None:
            started = time.perf_counter()
            status = client.get()
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
        "p50": latencies[n // 2] * 1000,
        "p99": latencies[int(n * 0.99)] * 1000,
        "failures": len(failures),
    }


def wrk_load(port: int, duration: float, concurrency: int) -> dict:
    """The same GET with wrk for `duration` seconds."""
    url = f"http://127.0.0.1:{port}{PATH}"
    command = ["wrk", "-t2", f"-c{concurrency}", f"-d{duration:g}s", "--latency", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    ms = {p: float(v) * scale[u] for p, v, u in re.findall(r"(\d+)%\s+([\d.]+)(us|ms|s)\b", out)}
    failures = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": ms["50"],
        "p99": ms["99"],
        "failures": int(failures.group(1)) if failures else 0,
    }


def _identity_env(scratch: Path) -> dict[str, str]:
    """A migrated throwaway SQLite database for identity, so the bench never touches var/."""
    env = {"IDENTITY_DATABASE_URL": f"sqlite:///{scratch / 'identity.db'}"}
    migrate = [sys.executable, "-m", "services.common.migrate", "identity"]
    done = subprocess.run(migrate, cwd=ROOT, env={**os.environ, **env}, capture_output=True)
    if done.returncode:
        raise SystemExit(f"migrating identity failed:\n{done.stderr.decode()[-2000:]}")
    return env


def main(argv: list[str]) -> int:
    identity = ROOT / "services" / "identity" / "__init__.py"
    has_identity = identity.exists() and "def create_app" in identity.read_text()
    parser = argparse.ArgumentParser(
        prog="python -m bench gateway",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--upstream", choices=["identity", "echo"], help="default: identity if it exists"
    )
    parser.add_argument("--upstream-worker", choices=list(UPSTREAM_WORKERS), default="sync")
    parser.add_argument("--requests", type=int, default=3000, help="per target and round")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--client", choices=["auto", "python", "wrk"], default="auto")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per round (wrk)")
    args = parser.parse_args(argv)
    upstream = args.upstream or ("identity" if has_identity else "echo")
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    app = "services.identity:create_app()" if upstream == "identity" else f"{__name__}:echo_app"

    with ExitStack() as running:
        scratch = Path(running.enter_context(tempfile.TemporaryDirectory()))
        env = _identity_env(scratch) if upstream == "identity" else {}
        service = running.enter_context(gunicorn(app, UPSTREAM_WORKERS[args.upstream_worker], env))
        ports = {f"direct ({upstream}, {args.upstream_worker} -w2)": service}
        for name, options in GATEWAY_VARIANTS.items():
            (scratch / name).mkdir()  # PROMETHEUS_MULTIPROC_DIR, as in production
            env = {"IDENTITY_URL": f"http://127.0.0.1:{service}"}
            env["PROMETHEUS_MULTIPROC_DIR"] = str(scratch / name)
            ports[name] = running.enter_context(gunicorn("gateway:create_app()", options, env))
        for port in ports.values():
            python_load(port, 500, args.concurrency)  # warm up connections, pools and caches
        # Interleaved: a burst of load from elsewhere on the host hits every target alike.
        rounds: dict[str, list[dict]] = {name: [] for name in ports}
        for _ in range(args.rounds):
            for name, port in ports.items():
                load = wrk_load(port, args.duration, args.concurrency) if use_wrk else None
                rounds[name].append(load or python_load(port, args.requests, args.concurrency))
    medians = {name: sorted(r, key=lambda x: x["rps"])[len(r) // 2] for name, r in rounds.items()}
    amount = f"{args.duration:g} s" if use_wrk else f"{args.requests} requests"
    print(f"\nGET {PATH}: {amount} per round at concurrency {args.concurrency}, median of")
    print(f"{args.rounds} interleaved rounds, client: {'wrk' if use_wrk else 'python threads'}\n")
    print("| target | req/s | p50 ms | p99 ms | relative |\n|---|---:|---:|---:|---:|")
    base = next(iter(medians.values()))["rps"]
    for name, r in medians.items():
        failed = f" ({r['failures']} failed)" if r["failures"] else ""
        print(
            f"| {name}{failed} | {r['rps']:.0f} | {r['p50']:.2f} | {r['p99']:.2f} "
            f"| {r['rps'] / base:.2f}x |"
        )
    gateways = [name for name in medians if name.startswith("gateway")]
    print(f"\nfaster gateway here: {max(gateways, key=lambda n: medians[n]['rps'])}")
    return 0
