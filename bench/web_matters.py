"""The portal's "My matters" page rendered by the web tier, beside the API call it is made of.

    python -m bench web_matters [--requests N] [--concurrency C] [--rounds R]

The data set of `bench listing` (100,000 matters, 1,000,000 audience rows, a user in 50 matters
of their company) in a throwaway PostgreSQL database; sharing, the gateway (routing /portal/ to
web) and web run under gunicorn as in production, web keeping its sessions in Redis (the
signed-in person's session is written by web's own session code, as signing in leaves it).
Each round loads, from C threads on keep-alive connections: the API call the page makes (the
first 20 of my matters) through the gateway; the page through the gateway, as a browser gets
it, from a web calling the API back through the gateway (the default); the same page from a web
with WEB_API_DIRECT, calling sharing itself (its own gateway in front); and that page straight
at that web, to show what the gateway in front costs. The table shows each target's median
round; the aim is a page costing at most 1.5 times the API call.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import redis

from bench.backends import database, jwks
from bench.harness import (
    GATEWAY_OPTIONS,
    SERVICE_OPTIONS,
    Client,
    free_port,
    gunicorn,
    host_load,
    median_rounds,
    python_load,
    table,
)
from bench.listing import COMPANIES, MATTERS, load, uuid_of
from bench.rss import children
from services.common.testing import TokenMinter
from web.sessions import RedisSessionInterface, ServerSession

PAGE = "/portal/matters"
REDIS_URL = os.environ.get("WEB_REDIS_URL", "redis://127.0.0.1:6379/0")


def api_path(company_id: str) -> str:
    """What the page asks the API for (web/matter_views.py): page 1 of the company's matters."""
    return f"/api/v1/portal/matters?page=1&page_size=20&company_id={company_id}"


def _session(store: redis.Redis, prefix: str, token: str, user: str, company: str) -> str:
    """A signed-in session, written by the portal's own session store code; its cookie value."""
    data = {
        "tokens": {"access": token, "refresh": "bench-has-no-refresh-token"},
        "person": {
            "id": user,
            "email": "user0@example.test",
            "name": "User 0",
            "kind": "portal",
            "locale": "en",
            "time_zone": None,
            "companies": [{"id": company, "name": "Company 0", "role": "member"}],
        },
        "company_id": company,
    }
    session = ServerSession(data, sid=secrets.token_urlsafe(32))
    RedisSessionInterface(store, prefix, 3600)._write(session)
    return session.sid


def _serve(
    running: ExitStack, url: str, jwks_url: str, redis_prefix: str
) -> tuple[dict[str, int], dict[str, int]]:
    """Sharing; a web calling it through the gateway and a web calling it directly, each with
    a gateway in front; (name -> port, process name -> its gunicorn master's pid)."""
    metrics = running.enter_context(tempfile.TemporaryDirectory())  # PROMETHEUS_MULTIPROC_DIR
    env = {"SHARING_DATABASE_URL": url, "JWKS_URL": jwks_url, "PROMETHEUS_MULTIPROC_DIR": metrics}

    sharing = running.enter_context(gunicorn("services.sharing:create_app()", SERVICE_OPTIONS, env))
    # web reaches the gateway, the gateway reaches web: web gets the gateway's port up front.
    gateway_port = free_port()
    web_env = {
        "GATEWAY_URL": f"http://127.0.0.1:{gateway_port}",
        "WEB_REDIS_URL": REDIS_URL,
        "WEB_SESSION_PREFIX": redis_prefix,
        "WEB_SECRET_KEY": secrets.token_urlsafe(32),
        "PROMETHEUS_MULTIPROC_DIR": metrics,
    }
    # Until the gateway binds it, the kernel may hand its port out again: never to a web.
    web_ports = iter(p for p in iter(free_port, None) if p != gateway_port)
    web = running.enter_context(
        gunicorn("web:create_app()", SERVICE_OPTIONS, web_env, port=next(web_ports))
    )
    direct_env = {**web_env, "WEB_API_DIRECT": "true", "SHARING_URL": sharing.url}
    direct = running.enter_context(
        gunicorn("web:create_app()", SERVICE_OPTIONS, direct_env, port=next(web_ports))
    )
    env = {"SHARING_URL": sharing.url, "WEB_URL": web.url, "PROMETHEUS_MULTIPROC_DIR": metrics}
    gateway = running.enter_context(
        gunicorn("gateway:create_app()", GATEWAY_OPTIONS, env, port=gateway_port)
    )
    env = {**env, "WEB_URL": direct.url}
    in_front = running.enter_context(gunicorn("gateway:create_app()", GATEWAY_OPTIONS, env))
    ports = {
        "gateway": gateway_port,
        "gateway_to_direct_web": in_front.port,
        "direct_web": direct.port,
    }
    masters = {
        "sharing": sharing.pid,
        "web": web.pid,
        "web (direct)": direct.pid,
        "gateway": gateway.pid,
        "gateway in front": in_front.pid,
    }
    return ports, masters


