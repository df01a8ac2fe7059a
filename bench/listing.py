"""The portal's "my matters" page at scale, straight at sharing and through the gateway.

    python -m bench listing [--requests N] [--concurrency C] [--rounds R]

A throwaway PostgreSQL database is migrated and bulk-loaded in SQL: 1,000 companies of 20 portal
users, 100,000 visible matters each shared with 10 of its company's users (1,000,000 audience
rows, so every user is in 50 matters), 3 milestones on a third of them. Sharing and the gateway
run under gunicorn; each round loads both with N GETs of the first page (20 matters) from C
threads on keep-alive connections; the table shows each target's median round. Then EXPLAIN
ANALYZE times each query the page runs, captured from the sharing code itself.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Callable
from contextlib import ExitStack

import psycopg2
import sqlalchemy as sa

from bench.backends import database, jwks
from bench.harness import Client, behind_gateway, host_load, median_rounds, python_load, table
from services.common.testing import TokenMinter

COMPANIES, USERS_PER_COMPANY, MATTERS, AUDIENCE_PER_MATTER = 1_000, 20, 100_000, 10
PAGE = "/api/v1/portal/matters?page=1&page_size=20"
# Ids are md5-based uuids, the same in SQL and in Python: uuid_of("u", 0) is the measured user.
LOAD = {
    "companies": """
        INSERT INTO companies (id, name, members_see_each_other, version)
        SELECT md5('c' || c)::uuid::text, 'Company ' || c, false, 1
        FROM generate_series(0, {companies} - 1) c""",
    "users": """
        INSERT INTO users (id, email, name, locale, kind, status, version)
        SELECT md5('u' || u)::uuid::text, 'user' || u || '@example.test', 'User ' || u, 'en',
               'portal', 'active', 1
        FROM generate_series(0, {companies} * {users} - 1) u""",
    # Matter m belongs to company m % 1000; its requester is user (m / 1000) % 20 there.
    "matters": """
        INSERT INTO matters (id, kind, reference, title, description, status, company_id,
                             owner_id, visible, requester_id, attachments_visible_by_default,
                             audience_version, created_at, updated_at)
        SELECT md5('m' || m)::uuid::text, (ARRAY['contract', 'case'])[m % 2 + 1],
               'BENCH-' || m, 'Matter ' || m, '',
               (ARRAY['open', 'in_progress', 'on_hold', 'closed'])[m % 4 + 1],
               md5('c' || m % {companies})::uuid::text, md5('staff' || m % 50)::uuid::text,
               true,
               md5('u' || (m % {companies} * {users} + m / {companies} % {users}))
                   ::uuid::text,
               m % 3 = 0, 1, now() - m * interval '1 minute', now() - m * interval '1 minute'
        FROM generate_series(0, {matters} - 1) m""",
    # The requester and the next 9 members of the company, in order (a sorted insert is 2x faster).
    "audience": """
        INSERT INTO audience (matter_id, user_id, reasons)
        SELECT md5('m' || m)::uuid::text,
               md5('u' || (m % {companies} * {users}
                           + (m / {companies} + k) % {users}))::uuid::text,
               CASE WHEN k = 0 THEN 'requester' ELSE 'company' END
        FROM generate_series(0, {matters} - 1) m, generate_series(0, {audience} - 1) k
        ORDER BY 1, 2""",
    "milestones": """
        INSERT INTO milestones (id, matter_id, title, due_date, status, portal_visible, position,
                                created_at)
        SELECT md5('s' || m || '-' || p)::uuid::text, md5('m' || m)::uuid::text, 'Step ' || p,
               current_date + 7 * p, (ARRAY['done', 'in_progress', 'planned'])[p + 1], p < 2, p,
               now()
        FROM generate_series(0, {matters} - 1) m, generate_series(0, 2) p
        WHERE m / {companies} % 3 = 0""",
}


def uuid_of(prefix: str, n: int) -> str:
    return str(uuid.UUID(hashlib.md5(f"{prefix}{n}".encode(), usedforsecurity=False).hexdigest()))


def load(url: str) -> dict[str, float]:
    """Fill the database; seconds per table."""
    sizes = {"companies": COMPANIES, "users": USERS_PER_COMPANY, "matters": MATTERS}
    sizes["audience"] = AUDIENCE_PER_MATTER
    connection = psycopg2.connect(url.replace("postgresql+psycopg2://", "postgresql://"))
    seconds: dict[str, float] = {}
    try:
        with connection.cursor() as cursor:
            # Consistent by construction: no per-row foreign-key triggers (halves the load).
            cursor.execute("SET session_replication_role = replica")
            for name, sql in LOAD.items():
                started = time.perf_counter()
                cursor.execute(sql.format(**sizes))  # no parameters: % is SQL's modulo
                seconds[name] = time.perf_counter() - started
            connection.commit()
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    finally:
        connection.close()
    return seconds


def explain_page(url: str, user_id: str) -> list[list[object]]:
    """EXPLAIN ANALYZE of every query one page runs, as sharing's own code issues it."""
    from services.sharing import create_app, portal_queries
    from services.sharing.models import db

    statements: list[tuple[str, object]] = []

    def capture(_conn, _cursor, statement, parameters, _context, _many) -> None:
        statements.append((statement, parameters))

    app = create_app(SQLALCHEMY_DATABASE_URI=url)
    rows = []
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", capture)
        portal_queries.matters_for(user_id, 1, 20)
        sa.event.remove(db.engine, "before_cursor_execute", capture)
        db.session.rollback()
        with db.engine.connect() as connection:
            for statement, parameters in statements:
                explain = "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement
                plan = connection.exec_driver_sql(explain, parameters).scalar()[0]
                tables = " JOIN ".join(re.findall(r"(?:FROM|JOIN) (\w+)", statement))
                what = ("count(*) " if "count(" in statement else "") + tables
                what += " (the page query)" if "LIMIT" in statement and "JOIN" in statement else ""
                rows.append(
                    [
                        what,
                        f"{plan['Planning Time']:.2f}",
                        f"{plan['Execution Time']:.2f}",
                        _nodes(plan["Plan"]),
                    ]
                )
        db.engine.dispose()
    return rows


