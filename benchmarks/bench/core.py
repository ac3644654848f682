"""The project's core, in-process: ``claude_code_tracer.tracer.Tracer`` called directly.

The "filtered after the union" variant is written here as SQL over the same session tables: the
union of every kind table is materialized first (``AS MATERIALIZED``, so DuckDB cannot push the
filter into its branches), then filtered, ordered and limited, the way the seed design did it.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from .common import (
    Appended,
    Config,
    Result,
    log,
    measure,
    now,
    rss_mb,
    timed,
)
from .data import DataSet, SessionSpec

SIDE = "core"


def _imports() -> Any:
    from claude_code_tracer import models, queries, tracer

    return tracer, models, queries


def filters() -> dict[str, Any]:
    _, models, _ = _imports()
    flt = models.MessageFilter
    return {
        "kind=assistant": flt(kinds=[models.Kind.ASSISTANT]),
        "tool=Edit": flt(tools=["Edit"]),
        "errorsOnly": flt(errors_only=True),
    }


class Core:
    def __init__(self, root: str, work: Path, cache: Path | None = None, ttl: float = 300.0):
        tracer, models, _ = _imports()
        self.models = models
        self.cache = cache or Path(tempfile.mkdtemp(prefix="core-cache-", dir=work))
        self.tracer = tracer.Tracer(
            tracer.TracerOptions(
                projects_roots=[Path(root)], cache_dir=self.cache, session_ttl_seconds=ttl
            )
        )

    def params(self, s: SessionSpec, **kw: Any) -> Any:
        return self.models.MessagesPageParams(session_id=s.session_id, project=s.project, **kw)

    def page(self, s: SessionSpec, **kw: Any) -> Any:
        return self.tracer.page(self.params(s, **kw))

    def list_all(self, limit: int = 1000, pages: int | None = None) -> int:
        n, cursor, k = 0, None, 0
        while True:
            page = self.tracer.list_sessions(
                self.models.SessionsListParams(limit=limit, cursor=cursor)
            )
            n += len(page.sessions)
            k += 1
            if not page.has_more or (pages is not None and k >= pages):
                return n
            cursor = page.next_cursor

    def close(self) -> None:
        self.tracer.close()


@contextmanager
def opened(root: str, work: Path, **kw: Any) -> Iterator[Core]:
    core = Core(root, work, **kw)
    try:
        yield core
    finally:
        core.close()


def union_sql(tables: dict[Any, str], flt: Any, after: Any, limit: int,
              materialized: bool) -> tuple[str, list[Any]]:
    """Phase one of a page (its seqs), filtered after the union of every kind table.

    The core's own ``after_union_page_query`` leaves DuckDB free to push the filter into the
    union's branches (it does); the materialized variant forces the union to be built first."""
    _, _, queries = _imports()
    sql, args = queries.after_union_page_query(tables, flt, after, limit)
    if not materialized:
        return sql, args
    head = "SELECT seq FROM ("
    body, sep, tail = sql.rpartition(") WHERE ")
    if not sql.startswith(head) or not sep:
        raise ValueError("unexpected shape of after_union_page_query")
    return f"WITH u AS MATERIALIZED ({body[len(head):]}) SELECT seq FROM u WHERE {tail}", args


def after_union(core: Core, s: SessionSpec, flt: Any, after: Any, limit: int,
                materialized: bool) -> tuple[list[Any], Any]:
    """A page of summaries, its phase one filtered after the union; returns (summaries, key)."""
    _, models, queries = _imports()
    files = core.tracer._files(models.SessionRef(session_id=s.session_id, project=s.project))
    with core.tracer.store.use(files) as sess:
        sql, args = union_sql(sess.tables, flt, after, limit + 1, materialized)
        seqs = [r[0] for r in core.tracer.db.cursor().execute(sql, args).fetchall()]
        rows = sess.take(seqs[:limit])
        summaries = [queries.row_to_summary(r, sess.file_names) for r in rows]
    return summaries, (queries.row_key(rows[-1]) if rows else None)


