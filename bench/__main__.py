"""`python -m bench NAME [options]`: run one benchmark; without a name, list them."""

from __future__ import annotations

import importlib
import sys

# name -> (module with a main(argv) -> exit code, what it measures). One line per benchmark.
BENCHMARKS: dict[str, tuple[str, str]] = {
    "gateway": ("bench.gateway_overhead", "a GET direct vs through the gateway: req/s, p50, p99"),
    "listing": ("bench.listing", "portal 'my matters' at 100k matters / 1M audience rows"),
    "interventions": (
        "bench.interventions",
        "portal interventions list at 50k and portal creation, direct vs gateway",
    ),
    "web_matters": ("bench.web_matters", "'My matters' page via web vs its API call: req/s, p95"),
    "documents_shares": (
        "bench.documents_shares",
        "firm's intersection listing, 5 contacts, 20k documents, 100k shares: p95",
    ),
    "documents_preview": (
        "bench.documents_preview",
        "rendered preview of a 20-page PDF via the gateway: first page cold and cached, RSS",
    ),
    "attachments": ("bench.attachments", "1 GiB up and down via the gateway vs S3: MiB/s, RSS"),
    "events": (
        "bench.events",
        "relay vs pika confirm rates, company hop p50/p95/p99, mailer e-mails/s",
    ),
    "share_latency": (
        "bench.share_latency",
        "matter shown to a requester -> e-mail at the SMTP server: p50/p95/p99 at N shares/s",
    ),
    "upload_memory": ("bench.upload_memory", "documents' memory during N PDF uploads at once"),
    "suite_memory": (
        "bench.suite_memory",
        "VmRSS at rest and VmHWM of every process of the suite around a 1 GiB transfer",
    ),
    "mailer": ("bench.mailer", "mailer worker e-mails/s to a local SMTP sink, kept vs new session"),
}


def main(argv: list[str]) -> int:
    if argv and argv[0] in BENCHMARKS:
        return importlib.import_module(BENCHMARKS[argv[0]][0]).main(argv[1:])
    unknown = bool(argv) and argv[0] not in ("-h", "--help")
    if unknown:
        print(f"unknown benchmark: {argv[0]}", file=sys.stderr)
    print("usage: python -m bench NAME [options]    (python -m bench NAME --help)\n\nbenchmarks:")
    for name, (_, what) in BENCHMARKS.items():
        print(f"  {name:<12} {what}")
    return 2 if unknown else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
