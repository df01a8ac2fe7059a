"""What the gateway costs: one GET straight at a service vs through the gateway, in one run.

    python -m bench gateway [--upstream identity|echo] [--requests N] [--concurrency C]

The service and both gateway variants run under gunicorn at once; each round loads every target
in turn with N requests from C threads on keep-alive connections (or wrk for --duration seconds
when it is installed) and stops; the table shows each target's median round.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from pathlib import Path

from cryptography.fernet import Fernet

from bench.harness import (
    GATEWAY_OPTIONS,
    ROOT,
    granian,
    gunicorn,
    host_load,
    median_rounds,
    python_load,
    table,
)
from bench.rss import children, cpu_seconds

PATH = "/.well-known/jwks.json"  # public, no token: identity's and the echo app's
GATEWAY_VARIANTS = {
    "gateway sync -w2": ["-w", "2", "-k", "sync"],
    "gateway gthread -w2 --threads 8": ["-w", "2", "-k", "gthread", "--threads", "8"],
    # gunicorn's own gevent worker: its HTTP parser and writer cost more than pywsgi's.
    "gateway gevent -w2": ["-w", "2", "-k", "gevent", "--worker-connections", "1000"],
    # As deployed (gateway/gunicorn_conf.py): slow clients cost a greenlet, not a thread.
    "gateway pywsgi -w2 (deployed)": GATEWAY_OPTIONS,
}
# Compared when installed, not deployed: it cannot drop its `Server` header, binds one port (no
# admin port), and a request body read in its threads cannot be given a deadline (README).
GRANIAN_VARIANT = (
    "gateway granian -w2 --blocking-threads 32",
    ["--workers", "2", "--blocking-threads", "32"],
)
# The services run gthread -w2 --threads 4 (services/cli.py: `portal SERVICE web`).
UPSTREAM_WORKERS = {"gthread": ["-w", "2", "-k", "gthread", "--threads", "4"], "sync": ["-w", "2"]}
_ECHO = json.dumps({"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "bench", "x": "A" * 43}]})


def echo_app(environ: dict, start_response: Callable) -> Iterable[bytes]:
    """The stand-in service: a small JSON document for any path."""
    body = _ECHO.encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    start_response("200 OK", headers)
    return [body]


def with_cpu(run: Callable[[], dict], target: int, service: int) -> dict:
    """`run()`'s result plus the CPU µs per request of the `target` and `service` process
    trees and of this process (the client)."""
    trees = {"cpu_target": tree(target), "cpu_service": tree(service)}
    before = {key: sum(map(cpu_seconds, pids)) for key, pids in trees.items()}
    own, started = os.times(), time.perf_counter()
    result = run()
    requests = result["rps"] * (time.perf_counter() - started)
    for key, pids in trees.items():
        result[key] = (sum(map(cpu_seconds, pids)) - before[key]) * 1e6 / requests
    used = sum(os.times()[:2]) - sum(own[:2])
    result["cpu_client"] = used * 1e6 / requests
    return result


def tree(root: int) -> list[int]:
    """`root` and every process below it."""
    found, todo = [root], children(root)
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children(pid)
    return found


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
    env = {
        "IDENTITY_DATABASE_URL": f"sqlite:///{scratch / 'identity.db'}",
        # Identity refuses to start without the key sealing e-mailed links: a throwaway one.
        "MAIL_LINK_KEYS": os.environ.get("MAIL_LINK_KEYS") or Fernet.generate_key().decode(),
    }
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
    parser.add_argument("--upstream-worker", choices=list(UPSTREAM_WORKERS), default="gthread")
    parser.add_argument("--requests", type=int, default=3000, help="per target and round")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--granian", action="store_true", help="also the gateway under granian, if installed"
    )
    parser.add_argument("--client", choices=["auto", "python", "wrk"], default="auto")
    parser.add_argument("--duration", type=float, default=3.0, help="seconds per round (wrk)")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    upstream = args.upstream or ("identity" if has_identity else "echo")
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    app = "services.identity:create_app()" if upstream == "identity" else f"{__name__}:echo_app"

    with ExitStack() as running:
        scratch = Path(running.enter_context(tempfile.TemporaryDirectory()))
        env = _identity_env(scratch) if upstream == "identity" else {}
        service = running.enter_context(gunicorn(app, UPSTREAM_WORKERS[args.upstream_worker], env))
        direct = f"direct ({upstream}, {args.upstream_worker} -w2)"
        ports = {direct: service.port}
        pids = {direct: service.pid}
        variants = [(name, options, gunicorn) for name, options in GATEWAY_VARIANTS.items()]
        if args.granian and importlib.util.find_spec("granian"):
            variants.append((*GRANIAN_VARIANT, granian))
        for name, options, server in variants:
            (scratch / name).mkdir()  # PROMETHEUS_MULTIPROC_DIR, as in production
            env = {"IDENTITY_URL": service.url, "PROMETHEUS_MULTIPROC_DIR": str(scratch / name)}
            served = running.enter_context(server("gateway:create_app()", options, env))
            ports[name], pids[name] = served.port, served.pid
        for port in ports.values():
            python_load(port, 500, args.concurrency, PATH)  # warm up connections, pools, caches

        def load(name: str) -> Callable[[], dict]:
            port = ports[name]
            if use_wrk:
                run = lambda: wrk_load(port, args.duration, args.concurrency)  # noqa: E731
            else:
                run = lambda: python_load(port, args.requests, args.concurrency, PATH)  # noqa: E731
            return lambda: with_cpu(run, pids[name], service.pid)

        medians = median_rounds({name: load(name) for name in ports}, args.rounds)
    amount = f"{args.duration:g} s" if use_wrk else f"{args.requests} requests"
    print(f"\nGET {PATH}: {amount} per round at concurrency {args.concurrency}, median of")
    print(f"{args.rounds} interleaved rounds, client: {'wrk' if use_wrk else 'python threads'}")
    print(f"({host_load(load_before)})\n")
    base = next(iter(medians.values()))["rps"]
    rows = [
        [
            name + (f" ({r['failures']} failed)" if r["failures"] else ""),
            f"{r['rps']:.0f}",
            f"{r['p50']:.2f}",
            f"{r['p99']:.2f}",
            f"{r['rps'] / base:.2f}x",
        ]
        for name, r in medians.items()
    ]
    print(table(["target", "req/s", "p50 ms", "p99 ms", "relative"], rows))
    # On a shared host req/s follows the CPU share the scheduler gives each process (a gevent
    # worker is one thread among many); CPU time per request is what each hop costs.
    service_cpu = medians[direct]["cpu_service"] + medians[direct]["cpu_client"]
    rows = [
        [
            name,
            f"{r['cpu_service']:.0f}",
            f"{r['cpu_target'] if name != direct else 0:.0f}",
            f"{r['cpu_client']:.0f}",
            f"{service_cpu / (service_cpu + (r['cpu_target'] if name != direct else 0)):.2f}x",
        ]
        for name, r in medians.items()
    ]
    print("\nCPU µs per request (same rounds); the last column is direct's service + client CPU")
    print("over that plus the gateway's: the ratio a host with no other load would tend to\n")
    print(table(["target", "service", "gateway", "bench client", "CPU-bound ratio"], rows))
    gateways = [name for name in medians if name.startswith("gateway")]
    print(f"\nfaster gateway here: {max(gateways, key=lambda n: medians[n]['rps'])}")
    return 0
