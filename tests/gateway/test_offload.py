"""Downloads a service hands over (services/common/offload.py): the gateway fetches the object
from the store it is configured with (SeaweedFS here) and sends it with the service's headers.
The stand-in documents service names objects as documents does, with presigned URLs."""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta

import pytest
import requests
from minio import Minio

from gateway.config import store_url
from services.common.offload import OBJECT, OFFLOAD
from services.common.testing import free_port

from .conftest import Gateway, _serve, run_gateway

KEY = "handed-over/report.pdf"
CONTENT = random.Random(11).randbytes(3 * 1024 * 1024 + 17)  # spliced: over a MiB
DOWNLOAD = "/api/v1/portal/documents/{key}/download"


@pytest.fixture(scope="module")
def store(s3_server: dict) -> Minio:
    s3 = Minio(
        s3_server["S3_ENDPOINT"],
        s3_server["S3_ACCESS_KEY"],
        s3_server["S3_SECRET_KEY"],
        secure=False,
    )
    s3.put_object(s3_server["S3_BUCKET"], KEY, io.BytesIO(CONTENT), len(CONTENT))
    return s3


def documents_like(store: Minio, bucket: str, asked: list) -> Callable:
    """Authorises everything and names the object the path says (`~` for `/`) on `store`;
    `?elsewhere` names it on another origin. Keeps the X-Portal-Offload each request came with."""

    def app(environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ["PATH_INFO"] == "/healthz":
            start_response("200 OK", [("Content-Type", "application/json")])
            return [b"{}"]
        asked.append(environ.get("HTTP_" + OFFLOAD.upper().replace("-", "_")))
        key = environ["PATH_INFO"].split("/")[-2].replace("~", "/")
        url = store.presigned_get_object(bucket, key, timedelta(seconds=60))
        if "elsewhere" in environ.get("QUERY_STRING", ""):
            url = "http://127.0.0.1:9/" + url.split("/", 3)[3]
        headers = [
            ("Content-Type", "application/pdf"),
            ("Content-Disposition", 'attachment; filename="report.pdf"'),
            ("Cache-Control", "private, no-store"),
            (OBJECT, url),
            ("Content-Length", "0"),
        ]
        span = environ.get("HTTP_RANGE", "").removeprefix("bytes=")
        if span:
            start, _, end = span.partition("-")
            headers.append(("Content-Range", f"bytes {start}-{end}/{len(CONTENT)}"))
        start_response("206 Partial Content" if span else "200 OK", headers)
        return [b""]

    return app


@pytest.fixture(scope="module")
def asked() -> list:
    return []


@pytest.fixture(scope="module")
def documents(store: Minio, s3_server: dict, asked: list) -> Iterator[str]:
    yield from _serve(documents_like(store, s3_server["S3_BUCKET"], asked))


@pytest.fixture(scope="module")
def offloading(
    identity_upstream, sharing_upstream, documents, s3_server, tmp_path_factory
) -> Iterator[Gateway]:
    yield from run_gateway(
        identity_upstream,
        sharing_upstream,
        tmp_path_factory.mktemp("offload"),
        DOCUMENTS_URL=documents,
        GATEWAY_STORE_URL=f"http://{s3_server['S3_ENDPOINT']}",
    )


def _url(gateway: Gateway, key: str = KEY, query: str = "") -> str:
    return gateway.url + DOWNLOAD.format(key=key.replace("/", "~")) + query


def test_the_object_comes_from_the_store_with_the_services_headers(offloading, s3_server, asked):
    asked.clear()
    # What a client says about offloading is dropped; the gateway says its own store.
    forged = {OFFLOAD: "http://attacker.example", OBJECT: "http://attacker.example/x"}
    response = requests.get(_url(offloading), headers=forged, timeout=10)
    assert response.status_code == 200
    assert response.content == CONTENT
    assert response.headers["Content-Length"] == str(len(CONTENT))
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert OBJECT not in response.headers
    assert asked == [f"http://{s3_server['S3_ENDPOINT']}"]

    part = requests.get(_url(offloading), headers={"Range": "bytes=100-1099"}, timeout=10)
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-1099/{len(CONTENT)}"
    assert part.content == CONTENT[100:1100]
    # Kept-alive connections to the store and the service stay usable.
    assert requests.get(_url(offloading), timeout=10).content == CONTENT


def test_an_object_on_another_origin_is_not_fetched(offloading):
    response = requests.get(_url(offloading, query="?elsewhere"), timeout=10)
    assert response.status_code == 502
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "could not be read from the document store" in response.json()["detail"]
    assert OBJECT not in response.headers


def test_a_missing_object_is_a_502_that_says_so(offloading):
    response = requests.get(_url(offloading, key="handed-over/gone.pdf"), timeout=10)
    assert response.status_code == 502
    assert "could not be read from the document store" in response.json()["detail"]
    assert response.headers["Content-Type"] == "application/problem+json"
    assert requests.get(_url(offloading), timeout=10).content == CONTENT


def test_a_store_down_is_a_503(identity_upstream, sharing_upstream, store, s3_server, tmp_path):
    down = f"127.0.0.1:{free_port()}"  # nothing listens there
    asked: list = []
    store_down = Minio(
        down, s3_server["S3_ACCESS_KEY"], s3_server["S3_SECRET_KEY"], secure=False, region="us"
    )
    for documents in _serve(documents_like(store_down, s3_server["S3_BUCKET"], asked)):
        for gateway in run_gateway(
            identity_upstream,
            sharing_upstream,
            tmp_path,
            DOCUMENTS_URL=documents,
            GATEWAY_STORE_URL=f"http://{down}",
        ):
            response = requests.get(_url(gateway), timeout=10)
            assert response.status_code == 503
            assert response.json()["code"] == "STORAGE_UNAVAILABLE"  # as documents says it
            assert "try again in a moment" in response.json()["detail"]


@pytest.mark.parametrize(
    "value",
    ["https://minio.example:443", "minio:9000", "http://minio:9000/bucket", "http://:9000"],
)
def test_a_store_url_the_gateway_cannot_splice_from_is_refused_at_start(value):
    with pytest.raises(ValueError, match="plain HTTP"):
        store_url(value)
    assert store_url(" http://minio:9000/ ") == "http://minio:9000"
    assert store_url("") == ""