def _session(s: SessionSpec, cfg: Config, work: Path) -> list[Result]:
    out: list[Result] = []
    size = {"size": s.label, "mb": round(s.mb, 1)}
    ps = cfg.page_size

    root = str(Path(s.path).parents[1])
    parses: list[int] = []
    samples: list[float] = []
    t_start = now()
    while len(samples) < cfg.slow_reps and (not samples or now() - t_start < cfg.budget_s):
        with opened(root, work) as core:  # a new Tracer, untimed; then its first page
            ms, _ = timed(lambda c=core: c.page(s, limit=ps))
            samples.append(ms)
            parses.append(core.tracer.store.full_parses)
    out.append(Result("first_page.cold", SIDE, size, samples,
                      extra={"full_parses_per_open": max(parses)}).finish())

    with opened(root, work) as core:
        first = core.page(s, limit=ps)
        # Warm means loaded: a big session answers its head first and parses the rest on a
        # thread; the warm pages are measured once that parse is done.
        ref = core.models.SessionRef(session_id=s.session_id, project=s.project)
        core.tracer.ensure_loaded(ref)
        samples = measure(lambda: core.page(s, limit=ps), cfg.reps, cfg.budget_s, warmup=1)
        out.append(Result("first_page.warm", SIDE, size, samples).finish())

        # Walk the session by cursor once, keeping the cursors of the measured depths.
        cursors: dict[int, str | None] = {1: None}
        cursor, depth, t0 = first.next_cursor, 1, now()
        deepest = max(cfg.depths)
        has_more = first.has_more
        while has_more and depth < deepest:
            depth += 1
            if depth in cfg.depths:
                cursors[depth] = cursor
            page = core.page(s, limit=ps, cursor=cursor)
            cursor, has_more = page.next_cursor, page.has_more
        walk_ms = (now() - t0) * 1000
        for d, c in sorted(cursors.items()):
            samples = measure(lambda c=c: core.page(s, limit=ps, cursor=c), cfg.reps,
                              cfg.budget_s, warmup=1)
            out.append(Result("page.cursor", SIDE, {**size, "depth": d}, samples,
                              extra={"walk_pages": depth, "walk_ms": round(walk_ms, 1)})
                       .finish())

        for name, flt in filters().items():
            p1 = core.page(s, limit=ps, filter=flt)
            samples = measure(lambda f=flt, c=p1.next_cursor: core.page(s, limit=ps, filter=f,
                                                                       cursor=c),
                              cfg.reps, cfg.budget_s, warmup=1)
            pushed = core.page(s, limit=ps, filter=flt, cursor=p1.next_cursor)
            out.append(Result("filter.page2", SIDE, {**size, "filter": name}, samples,
                              extra={"rows": len(pushed.messages), "total": p1.total})
                       .finish())
            for side, mat in (("core-after-union", False),
                              ("core-after-materialized-union", True)):
                try:
                    _rows, key = after_union(core, s, flt, None, ps, mat)

                    def union_page(f: Any = flt, k: Any = key, m: bool = mat) -> list[Any]:
                        return after_union(core, s, f, k, ps, m)[0]

                    samples = measure(union_page, cfg.reps, cfg.budget_s, warmup=1)
                    same = [m.uuid for m in union_page()] == [m.uuid for m in pushed.messages]
                    out.append(Result("filter.page2", side, {**size, "filter": name}, samples,
                                      extra={"same_rows_as_pushed_down": same}).finish())
                except Exception as exc:
                    out.append(Result("filter.page2", side, {**size, "filter": name},
                                      note=f"not measured: {type(exc).__name__}: {exc}"))

        for expand in (False, True):
            ms_bytes: list[int] = []

            def exp(e: bool = expand, acc: list[int] = ms_bytes) -> None:
                page = core.page(s, limit=ps, cursor=cursors.get(max(cursors)), expand=e)
                acc.append(len(orjson.dumps(page.dump())))

            samples = measure(exp, cfg.reps, cfg.budget_s, warmup=1)
            out.append(Result("page.expand" if expand else "page.summaries", SIDE, size, samples,
                              extra={"bytes": ms_bytes[-1]}).finish())

        out.append(_stream(core, s, cfg, size))
        uuid = first.messages[min(len(first.messages) - 1, 10)].uuid
        get = core.models.MessageGetParams(session_id=s.session_id, project=s.project, uuid=uuid)
        samples = measure(lambda: core.tracer.get_message(get), cfg.reps, cfg.budget_s, warmup=1)
        out.append(Result("message.get", SIDE, size, samples).finish())

        samples = _parallel(lambda: core.page(s, limit=ps), cfg.parallel, cfg.slow_reps)
        out.append(Result("parallel.warm", SIDE, {**size, "requests": cfg.parallel}, samples)
                   .finish())

    par: list[float] = []
    parse_counts: list[int] = []
    for _ in range(max(1, min(3, cfg.slow_reps))):
        with opened(root, work) as core:
            par.extend(_parallel(lambda c=core: c.page(s, limit=ps), cfg.parallel, 1))
            parse_counts.append(core.tracer.store.full_parses)
    out.append(Result("parallel.cold", SIDE, {**size, "requests": cfg.parallel}, par,
                      extra={"parses": max(parse_counts)}).finish())
    return out


def _parallel(fn: Any, n: int, reps: int) -> list[float]:
    samples: list[float] = []
    for _ in range(reps):
        barrier = threading.Barrier(n + 1)
        errors: list[BaseException] = []

        def one(b: threading.Barrier = barrier, errs: list[BaseException] = errors) -> None:
            b.wait()
            try:
                fn()
            except BaseException as exc:
                errs.append(exc)

        threads = [threading.Thread(target=one) for _ in range(n)]
        for t in threads:
            t.start()
        barrier.wait()
        t0 = now()
        for t in threads:
            t.join()
        samples.append((now() - t0) * 1000)
        if errors:
            raise errors[0]
    return samples


