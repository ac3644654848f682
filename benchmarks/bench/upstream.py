"""Baseline (b): the upstream implementation, claude-code-tracer 0.1.4 from PyPI (FastAPI).

It is installed into its own virtual environment under the work folder, started with uvicorn on
127.0.0.1 and a free port, with HOME pointed at a folder whose ``.claude/projects`` is the
generated data, and queried through its HTTP endpoints:

- ``GET /api/sessions/{project}/{session}/messages?per_page=&page=`` (offset pages),
  ``...&cursor=`` (its keyset cursor, base64 of ``timestamp|uuid``), ``type=``, ``tool=``,
  ``error_only=`` (filters);
- ``GET /api/sessions/{project}/{session}/messages/{uuid}`` (one message);
- ``GET /api/projects`` and ``GET /api/projects/{project}/sessions`` (the session list).

Every request loop is bounded in count and in time; a listing that hits its deadline is reported
as a lower bound. The server is stopped (SIGINT, so its shutdown hook runs) after each use.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from .common import Appended, Config, Result, free_port, log, now, proc_status
from .data import DataSet, SessionSpec

SIDE = "upstream"
PACKAGE = "claude-code-tracer==0.1.4"

FILTERS: dict[str, dict[str, str]] = {
    "kind=assistant": {"type": "assistant"},
    "tool=Edit": {"tool": "Edit"},
    "errorsOnly": {"error_only": "true"},
}


class Deadline(Exception):
    pass


def ensure_venv(work: Path) -> tuple[Path, dict[str, str]]:
    """The upstream's own venv (reused when it already holds the package)."""
    venv = work / "upstream-venv"
    python = venv / "bin" / "python"
    marker = venv / ".installed"
    if not (marker.exists() and marker.read_text().strip() == PACKAGE and python.exists()):
        if venv.exists():
            shutil.rmtree(venv)
        log(f"upstream: creating {venv} and installing {PACKAGE}")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             PACKAGE],
            check=True,
        )
        marker.write_text(PACKAGE + "\n")
    out = subprocess.run(
        [str(python), "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
        check=True, capture_output=True, text=True,
    )
    versions = {
        p["name"].lower(): p["version"]
        for p in json.loads(out.stdout)
        if p["name"].lower() in {"claude-code-tracer", "fastapi", "uvicorn", "duckdb", "orjson",
                                 "pydantic", "starlette"}
    }
    return python, versions


@dataclass
class Response:
    status: int
    body: bytes
    ms: float

    def json(self) -> Any:
        return orjson.loads(self.body)


class Upstream:
    def __init__(self, python: Path, home: Path, log_path: Path, timeout: float) -> None:
        self.port = free_port()
        self.home = home
        self.timeout = timeout
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.update({"HOME": str(home), "PYTHONHASHSEED": "0"})
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        self.proc = subprocess.Popen(
            [str(python), "-m", "uvicorn", "claude_code_tracer.main:app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning", "--no-access-log"],
            env=env, cwd=str(home), stdout=self._log, stderr=self._log,
        )
        self._local = threading.local()
        t0 = now()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the upstream server exited ({self.proc.returncode})")
            try:
                if self.get("/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if now() - t0 > 60:
                raise RuntimeError("the upstream server did not start within 60 s")
            time.sleep(0.1)
        self.start_ms = (now() - t0) * 1000

    def _conn(self, timeout: float) -> http.client.HTTPConnection:
        conn: http.client.HTTPConnection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
            self._local.conn = conn
        conn.timeout = timeout
        if conn.sock is not None:
            conn.sock.settimeout(timeout)
        return conn

    def get(self, path: str, query: dict[str, Any] | None = None,
            timeout: float | None = None) -> Response:
        if query:
            path += "?" + urllib.parse.urlencode({k: v for k, v in query.items()
                                                   if v is not None})
        conn = self._conn(timeout or self.timeout)
        t0 = now()
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException):
            conn.close()
            self._local.conn = None
            raise
        return Response(resp.status, body, (now() - t0) * 1000)

    def memory(self) -> dict[str, float]:
        st = proc_status(self.proc.pid)
        return {"rss_mb": round(st.get("VmRSS", 0) / 2**20, 1),
                "peak_rss_mb": round(st.get("VmHWM", 0) / 2**20, 1)}

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self._log.close()


def messages_path(s: SessionSpec) -> str:
    return f"/api/sessions/{urllib.parse.quote(s.project)}/{s.session_id}/messages"


def encode_cursor(ts: str, uuid: str) -> str:
    """The upstream's cursor format (routers/sessions.py: base64 of ``timestamp|uuid``)."""
    return base64.urlsafe_b64encode(f"{ts}|{uuid}".encode()).decode()


class Ctx:
    def __init__(self, cfg: Config, python: Path) -> None:
        self.cfg = cfg
        self.python = python
        self.base = Path(cfg.scratch) / "upstream"
        self.logs = Path(cfg.scratch) / "logs"

    def home(self, name: str, projects: str, fresh: bool = True) -> Path:
        home = self.base / name
        if fresh and home.exists():
            shutil.rmtree(home)
        (home / ".claude").mkdir(parents=True, exist_ok=True)
        link = home / ".claude" / "projects"
        if not link.exists():
            link.symlink_to(Path(projects).resolve(), target_is_directory=True)
        return home

    @contextmanager
    def server(self, home: Path) -> Iterator[Upstream]:
        srv = Upstream(self.python, home, self.logs / "upstream-server.log",
                       self.cfg.request_timeout_s)
        try:
            yield srv
        finally:
            srv.stop()


def ok(resp: Response) -> Any:
    if resp.status != 200:
        raise RuntimeError(f"HTTP {resp.status}: {resp.body[:300]!r}")
    return resp.json()


def bounded(fn: Any, count: int, seconds: float, min_count: int = 1) -> tuple[list[float], Any]:
    samples: list[float] = []
    last: Any = None
    start = now()
    while len(samples) < count and (len(samples) < min_count or now() - start < seconds):
        last = fn()
        samples.append(last.ms)
    return samples, last


def _session(ctx: Ctx, s: SessionSpec) -> list[Result]:
    cfg = ctx.cfg
    out: list[Result] = []
    size = {"size": s.label, "mb": round(s.mb, 1)}
    ps = cfg.page_size
    path = messages_path(s)
    root = str(Path(s.path).parents[1])
    home = ctx.home("home-sessions", root)
    reps = cfg.slow_reps
    budget = cfg.budget_s

    cold: list[float] = []
    peak = 0.0
    start_ms: list[float] = []
    t0 = now()
    while len(cold) < min(3, reps) and (not cold or now() - t0 < budget):
        with ctx.server(home) as srv:
            start_ms.append(srv.start_ms)
            resp = srv.get(path, {"per_page": ps})
            ok(resp)
            cold.append(resp.ms)
            peak = max(peak, srv.memory()["peak_rss_mb"])
    out.append(Result("first_page.cold", SIDE, size, cold, extra={
        "server_start_ms": round(sorted(start_ms)[len(start_ms) // 2], 1),
        "server_peak_rss_mb": peak}).finish())

    with ctx.server(home) as srv:
        first = ok(srv.get(path, {"per_page": ps}))
        samples, _ = bounded(lambda: srv.get(path, {"per_page": ps}), reps, budget)
        out.append(Result("first_page.warm", SIDE, size, samples).finish())
        total = first.get("total") or 0
        for depth in cfg.depths:
            if (depth - 1) * ps >= total:
                continue
            samples, _ = bounded(lambda d=depth: srv.get(path, {"per_page": ps, "page": d}),
                                 reps, budget)
            out.append(Result("page.offset", SIDE, {**size, "depth": depth}, samples).finish())
            if depth == 1:
                cursor = None
            else:
                # The cursor a client holds on arriving at page `depth`: the previous page's.
                prev = ok(srv.get(path, {"per_page": ps, "page": depth - 1}))
                cursor = prev.get("next_cursor")
            samples, _ = bounded(lambda c=cursor: srv.get(path, {"per_page": ps, "cursor": c}),
                                 reps, budget)
            out.append(Result("page.cursor", SIDE, {**size, "depth": depth}, samples).finish())
        for name, flt in FILTERS.items():
            p1 = ok(srv.get(path, {"per_page": ps, **flt}))
            cur = p1.get("next_cursor")
            samples, _ = bounded(lambda f=flt, c=cur: srv.get(path, {"per_page": ps, "cursor": c,
                                                                     **f}), reps, budget)
            out.append(Result("filter.page2", SIDE, {**size, "filter": name}, samples,
                              extra={"total": p1.get("total")}).finish())
        resp = srv.get(path, {"per_page": ps, "page": 2})
        out.append(Result("page.summaries", SIDE, size, [resp.ms],
                          extra={"bytes": len(resp.body)}).finish())
        uuid = first["messages"][min(len(first["messages"]) - 1, 10)]["uuid"]
        samples, _ = bounded(lambda: srv.get(f"{path}/{uuid}"), reps, budget)
        out.append(Result("message.get", SIDE, size, samples).finish())
        out.append(Result("rss.session_open", SIDE, size, extra=srv.memory()))

    par: list[float] = []
    for _ in range(max(1, min(2, reps))):
        with ctx.server(home) as srv:
            par.append(_parallel(srv, path, {"per_page": ps}, cfg.parallel))
    out.append(Result("parallel.cold", SIDE, {**size, "requests": cfg.parallel}, par).finish())
    return out


def _parallel(srv: Upstream, path: str, query: dict[str, Any], n: int) -> float:
    barrier = threading.Barrier(n + 1)
    errors: list[BaseException] = []

    def one() -> None:
        barrier.wait()
        try:
            ok(srv.get(path, query))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(n)]
    for t in threads:
        t.start()
    barrier.wait()
    t0 = now()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return (now() - t0) * 1000


def _last_entry(path: str) -> tuple[str, str]:
    """The timestamp and uuid of the file's last conversation line (the client's end cursor)."""
    with open(path, "rb") as fh:
        fh.seek(max(0, os.path.getsize(path) - 4_000_000))
        lines = fh.read().split(b"\n")
    for raw in reversed(lines):
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(obj, dict) and obj.get("uuid") and obj.get("timestamp") and \
                obj.get("type") in ("user", "assistant"):
            return str(obj["timestamp"]), str(obj["uuid"])
    raise ValueError(f"no entry at the end of {path}")


def _big(ctx: Ctx, ds: DataSet) -> list[Result]:
    cfg = ctx.cfg
    big = ds.big
    size = {"size": big.label, "mb": round(big.mb, 1)}
    out: list[Result] = []
    home = ctx.home("home-sessions", ds.root)
    path = messages_path(big)
    with ctx.server(home) as srv:
        before = srv.memory()
        resp = srv.get(path, {"per_page": cfg.page_size})
        ok(resp)
        out.append(Result("first_page.cold", SIDE, size, [resp.ms]).finish())
        out.append(Result("rss.big_open", SIDE, size, extra={**srv.memory(),
                                                             "before_open": before}))
        samples: list[float] = []
        visible = True
        with Appended(Path(big.path)) as app:
            for i in range(max(1, min(3, cfg.slow_reps))):
                ts, uuid = _last_entry(big.path)
                app.append(1, seed=900 + i)
                resp = srv.get(path, {"per_page": cfg.page_size, "cursor": encode_cursor(ts, uuid)})
                res = ok(resp)
                samples.append(resp.ms)
                visible = visible and len(res["messages"]) >= 1
        out.append(Result("refresh.append1", SIDE, size, samples,
                          extra={"new_line_visible": visible}).finish())
    return out


def list_all(srv: Upstream, deadline_s: float) -> tuple[float, int, bool]:
    """What the upstream UI does to list sessions, for every project; stops at the deadline.

    Returns (ms, sessions listed, complete)."""
    t0 = now()
    try:
        projects = ok(srv.get("/api/projects", timeout=deadline_s))["projects"]
    except TimeoutError:
        return (now() - t0) * 1000, 0, False
    listed = 0
    for p in projects:
        left = deadline_s - (now() - t0)
        if left <= 0:
            return (now() - t0) * 1000, listed, False
        try:
            res = ok(srv.get(f"/api/projects/{urllib.parse.quote(p['path_hash'])}/sessions",
                             timeout=left))
        except TimeoutError:
            return (now() - t0) * 1000, listed, False
        listed += len(res["sessions"])
    return (now() - t0) * 1000, listed, True


def _list_result(name: str, params: dict[str, Any], runs: list[tuple[float, int, bool]],
                 total: int) -> Result:
    samples = [ms for ms, _, _ in runs]
    complete = all(c for _, _, c in runs)
    listed = min(n for _, n, _ in runs)
    extra: dict[str, Any] = {"listed": listed}
    note = None
    if not complete and listed:
        projected = max(samples) * total / listed / 1000
        extra["projected_s"] = round(projected, 1)
        note = f"stopped at the deadline after {listed} of {total} sessions"
    elif not complete:
        note = f"stopped at the deadline before any of the {total} sessions was listed"
    res = Result(name, SIDE, params, samples, extra=extra, note=note, lower_bound=not complete)
    return res.finish()


def _archive(ctx: Ctx, ds: DataSet) -> list[Result]:
    cfg = ctx.cfg
    params = {"sessions": len(ds.archive), "mb": round(ds.archive_bytes / 1e6)}
    total = len(ds.archive)
    deadline = cfg.list_deadline_s
    out: list[Result] = []
    home = ctx.home("home-archive", ds.archive_root)
    with ctx.server(home) as srv:
        cold = list_all(srv, deadline)
        out.append(_list_result("list.cold", params, [cold], total))
        if cold[2]:
            # Warm and after an append, on the same server (its LRU holds 500 summaries).
            warm = list_all(srv, deadline)
            out.append(_list_result("list.warm", params, [warm], total))
            target = max(ds.archive, key=lambda a: a.last_timestamp)
            with Appended(Path(target.path)) as app:
                app.append(1, seed=700)
                appended = list_all(srv, deadline)
            out.append(_list_result("list.appended", params, [appended], total))
        else:
            why = ("not measured: the cold listing did not finish within the deadline and the "
                   "server is still working on it (and its LRU of 500 session summaries cannot "
                   "hold the archive, so a second listing recomputes most of it)")
            out += [Result("list.warm", SIDE, params, note=why),
                    Result("list.appended", SIDE, params, note=why)]
    home = ctx.home("home-archive", ds.archive_root, fresh=False)
    with ctx.server(home) as srv:
        restart = list_all(srv, deadline)
        out.append(_list_result("list.restart", params, [restart], total))

    largest = sorted(ds.archive, key=lambda a: -a.bytes)
    with ctx.server(ctx.home("home-archive-rss", ds.archive_root)) as srv:
        opened = 0
        base = srv.memory()
        t0 = now()
        for n in sorted(cfg.rss_sessions):
            for a in largest[opened:n]:
                ok(srv.get(messages_path(a), {"per_page": cfg.page_size}))
            opened = n
            mb = sum(a.bytes for a in largest[:n]) / 1e6
            out.append(Result("rss.sessions_open", SIDE, {"sessions": n, "mb": round(mb, 1)},
                              extra={**srv.memory(), "rss_mb_before": base["rss_mb"]}))
            if now() - t0 > deadline:
                break
    return out


def run(ds: DataSet, cfg: Config) -> list[Result]:
    python, versions = ensure_venv(Path(cfg.work))
    ctx = Ctx(cfg, python)
    out: list[Result] = [Result("upstream.versions", SIDE, {}, extra=versions)]
    for s in ds.sessions:
        log(f"upstream: {s.label}")
        try:
            out.extend(_session(ctx, s))
        except Exception as exc:
            out.append(Result("error", SIDE, {"size": s.label}, note=f"{type(exc).__name__}: "
                              f"{exc}"))
    log("upstream: 100 MB session")
    try:
        out.extend(_big(ctx, ds))
    except Exception as exc:
        out.append(Result("error", SIDE, {"size": ds.big.label}, note=f"{type(exc).__name__}: "
                          f"{exc}"))
    log("upstream: archive")
    try:
        out.extend(_archive(ctx, ds))
    except Exception as exc:
        out.append(Result("error", SIDE, {"archive": len(ds.archive)},
                          note=f"{type(exc).__name__}: {exc}"))
    return out
