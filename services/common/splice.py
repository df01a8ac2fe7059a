"""A body moved from one socket to another inside the kernel (splice(2) through a pipe): a
quarter of the CPU of copying it through Python in blocks (bench/attachments.py). Used by the
gateway (service → client) and by documents (object store → client)."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable

PIPE_SIZE = 1024 * 1024
_FLAGS = getattr(os, "SPLICE_F_MOVE", 0) | getattr(os, "SPLICE_F_NONBLOCK", 0)


def available() -> bool:
    return hasattr(os, "splice")


def move(
    source: int,
    target: int,
    size: int,
    wait_readable: Callable[[int], None],
    wait_writable: Callable[[int], None],
) -> None:
    """Move `size` bytes from the file descriptor `source` to `target`. Either may be a
    non-blocking socket: `wait_readable`/`wait_writable` block until it is ready (and raise
    when that takes too long). Raises EOFError when the source ends early."""
    pipe_out, pipe_in = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    capacity = _grow(pipe_in)
    try:
        while size:
            try:
                moved = os.splice(source, pipe_in, min(size, capacity), flags=_FLAGS)
            except BlockingIOError:
                wait_readable(source)
                continue
            if not moved:
                raise EOFError(f"the body ended {size} bytes early")
            size -= moved
            while moved:
                try:
                    moved -= os.splice(pipe_out, target, moved, flags=_FLAGS)
                except BlockingIOError:
                    wait_writable(target)  # a slow reader
    finally:
        os.close(pipe_out)
        os.close(pipe_in)


def _grow(pipe: int) -> int:
    """The pipe's capacity, raised to PIPE_SIZE where the kernel allows (1 MiB is the default
    limit for unprivileged processes): half the CPU per byte relayed of its default 64 KiB."""
    try:
        return fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    except OSError:
        return 64 * 1024
