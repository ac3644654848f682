"""The MCP face (issue #20), measured through ``claude-code-tracer mcp`` over stdio with the SDK's
own client, beside the same core calls made in-process:

- ``search`` p50 on the archive once indexed (the default page of 10 hits, rendered and masked);
- ``read_session`` around a uuid deep in the biggest sized session, warm;
- the first ``read_session`` of the big session on a fresh server (answers from its head when the
  session is over the head-first threshold);
- the MCP overhead per call: the same request's p50 through the server minus the core call's p50
  (``Tracer.search`` / ``Tracer.window`` in this process, warm).
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

from .common import Config, Result, log, measure, now, titled_section
from .data import DataSet

SIDE = "mcp"


def _trunk_uuid_near_end(path: Path) -> str:
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


async def _client_samples(
    root: Path, cache: Path, calls: list[tuple[str, str, dict[str, Any], int]]
) -> dict[str, list[float]]:
    """Start a server on ``root`` and time each (label, tool, args, reps) in turn; labels ending
    in ``+check`` keep the SDK client's own check of the result against the output schema (in
    Python's jsonschema, client-side), the others skip it to time the server alone."""
    import mcp_types as types

    from mcp import ClientSession, StdioServerParameters, stdio_client

    class Unchecked(ClientSession):
        checking = False

        async def validate_tool_result(self, name: str, result: types.CallToolResult) -> None:
            if self.checking:
                await super().validate_tool_result(name, result)

    from .common import child_env

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "claude_code_tracer", "mcp", "--root", str(root), "--cache-dir", str(cache)],
        env=child_env({"CLAUDE_CONFIG_DIR": str(cache / "no-claude")}),
    )
    out: dict[str, list[float]] = {}
    async with stdio_client(params) as (read, write):
        async with Unchecked(read, write, read_timeout_seconds=600) as session:
            await session.initialize()
            await session.list_tools()
            for label, tool, args, reps in calls:
                session.checking = label.endswith("+check")
                samples = []
                for _ in range(reps):
                    t0 = now()
                    result = await session.call_tool(tool, args)
                    samples.append((now() - t0) * 1000)
                    text = result.content[0].text if result.content else ""
                    assert not result.is_error, text
                out[label] = samples
    return out


def run(ds: DataSet, cfg: Config) -> list[Result]:
    import anyio

    from claude_code_tracer.models import MessagesWindowParams, SearchParams
    from claude_code_tracer.tracer import Tracer, TracerOptions

    work = Path(cfg.scratch) / "mcp"
    shutil.rmtree(work, ignore_errors=True)
    out: list[Result] = []
    reps = 30 if cfg.quick else 200
    archive_root = Path(ds.archive_root)
    sized_root = Path(ds.root)
    deep = max(ds.sessions, key=lambda s: s.messages)
    anchor = _trunk_uuid_near_end(Path(deep.path))

    # the core, in-process, warm: what the server's tools call
    log("mcp: core calls in-process")
    tracer = Tracer(TracerOptions(projects_roots=[archive_root], cache_dir=work / "core-archive"))
    try:
        tracer.search(SearchParams(query="error", limit=10))  # builds the index
        word = "error"
        core_search = measure(
            lambda: tracer.search(SearchParams(query=word, limit=10)), reps, cfg.budget_s, 1, 2
        )
    finally:
        tracer.close()
    tracer = Tracer(TracerOptions(projects_roots=[sized_root], cache_dir=work / "core-sized"))
    window = MessagesWindowParams(
        session_id=deep.session_id, project=deep.project, around=anchor, before=5, limit=20
    )
    try:
        core_window = measure(lambda: tracer.window(window), reps, cfg.budget_s, 1, 2)
    finally:
        tracer.close()

    log("mcp: through the server over stdio")
    search_args = {"query": word, "limit": 10}
    around_args = {
        "sessionId": deep.session_id,
        "project": deep.project,
        "around": anchor,
        "before": 5,
        "limit": 20,
    }
    first = anyio.run(
        _client_samples,
        archive_root,
        work / "mcp-archive",
        [
            ("build", "search", search_args, 1),
            ("search", "search", search_args, reps),
            ("search+check", "search", search_args, reps),
        ],
    )
    sized = anyio.run(
        _client_samples,
        sized_root,
        work / "mcp-sized",
        [
            ("big first", "read_session", {"sessionId": ds.big.session_id, "limit": 20}, 1),
            ("around cold", "read_session", around_args, 1),
            ("around", "read_session", around_args, reps),
            ("around+check", "read_session", around_args, reps),
        ],
    )
    base = {"sessions": len(ds.archive), "archive_mb": round(ds.archive_bytes / 1e6, 1)}
    out.append(
        Result("mcp.search", SIDE, base, first["search"],
               extra={"core": core_search, "build_ms": first["build"][0],
                      "checked": first["search+check"]}).finish()
    )  # fmt: skip
    out.append(
        Result("mcp.read_around", SIDE, {"messages": deep.messages}, sized["around"],
               extra={"core": core_window, "cold_ms": sized["around cold"][0],
                      "checked": sized["around+check"]}).finish()
    )  # fmt: skip
    out.append(
        Result("mcp.read_first_big", SIDE, {"mb": round(ds.big.mb, 1)}, sized["big first"]).finish()
    )
    shutil.rmtree(work, ignore_errors=True)
    return out


def _p50(samples: list[float]) -> float:
    s = sorted(samples)
    return s[len(s) // 2]


def section(ix: Any) -> list[str]:
    """The RESULTS.md section (called by report.markdown)."""
    return titled_section(ix, "## Agents: the MCP server (issue #20)", "mcp.search", SIDE, _body)


def _body(ix: Any, search: dict[str, Any]) -> list[str]:
    L = [
        "Through `claude-code-tracer mcp` over stdio with the MCP SDK's client; the core column is "
        "the same call in-process (warm). Targets: search p50 ≤ 50 ms on the big archive, "
        "read_session around a deep uuid ≤ 50 ms warm, overhead ≤ 10 ms.",
        "",
        "| call | p50 ms (MCP) | p50 ms (core) | overhead ms | p50 ms with the SDK client's "
        "output-schema check |",
        "|---|---|---|---|---|",
    ]
    around = ix.find("mcp.read_around", SIDE)
    for label, row in (("search, 10 hits", search), ("read_session around a deep uuid", around)):
        if not row or not row.get("stats"):
            continue
        core = _p50(row["extra"]["core"])
        mcp = row["stats"]["median_ms"]
        checked = _p50(row["extra"]["checked"])
        L.append(f"| {label} | {mcp:.1f} | {core:.1f} | {mcp - core:.1f} | {checked:.1f} |")
    L.append("")
    big = ix.find("mcp.read_first_big", SIDE)
    if big and big.get("stats"):
        L.append(
            f"The first read_session of the {big['params']['mb']} MB session on a fresh server: "
            f"{big['stats']['median_ms']:.0f} ms; the first search (index build) "
            f"{search['extra']['build_ms'] / 1000:.1f} s."
        )
        L.append("")
    return L