def _cpu_seconds(masters: dict[str, int], database_name: str) -> dict[str, float]:
    """CPU time (user + system) used so far by each server (master and workers) and by the
    PostgreSQL backends of `database_name`. Unlike req/s on a host shared with other work,
    the CPU a request costs barely depends on what else runs."""
    pids = {name: [master, *children(master)] for name, master in masters.items()}
    pids["PostgreSQL"] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if command.startswith(b"postgres:") and database_name.encode() in command:
                pids["PostgreSQL"].append(int(entry.name))
    tick = os.sysconf("SC_CLK_TCK")
    return {name: sum(map(_ticks, group)) / tick for name, group in pids.items()}


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:  # gone: a backend that closed
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def _check(port: int, path: str, headers: dict[str, str], expect: Callable[[bytes], bool]) -> None:
    client = Client(port, path, headers)
    try:
        status, body = client.get()
    finally:
        client.close()
    if status != 200 or not expect(body):
        main = body[body.find(b"<main") :][:1500] if b"<main" in body else body[:600]
        links = body.count(b'href="/portal/matters/')
        raise SystemExit(
            f"unexpected answer to {path} on :{port}: {status}, {links} links, {len(body)} bytes"
            f" {main[-1500:]!r}"
        )


def _twenty_matters(body: bytes) -> bool:
    try:
        page = json.loads(body)
    except ValueError:
        return False
    return len(page.get("items", ())) == 20 and page["total"] == 50


def _page_of_twenty(body: bytes) -> bool:
    # Every matter of the page links to itself, and the page says it shows 1 to 20 of 50.
    return body.count(b'href="/portal/matters/') >= 20 and b"BENCH-" in body


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench web_matters",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=1000, help="per target and round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    user, company = uuid_of("u", 0), uuid_of("c", 0)
    minter = TokenMinter()
    companies = [{"id": company, "role": "member"}]
    token = minter.token(kind="portal", role=None, lifetime=3600, sub=user, companies=companies)
    store = redis.Redis.from_url(REDIS_URL)
    prefix = f"portal:bench:{secrets.token_hex(4)}:"
    sid = _session(store, prefix, token, user, company)
    api_auth = {"Authorization": f"Bearer {token}"}
    cookie = {"Cookie": f"portal_session={sid}", "Accept-Language": "en"}
    api = api_path(company)
    try:
        with ExitStack() as running:
            url = running.enter_context(database("sharing"))
            seconds = load(url)
            ports, masters = _serve(running, url, running.enter_context(jwks(minter)), prefix)
            database_name = url.rsplit("/", 1)[1]
            targets = {
                "API call through the gateway (what the page asks)": (
                    ports["gateway"],
                    api,
                    api_auth,
                ),
                "page through the gateway (as a browser gets it)": (ports["gateway"], PAGE, cookie),
                "page through the gateway, web with WEB_API_DIRECT": (
                    ports["gateway_to_direct_web"],
                    PAGE,
                    cookie,
                ),
                "page straight at web with WEB_API_DIRECT": (ports["direct_web"], PAGE, cookie),
            }
            for port, path, headers in targets.values():
                _check(port, path, headers, _twenty_matters if path == api else _page_of_twenty)
                python_load(port, 200, args.concurrency, path, headers)  # warm up
            # target -> per round, process -> CPU ms per request
            cpu: dict[str, list[dict[str, float]]] = {name: [] for name in targets}

            def measured(name: str, port: int, path: str, headers: dict[str, str]) -> dict:
                before = _cpu_seconds(masters, database_name)
                result = python_load(port, args.requests, args.concurrency, path, headers)
                after = _cpu_seconds(masters, database_name)
                cpu[name].append({p: (after[p] - before[p]) * 1000 / args.requests for p in after})
                return result

            loads = {
                name: (lambda name=name, target=target: measured(name, *target))
                for name, target in targets.items()
            }
            medians = median_rounds(loads, args.rounds)
    finally:
        for key in store.scan_iter(prefix + "*"):
            store.delete(key)

    loaded = ", ".join(f"{name} {s:.1f} s" for name, s in seconds.items())
    print(f"\n'My matters' of a user in 50 of {MATTERS:,} matters ({COMPANIES:,} companies;")
    print(f"loaded: {loaded}); {args.requests} requests per round at concurrency")
    rounds = f"median of {args.rounds} interleaved rounds"
    print(f"{args.concurrency}, {rounds}; {host_load(load_before)}\n")
    base = next(iter(medians.values()))
    cpu_ms = {name: statistics.median(sum(r.values()) for r in runs) for name, runs in cpu.items()}
    base_cpu = next(iter(cpu_ms.values()))
    rows = [
        [
            name + (f" ({r['failures']} failed)" if r["failures"] else ""),
            f"{r['rps']:.0f}",
            f"{r['p50']:.1f}",
            f"{r['p95']:.1f}",
            f"{base['rps'] / r['rps']:.2f}x",
            f"{cpu_ms[name]:.1f}",
            f"{cpu_ms[name] / base_cpu:.2f}x",
        ]
        for name, r in medians.items()
    ]
    columns = ["target", "req/s", "p50 ms", "p95 ms", "cost vs the API call"]
    columns += ["CPU ms per request", "CPU vs the API call"]
    print(table(columns, rows))
    print("\n(CPU: every server process and the database's backends, median of the rounds.)\n")
    processes = list(next(iter(cpu.values()))[0])
    by_process = [
        [name, *(f"{statistics.median(r[p] for r in cpu[name]):.2f}" for p in processes)]
        for name in cpu
    ]
    print(table(["CPU ms per request, by process", *processes], by_process) + "\n")
    for name in (
        "page through the gateway (as a browser gets it)",
        "page through the gateway, web with WEB_API_DIRECT",
    ):
        page = medians[name]
        verdict = "within" if base["rps"] / page["rps"] <= 1.5 else "above"
        print(
            f"summary: {name}: {base['rps'] / page['rps']:.2f}x the API call "
            f"(p95 {page['p95']:.1f} ms vs {base['p95']:.1f} ms), "
            f"{cpu_ms[name] / base_cpu:.2f}x its CPU: {verdict} the 1.5x aim"
        )
    return 0
