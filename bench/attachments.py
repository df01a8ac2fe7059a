"""A large attachment up and down through the gateway vs straight to the store, and the memory
of every process on the way.

    python -m bench attachments [--size-mib N]

SeaweedFS (`weed mini`), a throwaway documents database, the documents service and the gateway
run on free ports under gunicorn as in production (bench/harness.py: the services gthread, the
gateway on its own gevent worker; `--gateway-worker gevent|gthread` to compare). The file is one
random MiB repeated, made as it is sent: a staff upload through the gateway (chunked, then with a
Content-Length), minio's put_object straight to the store with the service's part size, then the
portal user's download through the gateway and a GET straight from the store, alternated. Both
downloads are read by the same client code (requests, 1 MiB blocks, SHA-256; with
`--count-only`, hashed in the first round only); the direct one asks for a presigned URL, so
that only the path differs, not the client library. The gateway fetches the download from the
store as deployed (GATEWAY_STORE_URL); `--streamed-by-documents` sends it through documents.
The VmRSS of every process is sampled every 100 ms.
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack

import requests
from minio import Minio

from bench.backends import database, jwks, seaweedfs
from bench.harness import GATEWAY_OPTIONS, SERVICE_OPTIONS, gunicorn, host_load, table
from bench.rss import KIB, Sampler, status_kib
from services.common.storage import DEFAULT_PART_SIZE
from services.common.testing import TokenMinter

MIB = 1024 * 1024
PART_SIZE = DEFAULT_PART_SIZE  # the documents service's S3_PART_SIZE, and the direct put's
LIMIT_MIB = 200  # what no process on the way may reach, whatever the file's size
DOWNLOAD = "download via gateway (portal user)"
GET = "GET straight from S3 (presigned)"
TIMEOUT = (5, 300)


class Payload:
    """`mib` MiB of one random block repeated: nothing but the block is ever held."""

    def __init__(self, mib: int) -> None:
        self.mib, self.size = mib, mib * MIB
        # A PDF signature: documents refuses bytes of no allowed type (DOCUMENTS_ALLOWED_TYPES).
        self.block = b"%PDF-1.7\n" + os.urandom(MIB - 9)

    def chunks(self) -> Iterator[bytes]:
        for _ in range(self.mib):
            yield self.block

    def sha256(self) -> str:
        digest = hashlib.sha256()
        for chunk in self.chunks():
            digest.update(chunk)
        return digest.hexdigest()


class Reader:
    """File-like over chunks, with a length: minio reads it, requests sends a Content-Length."""

    def __init__(self, chunks: Iterable[bytes], length: int) -> None:
        self._chunks, self._chunk, self._at, self.length = iter(chunks), b"", 0, length

    def __len__(self) -> int:
        return self.length

    def read(self, n: int = -1) -> bytes:
        """Up to n bytes in one piece (minio grows a part by concatenating what it reads)."""
        pieces, wanted = [], n if n >= 0 else MIB
        while wanted:
            if self._at == len(self._chunk):
                self._chunk, self._at = next(self._chunks, b""), 0
                if not self._chunk:
                    break
            piece = self._chunk[self._at : self._at + wanted]
            self._at, wanted = self._at + len(piece), wanted - len(piece)
            pieces.append(piece)
        return b"".join(pieces)


def multipart(payload: Payload) -> tuple[str, Iterator[bytes], int]:
    """(content type, body chunks, body length) of a form with the payload as its `file`."""
    boundary = uuid.uuid4().hex
    if boundary.encode() in payload.block * 2:
        raise SystemExit("the random block holds the boundary; run again")
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="bench.bin"'
        "\r\nContent-Type: application/octet-stream\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()

    def body() -> Iterator[bytes]:
        yield head
        yield from payload.chunks()
        yield tail

    length = len(head) + payload.size + len(tail)
    return f"multipart/form-data; boundary={boundary}", body(), length


def publish_matter(url: str, s3: dict, matter: str, company: str, user: str) -> None:
    """Make the matter known to documents as sharing would: its audience event, handled by the
    consumer code against the service's database (the user in it, attachments shown)."""
    from services.common.consumer import handle_message
    from services.common.events import Event
    from services.documents import create_app
    from services.documents.models import db

    app = create_app(SQLALCHEMY_DATABASE_URI=url, **{**s3, "S3_SECURE": False})
    logging.getLogger("services").setLevel(logging.WARNING)  # the consumer's per-event line
    data = {
        "matter_id": matter,
        "company_id": company,
        "visible": True,
        "attachments_visible_by_default": True,
        "version": 1,
        "audience": [{"user_id": user, "reasons": ["requester"]}],
    }
    event = Event("sharing.audience.changed", data, subject=matter, source="/sharing")
    outcome = handle_message(app, event.to_json().encode(), 0)
    with app.app_context():
        db.engine.dispose()
    if outcome.action != "ack":
        raise SystemExit(f"the audience event was not applied: {outcome}")


