"""The memory of every process of the suite, at rest and while a large attachment goes up and
down through the gateway.

    python -m bench suite_memory [--size-mib N]

Every service under gunicorn as deployed (2 processes x 4 threads) with its worker process
(consumer + outbox relay), the web portal and the gateway, on free ports with throwaway
databases, a throwaway RabbitMQ vhost and SeaweedFS; tokens come from a bench key (its JWKS is
given to every service). Each web process answers a few /healthz and /openapi.json first (a
process at rest has served something); then the file is uploaded and downloaded as in
`python -m bench attachments`. Printed: VmRSS at rest and VmHWM at the end, per process.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from contextlib import ExitStack

import requests
from minio import Minio

from bench.attachments import Payload, Transfers, publish_matter
from bench.backends import database, jwks, seaweedfs
from bench.events import worker
from bench.harness import GATEWAY_OPTIONS, SERVICE_OPTIONS, gunicorn, host_load, table
from bench.mailer import use_throwaway_link_key
from bench.rss import KIB, Sampler, status_kib
from services.common.testing import throwaway_vhost

MIB = 1024 * 1024
LIMIT_MIB = 100  # the aim for every process of the suite
SERVICES = ["identity", "sharing", "documents", "interventions", "onboarding", "mailer"]
ENV = {
    "PORTAL_ENV": "development",
    "PORTAL_FIRM_NAME": "Bench Firm",
    "MAIL_FROM": "Bench Firm <portal@firm.example>",
    "MAIL_DISPATCH_ADDRESS": "dispatch@firm.example",
    "SMTP_PORT": "1",  # nothing is mailed at rest; the mailer's worker only connects to send
    "WORKER_ADMIN_PORT": "0",
}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench suite_memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size-mib", type=int, default=1024, help="the file's size (MiB)")
    args = parser.parse_args(argv)
    use_throwaway_link_key()  # identity and the mailer refuse to start without one
    load_before = os.getloadavg()[0]
    payload = Payload(args.size_mib)
    with ExitStack() as running:
        s3 = running.enter_context(seaweedfs())
        store = Minio(s3["S3_ENDPOINT"], s3["S3_ACCESS_KEY"], s3["S3_SECRET_KEY"], secure=False)
        transfers = Transfers(store, s3["S3_BUCKET"], payload)
        var = running.enter_context(tempfile.TemporaryDirectory())
        env = {**ENV, **{k: str(v) for k, v in s3.items() if k.startswith("S3_")}}
        env.update(
            AMQP_URL=running.enter_context(throwaway_vhost(f"-mem-{os.getpid()}")),
            JWKS_URL=running.enter_context(jwks(transfers.minter)),
            PORTAL_VAR_DIR=var,
            PROMETHEUS_MULTIPROC_DIR=running.enter_context(tempfile.TemporaryDirectory()),
            MAIL_LINK_KEYS=os.environ["MAIL_LINK_KEYS"],
            DOCUMENTS_MAX_UPLOAD_BYTES=str(payload.size + 1024 * MIB),
        )
        for service in SERVICES:
            env[f"{service.upper()}_DATABASE_URL"] = running.enter_context(database(service))
        publish_matter(
            env["DOCUMENTS_DATABASE_URL"], s3, transfers.matter, transfers.company, transfers.user
        )
        roots: dict[str, int] = {}
        for service in SERVICES:
            served = running.enter_context(
                gunicorn(f"services.{service}:create_app()", SERVICE_OPTIONS, env)
            )
            env[f"{service.upper()}_URL"] = served.url
            roots[service] = served.pid
            roots[f"{service} worker process"] = running.enter_context(worker(service, env)).pid
        env["GATEWAY_URL"] = "http://127.0.0.1:1"  # set below; web only calls it per request
        web = running.enter_context(gunicorn("web:create_app()", SERVICE_OPTIONS, env))
        env["WEB_URL"] = web.url
        gateway = running.enter_context(gunicorn("gateway:create_app()", GATEWAY_OPTIONS, env))
        roots.update(web=web.pid, gateway=gateway.pid)
        transfers.gateway = gateway.url
        for url in [env[f"{s.upper()}_URL"] for s in SERVICES] + [web.url, gateway.url]:
            for path in ["/healthz", "/openapi.json"] * 4:
                requests.get(url + path, timeout=30)
        transfers.allow_downloads()
        # The uploads and the download; not the bench's own put and get straight to the store.
        through_gateway = [t for t in transfers.all(rounds=1) if "gateway" in t[0]]
        warm = Transfers(store, s3["S3_BUCKET"], Payload(1))  # the same matter and people
        warm.matter, warm.company, warm.user, warm.staff = (
            transfers.matter,
            transfers.company,
            transfers.user,
            transfers.staff,
        )
        warm.minter, warm.gateway = transfers.minter, gateway.url
        with Sampler(roots, interval=0.2) as sampler:
            with sampler.phase("warm-up"):  # a process at rest has uploaded and sent a file
                warm.upload(chunked=True)
                warm.download()
            with sampler.phase("at rest"):
                pass
            for name, transfer in through_gateway:
                with sampler.phase(name):
                    size, _ = transfer()
                if size != payload.size:
                    raise SystemExit(f"{name}: {size} bytes, not {payload.size}")
            hwm = {pid: status_kib(pid, "VmHWM") for pid in sampler.names}
        # Printed before the servers stop: a failure while stopping loses no figure.
        moved = [name for name, _ in through_gateway]
        return report(sampler, hwm, moved, f"{payload.mib} MiB", host_load(load_before))


def report(sampler: Sampler, hwm: dict[int, int], moved: list[str], size: str, load: str) -> int:
    rows, over = [], []
    for pid, name in sorted(sampler.names.items(), key=lambda item: item[1]):
        rest, during = sampler.peak_mib(["at rest"], pid), sampler.peak_mib(moved, pid)
        # A process gone by the end (a drawing.py child) has no VmHWM left: what was sampled.
        peak = max(hwm[pid] / KIB, rest, during)
        if not peak:
            continue  # a drawing.py child that lived between two samples
        rows.append([name, f"{rest:.0f}", f"{during:.0f}", f"{peak:.0f}"])
        if peak >= LIMIT_MIB:
            over.append(f"{name} {peak:.0f}")
    print(f"\n{size} up and down through the gateway; {load}\n")
    columns = ["process", "VmRSS at rest", "peak VmRSS in the transfers", "VmHWM at the end"]
    print(table([*columns[:1], *(f"{c} (MiB)" for c in columns[1:])], rows))
    print(f"\nat or over {LIMIT_MIB} MiB: {', '.join(over) or 'none'}")
    return 1 if over else 0
