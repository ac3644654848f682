"""RESULTS.md and RESULTS.json: the machine, the date, the commit, every scenario, the targets."""

from __future__ import annotations

import os
import platform
import subprocess
import time
from pathlib import Path
from typing import Any

from .common import REPO, Config, write_json
from .data import DataSet

# The sides in the order of the table's columns.
COLUMNS = (("floor", "floor"), ("naive", "naive"), ("upstream", "upstream 0.1.4"),
           ("core", "core (in-process)"), ("lsp", "LSP (stdio)"))
FILTERS = ("kind=assistant", "tool=Edit", "errorsOnly")


# -- metadata ------------------------------------------------------------------------------------
def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _mem_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return 0.0


def tree_state() -> dict[str, Any]:
    """The commit and whether the measured code (server/, benchmarks/) has uncommitted changes."""
    dirty = _git("status", "--porcelain", "--", "server", "benchmarks", "pyproject.toml")
    return {
        "commit": _git("rev-parse", "--short=12", "HEAD") or "?",
        "commit_subject": _git("log", "-1", "--format=%s"),
        "dirty": bool(dirty),
        "dirty_files": dirty.splitlines()[:20],
    }


def meta(args_line: str, started: float, seconds: float, cfg: Config,
         at_start: dict[str, Any]) -> dict[str, Any]:
    """``at_start`` is ``tree_state()`` taken when the run began: the code that was measured."""
    import duckdb
    import orjson

    at_end = tree_state()
    try:
        import pygls

        pygls_version = getattr(pygls, "__version__", "")
    except ImportError:
        pygls_version = ""
    if not pygls_version:
        try:
            from importlib.metadata import version

            pygls_version = version("pygls")
        except Exception:
            pygls_version = "?"
    return {
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        **at_start,
        # Other developers commit to the same tree: a change during the run is reported.
        "changed_during_run": at_end["commit"] != at_start["commit"]
        or at_end["dirty_files"] != at_start["dirty_files"],
        "commit_at_end": at_end["commit"],
        "machine": {
            "cpu": _cpu(),
            "cores": os.cpu_count(),
            "memory_gb": _mem_gb(),
            "os": platform.platform(),
            "python": platform.python_version(),
            "duckdb": duckdb.__version__,
            "orjson": orjson.__version__,
            "pygls": pygls_version,
        },
        "command": args_line,
        "duration_s": seconds,
        "config": {k: v for k, v in vars(cfg).items() if k not in ("work", "scratch")},
    }


# -- lookups -------------------------------------------------------------------------------------
class Index:
    def __init__(self, runs: list[dict[str, Any]]) -> None:
        self.rows: list[dict[str, Any]] = [r for run in runs for r in run.get("results", [])]

    def find(self, scenario: str, side: str, **params: Any) -> dict[str, Any] | None:
        for r in self.rows:
            if r["scenario"] != scenario or r["side"] != side:
                continue
            if all(r["params"].get(k) == v for k, v in params.items()):
                return r
        return None

    def median(self, scenario: str, side: str, **params: Any) -> float | None:
        r = self.find(scenario, side, **params)
        if r is None or not r.get("stats"):
            return None
        return float(r["stats"]["median_ms"])


def fmt_ms(x: float | None) -> str:
    if x is None:
        return "-"
    if x >= 10_000:
        return f"{x / 1000:.1f} s"
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def cell(r: dict[str, Any] | None) -> str:
    if r is None:
        return "-"
    st = r.get("stats")
    if not st:
        return "n/a" if r.get("note") else "-"
    ge = "≥ " if r.get("lower_bound") else ""
    if st["n"] == 1:
        return f"{ge}{fmt_ms(st['median_ms'])}"
    return f"{ge}{fmt_ms(st['median_ms'])} / {fmt_ms(st['p95_ms'])}"


def cell_ms(r: dict[str, Any] | None) -> str:
    text = cell(r)
    return text if text.endswith(" s") or text == "-" else text + " ms"


def ratio(base: dict[str, Any] | None, ours: dict[str, Any] | None) -> str:
    if not base or not ours or not base.get("stats") or not ours.get("stats"):
        return "-"
    b, o = base["stats"]["median_ms"], ours["stats"]["median_ms"]
    if o <= 0:
        return "-"
    x = b / o
    ge = "≥ " if base.get("lower_bound") else ""
    if x >= 100:
        return f"{ge}{x:,.0f}x"
    if x >= 10:
        return f"{ge}{x:.0f}x"
    return f"{ge}{x:.1f}x"


