"""Baseline (a): the naive way. DuckDB ``read_json_auto`` over the file on every request, pages by
ROW_NUMBER and OFFSET, and a COUNT(*) on every request. No state is kept between requests."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path
from typing import Any

import duckdb
import orjson

from .common import Appended, Config, Result, log, measure, now, preview_of, timed
from .data import DataSet, SessionSpec

SIDE = "naive"
CONVERSATION = ("user", "assistant", "system", "progress", "attachment")

# Filters as a naive reader writes them: on the JSON text of the message.
FILTERS: dict[str, str] = {
    "kind=assistant": "type = 'assistant'",
    "tool=Edit": "type = 'assistant' AND to_json(message) LIKE '%\"name\":\"Edit\"%'",
    "errorsOnly": "to_json(message) LIKE '%\"is_error\":true%'",
}


def _source(path: str) -> str:
    quoted = path.replace("'", "''")
    return (
        f"read_json_auto('{quoted}', format='newline_delimited', ignore_errors=true, "
        "union_by_name=true, maximum_object_size=67108864)"
    )


class NaiveReader:
    def __init__(self, path: str, con: duckdb.DuckDBPyConnection | None = None) -> None:
        self.path = path
        self.con = con or duckdb.connect(":memory:")

    def page(self, offset: int, limit: int, where: str = "TRUE") -> dict[str, Any]:
        cur = self.con.cursor()
        types = ", ".join(f"'{t}'" for t in CONVERSATION)
        base = (
            f"SELECT uuid, parentUuid, type, timestamp, isSidechain, to_json(message) AS message "
            f"FROM {_source(self.path)} WHERE type IN ({types}) "
            f"AND NOT coalesce(isSidechain, false) AND ({where})"
        )
        rows = cur.execute(
            f"WITH m AS ({base}), n AS (SELECT *, ROW_NUMBER() OVER (ORDER BY timestamp, uuid) "
            "AS rn FROM m) SELECT * FROM n WHERE rn > ? ORDER BY rn LIMIT ?",
            [offset, limit + 1],
        ).fetchall()
        total_row = cur.execute(f"SELECT count(*) FROM ({base})").fetchone()
        cur.close()
        messages = []
        for uuid, parent, kind, ts, side, message, _rn in rows[:limit]:
            msg = orjson.loads(message) if message else None
            messages.append(
                {
                    "uuid": str(uuid),
                    "parentUuid": str(parent) if parent else None,
                    "kind": kind,
                    "timestamp": ts.isoformat() if ts else None,
                    "isSidechain": bool(side),
                    "preview": preview_of(msg),
                }
            )
        return {
            "messages": messages,
            "hasMore": len(rows) > limit,
            "total": total_row[0] if total_row else 0,
        }


def _session_results(s: SessionSpec, cfg: Config) -> list[Result]:
    out: list[Result] = []
    size = {"size": s.label, "mb": round(s.mb, 1)}
    ps = cfg.page_size
    budget = cfg.budget_s

    def fresh() -> None:
        NaiveReader(s.path).page(0, ps)

    samples = measure(fresh, cfg.slow_reps, budget)
    out.append(Result("first_page.cold", SIDE, size, samples).finish())
    reader = NaiveReader(s.path)
    samples = measure(lambda: reader.page(0, ps), cfg.slow_reps, budget)
    out.append(Result("first_page.warm", SIDE, size, samples, note="no state: as cold").finish())
    total = reader.page(0, 1)["total"]
    for depth in cfg.depths:
        if (depth - 1) * ps >= total:
            continue
        samples = measure(lambda d=depth: reader.page((d - 1) * ps, ps), cfg.slow_reps, budget)
        out.append(Result("page.offset", SIDE, {**size, "depth": depth}, samples).finish())
    for name, where in FILTERS.items():
        samples = measure(lambda w=where: reader.page(ps, ps, w), cfg.slow_reps, budget)
        out.append(Result("filter.page2", SIDE, {**size, "filter": name}, samples).finish())
    page = reader.page(0, ps)
    out.append(
        Result(
            "page.bytes",
            SIDE,
            size,
            extra={"summary_bytes": len(orjson.dumps(page))},
        )
    )
    out.append(_parallel(s, cfg, size))
    return out


def _parallel(s: SessionSpec, cfg: Config, size: dict[str, Any]) -> Result:
    samples: list[float] = []
    for _ in range(max(1, min(2, cfg.slow_reps))):
        con = duckdb.connect(":memory:")
        barrier = threading.Barrier(cfg.parallel + 1)

        errors: list[BaseException] = []

        def one(
            con: duckdb.DuckDBPyConnection = con,
            barrier: threading.Barrier = barrier,
            errors: list[BaseException] = errors,
        ) -> None:
            barrier.wait()
            try:
                NaiveReader(s.path, con).page(0, cfg.page_size)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=one) for _ in range(cfg.parallel)]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = now()
        for t in threads:
            t.join()
        samples.append((now() - t0) * 1000)
        con.close()
        if errors:
            raise errors[0]
    return Result(
        "parallel.cold", SIDE, {**size, "requests": cfg.parallel}, samples,
        extra={"parses": cfg.parallel}, note="every request reparses the file",
    ).finish()


def _refresh(ds: DataSet, cfg: Config) -> Result:
    big = ds.big
    reader = NaiveReader(big.path)
    total = reader.page(0, 1)["total"]
    samples: list[float] = []
    with Appended(Path(big.path)) as app:
        for i in range(max(1, min(3, cfg.slow_reps))):
            app.append(1, seed=900 + i)
            ms, page = timed(lambda t=total: reader.page(t, cfg.page_size))
            samples.append(ms)
            total = page["total"]
    return Result(
        "refresh.append1", SIDE, {"size": big.label, "mb": round(big.mb, 1)}, samples,
        note="reparses the whole file",
    ).finish()


def list_archive(root: str) -> int:
    """A naive session list: one read_json_auto over every file, grouped by file."""
    con = duckdb.connect(":memory:")
    src = _source(str(Path(root) / "*" / "*.jsonl")).replace(
        "union_by_name=true", "union_by_name=true, filename=true"
    )
    rows = con.execute(
        "SELECT filename, count(*) FILTER (WHERE type IN ('user', 'assistant')), "
        "min(timestamp), max(timestamp), any_value(cwd), any_value(gitBranch) "
        f"FROM {src} GROUP BY filename ORDER BY max(timestamp) DESC"
    ).fetchall()
    con.close()
    return len(rows)


def _list(ds: DataSet, cfg: Config) -> list[Result]:
    params = {"sessions": len(ds.archive), "mb": round(ds.archive_bytes / 1e6)}
    counts: list[int] = []

    def run() -> None:
        counts.append(list_archive(ds.archive_root))

    samples = measure(run, max(1, min(2, cfg.slow_reps)), cfg.budget_s)
    out = [
        Result(
            "list.cold", SIDE, params, samples, extra={"listed": counts[-1]},
            note="one read_json_auto over the archive",
        ).finish(),
        Result("list.restart", SIDE, params, list(samples), note="no state: as cold").finish(),
    ]
    return out


def run(ds: DataSet, cfg: Config) -> list[Result]:
    tempfile.tempdir = cfg.scratch
    out: list[Result] = []
    for s in ds.sessions:
        log(f"naive: {s.label}")
        out.extend(_session_results(s, cfg))
    log("naive: refresh")
    out.append(_refresh(ds, cfg))
    log("naive: list")
    out.extend(_list(ds, cfg))
    return out
