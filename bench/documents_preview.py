"""The rendered preview of a 20-page PDF through the gateway: time to the first page, cold
(nothing drawn yet) and cached, and the memory of every process on the way.

    python -m bench documents_preview [--rounds N] [--cached N]

SeaweedFS, a throwaway documents database, the documents service and the gateway run under
gunicorn gthread as in production; the matter is published with its attachments shown and
downloads not allowed (the firm's default), so the portal user gets pages drawn on the server.
A 20-page A4 PDF of text (made with fpdf2) is uploaded by staff through the gateway. The time
to the first page is what the portal's viewer waits for: `GET .../preview/info` (which draws
every page and stores them under the version when they are not yet) then `GET .../preview?
page=1` (the stored page, stamped with the viewer and the time). Cold: each round uploads a new
copy (a new version: nothing cached) and times the pair once; cached: the pair again on a
version already drawn. VmRSS of every process is sampled every 100 ms.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from contextlib import ExitStack

import requests
from fpdf import FPDF
from minio import Minio

from bench.attachments import Payload, Transfers, _serve
from bench.backends import seaweedfs
from bench.harness import GATEWAY_OPTIONS, host_load, table
from bench.rss import KIB, Sampler, status_kib

PAGES = 20
TIMEOUT = (5, 120)
TEXT = (
    "The tenant shall pay the rent quarterly in advance. The landlord shall keep the structure "
    "in repair. Either party may end this lease by six months' notice in writing, served at "
    "the address given above. "
)


def twenty_pages() -> bytes:
    """A text document as a firm sends it: A4 pages of paragraphs, a heading on each."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    for number in range(1, PAGES + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.cell(0, 12, f"Lease agreement - page {number} of {PAGES}")
        pdf.ln(16)
        pdf.set_font("Helvetica", size=10)
        for paragraph in range(12):
            pdf.multi_cell(0, 5, f"{number}.{paragraph + 1} " + TEXT * 3)
            pdf.ln(2)
    return bytes(pdf.output())


class Viewer:
    """The portal user's viewer through the gateway, and the staff upload before it."""

    def __init__(self, transfers: Transfers, pdf: bytes) -> None:
        self.transfers, self.pdf = transfers, pdf
        self.session = requests.Session()  # keep-alive, as a browser

    def upload(self) -> str:
        t = self.transfers
        response = self.session.post(
            f"{t.gateway}/api/v1/matters/{t.matter}/documents",
            files={"file": ("lease.pdf", self.pdf, "application/pdf")},
            headers=t.auth("staff"),
            timeout=TIMEOUT,
        )
        if response.status_code != 201:
            raise SystemExit(f"upload failed: {response.status_code} {response.text[:500]}")
        return response.json()["id"]

    def first_page(self, document: str) -> tuple[float, float]:
        """Seconds for the preview's info, then for page 1 (checked: a rendered PNG)."""
        base = f"{self.transfers.gateway}/api/v1/portal/documents/{document}/preview"
        auth = self.transfers.auth("portal")
        started = time.perf_counter()
        info = self.session.get(f"{base}/info", headers=auth, timeout=TIMEOUT)
        told = time.perf_counter()
        page = self.session.get(f"{base}?page=1", headers=auth, timeout=TIMEOUT)
        done = time.perf_counter()
        expected = {"mode": "rendered", "kind": "image", "pages": PAGES}
        if info.status_code != 200 or info.json() != expected:
            raise SystemExit(f"unexpected preview info: {info.status_code} {info.text[:300]}")
        if page.status_code != 200 or not page.content.startswith(b"\x89PNG"):
            raise SystemExit(f"unexpected page 1: {page.status_code} {page.text[:300]}")
        return told - started, done - told


def summary(name: str, timings: list[tuple[float, float]]) -> list[object]:
    totals = sorted((info + page) * 1000 for info, page in timings)
    p95 = totals[min(len(totals) - 1, round(0.95 * (len(totals) - 1)))]
    return [
        name,
        len(timings),
        f"{statistics.median(info * 1000 for info, _ in timings):.0f}",
        f"{statistics.median(page * 1000 for _, page in timings):.0f}",
        f"{statistics.median(totals):.0f}",
        f"{p95:.0f}",
        f"{totals[-1]:.0f}",
    ]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench documents_preview",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--rounds", type=int, default=5, help="cold previews (one upload each)")
    parser.add_argument("--cached", type=int, default=30, help="cached previews")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    pdf = twenty_pages()
    with_timings: dict[str, list[tuple[float, float]]] = {"cold": [], "cached": []}
    with ExitStack() as running:
        s3 = running.enter_context(seaweedfs())
        settings = {k: str(v) for k, v in s3.items() if k.startswith("S3_")}
        store = Minio(s3["S3_ENDPOINT"], s3["S3_ACCESS_KEY"], s3["S3_SECRET_KEY"], secure=False)
        transfers = Transfers(store, s3["S3_BUCKET"], Payload(1))  # ids, tokens; 1 MiB unused
        servers = _serve(running, transfers.payload, transfers, settings, GATEWAY_OPTIONS)
        transfers.gateway = servers["gateway"].url
        viewer = Viewer(transfers, pdf)
        warm = viewer.upload()
        viewer.first_page(warm)  # pools, imports and PDFium loaded in the workers
        roots = {name: server.pid for name, server in servers.items()}
        roots.update({"bench client": os.getpid(), "SeaweedFS (the store)": s3["pid"]})
        with Sampler(roots) as sampler:
            phases: dict[str, Callable[[], None]] = {
                "cold": lambda: with_timings["cold"].append(viewer.first_page(viewer.upload())),
                "cached": lambda: with_timings["cached"].append(viewer.first_page(warm)),
            }
            for phase, count in (("cold", args.rounds), ("cached", args.cached)):
                with sampler.phase(phase):
                    for _ in range(count):
                        phases[phase]()
        hwm = {pid: status_kib(pid, "VmHWM") for pid in sampler.names}
    load = host_load(load_before)
    print(f"\nRendered preview of a {PAGES}-page A4 PDF ({len(pdf) // 1024} KiB) through the")
    print(f"gateway, portal user, downloads not allowed; {load}\n")
    columns = [
        "preview",
        "n",
        "info ms (p50)",
        "page 1 ms (p50)",
        "first page ms p50",
        "p95",
        "max",
    ]
    print(table(columns, [summary(name, t) for name, t in with_timings.items()]))
    rows = []
    for pid, name in sorted(sampler.names.items(), key=lambda item: item[1]):
        rows.append(
            [name, pid]
            + [f"{sampler.peak_mib([phase], pid):.0f}" for phase in ("before", "cold", "cached")]
            + [f"{hwm[pid] / KIB:.0f}"]
        )
    print("\nEvery process, MiB:\n")
    columns = ["process", "pid", "RSS before", "peak RSS cold", "peak RSS cached", "VmHWM"]
    print(table(columns, rows))
    return 0