def num(x: Any) -> str:
    return f"{x:,}" if isinstance(x, int) else str(x)


def mb(x: Any) -> str:
    return "-" if x is None else f"{float(x):.0f} MB"


# -- targets -------------------------------------------------------------------------------------
def targets(ix: Index, ds: DataSet) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []

    def add(name: str, measured: str, baseline: str, met: bool | None, why: str = "") -> None:
        out.append({"target": name, "measured": measured, "baseline": baseline,
                    "met": met, "note": why})

    # 1. A page at any depth, warm: <= 5 ms p50 at the server; >= 100x the upstream cursor page.
    lsp_pages = [r for r in ix.rows if r["scenario"] == "page.cursor" and r["side"] == "lsp"
                 and r.get("stats")]
    core_pages = [r for r in ix.rows if r["scenario"] == "page.cursor" and r["side"] == "core"
                  and r.get("stats")]
    if lsp_pages:
        worst = max(lsp_pages, key=lambda r: r["stats"]["median_ms"])
        w = worst["stats"]["median_ms"]
        core_w = max((r["stats"]["median_ms"] for r in core_pages), default=None)
        add("A page at any depth, warm: ≤ 5 ms p50",
            f"LSP {fmt_ms(w)} ms p50 at worst ({worst['params']['size']}, page "
            f"{worst['params']['depth']}; client-side over stdio); core in-process "
            f"{fmt_ms(core_w)} ms at worst",
            "", w <= 5.0)
        ratios = []
        for r in lsp_pages:
            up = ix.find("page.cursor", "upstream", size=r["params"]["size"],
                         depth=r["params"]["depth"])
            if up and up.get("stats"):
                ratios.append((up["stats"]["median_ms"] / r["stats"]["median_ms"], r, up))
        # Judged on sessions of the sizes the issue is about (its reference is 29 MB).
        judged = [t for t in ratios if t[1]["params"].get("mb", 0) >= 25]
        small = [t for t in ratios if t[1]["params"].get("mb", 0) < 25]

        def say(t: tuple[float, dict[str, Any], dict[str, Any]]) -> str:
            x, r, up = t
            return (f"{x:,.0f}x ({r['params']['size']}, page {r['params']['depth']}: "
                    f"{fmt_ms(r['stats']['median_ms'])} ms vs "
                    f"{fmt_ms(up['stats']['median_ms'])} ms)")

        if judged:
            worst = min(judged, key=lambda t: t[0])
            note = ""
            if small:
                note = "judged on sessions of 25 MB and more; on smaller ones at least " + \
                    say(min(small, key=lambda t: t[0]))
            add("… and ≥ 100x faster than the upstream cursor page",
                "at least " + say(worst), "upstream cursor page", worst[0] >= 100, note)
        elif small:
            add("… and ≥ 100x faster than the upstream cursor page",
                "at least " + say(min(small, key=lambda t: t[0])), "upstream cursor page",
                None, "no session of 25 MB or more: not judged")

    # 2. First page of a 30 MB session, cold: <= 300 ms and within 5x of an orjson parse.
    sessions = [*ds.sessions, ds.big]
    s30 = min(sessions, key=lambda s: abs(s.mb - 30))
    cold = ix.find("first_page.cold", "lsp", size=s30.label)
    floor = ix.find("floor.parse", "floor", size=s30.label)
    if cold and cold.get("stats"):
        c = cold["stats"]["median_ms"]
        f = floor["stats"]["median_ms"] if floor and floor.get("stats") else None
        within = f is not None and c <= 5 * f
        add(f"First page of a 30 MB session, cold: ≤ 300 ms, within 5x of an orjson parse "
            f"(the {s30.label} session, {s30.mb:.0f} MB)",
            f"LSP {fmt_ms(c)} ms p50"
            + (f" = {c / f:.1f}x the orjson parse ({fmt_ms(f)} ms)" if f else ""),
            f"upstream {cell_ms(ix.find('first_page.cold', 'upstream', size=s30.label))}",
            c <= 300 and within)

    # 3. sessions/list of 2,000 sessions after a restart: <= 100 ms.
    lr = ix.find("list.restart", "lsp")
    if lr and lr.get("stats"):
        v = lr["stats"]["median_ms"]
        n = lr["params"].get("sessions")
        add(f"`sessions/list` of 2,000 sessions after a restart: ≤ 100 ms ({n} sessions here)",
            f"LSP {fmt_ms(v)} ms p50 (every page of 1,000)",
            f"upstream {cell_ms(ix.find('list.restart', 'upstream'))}",
            v <= 100 if n and n >= 2000 else None,
            "" if n and n >= 2000 else "archive smaller than 2,000 sessions: not judged")

    # 4. One line appended to a 100 MB session: visible on the next page within 20 ms.
    ra = ix.find("refresh.append1", "lsp")
    if ra and ra.get("stats"):
        v = ra["stats"]["median_ms"]
        vis = bool(ra.get("extra", {}).get("new_line_visible"))
        add(f"One line appended to a 100 MB session: visible on the next page within 20 ms "
            f"({ra['params']['size']} here)",
            f"LSP {fmt_ms(v)} ms p50, the new line {'seen' if vis else 'NOT seen'} every time",
            f"upstream {cell_ms(ix.find('refresh.append1', 'upstream'))}",
            v <= 20 and vis if ds.big.mb >= 90 else None,
            "" if ds.big.mb >= 90 else "session smaller than 100 MB: not judged")

    # 5. Server RSS <= 250 MB with a 100 MB session open.
    rb = ix.find("rss.big_open", "lsp")
    if rb:
        peak = rb["extra"].get("peak_rss_mb", 0)
        up = ix.find("rss.big_open", "upstream")
        add(f"Server RSS ≤ 250 MB with a 100 MB session open ({rb['params']['size']} here)",
            f"LSP server peak {mb(peak)} (now {mb(rb['extra'].get('rss_mb'))})",
            f"upstream server peak {mb(up['extra'].get('peak_rss_mb')) if up else '-'}",
            peak <= 250 if ds.big.mb >= 90 else None,
            "" if ds.big.mb >= 90 else "session smaller than 100 MB: not judged")
    return out