def _nodes(plan: dict) -> str:
    """The plan as one line: node > child, with the index or table each scan uses."""
    name = plan["Node Type"]
    on = plan.get("Index Name") or plan.get("Relation Name")
    here = f"{name} ({on})" if on else name
    children = [_nodes(child) for child in plan.get("Plans", ())]
    if not children:
        return here
    inner = children[0] if len(children) == 1 else "[" + ", ".join(children) + "]"
    return f"{here} > {inner}"


def _serve(running: ExitStack, url: str, jwks_url: str) -> dict[str, int]:
    env = {"SHARING_DATABASE_URL": url, "JWKS_URL": jwks_url}
    return behind_gateway(running, "sharing", env)


def _check(port: int, auth: dict[str, str]) -> None:
    """The measured user sees 20 of their 50 matters, or the figures would mean nothing."""
    client = Client(port, PAGE, auth)
    try:
        status, body = client.get()
    finally:
        client.close()
    page = json.loads(body) if status == 200 else {}
    if len(page.get("items", ())) != 20 or page["total"] != 50:
        raise SystemExit(f"unexpected first page from :{port}: {status} {body[:300]!r}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench listing",
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
    auth = {"Authorization": f"Bearer {token}"}

    def load_of(port: int) -> Callable[[], dict]:
        return lambda: python_load(port, args.requests, args.concurrency, PAGE, auth)

    with ExitStack() as running:
        url = running.enter_context(database("sharing"))
        seconds = load(url)
        ports = _serve(running, url, running.enter_context(jwks(minter)))
        for port in ports.values():
            _check(port, auth)
            python_load(port, 200, args.concurrency, PAGE, auth)  # warm up pools and caches
        medians = median_rounds({name: load_of(port) for name, port in ports.items()}, args.rounds)
        plans = explain_page(url, user)

    loaded = ", ".join(f"{name} {s:.1f} s" for name, s in seconds.items())
    print(f"\nGET {PAGE} as a user in 50 of {MATTERS:,} matters")
    print(f"({MATTERS * AUDIENCE_PER_MATTER:,} audience rows, loaded: {loaded});")
    print(f"{args.requests} requests per round at concurrency {args.concurrency}, median of")
    print(f"{args.rounds} interleaved rounds; {host_load(load_before)}\n")
    base = next(iter(medians.values()))["rps"]
    rows = [
        [
            name + (f" ({r['failures']} failed)" if r["failures"] else ""),
            f"{r['rps']:.0f}",
            f"{r['p50']:.1f}",
            f"{r['p95']:.1f}",
            f"{r['rps'] / base:.2f}x",
        ]
        for name, r in medians.items()
    ]
    print(table(["target", "req/s", "p50 ms", "p95 ms", "relative"], rows))
    print("\nEXPLAIN ANALYZE of the queries of one page, one run each:\n")
    print(table(["query", "planning ms", "execution ms", "plan"], plans))
    direct, through = medians.values()
    page_ms = next(row[2] for row in plans if "page query" in row[0])
    print(
        f"\nsummary: through the gateway {through['rps'] / direct['rps']:.2f}x the direct req/s "
        f"(p50 {through['p50'] - direct['p50']:+.1f} ms); the page query itself takes {page_ms} ms"
    )
    return 0
