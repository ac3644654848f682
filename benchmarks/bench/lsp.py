"""The project through the real protocol: the language server over stdio, what the extension gets.

Times are measured at the client, from a request's bytes written to its response's bytes read.
Memory is the server process's own (VmRSS / VmHWM from /proc), not this client's.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .common import Appended, Config, Result, log, now
from .data import DataSet, SessionSpec
from .lspclient import LspServer, Reply

SIDE = "lsp"

FILTERS: dict[str, dict[str, Any]] = {
    "kind=assistant": {"kinds": ["assistant"]},
    "tool=Edit": {"tools": ["Edit"]},
    "errorsOnly": {"errorsOnly": True},
}


class Ctx:
    def __init__(self, cfg: Config) -> None:
        self.cfg = cfg
        self.work = Path(cfg.scratch) / "tmp"
        self.work.mkdir(parents=True, exist_ok=True)
        self.logs = Path(cfg.scratch) / "logs"

    def cache(self) -> Path:
        return Path(tempfile.mkdtemp(prefix="lsp-cache-", dir=self.work))

    @contextmanager
    def server(
        self, root: str, cache: Path | None = None, ttl: float | None = None
    ) -> Iterator[LspServer]:
        options: dict[str, Any] = {
            "projectsRoot": root,
            "cacheDir": str(cache or self.cache()),
        }
        if ttl is not None:
            options["sessionTtlSeconds"] = ttl
        srv = LspServer(self.logs / "lsp-server.stderr.log")
        try:
            srv.initialize(options)
            yield srv
        finally:
            srv.close()


def page_params(s: SessionSpec, limit: int, **kw: Any) -> dict[str, Any]:
    params: dict[str, Any] = {"sessionId": s.session_id, "project": s.project, "limit": limit}
    params.update({k: v for k, v in kw.items() if v is not None})
    return params


def page(srv: LspServer, s: SessionSpec, limit: int, **kw: Any) -> Reply:
    reply = srv.request("messages/page", page_params(s, limit, **kw))
    reply.ok()
    return reply


def measure_req(
    fn: Any, count: int, seconds: float, warmup: int = 0, min_count: int = 1
) -> tuple[list[float], Reply | None]:
    """Repeat a request; the samples are the client-side times of each response."""
    for _ in range(warmup):
        fn()
    samples: list[float] = []
    last: Reply | None = None
    start = now()
    while len(samples) < count and (len(samples) < min_count or now() - start < seconds):
        last = fn()
        assert last is not None
        samples.append(last.ms)
    return samples, last


def concurrent(srv: LspServer, requests: list[tuple[str, dict[str, Any]]]) -> float:
    """Send every request at once; the wall time until the last response arrived."""
    t0 = now()
    ids = [srv.send(m, p) for m, p in requests]
    for rid in ids:
        srv.wait(rid).ok()
    return (now() - t0) * 1000


def _session(ctx: Ctx, s: SessionSpec) -> list[Result]:
    cfg = ctx.cfg
    out: list[Result] = []
    size = {"size": s.label, "mb": round(s.mb, 1)}
    ps = cfg.page_size
    root = str(Path(s.path).parents[1])

    cold: list[float] = []
    startup: list[float] = []
    peak = 0.0
    start = now()
    while len(cold) < cfg.slow_reps and (not cold or now() - start < cfg.budget_s):
        with ctx.server(root) as srv:
            startup.append((now() - srv.started) * 1000)
            cold.append(page(srv, s, ps).ms)
            peak = max(peak, srv.memory()["peak_rss_mb"])
    out.append(Result("first_page.cold", SIDE, size, cold, extra={
        "server_start_ms": round(sorted(startup)[len(startup) // 2], 1),
        "server_peak_rss_mb": peak,
    }).finish())

    with ctx.server(root) as srv:
        first = page(srv, s, ps).ok()
        # Warm means loaded: session/metrics waits for a big session's background parse.
        srv.request("session/metrics", {"sessionId": s.session_id, "project": s.project}).ok()
        samples, _ = measure_req(lambda: page(srv, s, ps), cfg.reps, cfg.budget_s, warmup=1)
        out.append(Result("first_page.warm", SIDE, size, samples).finish())

        cursors: dict[int, str | None] = {1: None}
        cursor, has_more, depth, t0 = first["nextCursor"], first["hasMore"], 1, now()
        while has_more and depth < max(cfg.depths):
            depth += 1
            if depth in cfg.depths:
                cursors[depth] = cursor
            res = page(srv, s, ps, cursor=cursor).ok()
            cursor, has_more = res["nextCursor"], res["hasMore"]
        walk_ms = (now() - t0) * 1000
        for d, c in sorted(cursors.items()):
            samples, _ = measure_req(lambda c=c: page(srv, s, ps, cursor=c), cfg.reps,
                                     cfg.budget_s, warmup=1)
            out.append(Result("page.cursor", SIDE, {**size, "depth": d}, samples, extra={
                "walk_pages": depth, "walk_ms": round(walk_ms, 1)}).finish())

        for name, flt in FILTERS.items():
            p1 = page(srv, s, ps, filter=flt).ok()
            samples, _ = measure_req(
                lambda f=flt, c=p1["nextCursor"]: page(srv, s, ps, filter=f, cursor=c),
                cfg.reps, cfg.budget_s, warmup=1)
            out.append(Result("filter.page2", SIDE, {**size, "filter": name}, samples,
                              extra={"total": p1.get("total")}).finish())

        deep = cursors[max(cursors)]
        for expand in (False, True):
            samples, last = measure_req(lambda e=expand: page(srv, s, ps, cursor=deep, expand=e),
                                        cfg.reps, cfg.budget_s, warmup=1)
            assert last is not None
            out.append(Result("page.expand" if expand else "page.summaries", SIDE, size,
                              samples, extra={"bytes": last.nbytes}).finish())

        out.append(_stream(srv, s, cfg, size, "stream.first_batch", cfg.reps))

        uuid = first["messages"][min(len(first["messages"]) - 1, 10)]["uuid"]
        get = {"sessionId": s.session_id, "project": s.project, "uuid": uuid}
        samples, last = measure_req(lambda: srv.request("messages/get", get), cfg.reps,
                                    cfg.budget_s, warmup=1)
        out.append(Result("message.get", SIDE, size, samples).finish())

        reqs = [("messages/page", page_params(s, ps))] * cfg.parallel
        samples = [concurrent(srv, reqs) for _ in range(cfg.slow_reps)]
        out.append(Result("parallel.warm", SIDE, {**size, "requests": cfg.parallel}, samples)
                   .finish())
        out.append(Result("rss.session_open", SIDE, size, extra=srv.memory()))

    par: list[float] = []
    for _ in range(max(1, min(3, cfg.slow_reps))):
        with ctx.server(root) as srv:
            par.append(concurrent(srv, [("messages/page", page_params(s, ps))] * cfg.parallel))
    out.append(Result("parallel.cold", SIDE, {**size, "requests": cfg.parallel}, par).finish())

    firsts: list[Result] = []
    for _ in range(max(1, min(3, cfg.slow_reps))):
        with ctx.server(root) as srv:
            firsts.append(_stream(srv, s, cfg, size, "stream.first_batch.cold", 1))
    merged = Result("stream.first_batch.cold", SIDE, firsts[0].params,
                    [x for r in firsts for x in r.samples_ms],
                    extra=firsts[0].extra).finish()
    out.append(merged)
    return out


def _stream(srv: LspServer, s: SessionSpec, cfg: Config, size: dict[str, Any], name: str,
            reps: int) -> Result:
    firsts: list[float] = []
    totals: list[float] = []
    batches = 0
    for i in range(reps):
        token = f"bench-{name}-{i}-{time.monotonic_ns()}"
        params = page_params(s, 500, batchSize=cfg.page_size, partialResultToken=token)
        sent = now()
        rid = srv.send("messages/stream", params)
        reply = srv.wait(rid)
        reply.ok()
        notes = srv.progress.pop(token, [])
        batches = len(notes) + 1
        first_at = notes[0].at if notes else sent + reply.ms / 1000
        firsts.append((first_at - sent) * 1000)
        totals.append(reply.ms)
    return Result(name, SIDE, {**size, "limit": 500, "batch": cfg.page_size}, firsts, extra={
        "whole_stream_median_ms": round(sorted(totals)[len(totals) // 2], 2),
        "batches": batches,
    }).finish()


def _big(ctx: Ctx, ds: DataSet) -> list[Result]:
    cfg = ctx.cfg
    big = ds.big
    size = {"size": big.label, "mb": round(big.mb, 1)}
    out: list[Result] = []
    ps = cfg.page_size
    with ctx.server(ds.root) as srv:
        before = srv.memory()
        reply = page(srv, big, ps)
        out.append(Result("first_page.cold", SIDE, size, [reply.ms]).finish())
        mem = srv.memory()
        out.append(Result("rss.big_open", SIDE, size, extra={**mem, "before_open": before}))

        flt = {"since": big.last_timestamp}
        cursor = page(srv, big, ps, filter=flt).ok()["nextCursor"]
        samples: list[float] = []
        visible = True
        with Appended(Path(big.path)) as app:
            for i in range(cfg.reps if not cfg.quick else 3):
                app.append(1, seed=900 + i)
                r = page(srv, big, ps, filter=flt, cursor=cursor)
                res = r.ok()
                samples.append(r.ms)
                visible = visible and len(res["messages"]) >= 1
                cursor = res["nextCursor"]
            idle, _ = measure_req(lambda: page(srv, big, ps, filter=flt, cursor=cursor),
                                  cfg.reps, cfg.budget_s)
        out.append(Result("refresh.append1", SIDE, size, samples, extra={
            "new_line_visible": visible,
            "same_page_unchanged_median_ms": round(sorted(idle)[len(idle) // 2], 2),
            "peak_rss_mb_after": srv.memory()["peak_rss_mb"],
        }).finish())

    # Memory back down after the TTL (the server sweeps every max(1, ttl/2) seconds).
    ttl = cfg.ttl_s
    with ctx.server(ds.root, ttl=ttl) as srv:
        idle0 = srv.memory()
        page(srv, big, ps)
        opened = srv.memory()
        wait = ttl + max(1.0, ttl / 2) + 1.5
        time.sleep(wait)
        after = srv.memory()
        time.sleep(max(1.0, ttl / 2) + 0.5)
        later = srv.memory()
        out.append(Result("rss.after_ttl", SIDE, {**size, "ttl_s": ttl}, extra={
            "rss_mb_idle": idle0["rss_mb"],
            "rss_mb_open": opened["rss_mb"],
            "rss_mb_after_ttl": after["rss_mb"],
            "rss_mb_later": later["rss_mb"],
            "waited_s": round(wait, 1),
        }))
    return out


LIST_BYTES: list[int] = []


def list_all(srv: LspServer, limit: int = 1000, pages: int | None = None) -> float:
    """Every page of the session list (or the first ``pages``); the sum of the request times."""
    total, cursor, nbytes, n = 0.0, None, 0, 0
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        reply = srv.request("sessions/list", params)
        res = reply.ok()
        total += reply.ms
        nbytes += reply.nbytes
        n += 1
        if not res["hasMore"] or (pages is not None and n >= pages):
            LIST_BYTES.append(nbytes)
            return total
        cursor = res["nextCursor"]


def _archive(ctx: Ctx, ds: DataSet) -> list[Result]:
    cfg = ctx.cfg
    params = {"sessions": len(ds.archive), "mb": round(ds.archive_bytes / 1e6)}
    out: list[Result] = []
    cache = ctx.cache()
    cold: list[float] = []
    for _ in range(max(1, min(2, cfg.slow_reps))):
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        with ctx.server(ds.archive_root, cache=cache) as srv:
            cold.append(list_all(srv))
    out.append(Result("list.cold", SIDE, params, cold).finish())
    restart: list[float] = []
    for _ in range(cfg.slow_reps):
        with ctx.server(ds.archive_root, cache=cache) as srv:
            restart.append(list_all(srv))
    out.append(Result("list.restart", SIDE, params, restart,
                      extra={"bytes": LIST_BYTES[-1]}).finish())
    first: list[float] = []
    for _ in range(cfg.slow_reps):
        with ctx.server(ds.archive_root, cache=cache) as srv:
            first.append(list_all(srv, limit=100, pages=1))
    out.append(Result("list.restart.first100", SIDE, params, first,
                      extra={"bytes": LIST_BYTES[-1]}).finish())
    with ctx.server(ds.archive_root, cache=cache) as srv:
        list_all(srv)
        warm = [list_all(srv) for _ in range(min(cfg.reps, 10))]
        out.append(Result("list.warm", SIDE, params, warm).finish())
        target = max(ds.archive, key=lambda a: a.last_timestamp)
        appended: list[float] = []
        with Appended(Path(target.path)) as app:
            for i in range(cfg.slow_reps):
                app.append(1, seed=700 + i)
                appended.append(list_all(srv))
        out.append(Result("list.appended", SIDE, params, appended).finish())

    largest = sorted(ds.archive, key=lambda a: -a.bytes)
    with ctx.server(ds.archive_root, cache=cache) as srv:
        opened = 0
        base = srv.memory()
        for n in sorted(cfg.rss_sessions):
            for a in largest[opened:n]:
                page(srv, a, cfg.page_size)
            opened = n
            mb = sum(a.bytes for a in largest[:n]) / 1e6
            out.append(Result("rss.sessions_open", SIDE, {"sessions": n, "mb": round(mb, 1)},
                              extra={**srv.memory(), "rss_mb_before": base["rss_mb"]}))
    return out


def run(ds: DataSet, cfg: Config) -> list[Result]:
    ctx = Ctx(cfg)
    out: list[Result] = []
    for s in ds.sessions:
        log(f"lsp: {s.label}")
        out.extend(_session(ctx, s))
    log("lsp: 100 MB session (refresh, memory, TTL)")
    out.extend(_big(ctx, ds))
    log("lsp: archive")
    out.extend(_archive(ctx, ds))
    return out