# -- markdown ------------------------------------------------------------------------------------
def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def _session_rows(ix: Index, label: str, depths: list[int]) -> list[list[str]]:
    rows: list[list[str]] = []

    def row(title: str, scenario: str, ours_scenario: str | None = None, **params: Any) -> None:
        cells = {side: ix.find(scenario, side, size=label, **params) for side, _ in COLUMNS}
        if not any(cells.values()):
            return
        ours = ix.find(ours_scenario or scenario, "lsp", size=label, **params) or \
            ix.find(ours_scenario or scenario, "core", size=label, **params)
        rows.append([title, *[cell(cells[side]) for side, _ in COLUMNS],
                     ratio(cells["naive"], ours), ratio(cells["upstream"], ours)])

    row("First page, cold", "first_page.cold")
    row("First page, warm", "first_page.warm")
    for d in depths:
        row(f"Page {d:,} by cursor, warm", "page.cursor", depth=d)
    for d in depths:
        row(f"Page {d:,} by offset ¹", "page.offset", ours_scenario="page.cursor", depth=d)
    row("10 parallel first pages, cold (wall)", "parallel.cold")
    row("10 parallel first pages, warm (wall)", "parallel.warm")
    par = ix.find("parallel.cold", "core", size=label)
    if par and "parses" in par.get("extra", {}):
        rows.append([f"(parses for the 10 parallel cold requests, core: "
                     f"{par['extra']['parses']})", *["" for _ in COLUMNS], "", ""])
    for f in FILTERS:
        row(f"Filtered page 2, {f} (pushed down)", "filter.page2", filter=f)
    row("One message (`messages/get`), warm", "message.get")
    row("Stream (limit 500): first batch of 50, warm", "stream.first_batch")
    row("Stream (limit 500): first batch of 50, cold", "stream.first_batch.cold")
    return rows


