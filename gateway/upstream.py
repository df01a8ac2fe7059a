"""Keep-alive connection pools to the services: one PoolManager per process, made after the fork."""

from __future__ import annotations

import json
import os
import threading
from typing import Any
from urllib.parse import urlsplit

from urllib3 import HTTPConnectionPool, PoolManager, Timeout
from urllib3.connection import HTTPConnection

from gateway.config import Settings

# Bigger than urllib3's 16 KiB default: fewer system calls per streamed megabyte.
BLOCKSIZE = 64 * 1024


class _UpstreamConnection(HTTPConnection):
    """Sends the request under the read timeout; the connect timeout bounds only the connect.

    urllib3 leaves the connect timeout on the socket while it sends the body, so a service that
    pauses reading a large upload (waiting on object storage) for two seconds would fail it.
    """

    send_timeout: float | None = None  # the read timeout, set with the PoolManager

    def request(
        self, method: str, url: str, body: Any = None, headers: Any = None, **kw: Any
    ) -> None:
        if self.sock is None:
            self.connect()
        self.timeout = self.send_timeout
        super().request(method, url, body=body, headers=headers, **kw)


class _UpstreamPool(HTTPConnectionPool):
    ConnectionCls = _UpstreamConnection


_lock = threading.Lock()
_manager: PoolManager | None = None
_pid = 0
_pools: dict[str, tuple[HTTPConnectionPool, str]] = {}


def pool_for(base_url: str, settings: Settings) -> tuple[HTTPConnectionPool, str]:
    """The pool for a service's base URL and the URL's path prefix, made once per process."""
    found = _pools.get(base_url)
    # A pool inherited across a fork would share sockets with the parent: check the pid.
    if found is not None and _pid == os.getpid():
        return found
    with _lock:
        manager = _manager_for(settings)  # a new one, and no pools, after a fork
        found = _pools.get(base_url)
        if found is None:
            pool = manager.connection_from_url(base_url)
            found = _pools[base_url] = (pool, urlsplit(base_url).path.rstrip("/"))
    return found


def _manager_for(settings: Settings) -> PoolManager:
    global _manager, _pid
    if _manager is None or _pid != os.getpid():
        _UpstreamConnection.send_timeout = settings.read_timeout
        _manager = PoolManager(
            num_pools=32,
            maxsize=settings.pool_maxsize,
            # Non-blocking: a burst beyond maxsize opens extra connections instead of waiting.
            block=False,
            blocksize=BLOCKSIZE,
            timeout=Timeout(connect=settings.connect_timeout, read=settings.read_timeout),
            retries=False,
        )
        _manager.pool_classes_by_scheme = {**_manager.pool_classes_by_scheme, "http": _UpstreamPool}
        _pools.clear()
        _pid = os.getpid()
    return _manager


def get_json(base_url: str, path: str, settings: Settings, timeout: float) -> tuple[int, Any]:
    """GET a small JSON document from a service: (status, parsed body or None).

    Raises urllib3's HTTPError when the service cannot be reached in time.
    """
    pool, prefix = pool_for(base_url, settings)
    response = pool.urlopen(
        "GET",
        prefix + path,
        headers={"Accept": "application/json"},
        timeout=Timeout(connect=timeout, read=timeout),
        retries=False,
        redirect=False,
        assert_same_host=False,
    )
    try:
        body = json.loads(response.data) if response.status == 200 else None
    except ValueError:
        body = None
    return response.status, body
