"""The memory of the documents service (as one pod: gunicorn master + 2 processes x 4 threads)
while N staff uploads of a PDF go through the gateway at once: what its memory limit must hold.

    python -m bench upload_memory [--uploads N] [--size-mib M]

The same servers as `python -m bench attachments` (SeaweedFS, a throwaway database, documents and
the gateway under gunicorn as deployed). A file up to 64 MiB that says it is a PDF has its text
extracted in the request (services/documents/renditions.py EXTRACT_MAX_BYTES), by PDFium in a
child process of the web process (drawing.py): 64 MiB, the default, is the worst case. The
VmRSS of the documents processes, children included, is sampled every 100 ms: summed (the pod)
and the largest single process.
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

from minio import Minio

from bench.attachments import Payload, Transfers, _serve
from bench.backends import seaweedfs
from bench.harness import GATEWAY_OPTIONS, host_load
from bench.rss import KIB, children, status_kib


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo += children(found[-1])
    return found


def pod_mib(pid: int, field: str = "VmRSS") -> float:
    return sum(status_kib(p, field) for p in tree(pid)) / KIB


def largest(pid: int) -> tuple[float, str]:
    """(MiB, which) of the process with the largest VmRSS in the tree under `pid`."""
    web = set(children(pid))
    kib, found = max((status_kib(p, "VmRSS"), p) for p in tree(pid))
    which = "master" if found == pid else "web process" if found in web else "drawing.py child"
    return kib / KIB, which


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench upload_memory",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--uploads", type=int, default=4, help="uploads at once (4)")
    parser.add_argument("--size-mib", type=int, default=64, help="each file's size (64 MiB)")
    args = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    with ExitStack() as running:
        s3 = running.enter_context(seaweedfs())
        settings = {k: str(v) for k, v in s3.items() if k.startswith("S3_")}
        store = Minio(s3["S3_ENDPOINT"], s3["S3_ACCESS_KEY"], s3["S3_SECRET_KEY"], secure=False)
        payload = Payload(args.size_mib)
        transfers = Transfers(store, s3["S3_BUCKET"], payload)
        servers = _serve(running, payload, transfers, settings, GATEWAY_OPTIONS)
        transfers.gateway = servers["gateway"].url
        pid = servers["documents"].pid
        idle, idle_one = pod_mib(pid), largest(pid)
        peak, peak_one, stop = [idle], [idle_one], threading.Event()

        def sample() -> None:
            while not stop.wait(0.1):
                peak[0] = max(peak[0], pod_mib(pid))
                peak_one[0] = max(peak_one[0], largest(pid))

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        count = args.uploads
        try:
            with ThreadPoolExecutor(count) as pool:
                uploads = [pool.submit(transfers.upload, chunked=False) for _ in range(count)]
                sizes = [upload.result()[0] for upload in uploads]
        finally:
            stop.set()
            sampler.join()
        seconds = time.perf_counter() - started
        checked = "ok" if sizes == [payload.size] * count else "MISMATCH"
        print(
            f"{count} uploads at once of a {args.size_mib} MiB PDF through the gateway in "
            f"{seconds:.1f} s (sizes {checked}); documents pod (master + 2 processes x 4 threads): "
            f"idle {idle:.0f} MiB, peak summed RSS {peak[0]:.0f} MiB (+{peak[0] - idle:.0f}); "
            f"largest single process idle {idle_one[0]:.0f} MiB, peak {peak_one[0][0]:.0f} MiB "
            f"({peak_one[0][1]}); "
            f"{host_load(load_before)}"
        )
    return 0 if checked == "ok" else 1