def markdown(meta_: dict[str, Any], ds: DataSet, runs: list[dict[str, Any]],
             tg: list[dict[str, Any]]) -> str:
    ix = Index(runs)
    m = meta_["machine"]
    cfg = meta_["config"]
    L: list[str] = ["# Benchmark results", ""]
    L.append(f"- **Date**: {meta_['date']}; the whole run took {meta_['duration_s'] / 60:.1f} min")
    dirty = " (with uncommitted changes in server/ or benchmarks/)" if meta_["dirty"] else ""
    L.append(f"- **Commit**: `{meta_['commit']}` {meta_['commit_subject']}{dirty}")
    if meta_.get("changed_during_run"):
        L.append(f"- **Warning**: the tree changed during the run (HEAD at the end: "
                 f"`{meta_['commit_at_end']}`); sides measured late may have run newer code")
    L.append(f"- **Machine**: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; {m['os']}; "
             f"Python {m['python']}, DuckDB {m['duckdb']}, orjson {m['orjson']}, "
             f"pygls {m['pygls']}")
    L.append(f"- **Command**: `{meta_['command']}`")
    up = ix.find("upstream.versions", "upstream")
    if up:
        L.append("- **Upstream**: " + ", ".join(f"{k} {v}" for k, v in sorted(
            up["extra"].items())) + " (installed from PyPI into its own venv)")
    L.append(f"- **Repetitions**: up to {cfg['reps']} for warm requests, {cfg['slow_reps']} for "
             f"cold or reparsing ones, {cfg['budget_s']:g} s per scenario and side; pages of "
             f"{cfg['page_size']}")
    L.append("")
    L.append("Cells are **p50 / p95 in milliseconds** (p95 by nearest rank; with fewer than 20 "
             "samples it is the slowest one; a single number is a single run); `s` marks "
             "seconds; `≥` marks a run stopped at its deadline. Ratios are a baseline's p50 "
             "over ours (LSP, else core), measured in this run.")
    L.append("")
    L.append("## Data")
    L.append("")
    rows = [[s.label, f"{s.messages:,}", f"{s.mb:.1f}", str(s.subagents)]
            for s in [*ds.sessions, ds.big]]
    L += _table(["session", "message lines", "MB", "subagent files"], rows)
    L.append("")
    L.append(f"Archive: {len(ds.archive):,} sessions in "
             f"{len({a.project for a in ds.archive})} projects, {ds.archive_bytes / 1e6:,.0f} MB "
             "(main files). Generated with `tests.synthetic` (seeded); 3 malformed "
             "lines per sized session.")
    L.append("")

    L.append("## Targets (issue 6)")
    L.append("")
    trows = []
    for t in tg:
        verdict = "not judged" if t["met"] is None else ("**met**" if t["met"] else "**MISSED**")
        note = f" ({t['note']})" if t["note"] else ""
        trows.append([t["target"], t["measured"], t["baseline"] or "-", verdict + note])
    L += _table(["target", "measured", "baseline, same run", "verdict"], trows)
    L.append("")

    depths = cfg["depths"]
    for s in ds.sessions:
        fr = ix.find("floor.read", "floor", size=s.label)
        fp = ix.find("floor.parse", "floor", size=s.label)
        L.append(f"## Session of {s.label} messages ({s.mb:.1f} MB)")
        L.append("")
        L.append(f"Floor: reading the file {cell(fr)} ms; parsing every line with orjson "
                 f"{cell(fp)} ms.")
        cold = ix.find("first_page.cold", "lsp", size=s.label)
        if cold and fp and cold.get("stats") and fp.get("stats"):
            x = cold["stats"]["median_ms"] / fp["stats"]["median_ms"]
            L[-1] += f" The LSP's cold first page is {x:.1f}x the orjson parse."
        L.append("")
        L += _table(["scenario", *[name for _, name in COLUMNS], "vs naive", "vs upstream"],
                    _session_rows(ix, s.label, depths))
        L.append("")
        frows = []
        for f in FILTERS:
            pushed = ix.find("filter.page2", "core", size=s.label, filter=f)
            union = ix.find("filter.page2", "core-after-union", size=s.label, filter=f)
            mat = ix.find("filter.page2", "core-after-materialized-union", size=s.label, filter=f)
            same = [(r or {}).get("extra", {}).get("same_rows_as_pushed_down")
                    for r in (union, mat)]
            frows.append([f, cell(pushed), cell(union), ratio(union, pushed), cell(mat),
                          ratio(mat, pushed),
                          "-" if None in same else ("yes" if all(same) else "NO"),
                          num((pushed or {}).get("extra", {}).get("total", "-"))])
        L.append("Filters pushed down into each kind's CTE (with its own top-N) against the same "
                 "filter after the union of every kind table: the core's "
                 "`after_union_page_query` (DuckDB may still push the filter into the union's "
                 "branches, but every kind is scanned and there is no per-kind top-N), and the "
                 "same query over a `MATERIALIZED` union (the filter really runs after it). "
                 "Core in-process, same tables, page 2 by cursor:")
        L.append("")
        L += _table(["filter", "pushed down", "after the union", "ratio",
                     "after a materialized union", "ratio", "same rows", "matching rows"], frows)
        L.append("")
        summ = ix.find("page.summaries", "lsp", size=s.label)
        exp = ix.find("page.expand", "lsp", size=s.label)
        ups = ix.find("page.summaries", "upstream", size=s.label)
        nv = ix.find("page.bytes", "naive", size=s.label)
        if summ and exp:
            sb, eb = summ["extra"]["bytes"], exp["extra"]["bytes"]
            L.append(f"Bytes on the wire for one page of {cfg['page_size']} (LSP): summaries "
                     f"{sb:,} B in {cell(summ)} ms, `expand` {eb:,} B in {cell(exp)} ms "
                     f"({eb / max(1, sb):.1f}x the bytes). Upstream page (its own summaries): "
                     f"{num((ups or {}).get('extra', {}).get('bytes', '-'))} B; naive page "
                     f"(previews): {num((nv or {}).get('extra', {}).get('summary_bytes', '-'))} B.")
            L.append("")
    L.append("¹ Offset rows compare the baselines' page by OFFSET with our page by cursor at the "
             "same depth (the project has no offset paging).")
    L.append("")

    L.append(f"## Session list: archive of {len(ds.archive):,} sessions")
    L.append("")
    lrows = []
    titles = {"list.cold": "cold (no catalog)", "list.restart": "after a restart",
              "list.restart.first100": "after a restart, first page of 100 only",
              "list.warm": "warm, nothing changed", "list.appended": "after one appended line"}
    for sc, title in titles.items():
        cells = {side: ix.find(sc, side) for side, _ in COLUMNS}
        ours = cells["lsp"] or cells["core"]
        lrows.append([title, *[cell(cells[side]) for side, _ in COLUMNS],
                      ratio(cells["naive"], ours), ratio(cells["upstream"], ours)])
    L += _table(["sessions/list", *[name for _, name in COLUMNS], "vs naive", "vs upstream"],
                lrows)
    L.append("")
    L.append("Every page of 1,000 is requested (project: `sessions/list`; upstream: "
             "`/api/projects` then `/api/projects/{p}/sessions` for each project; naive: one "
             "`read_json_auto` over every file grouped by file; floor: cold = orjson parse of "
             "every file, restart = a `stat` per file).")
    notes = [r for r in ix.rows if r["scenario"].startswith("list.") and r.get("note")]
    for r in notes:
        extra = r.get("extra", {})
        proj = f"; projected {extra['projected_s']} s for all" if "projected_s" in extra else ""
        L.append(f"- {r['side']} {r['scenario']}: {r['note']}{proj}")
    L.append("")

    big = ds.big
    L.append(f"## Refresh after one appended line: the {big.label} session ({big.mb:.0f} MB)")
    L.append("")
    rrows = []
    for side, name in COLUMNS:
        r = ix.find("refresh.append1", side)
        if not r:
            continue
        extra = r.get("extra", {})
        vis = extra.get("new_line_visible")
        idle = extra.get("same_page_unchanged_median_ms")
        rrows.append([name, cell(r), "-" if vis is None else ("yes" if vis else "NO"),
                      fmt_ms(idle) if idle is not None else "-", r.get("note") or ""])
    L += _table(["side", "next page after the append", "new line on it",
                 "same request, nothing appended", "note"], rrows)
    L.append("")
    L.append("The line is appended by `append_lines`, then the client asks for the page after "
             "its last cursor (filter `since` = the session's last timestamp, so the tail is a "
             "short page); the time is that request's. The file is restored afterwards.")
    L.append("")

    L.append("## Memory")
    L.append("")
    mrows = []
    for side in ("lsp", "upstream"):
        r = ix.find("rss.big_open", side)
        if r:
            e = r["extra"]
            mrows.append([f"{side} server, the {r['params']['size']} session open",
                          mb(e.get("rss_mb")), mb(e.get("peak_rss_mb")),
                          mb(e.get("before_open", {}).get("rss_mb"))])
    for side in ("lsp", "upstream"):
        for n in cfg["rss_sessions"]:
            r = ix.find("rss.sessions_open", side, sessions=n)
            if r:
                e = r["extra"]
                mrows.append([f"{side} server, {n} archive sessions open "
                              f"({r['params']['mb']} MB)", mb(e.get("rss_mb")),
                              mb(e.get("peak_rss_mb")), mb(e.get("rss_mb_before"))])
    for s in ds.sessions:
        for side in ("lsp", "upstream"):
            r = ix.find("first_page.cold", side, size=s.label)
            if r and r.get("extra", {}).get("server_peak_rss_mb"):
                mrows.append([f"{side} server, first page of the {s.label} session",
                              "-", mb(r["extra"]["server_peak_rss_mb"]), "-"])
    L += _table(["process", "RSS", "peak RSS", "RSS before"], mrows)
    L.append("")
    ttl = ix.find("rss.after_ttl", "lsp")
    if ttl:
        e = ttl["extra"]
        L.append(f"Memory after the TTL (LSP server, `sessionTtlSeconds` = "
                 f"{ttl['params']['ttl_s']:g}, the {ttl['params']['size']} session): idle "
                 f"{mb(e['rss_mb_idle'])}, with the session open {mb(e['rss_mb_open'])}, "
                 f"{e['waited_s']} s later (past the TTL and a sweep) {mb(e['rss_mb_after_ttl'])}, "
                 f"and a sweep later still {mb(e['rss_mb_later'])}.")
        L.append("")
    prow = []
    for run in runs:
        p = run.get("process", {})
        other = run.get("other_cpu")
        prow.append([run["side"], f"{run.get('wall_seconds', run.get('seconds', 0)):.0f} s",
                     mb(p.get("peak_rss_mb")) if p else "-",
                     f"{100 * other:.0f}%" if other is not None else "-",
                     "failed" if run.get("failed") else ""])
    L.append("Each side ran in its own process (servers in theirs). The machine is shared: the "
             "last column is the share of its CPU (all cores) that other processes used while "
             "the side ran.")
    L.append("")
    L += _table(["side", "wall time", "peak RSS of the side's process",
                 "CPU used by others", ""], prow)
    L.append("")
    errors = [r for r in ix.rows if r["scenario"] == "error" or
              (r.get("note") and str(r["note"]).startswith("not measured"))]
    if errors:
        L.append("## Errors")
        L.append("")
        for r in errors:
            L.append(f"- {r['side']} {r['scenario']} {r['params']}: {r['note']}")
        L.append("")
    from . import archive, mcp, search  # the sides' own sections (issues #12, #14, #20)

    L += search.section(ix)
    L += archive.section(ix)
    L += mcp.section(ix)
    L.append("## How each side is measured")
    L.append("")
    L.append("- **floor**: `read()` of the whole file, and `orjson.loads` of every line; the "
             "page cache is warm for every side alike.")
    L.append("- **naive**: DuckDB `read_json_auto` over the file on every request, "
             "`ROW_NUMBER() OVER (ORDER BY timestamp, uuid)` with `rn > offset`, and a "
             "`COUNT(*)` on every request; previews made in Python from the 50 rows.")
    L.append("- **upstream 0.1.4**: its FastAPI server (uvicorn, 127.0.0.1), `HOME` pointed at a "
             "folder whose `.claude/projects` is the generated data; HTTP/1.1 keep-alive from a "
             "client in another process; cold = the first request after the server started.")
    L.append("- **core**: `claude_code_tracer.tracer.Tracer` called in-process; cold = a new "
             "Tracer (new DuckDB database) per repetition; warm = once the session is wholly "
             "parsed (a session of 16 MB or more answers its cold first page from its head and "
             "parses the rest on a thread; warm pages are measured after that parse, the LSP "
             "side waiting on `session/metrics`).")
    L.append("- **LSP**: `python -m claude_code_tracer serve` over stdio, driven by a small "
             "JSON-RPC client (benchmarks/bench/lspclient.py); times from the request written "
             "to the response read, so they include the JSON-RPC framing and pydantic "
             "serialisation; memory from the server's `/proc/<pid>/status`.")
    L.append("")
    return "\n".join(L)


def write(out: Path, meta_: dict[str, Any], ds: DataSet, runs: list[dict[str, Any]]) -> None:
    ix = Index(runs)
    tg = targets(ix, ds)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(markdown(meta_, ds, runs, tg))
    dataset = ds.to_json()
    dataset["archive"] = {"sessions": len(ds.archive), "bytes": ds.archive_bytes,
                          "projects": len({a.project for a in ds.archive})}
    write_json(out.with_suffix(".json"), {
        "meta": meta_, "dataset": dataset, "targets": tg,
        "sides": [{k: v for k, v in r.items() if k != "results"} for r in runs],
        "results": ix.rows,
    })