def _stream(core: Core, s: SessionSpec, cfg: Config, size: dict[str, Any]) -> Result:
    firsts: list[float] = []
    totals: list[float] = []
    for _ in range(cfg.reps if not cfg.quick else 5):
        t0 = now()
        it = core.tracer.stream_pages(core.params(s, limit=500), cfg.page_size)
        next(it)
        firsts.append((now() - t0) * 1000)
        for _page in it:
            pass
        totals.append((now() - t0) * 1000)
    res = Result("stream.first_batch", SIDE, {**size, "limit": 500, "batch": cfg.page_size},
                 firsts, extra={"whole_stream_median_ms": sorted(totals)[len(totals) // 2]})
    return res.finish()


def _refresh(ds: DataSet, cfg: Config, work: Path) -> list[Result]:
    big = ds.big
    size = {"size": big.label, "mb": round(big.mb, 1)}
    out: list[Result] = []
    with opened(ds.root, work) as core:
        ms, _ = timed(lambda: core.page(big, limit=cfg.page_size))
        out.append(Result("first_page.cold", SIDE, size, [ms]).finish())
        out.append(Result("rss.big_open", SIDE, size, extra=rss_mb(),
                          note="the benchmark process itself, in-process core"))
        flt = core.models.MessageFilter(since=big.last_timestamp)
        tail = core.page(big, limit=cfg.page_size, filter=flt)
        cursor = tail.next_cursor
        samples: list[float] = []
        seen_all = True
        parses0 = core.tracer.store.full_parses
        with Appended(Path(big.path)) as app:
            for i in range(cfg.reps if not cfg.quick else 3):
                app.append(1, seed=900 + i)
                ms, page = timed(lambda c=cursor: core.page(big, limit=cfg.page_size,
                                                            filter=flt, cursor=c))
                samples.append(ms)
                seen_all = seen_all and len(page.messages) >= 1
                cursor = page.next_cursor
            # The same request with nothing appended, for comparison.
            idle = measure(lambda: core.page(big, limit=cfg.page_size, filter=flt,
                                             cursor=cursor), cfg.reps, cfg.budget_s)
        out.append(Result("refresh.append1", SIDE, size, samples, extra={
            "new_line_visible": seen_all,
            "full_reparses": core.tracer.store.full_parses - parses0,
            "same_page_unchanged_median_ms": sorted(idle)[len(idle) // 2],
        }).finish())
    return out


def _list(ds: DataSet, cfg: Config, work: Path) -> list[Result]:
    params = {"sessions": len(ds.archive), "mb": round(ds.archive_bytes / 1e6)}
    out: list[Result] = []
    cold: list[float] = []
    cache = Path(tempfile.mkdtemp(prefix="core-catalog-", dir=work))
    listed = 0
    for _ in range(max(1, min(2, cfg.slow_reps))):
        shutil.rmtree(cache, ignore_errors=True)
        with opened(ds.archive_root, work, cache=cache) as core:
            ms, listed = timed(core.list_all)
            cold.append(ms)
    out.append(Result("list.cold", SIDE, params, cold, extra={"listed": listed}).finish())
    restart: list[float] = []
    for _ in range(cfg.slow_reps):
        with opened(ds.archive_root, work, cache=cache) as core:
            ms, _n = timed(core.list_all)
            restart.append(ms)
            parses = core.tracer.catalog.total_parses
    out.append(Result("list.restart", SIDE, params, restart,
                      extra={"files_parsed": parses}).finish())
    first: list[float] = []
    for _ in range(cfg.slow_reps):
        with opened(ds.archive_root, work, cache=cache) as core:
            ms, _n = timed(lambda c=core: c.list_all(limit=100, pages=1))
            first.append(ms)
    out.append(Result("list.restart.first100", SIDE, params, first).finish())
    with opened(ds.archive_root, work, cache=cache) as core:
        core.list_all()
        samples = measure(core.list_all, cfg.reps, cfg.budget_s)
        out.append(Result("list.warm", SIDE, params, samples).finish())
        target = max(ds.archive, key=lambda a: a.last_timestamp)
        appended: list[float] = []
        with Appended(Path(target.path)) as app:
            for i in range(cfg.slow_reps):
                app.append(1, seed=700 + i)
                ms, _n = timed(core.list_all)
                appended.append(ms)
        out.append(Result("list.appended", SIDE, params, appended).finish())
    return out


def run(ds: DataSet, cfg: Config) -> list[Result]:
    work = Path(cfg.scratch) / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    out: list[Result] = []
    for s in ds.sessions:
        log(f"core: {s.label}")
        out.extend(_session(s, cfg, work))
    log("core: refresh")
    out.extend(_refresh(ds, cfg, work))
    log("core: list")
    out.extend(_list(ds, cfg, work))
    return out
