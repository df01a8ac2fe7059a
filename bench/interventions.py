"""Field interventions at scale: a customer's portal list at 50,000 interventions, and portal
creation at the highest rate the service sustains, straight at interventions and through the
gateway.

    python -m bench interventions [--requests N] [--creations N] [--concurrency C] [--rounds R]

A throwaway PostgreSQL database is migrated and bulk-loaded in SQL: 100 customers of 5 sites,
the measured customer with 50,000 interventions (newest first: the first page is the newest 20),
the other 99 with 500 each. Interventions and the gateway run under gunicorn as in production.
The list: N GETs of the first page from C threads, median of R interleaved rounds. Creation: N
POSTs per target from C threads, each thread a link session of its own with an Idempotency-Key
per request (the per-session throttle is raised for the run: it would otherwise be what is
measured).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import threading
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack

import psycopg2
import requests

from bench.backends import database, jwks
from bench.harness import behind_gateway, host_load, median_rounds, python_load, table
from services.common.testing import TokenMinter

CUSTOMERS, SITES, MEASURED, OTHERS = 100, 5, 50_000, 500
PAGE = "/api/v1/portal/interventions?page=1&page_size=20"
CREATE = "/api/v1/portal/interventions"
LOAD = {
    "companies": """
        INSERT INTO companies (id, name, number, address_line1, address_city, contact_name,
                               contact_email, version)
        SELECT md5('c' || c)::uuid::text, 'Customer ' || c, 'C-' || c, c || ' Main St',
               'Lyon', 'Contact ' || c, 'contact' || c || '@example.test', 1
        FROM generate_series(0, {customers} - 1) c""",
    "sites": """
        INSERT INTO sites (id, company_id, name, address_line1, created_at)
        SELECT md5('s' || c || '-' || s)::uuid::text, md5('c' || c)::uuid::text, 'Site ' || s,
               s || ' Depot Rd', now()
        FROM generate_series(0, {customers} - 1) c, generate_series(0, {sites} - 1) s""",
    # Intervention i belongs to customer 0 for the first {measured}, then to 1..99 in turn.
    "interventions": """
        INSERT INTO interventions (id, number, company_id, site_id, description, extra, status,
                                   locale, created_by, created_at, updated_at, address_line1)
        SELECT md5('i' || i)::uuid::text, nextval('intervention_number_seq'),
               md5('c' || cust)::uuid::text, md5('s' || cust || '-' || i % {sites})::uuid::text,
               'Intervention ' || i, '{{}}',
               (ARRAY['to_schedule', 'scheduled', 'in_progress', 'completed'])[i % 4 + 1], 'en',
               'staff:bench', now() - i * interval '1 minute', now(), 'Somewhere'
        FROM (SELECT i, CASE WHEN i < {measured} THEN 0
                             ELSE 1 + (i - {measured}) % ({customers} - 1) END AS cust
              FROM generate_series(0, {measured} + ({customers} - 1) * {others} - 1) i) t""",
}


def uuid_of(prefix: str, n: int) -> str:
    return str(uuid.UUID(hashlib.md5(f"{prefix}{n}".encode(), usedforsecurity=False).hexdigest()))


def load(url: str) -> float:
    sizes = {"customers": CUSTOMERS, "sites": SITES, "measured": MEASURED, "others": OTHERS}
    connection = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
            for sql in LOAD.values():
                cursor.execute(sql.format(**sizes))
            connection.commit()
        connection.autocommit = True
        with connection.cursor() as cursor:
            # As autovacuum leaves a table: statistics and the visibility map (index-only counts).
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.close()
    return time.perf_counter() - started


def _serve(running: ExitStack, url: str, jwks_url: str) -> dict[str, int]:
    # The per-session creation throttle is raised: it would otherwise be what is measured.
    env = {
        "INTERVENTIONS_DATABASE_URL": url,
        "JWKS_URL": jwks_url,
        "INTERVENTIONS_PORTAL_CREATE_LIMIT": "1000000",
    }
    return behind_gateway(running, "interventions", env)


def link_headers(minter: TokenMinter, company: str) -> dict[str, str]:
    link = str(uuid.uuid4())
    token = minter.token(
        kind="link",
        role=None,
        lifetime=3600,
        sub=f"link:{link}",
        link=link,
        company=company,
        scope={"type": "company", "id": company},
    )
    return {"Authorization": f"Bearer {token}"}


def create_load(port: int, count: int, concurrency: int, minter: TokenMinter, company: str) -> dict:
    """`count` portal creations from `concurrency` link sessions on keep-alive connections."""
    left = iter(range(count))
    latencies: list[float] = []
    failures: list[int] = []
    body = {"description": "Bench request", "site_id": uuid_of("s0-", 0)}  # md5('s0-0') in SQL

    def worker() -> None:
        session, mine = requests.Session(), []
        session.headers.update(link_headers(minter, company))
        while next(left, None) is not None:
            started = time.perf_counter()
            response = session.post(
                f"http://127.0.0.1:{port}{CREATE}",
                json=body,
                headers={"Idempotency-Key": str(uuid.uuid4())},
                timeout=30,
            )
            mine.append(time.perf_counter() - started)
            if response.status_code != 201:
                failures.append(response.status_code)
        session.close()
        latencies.extend(mine)

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
        **{f"p{p}": latencies[min(int(n * p / 100), n - 1)] * 1000 for p in (50, 95, 99)},
        "failures": len(failures),
    }


def _rows(medians: dict[str, dict]) -> list[list[object]]:
    base = next(iter(medians.values()))["rps"]
    return [
        [
            name + (f" ({r['failures']} failed)" if r["failures"] else ""),
            f"{r['rps']:.0f}",
            f"{r['p50']:.1f}",
            f"{r['p95']:.1f}",
            f"{r['p99']:.1f}",
            f"{r['rps'] / base:.2f}x",
        ]
        for name, r in medians.items()
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench interventions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=1000, help="list GETs per round")
    parser.add_argument("--creations", type=int, default=500, help="POSTs per round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    before = os.getloadavg()[0]
    minter = TokenMinter()
    company = uuid_of("c", 0)
    reader = link_headers(minter, company)

    with ExitStack() as running:
        url = running.enter_context(database("interventions"))
        seconds = load(url)
        ports = _serve(running, url, running.enter_context(jwks(minter)))
        for port in ports.values():
            first = requests.get(f"http://127.0.0.1:{port}{PAGE}", headers=reader, timeout=30)
            page = first.json() if first.status_code == 200 else {}
            if page.get("total") != MEASURED or len(page.get("items", ())) != 20:
                raise SystemExit(f"unexpected first page from :{port}: {first.text[:300]}")
            python_load(port, 200, args.concurrency, PAGE, reader)  # warm up

        def lister(port: int) -> Callable[[], dict]:
            return lambda: python_load(port, args.requests, args.concurrency, PAGE, reader)

        def creator(port: int) -> Callable[[], dict]:
            return lambda: create_load(port, args.creations, args.concurrency, minter, company)

        listing = median_rounds({n: lister(p) for n, p in ports.items()}, args.rounds)
        creating = median_rounds({n: creator(p) for n, p in ports.items()}, args.rounds)

    columns = ["target", "req/s", "p50 ms", "p95 ms", "p99 ms", "relative"]
    print(f"\nloaded {MEASURED + (CUSTOMERS - 1) * OTHERS:,} interventions in {seconds:.1f} s; ")
    print(f"concurrency {args.concurrency}, median of {args.rounds} rounds; {host_load(before)}\n")
    print(f"GET {PAGE} as a link session of a customer with {MEASURED:,} interventions:\n")
    print(table(columns, _rows(listing)))
    print(f"\nPOST {CREATE} (one new intervention each, {args.creations} per round):\n")
    print(table(columns, _rows(creating)))
    return 0
