"""The MCP face (issue #20), measured through ``claude-code-tracer mcp`` over stdio with the SDK's
own client, beside the same call made in-process and by the CLI:

- ``search`` on the archive once indexed (the default page of 10 hits, rendered and masked);
- ``read_session`` around a uuid 90% of the way into the biggest sized session, warm;
- the first ``read_session`` of the big session on a fresh server (it answers from the head of a
  session over the head-first threshold, as ``messages/page`` does);
- the MCP overhead per call. Each repetition makes the same request three ways in turn: the core
  call in this process (``Tracer.search`` / ``Tracer.window``), the tool's function in this
  process (the core call, rendered, quoted and masked), and the call through the server; the
  overhead is the median of the per-repetition differences (server minus core), so that load
  that comes and goes on a shared machine falls on both sides of each difference. A ``ping``
  round trip (the transport alone) and the SDK client's own check of each result against its
  output schema (client-side ``jsonschema``) are reported beside it.

Run by ``run.py`` as its ``mcp`` side, and on its own at full size by ``benchmarks/mcpspeed.py``.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import Budget, Config, Result, child_env, log, now, timed, titled_section
from .data import DataSet, SessionSpec

SIDE = "mcp"
WORD = "error"


def trunk_uuid_near_end(path: Path) -> str:
    """A message uuid about 90% of the way into a session file."""
    uuids = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if isinstance(e, dict) and isinstance(e.get("uuid"), str) and not e.get("isSidechain"):
                if e.get("type") in ("user", "assistant"):
                    uuids.append(e["uuid"])
    return uuids[int(len(uuids) * 0.9)]


def p50(samples: list[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


@asynccontextmanager
async def serve(root: Path, cache: Path) -> AsyncIterator[Any]:
    """A ``claude-code-tracer mcp`` process on ``root``, with an SDK client whose check of each
    result against its output schema is on only while ``session.checking`` is set."""
    import mcp_types as types

    from mcp import ClientSession, StdioServerParameters, stdio_client

    class Client(ClientSession):
        checking = False

        async def validate_tool_result(self, name: str, result: types.CallToolResult) -> None:
            if self.checking:
                await super().validate_tool_result(name, result)

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "claude_code_tracer", "mcp", "--root", str(root), "--cache-dir", str(cache)],
        env=child_env({"CLAUDE_CONFIG_DIR": str(cache / "no-claude")}),
    )
    async with stdio_client(params) as (read, write):
        async with Client(read, write, read_timeout_seconds=1800) as session:
            await session.initialize()
            await session.list_tools()
            yield session


async def call(session: Any, tool: str, args: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    """(milliseconds, structured content) of one call through the server; an error stops."""
    t0 = now()
    result = await session.call_tool(tool, args)
    ms = (now() - t0) * 1000
    assert not result.is_error, result.content[0].text if result.content else ""
    return ms, result.structured_content or {}


async def paired(
    session: Any,
    tool: str,
    args: dict[str, Any],
    core: Callable[[], Any],
    in_process: Callable[[], Any],
    reps: int,
    budget_s: float,
) -> dict[str, list[float]]:
    """The same request three ways per repetition (see the module's docstring); then the server
    call again with the client's schema check on, and ``ping``."""
    out: dict[str, list[float]] = {"core": [], "tool": [], "mcp": [], "diff": [], "render": []}
    for fn in (core, in_process):  # warm both in-process paths
        fn()
    await call(session, tool, args)
    for _ in Budget(reps, budget_s, min_count=10):
        c = timed(core)[0]
        t = timed(in_process)[0]
        m, _ = await call(session, tool, args)
        out["core"].append(c)
        out["tool"].append(t)
        out["mcp"].append(m)
        out["diff"].append(m - c)
        out["render"].append(t - c)
    session.checking = True
    out["checked"] = [(await call(session, tool, args))[0] for _ in range(min(reps, 30))]
    session.checking = False
    pings = []
    for _ in range(min(reps, 100)):
        t0 = now()
        await session.send_ping()
        pings.append((now() - t0) * 1000)
    out["ping"] = pings
    return out


def cli_search(root: Path, cache: Path, reps: int) -> list[float]:
    """``claude-code-tracer search`` as a person runs it: one process per query (its start
    included), on the in-process tracer's cache (the index already built)."""
    cmd = [sys.executable, "-m", "claude_code_tracer", "search", "--root", str(root),
           "--cache-dir", str(cache), "--all-projects", "--limit", "10", "--json",
           WORD]  # fmt: skip
    env = child_env({"CLAUDE_CONFIG_DIR": str(cache / "no-claude")})
    out = []
    for _ in range(reps):
        t0 = now()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        out.append((now() - t0) * 1000)
    return out


@dataclass
class Plan:
    archive_root: Path
    archive_sessions: int
    archive_bytes: int
    sized_root: Path
    deep_session: str
    deep_project: str
    deep_path: Path
    deep_messages: int
    big_root: Path
    big_session: str
    big_mb: float
    reps: int
    budget_s: float
    big_rounds: int
    cli_reps: int
    work: Path


async def _measure(plan: Plan) -> dict[str, Any]:
    from claude_code_tracer.mcpserver import params as p
    from claude_code_tracer.mcpserver import tools
    from claude_code_tracer.models import SearchParams
    from claude_code_tracer.tracer import Tracer, TracerOptions

    work = plan.work
    got: dict[str, Any] = {}
    ctx = tools.ToolContext()

    # search on the archive: the server builds its index on the first call
    log("mcp: search on the archive (the first call builds the index)")
    search_args = {"query": WORD, "limit": 10}
    async with serve(plan.archive_root, work / "server-archive") as session:
        t0 = now()
        ms, first = await call(session, "search", search_args)
        while first.get("indexing"):
            ms, first = await call(session, "search", search_args)
        got["search_build_s"] = now() - t0
        tracer = Tracer(
            TracerOptions(projects_roots=[plan.archive_root], cache_dir=work / "core-archive")
        )
        try:
            while tracer.search(SearchParams(query=WORD, limit=10)).indexing:
                pass
            targs = p.SearchArgs(query=WORD, limit=10)
            log(f"mcp: {plan.reps} paired searches")
            got["search"] = await paired(
                session, "search", search_args,
                lambda: tracer.search(targs.core(SearchParams)),
                lambda: tools.search(tracer, targs, ctx),
                plan.reps, plan.budget_s,
            )  # fmt: skip
        finally:
            tracer.close()
    if plan.cli_reps:
        log("mcp: the CLI's search, one process per query")
        got["search"]["cli"] = cli_search(plan.archive_root, work / "core-archive", plan.cli_reps)

    # read_session around a deep uuid of the biggest sized session
    anchor = trunk_uuid_near_end(plan.deep_path)
    around_args = {"sessionId": plan.deep_session, "project": plan.deep_project,
                   "around": anchor, "before": 5, "limit": 20}  # fmt: skip
    log(f"mcp: read_session around a deep uuid of the {plan.deep_messages}-message session")
    async with serve(plan.sized_root, work / "server-sized") as session:
        got["around_cold_ms"], _ = await call(session, "read_session", around_args)
        tracer = Tracer(
            TracerOptions(projects_roots=[plan.sized_root], cache_dir=work / "core-sized")
        )
        try:
            rargs = p.ReadSessionArgs.model_validate(around_args)
            window = rargs.window()
            got["around"] = await paired(
                session, "read_session", around_args,
                lambda: tracer.window(window),
                lambda: tools.read_session(tracer, rargs, ctx),
                plan.reps, plan.budget_s,
            )  # fmt: skip
        finally:
            tracer.close()

    # the first read_session of the big session, each round on a fresh server and cache
    log(f"mcp: the first read_session of the {plan.big_mb:.0f} MB session, {plan.big_rounds}x")
    firsts = []
    for i in range(plan.big_rounds):
        cache = work / f"server-big-{i}"
        async with serve(plan.big_root, cache) as session:
            ms, window = await call(
                session, "read_session", {"sessionId": plan.big_session, "limit": 20}
            )
            firsts.append({"ms": ms, "complete": window.get("complete", True)})
        shutil.rmtree(cache, ignore_errors=True)
    got["big_first"] = firsts
    return got


def measure(plan: Plan) -> dict[str, Any]:
    import anyio

    shutil.rmtree(plan.work, ignore_errors=True)
    plan.work.mkdir(parents=True)
    try:
        return anyio.run(_measure, plan)
    finally:
        shutil.rmtree(plan.work, ignore_errors=True)


def plan_of(
    ds: DataSet,
    *,
    work: Path,
    quick: bool,
    budget_s: float,
    big: SessionSpec | None = None,
    reps: int | None = None,
    big_rounds: int = 1,
) -> Plan:
    """What to measure on ``ds``: its archive, its deepest session and a big one (``ds.big``
    unless another is given, e.g. mcpspeed.py's 1 GB session). One place for run.py and
    mcpspeed.py, so the two reports measure the same things."""
    deep = max(ds.sessions, key=lambda s: s.messages)
    big = big or ds.big
    return Plan(
        archive_root=Path(ds.archive_root),
        archive_sessions=len(ds.archive),
        archive_bytes=ds.archive_bytes,
        sized_root=Path(ds.root),
        deep_session=deep.session_id,
        deep_project=deep.project,
        deep_path=Path(deep.path),
        deep_messages=deep.messages,
        big_root=Path(big.path).parent.parent,
        big_session=big.session_id,
        big_mb=big.mb,
        reps=reps or (30 if quick else 200),
        budget_s=budget_s,
        big_rounds=big_rounds,
        cli_reps=3 if quick else 10,
        work=work,
    )


def results(plan: Plan, got: dict[str, Any]) -> list[Result]:
    """The measured figures as RESULTS.json rows (``samples_ms`` the calls through the server)."""
    search, around = got["search"], got["around"]
    base = {"sessions": plan.archive_sessions, "archive_mb": round(plan.archive_bytes / 1e6, 1)}
    return [
        Result("mcp.search", SIDE, base, search["mcp"],
               extra={**{k: v for k, v in search.items() if k != "mcp"},
                      "build_s": got["search_build_s"]}).finish(),
        Result("mcp.read_around", SIDE, {"messages": plan.deep_messages}, around["mcp"],
               extra={**{k: v for k, v in around.items() if k != "mcp"},
                      "cold_ms": got["around_cold_ms"]}).finish(),
        Result("mcp.read_first_big", SIDE, {"mb": round(plan.big_mb, 1)},
               [f["ms"] for f in got["big_first"]],
               extra={"complete": [f["complete"] for f in got["big_first"]]}).finish(),
    ]  # fmt: skip


def run(ds: DataSet, cfg: Config) -> list[Result]:
    """``run.py``'s ``mcp`` side, on its data set."""
    plan = plan_of(ds, work=Path(cfg.scratch) / "mcp", quick=cfg.quick, budget_s=cfg.budget_s * 4)
    return results(plan, measure(plan))


# --- the report -----------------------------------------------------------------------------------
TARGETS = (
    "Targets (issue #20): search p50 ≤ 50 ms on the 970 MB archive once indexed; read_session "
    "around a deep uuid of the 100K-message session ≤ 50 ms warm; the first read_session of the "
    "1 GB session ≤ 1.5 s; MCP overhead ≤ 10 ms per call."
)


def section(ix: Any) -> list[str]:
    """The RESULTS.md section (called by report.markdown)."""
    return titled_section(ix, "## Agents: the MCP server (issue #20)", "mcp.search", SIDE, _body)


def _body(ix: Any, search: dict[str, Any]) -> list[str]:
    return table(search, ix.find("mcp.read_around", SIDE), ix.find("mcp.read_first_big", SIDE))


def table(
    search: dict[str, Any] | None, around: dict[str, Any] | None, big: dict[str, Any] | None
) -> list[str]:
    """Markdown lines of the figures (rows as ``Result.to_json`` writes them)."""
    L = [
        "Through `claude-code-tracer mcp` over stdio with the MCP SDK's client, beside the same "
        "call in-process (core: the `Tracer` method; tool: the core call rendered, quoted and "
        "masked) and by the CLI (one process per query). Each repetition makes the three calls "
        "in turn; the overhead is the median of the per-repetition differences (server minus "
        "core). " + TARGETS,
        "",
        "| call | n | MCP p50 ms | core p50 ms | overhead ms (median of differences) | "
        "render in-process ms | ping ms | MCP p50 with the client's schema check | CLI p50 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, row in (
        ("search, 10 hits", search),
        ("read_session around a deep uuid, 25 messages", around),
    ):
        if not row or not row.get("stats"):
            continue
        x = row["extra"]
        cli = f"{p50(x['cli']):.0f}" if x.get("cli") else "-"
        L.append(
            f"| {label} | {row['stats']['n']} | {row['stats']['median_ms']:.1f} | "
            f"{p50(x['core']):.1f} | **{p50(x['diff']):.1f}** | {p50(x['render']):.1f} | "
            f"{p50(x['ping']):.1f} | {p50(x['checked']):.1f} | {cli} |"
        )
    L.append("")
    if big and big.get("stats"):
        L.append(
            f"The first read_session of the {big['params']['mb']:.0f} MB session on a fresh "
            f"server: {big['stats']['median_ms']:.0f} ms (median of {big['stats']['n']}; "
            f"answered while still being read: {big['extra']['complete'].count(False)} of "
            f"{len(big['extra']['complete'])})."
        )
    if search and around:
        L.append(
            f"The first search (the one pass that builds catalog, archive and index, beside "
            f"the server's warm-up listing): "
            f"{search['extra']['build_s']:.1f} s; the first read_session around the deep uuid "
            f"(the session parsed): {around['extra']['cold_ms'] / 1000:.1f} s."
        )
    L.append("")
    return L