def consume(chunks: Iterable[bytes], hashed: bool = True) -> tuple[int, str]:
    """Read to the end, keeping nothing: (bytes, SHA-256, or "" when not `hashed`)."""
    digest, size = hashlib.sha256(), 0
    for chunk in chunks:
        if hashed:
            digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest() if hashed else ""


class Transfers:
    """The five measured transfers of one payload, each timed under its own sampling phase."""

    def __init__(self, store: Minio, bucket: str, payload: Payload) -> None:
        self.store, self.bucket, self.payload = store, bucket, payload
        self.gateway = ""  # its URL, once it runs
        self.minter = TokenMinter()
        self.matter, self.company = str(uuid.uuid4()), str(uuid.uuid4())
        self.user, self.staff = str(uuid.uuid4()), str(uuid.uuid4())
        self.documents: list[str] = []
        self.key = f"bench-direct-{uuid.uuid4().hex}"
        # Seconds from each download's request to its response's head, by transfer name.
        self.first_byte: dict[str, list[float]] = {}
        # After the first round, downloads are counted, not hashed (--count-only).
        self.count_only = False

    def auth(self, kind: str) -> dict[str, str]:
        if kind == "staff":
            return self.minter.headers(kind="staff", role="agent", sub=self.staff, lifetime=3600)
        companies = [{"id": self.company, "role": "member"}]
        token = self.minter.token(
            kind="portal", role=None, lifetime=3600, sub=self.user, companies=companies
        )
        return {"Authorization": f"Bearer {token}"}

    def allow_downloads(self) -> None:
        """The firm's setting: by default a client may only preview, not download."""
        response = requests.put(
            f"{self.gateway}/api/v1/matters/{self.matter}/documents/settings",
            json={"download_allowed_by_default": True},
            headers=self.auth("staff"),
            timeout=TIMEOUT,
        )
        if response.status_code != 200:
            raise SystemExit(f"settings failed: {response.status_code} {response.text[:500]}")

    def upload(self, chunked: bool) -> tuple[int, str]:
        content_type, body, length = multipart(self.payload)
        response = requests.post(
            f"{self.gateway}/api/v1/matters/{self.matter}/documents",
            data=body if chunked else Reader(body, length),  # a generator goes chunked
            headers={**self.auth("staff"), "Content-Type": content_type},
            timeout=TIMEOUT,
        )
        if response.status_code != 201:
            raise SystemExit(f"upload failed: {response.status_code} {response.text[:500]}")
        self.documents.append(response.json()["id"])
        version = response.json()["current_version"]
        return version["size"], version["sha256"]

    def download(self) -> tuple[int, str]:
        url = f"{self.gateway}/api/v1/portal/documents/{self.documents[-1]}/download"
        return self._fetch(DOWNLOAD, url, self.auth("portal"))

    def put(self) -> tuple[int, str]:
        # As the service does: the same part size, one part at a time.
        self.store.put_object(
            self.bucket,
            self.key,
            Reader(self.payload.chunks(), self.payload.size),
            length=-1,
            part_size=PART_SIZE,
            num_parallel_uploads=1,
        )
        return self.store.stat_object(self.bucket, self.key).size, ""

    def get(self) -> tuple[int, str]:
        return self._fetch(GET, self.store.presigned_get_object(self.bucket, self.key), {})

    def _fetch(self, name: str, url: str, headers: dict[str, str]) -> tuple[int, str]:
        started = time.perf_counter()
        with requests.get(url, headers=headers, stream=True, timeout=TIMEOUT) as got:
            self.first_byte.setdefault(name, []).append(time.perf_counter() - started)
            if got.status_code != 200:
                raise SystemExit(f"{name} failed: {got.status_code} {got.text[:500]}")
            hashed = not self.count_only or len(self.first_byte[name]) == 1
            return consume(got.iter_content(MIB), hashed)

    def all(self, rounds: int) -> list[tuple[str, Callable[[], tuple[int, str]]]]:
        """In order; the two downloads alternate `rounds` times, so that a burst of load from
        elsewhere on the host, or the store settling after the put, hits both alike."""
        once = [
            ("upload via gateway, chunked", lambda: self.upload(chunked=True)),
            ("upload via gateway, Content-Length", lambda: self.upload(chunked=False)),
            ("put_object straight to S3", self.put),
        ]
        downloads = [(DOWNLOAD, self.download), (GET, self.get)]
        return once + downloads * rounds


