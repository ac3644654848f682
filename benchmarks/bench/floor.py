"""Baseline (c): the floor. Reading the file's bytes, and parsing every line with orjson.

Nothing that answers a first page can be cheaper than reading the file; nothing that builds a
table from it can be cheaper than parsing it. The page cache is warm for every side alike.
"""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from .common import Appended, Config, Result, log, measure, timed
from .data import DataSet

SIDE = "floor"


def read_bytes(path: str) -> int:
    with open(path, "rb") as fh:
        return len(fh.read())


def parse_lines(path: str) -> int:
    with open(path, "rb") as fh:
        data = fh.read()
    n = 0
    loads = orjson.loads
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            loads(line)
            n += 1
        except orjson.JSONDecodeError:
            pass
    return n


def stat_all(root: str) -> int:
    n = 0
    for project in os.scandir(root):
        if not project.is_dir():
            continue
        for entry in os.scandir(project.path):
            if entry.name.endswith(".jsonl"):
                entry.stat()
                n += 1
    return n


def parse_all(root: str) -> int:
    n = 0
    for project in Path(root).iterdir():
        for path in project.glob("*.jsonl"):
            n += parse_lines(str(path))
    return n


def run(ds: DataSet, cfg: Config) -> list[Result]:
    out: list[Result] = []
    for s in [*ds.sessions, ds.big]:
        log(f"floor: {s.label}")
        size = {"size": s.label, "mb": round(s.mb, 1)}
        samples = measure(lambda p=s.path: read_bytes(p), cfg.slow_reps, cfg.budget_s)
        out.append(Result("floor.read", SIDE, size, samples).finish())
        samples = measure(lambda p=s.path: parse_lines(p), cfg.slow_reps, cfg.budget_s)
        out.append(Result("floor.parse", SIDE, size, samples).finish())

    # Refresh after one appended line: stat the file, read and parse the new bytes.
    big = ds.big
    samples: list[float] = []
    with Appended(Path(big.path)) as app:
        for i in range(cfg.reps if not cfg.quick else 3):
            before = os.stat(big.path).st_size
            app.append(1, seed=900 + i)

            def tail(path: str = big.path, start: int = before) -> int:
                size = os.stat(path).st_size
                with open(path, "rb") as fh:
                    fh.seek(start)
                    data = fh.read(size - start)
                return sum(1 for line in data.split(b"\n") if line and orjson.loads(line))

            ms, _ = timed(tail)
            samples.append(ms)
    out.append(
        Result("refresh.append1", SIDE, {"size": big.label, "mb": round(big.mb, 1)}, samples,
               note="stat + read + parse the appended bytes").finish()
    )

    log("floor: archive")
    params = {"sessions": len(ds.archive), "mb": round(ds.archive_bytes / 1e6)}
    samples = measure(lambda: parse_all(ds.archive_root), max(1, min(2, cfg.slow_reps)),
                      cfg.budget_s)
    out.append(Result("list.cold", SIDE, params, samples, note="orjson parse of every file")
               .finish())
    samples = measure(lambda: stat_all(ds.archive_root), cfg.reps, cfg.budget_s)
    out.append(Result("list.restart", SIDE, params, samples, note="a stat per file").finish())
    return out
