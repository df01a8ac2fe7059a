"""Resident memory of process trees, sampled from /proc in a thread while transfers run."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

KIB = 1024
_TICK = os.sysconf("SC_CLK_TCK")


def status_kib(pid: int, field: str) -> int:
    """A `/proc/<pid>/status` figure in KiB (VmRSS, VmHWM); 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(FileNotFoundError):  # the thread ended
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


class Sampler:
    """Peak VmRSS per process and phase, every `interval` seconds, of the trees under `roots`
    (name -> pid). A process belongs to its nearest root: the bench process is a root whose
    children (the servers it started) are roots of their own."""

    def __init__(self, roots: dict[str, int], interval: float = 0.1) -> None:
        self.roots = roots
        self.interval = interval
        self.names: dict[int, str] = {}
        self.peaks: dict[tuple[str, int], int] = {}  # (phase, pid) -> KiB
        self.cpu: dict[tuple[str, int], float] = {}  # (phase, pid) -> CPU seconds used in it
        self._phase = "before"  # until the first phase; "between" after each
        self._lock = threading.Lock()  # the phase changes sample from the main thread too
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Samples taken in the block count for `name` (one is taken as it starts and ends)."""
        self._phase = name
        self.sample()
        started = {pid: cpu_seconds(pid) for pid in self.processes()}
        try:
            yield
        finally:
            self.sample()
            for pid, before in started.items():
                key = (name, pid)  # a phase run again adds up
                self.cpu[key] = self.cpu.get(key, 0.0) + cpu_seconds(pid) - before
            self._phase = "between"

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def processes(self) -> dict[int, str]:
        """pid -> name ("gateway master", "gateway worker", ...) of every live process."""
        found: dict[int, str] = {}
        root_pids = set(self.roots.values())
        for name, root in self.roots.items():
            below = [pid for pid in children(root) if pid not in root_pids]
            found[root] = f"{name} master" if below else name
            while below:
                pid = below.pop()
                found[pid] = f"{name} worker"
                below += children(pid)
        return found

    def sample(self) -> None:
        with self._lock:
            for pid, name in self.processes().items():
                self.names[pid] = name
                key = (self._phase, pid)
                self.peaks[key] = max(self.peaks.get(key, 0), status_kib(pid, "VmRSS"))

    def cpu_used(self, phase: str, prefix: str) -> float:
        """CPU seconds the processes named `prefix` used during `phase` (all its runs)."""
        return sum(
            seconds
            for (p, pid), seconds in self.cpu.items()
            if p == phase and self.names[pid].startswith(prefix)
        )

    def peak_mib(self, phases: Iterable[str], pid: int | None = None, prefix: str = "") -> float:
        """The highest RSS (MiB) during `phases` of `pid`, or of the processes named `prefix`."""
        phases = set(phases)
        values = [
            kib
            for (phase, p), kib in self.peaks.items()
            if phase in phases and (p == pid or pid is None and self.names[p].startswith(prefix))
        ]
        return max(values, default=0) / KIB
