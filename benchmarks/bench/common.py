"""Shared helpers: timing loops bounded in count and time, statistics, RSS, result records."""

from __future__ import annotations

import json
import math
import os
import socket
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

REPO = Path(__file__).resolve().parents[2]
SERVER_DIR = REPO / "server"


def now() -> float:
    return time.perf_counter()


@dataclass
class Stats:
    n: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float

    @classmethod
    def of(cls, samples_ms: list[float]) -> Stats:
        if not samples_ms:
            raise ValueError("no samples")
        s = sorted(samples_ms)
        # p95 by nearest rank: with fewer than 20 samples it is the maximum.
        rank = max(1, math.ceil(0.95 * len(s)))
        return cls(
            n=len(s),
            median_ms=statistics.median(s),
            p95_ms=s[rank - 1],
            min_ms=s[0],
            max_ms=s[-1],
        )


@dataclass
class Result:
    """One measured cell: a scenario, its parameters, the side that was measured."""

    scenario: str
    side: str
    params: dict[str, Any]
    samples_ms: list[float] = field(default_factory=list)
    stats: Stats | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    note: str | None = None
    lower_bound: bool = False  # a deadline was hit: the real time is at least this

    def finish(self) -> Result:
        if self.samples_ms and self.stats is None:
            self.stats = Stats.of(self.samples_ms)
        return self

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["samples_ms"] = [round(x, 3) for x in self.samples_ms]
        return out


class Budget:
    """A loop bound: at most ``count`` iterations and (after ``min_count``) at most ``seconds``."""

    def __init__(self, count: int, seconds: float, min_count: int = 1) -> None:
        self.count = max(1, count)
        self.seconds = seconds
        self.min_count = max(1, min(min_count, self.count))
        self.start = now()
        self.done = 0

    def __iter__(self) -> Budget:
        return self

    def __next__(self) -> int:
        elapsed = now() - self.start
        if self.done >= self.count:
            raise StopIteration
        if self.done >= self.min_count and elapsed >= self.seconds:
            raise StopIteration
        self.done += 1
        return self.done - 1


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    t0 = now()
    value = fn()
    return (now() - t0) * 1000.0, value


def measure(
    fn: Callable[[], Any],
    count: int,
    seconds: float,
    min_count: int = 1,
    warmup: int = 0,
) -> list[float]:
    """Run ``fn`` repeatedly; returns the wall-clock milliseconds of each run."""
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    for _ in Budget(count, seconds, min_count):
        ms, _value = timed(fn)
        samples.append(ms)
    return samples


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS / VmHWM (peak) of a process in bytes, from /proc (Linux)."""
    out: dict[str, int] = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            parts = value.split()
            out[key] = int(parts[0]) * 1024
    return out


def rss_mb(pid: int | str = "self") -> dict[str, float]:
    st = proc_status(pid)
    return {
        "rss_mb": round(st.get("VmRSS", 0) / 2**20, 1),
        "peak_rss_mb": round(st.get("VmHWM", 0) / 2**20, 1),
    }


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child that imports the project (and ``tests.synthetic``, which
    appends to sessions) from this checkout."""
    env = dict(os.environ)
    inherited = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    paths = [str(SERVER_DIR), str(REPO), *inherited]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env.setdefault("PYTHONHASHSEED", "0")
    if extra:
        env.update(extra)
    return env


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, default=str))
    tmp.replace(path)


class Appended:
    """Append lines to a transcript, and put the file back exactly (size, mtime) afterwards.

    Scenarios that append run on the shared data set; restoring it keeps every side's input the
    same.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        st = path.stat()
        self.size = st.st_size
        self.times = (st.st_atime_ns, st.st_mtime_ns)

    def append(self, lines: int, seed: int) -> int:
        from tests.synthetic import append_lines

        return append_lines(self.path, lines, seed=seed)

    def restore(self) -> None:
        os.truncate(self.path, self.size)
        os.utime(self.path, ns=self.times)

    def __enter__(self) -> Appended:
        return self

    def __exit__(self, *exc: object) -> None:
        self.restore()


@dataclass
class Config:
    """How hard each side is pushed; the same for every side of one run."""

    work: str  # shared across runs: data sets, the upstream's venv
    scratch: str = ""  # this kind of run's own: temporary caches, logs, the upstream's homes
    quick: bool = False
    reps: int = 30  # repetitions of a fast (warm) request
    slow_reps: int = 5  # repetitions of a slow one (a cold start, a baseline that reparses)
    budget_s: float = 12.0  # per scenario and side, after the first repetition
    depths: list[int] = field(default_factory=lambda: [1, 100, 1000])
    page_size: int = 50
    parallel: int = 10
    ttl_s: float = 3.0
    rss_sessions: list[int] = field(default_factory=lambda: [1, 10, 50])
    request_timeout_s: float = 180.0  # one HTTP request of the upstream server
    list_deadline_s: float = 120.0  # a whole upstream session listing

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Config:
        return cls(**data)


def preview_of(message: Any, limit: int = 200) -> str:
    """A naive reader's preview: the first text found in a message, cut to ``limit``."""
    if isinstance(message, str):
        return message[:limit]
    if not isinstance(message, dict):
        return ""
    content = message.get("content")
    if isinstance(content, str):
        return content[:limit]
    if isinstance(content, list):
        for block in content:
            if not isinstance(block, dict):
                continue
            for key in ("text", "thinking", "content"):
                value = block.get(key)
                if isinstance(value, str) and value:
                    return value[:limit]
            if block.get("type") == "tool_use":
                return f"[{block.get('name')}]"
    return ""


def titled_section(
    ix: Any, title: str, scenario: str, side: str, body: Callable[[Any, dict[str, Any]], list[str]]
) -> list[str]:
    """A RESULTS.md section led by one headline result (``report.Index.find``): nothing when
    that side did not run, else the title and the lines ``body(ix, head)`` writes."""
    head = ix.find(scenario, side)
    if head is None:
        return []
    return [title, "", *body(ix, head)]


def cpu_ticks() -> tuple[int, int]:
    """(busy ticks of the whole machine, ticks of this process and its reaped children)."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
        values = [int(x) for x in fields]
        busy = sum(values) - values[3] - (values[4] if len(values) > 4 else 0)
        own = Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()
        # Fields 14-17 of /proc/<pid>/stat: utime, stime, cutime, cstime (here 11..14).
        mine = sum(int(x) for x in own[11:15])
    except (OSError, ValueError, IndexError):
        return 0, 0
    return busy, mine


def other_cpu_share(before: tuple[int, int], after: tuple[int, int], seconds: float) -> float:
    """The share of the machine's CPU used by other processes in between (0..1)."""
    hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    cores = os.cpu_count() or 1
    other = (after[0] - before[0]) - (after[1] - before[1])
    if seconds <= 0:
        return 0.0
    return max(0.0, other / hz / seconds / cores)
