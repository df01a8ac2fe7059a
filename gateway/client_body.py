"""The client's request body, read under a deadline, and a cap on the bodies read at once.

A client that declares 1,000 bytes and sends 2 would otherwise hold its connection for ever. As
Apache's mod_reqtimeout does, a body gets `timeout` seconds plus one more per `min_rate` bytes
received, and no single pause may last longer than `timeout`: slow but steady uploads finish,
stalled or trickling ones are cut off with a 408.
"""

from __future__ import annotations

import threading
import time
from typing import IO

from gevent import Timeout
from gevent.monkey import is_module_patched


class ClientBodyTimeout(Exception):
    """The client did not send its body fast enough."""


class DeadlineReader:
    """A file-like view of the client's body that raises ClientBodyTimeout past its deadline."""

    def __init__(self, stream: IO[bytes], sock: object, timeout: float, min_rate: float) -> None:
        self.stream = stream
        self.min_rate = min_rate
        self.deadline = time.monotonic() + timeout
        # Bounds each wait for bytes (a stalled client) under any worker class.
        if sock is not None:
            sock.settimeout(timeout)
        # Bounds a whole read (a trickling client) where blocking calls yield to gevent's hub;
        # in a plain thread the timer could not interrupt the read.
        self._green = is_module_patched("socket")

    def read(self, size: int = -1) -> bytes:
        # The block being read earns its own time: a client at the minimum rate is never late.
        allowed = self.deadline - time.monotonic() + max(size, 0) / self.min_rate
        if allowed <= 0:
            raise ClientBodyTimeout
        try:
            if self._green:
                with Timeout(allowed, ClientBodyTimeout):
                    data = self.stream.read(size)
            else:
                data = self.stream.read(size)
        except TimeoutError as exc:
            raise ClientBodyTimeout from exc
        self.deadline += len(data) / self.min_rate
        return data


class UploadSlots:
    """At most `limit` request bodies read at once in this process; beyond, the caller refuses."""

    def __init__(self, limit: int) -> None:
        self._slots = threading.BoundedSemaphore(limit)

    def take(self) -> bool:
        return self._slots.acquire(blocking=False)

    def give_back(self) -> None:
        self._slots.release()
