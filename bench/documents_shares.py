"""The firm's "shared with these contacts" view at scale, straight at documents and through
the gateway.

    python -m bench documents_shares [--requests N] [--concurrency C] [--rounds R]

A throwaway PostgreSQL database is migrated and bulk-loaded in SQL: one matter of 20,000
documents (each with a version and a line of extracted text) whose audience holds 20 contacts,
each shared with 5,000 documents (100,000 share rows); the 5 measured contacts have 2,000 in
common. Documents (its object store is not touched by this listing) and the gateway run under
gunicorn; each round loads both with N GETs of the intersection listing for the 5 contacts
(first page of 50 of the matter's documents, plus the first 50 of those shared with all 5),
from C threads on keep-alive connections; the table shows each target's median round.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack

import psycopg2

from bench.backends import database, jwks
from bench.harness import Client, behind_gateway, host_load, median_rounds, python_load, table
from services.common.testing import TokenMinter

DOCUMENTS, CONTACTS, SHARED_EACH, MEASURED = 20_000, 20, 5_000, 5
STEP = 750  # contact k shares documents [k*STEP, k*STEP + SHARED_EACH) mod DOCUMENTS


def uuid_of(prefix: str, n: int) -> str:
    return str(uuid.UUID(hashlib.md5(f"{prefix}{n}".encode(), usedforsecurity=False).hexdigest()))


MATTER, COMPANY, STAFF = uuid_of("m", 0), uuid_of("c", 0), uuid_of("staff", 0)
LOAD = {
    "matters": """
        INSERT INTO matters (matter_id, company_id, visible, attachments_visible_by_default,
                             version, download_allowed_by_default, updated_at)
        VALUES ('{matter}', '{company}', true, false, 1, false, now())""",
    "audience": """
        INSERT INTO audience (matter_id, user_id, reasons)
        SELECT '{matter}', md5('u' || k)::uuid::text, '["company"]'
        FROM generate_series(0, {contacts} - 1) k""",
    "documents": """
        INSERT INTO documents (id, matter_id, folder_id, name, portal_visible, download_allowed,
                               current_version_id, created_by, created_at, from_client)
        SELECT md5('d' || d)::uuid::text, '{matter}', NULL, 'Document ' || d || '.pdf', NULL,
               NULL, md5('v' || d)::uuid::text, '{staff}', now() - d * interval '1 minute',
               false
        FROM generate_series(0, {documents} - 1) d""",
    "versions": """
        INSERT INTO versions (id, document_id, object_key, size, sha256, content_type,
                              uploaded_by, uploaded_by_kind, created_at, number, text)
        SELECT md5('v' || d)::uuid::text, md5('d' || d)::uuid::text, 'bench/' || d,
               100000 + d, md5('s' || d) || md5('t' || d), 'application/pdf', '{staff}',
               'staff', now() - d * interval '1 minute', 1,
               'Clause ' || d || ' of the lease: rent, indemnity and the term ' || (d % 97)
        FROM generate_series(0, {documents} - 1) d""",
    "document_shares": """
        INSERT INTO document_shares (document_id, user_id, matter_id, shared_by, shared_at)
        SELECT md5('d' || ((k * {step} + i) % {documents}))::uuid::text,
               md5('u' || k)::uuid::text, '{matter}', '{staff}', now()
        FROM generate_series(0, {contacts} - 1) k, generate_series(0, {shared_each} - 1) i""",
}
SIZES = {
    "matter": MATTER,
    "company": COMPANY,
    "staff": STAFF,
    "contacts": CONTACTS,
    "documents": DOCUMENTS,
    "step": STEP,
    "shared_each": SHARED_EACH,
}
EXPECTED_COMMON = SHARED_EACH - (MEASURED - 1) * STEP
CONTACT_IDS = ",".join(uuid_of("u", k) for k in range(MEASURED))
PAGE = f"/api/v1/matters/{MATTER}/documents?shared_with={CONTACT_IDS}&page_size=50"


def load(url: str) -> dict[str, float]:
    """Fill the database; seconds per table."""
    connection = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    seconds: dict[str, float] = {}
    try:
        with connection.cursor() as cursor:
            for name, sql in LOAD.items():
                started = time.perf_counter()
                cursor.execute(sql.format(**SIZES))  # no parameters: % is SQL's modulo
                seconds[name] = time.perf_counter() - started
            connection.commit()
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # the visibility map: index-only scans
    finally:
        connection.close()
    return seconds


def _serve(running: ExitStack, url: str, jwks_url: str) -> dict[str, int]:
    env = {"DOCUMENTS_DATABASE_URL": url, "JWKS_URL": jwks_url}
    return behind_gateway(running, "documents", env)


def _check(port: int, auth: dict[str, str]) -> None:
    """The listing holds the expected intersection, or the figures would mean nothing."""
    client = Client(port, PAGE, auth)
    try:
        status, body = client.get()
    finally:
        client.close()
    page = json.loads(body) if status == 200 else {}
    shared = page.get("shared", {})
    if page.get("total") != DOCUMENTS or shared.get("total") != EXPECTED_COMMON:
        raise SystemExit(f"unexpected listing from :{port}: {status} {body[:300]!r}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench documents_shares",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--requests", type=int, default=500, help="per target and round")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    minter = TokenMinter()
    token = minter.token(kind="staff", role="agent", lifetime=3600, sub=STAFF)
    auth = {"Authorization": f"Bearer {token}"}

    def load_of(port: int) -> Callable[[], dict]:
        return lambda: python_load(port, args.requests, args.concurrency, PAGE, auth)

    with ExitStack() as running:
        url = running.enter_context(database("documents"))
        seconds = load(url)
        ports = _serve(running, url, running.enter_context(jwks(minter)))
        for port in ports.values():
            _check(port, auth)
            python_load(port, 100, args.concurrency, PAGE, auth)  # warm up pools and caches
        medians = median_rounds({name: load_of(port) for name, port in ports.items()}, args.rounds)

    loaded = ", ".join(f"{name} {s:.1f} s" for name, s in seconds.items())
    print(f"\nGET the intersection listing for {MEASURED} contacts on a matter of {DOCUMENTS:,}")
    print(f"documents and {CONTACTS * SHARED_EACH:,} share rows ({EXPECTED_COMMON:,} in common;")
    print(f"loaded: {loaded}); {args.requests} requests per round at concurrency")
    print(f"{args.concurrency}, median of {args.rounds} rounds; {host_load(load_before)}\n")
    rows = [
        [
            name + (f" ({r['failures']} failed)" if r["failures"] else ""),
            f"{r['rps']:.0f}",
            f"{r['p50']:.1f}",
            f"{r['p95']:.1f}",
        ]
        for name, r in medians.items()
    ]
    print(table(["target", "req/s", "p50 ms", "p95 ms"], rows))
    return 0