def _serve(
    running: ExitStack,
    payload: Payload,
    transfers: Transfers,
    s3: dict,
    gateway_options: list,
    streamed_by_documents: bool,
) -> dict:
    """The documents service, knowing the matter, and the gateway; name -> gunicorn server."""
    url = running.enter_context(database("documents"))
    publish_matter(url, s3, transfers.matter, transfers.company, transfers.user)
    metrics = running.enter_context(tempfile.TemporaryDirectory())  # PROMETHEUS_MULTIPROC_DIR
    env = {**s3, "S3_PART_SIZE": str(PART_SIZE), "PROMETHEUS_MULTIPROC_DIR": metrics}
    env["DOCUMENTS_DATABASE_URL"] = url
    env["DOCUMENTS_MAX_UPLOAD_BYTES"] = str(payload.size + 1024 * MIB)
    env["JWKS_URL"] = running.enter_context(jwks(transfers.minter))
    documents = running.enter_context(
        gunicorn("services.documents:create_app()", SERVICE_OPTIONS, env)
    )
    env = {"DOCUMENTS_URL": documents.url, "PROMETHEUS_MULTIPROC_DIR": metrics}
    if not streamed_by_documents:  # as deployed: the gateway fetches what documents authorises
        env["GATEWAY_STORE_URL"] = f"http://{s3['S3_ENDPOINT']}"
    gateway = running.enter_context(gunicorn("gateway:create_app()", gateway_options, env))
    return {"gateway": gateway, "documents": documents}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench attachments",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--size-mib", type=int, default=1024, help="the file's size (MiB)")
    parser.add_argument("--rounds", type=int, default=3, help="of the two downloads (median)")
    parser.add_argument(
        "--gateway-worker", choices=["deployed", "gevent", "gthread"], default="deployed"
    )
    parser.add_argument(
        "--count-only",
        action="store_true",
        help="hash each download's bytes in the first round only: a client that hashes more "
        "slowly than the servers send would set the pace of both downloads",
    )
    parser.add_argument(
        "--streamed-by-documents",
        action="store_true",
        help="the gateway without GATEWAY_STORE_URL: downloads pass through documents",
    )
    args = parser.parse_args(argv)
    gateway_options = {
        "deployed": GATEWAY_OPTIONS,
        "gevent": ["-w", "2", "-k", "gevent", "--worker-connections", "1000"],
        "gthread": ["-w", "2", "-k", "gthread", "--threads", "8"],
    }[args.gateway_worker]
    load_before = os.getloadavg()[0]
    payload = Payload(args.size_mib)
    expected = payload.sha256()
    times: dict[str, list[float]] = {}
    checks: dict[str, set[str]] = {}
    with ExitStack() as running:
        s3 = running.enter_context(seaweedfs())
        settings = {k: str(v) for k, v in s3.items() if k.startswith("S3_")}  # for an environ
        store = Minio(s3["S3_ENDPOINT"], s3["S3_ACCESS_KEY"], s3["S3_SECRET_KEY"], secure=False)
        transfers = Transfers(store, s3["S3_BUCKET"], payload)
        transfers.count_only = args.count_only
        servers = _serve(
            running, payload, transfers, settings, gateway_options, args.streamed_by_documents
        )
        transfers.gateway = servers["gateway"].url
        transfers.allow_downloads()
        roots = {name: server.pid for name, server in servers.items()}
        roots.update({"bench client": os.getpid(), "SeaweedFS (the store)": s3["pid"]})
        with Sampler(roots) as sampler:
            for name, transfer in transfers.all(args.rounds):
                with sampler.phase(name):
                    started = time.perf_counter()
                    size, digest = transfer()
                    times.setdefault(name, []).append(time.perf_counter() - started)
                if digest:
                    checked = "ok" if digest == expected and size == payload.size else "MISMATCH"
                elif name in (DOWNLOAD, GET):  # --count-only, after the first round
                    checked = "counted" if size == payload.size else "MISMATCH"
                else:
                    checked = "(by the get)"
                checks.setdefault(name, set()).add(checked)
        hwm = {pid: status_kib(pid, "VmHWM") for pid in sampler.names}  # before they stop
    results = [
        [name, sorted(seconds)[len(seconds) // 2], "/".join(sorted(checks[name])), len(seconds)]
        for name, seconds in times.items()
    ]
    first = {name: sorted(times)[len(times) // 2] for name, times in transfers.first_byte.items()}
    return report(payload, results, sampler, hwm, host_load(load_before), first)


def report(
    payload: Payload,
    results: list[list],
    sampler: Sampler,
    hwm: dict[int, int],
    load: str,
    first_byte: dict[str, float],
) -> int:
    """Print the tables and the summary; exit code 1 unless RSS stayed flat and bytes intact."""
    print(f"\n{payload.mib} MiB (one random MiB repeated), S3 part size {PART_SIZE // MIB} MiB,")
    print(f"RSS sampled every {sampler.interval * 1000:.0f} ms; {load}\n")
    groups = ["gateway", "documents", "bench client"]
    cpu_groups = [*groups, "SeaweedFS"]
    rows = [
        [name, f"{seconds:.1f}", f"{payload.mib / seconds:.0f}", checked]
        + [f"{sampler.peak_mib([name], prefix=prefix):.0f}" for prefix in groups]
        for name, seconds, checked, _ in results
    ]
    columns = ["transfer", "seconds (median)", "MiB/s", "SHA-256"]
    print(table(columns + [f"peak RSS MiB: {group}" for group in groups], rows))
    # Where the time goes on a shared host: every hop copies each byte in and out.
    rows = [
        [name] + [f"{sampler.cpu_used(name, group) / runs:.2f}" for group in cpu_groups]
        for name, _, _, runs in results
    ]
    print("\nCPU seconds used during each transfer (mean over its runs):\n")
    print(table(["transfer", *cpu_groups], rows))
    transfers = [row[0] for row in results]
    rows, judged = [], []
    for pid, name in sorted(sampler.names.items(), key=lambda item: item[1]):
        peak = sampler.peak_mib(transfers, pid)
        before = sampler.peak_mib(["before"], pid)
        rows.append([name, pid, f"{before:.0f}", f"{peak:.0f}", f"{hwm[pid] / KIB:.0f}"])
        if not name.startswith("SeaweedFS"):
            highest = max(peak, hwm[pid] / KIB)  # the high-water mark sees what sampling missed
            judged.append((highest, highest - before, name))
    print("\nEvery process, MiB (SeaweedFS shown, not judged: it is the store):\n")
    print(table(["process", "pid", "RSS before", "peak RSS in transfers", "VmHWM"], rows))
    top, grown = max(judged), max(judged, key=lambda j: j[1])
    flat = top[0] < LIMIT_MIB
    speed = {row[0]: payload.mib / row[1] for row in results}
    up, down = speed["upload via gateway, chunked"], speed["download via gateway (portal user)"]
    put, get = speed["put_object straight to S3"], speed[GET]
    # The download's fixed cost (the service's authorization, its access record, opening the
    # object) apart from the bytes' journey.
    seconds = {row[0]: row[1] for row in results}
    head = {name: first_byte[name] * 1000 for name in (DOWNLOAD, GET)}
    bytes_only = [seconds[name] - first_byte[name] for name in (DOWNLOAD, GET)]
    print(
        f"\nmedian time to the response's head: via gateway {head[DOWNLOAD]:.0f} ms, direct "
        f"{head[GET]:.0f} ms; medians without it: via gateway {bytes_only[0]:.2f} s, direct "
        f"{bytes_only[1]:.2f} s ({bytes_only[1] / bytes_only[0]:.2f}x)"
    )
    print(
        f"\nsummary: {payload.mib} MiB via the gateway up {up:.0f} MiB/s ({up / put:.2f}x a direct "
        f"put), down {down:.0f} MiB/s ({down / get:.2f}x a direct get); RSS "
        f"{'flat' if flat else 'NOT FLAT'}: highest {top[0]:.0f} MiB ({top[2]}), "
        f"{'under' if flat else 'OVER'} {LIMIT_MIB} MiB; most growth {grown[1]:+.0f} MiB "
        f"({grown[2]})"
    )
    return 0 if flat and all("MISMATCH" not in row[2] for row in results) else 1
