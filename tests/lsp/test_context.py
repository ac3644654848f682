"""``session/context`` end to end: the chart's points and compactions, counted independently from
the raw lines of real samples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from .lsp_support import TracerClient

# A real session with a compaction (Claude Code 2.x) and one with subagent files.
COMPACTED = (
    "-home-USER-projects-spotter-worktrees-spotter-dov",
    "4d5611e5-241a-462a-8d15-5122611a9569",
)
WITH_AGENTS = (
    "-home-USER-projects-spotter-worktrees-spotter-a0y",
    "fa812bfe-b295-4cca-9c2f-fdf01028cb46",
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


def expected(
    projects: Path, project: str, session: str
) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """From the transcript's lines: per response id (first line's uuid, the largest usage's
    input + cache read + cache creation), and the compact boundaries' uuids with the number of
    responses before each."""
    first: dict[str, str] = {}
    best: dict[str, tuple[int, int]] = {}
    compactions: list[tuple[str, int]] = []
    for raw in (projects / project / f"{session}.jsonl").read_text().splitlines():
        try:
            d: dict[str, Any] = json.loads(raw)
        except ValueError:
            continue
        if d.get("isSidechain"):
            continue
        if d.get("type") == "system" and d.get("subtype") == "compact_boundary":
            compactions.append((d["uuid"], len(first)))
        if d.get("type") != "assistant":
            continue
        msg = d.get("message") or {}
        if msg.get("model") == "<synthetic>":
            continue
        u = msg.get("usage") or {}
        inp, out = u.get("input_tokens", 0), u.get("output_tokens", 0)
        read, made = u.get("cache_read_input_tokens", 0), u.get("cache_creation_input_tokens", 0)
        key = msg.get("id") or d["uuid"]
        first.setdefault(key, d["uuid"])
        total = inp + out + read + made
        if key not in best or total > best[key][0]:
            best[key] = (total, inp + read + made)
    return [(first[k], best[k][1]) for k in first], compactions


@pytest.mark.parametrize("sample", [COMPACTED, WITH_AGENTS])
async def test_context_points_match_the_raw_lines(
    shared_client: TracerClient, shared_projects: Path, sample: tuple[str, str]
) -> None:
    project, session = sample
    result = await shared_client.request(
        "session/context", {"sessionId": session, "project": project}
    )
    points, compactions = expected(shared_projects, project, session)
    assert result["sessionId"] == session
    assert [(p["uuid"], p["contextTokens"]) for p in result["points"]] == points
    assert [(c["uuid"], c["pointsBefore"]) for c in result["compactions"]] == compactions
    assert len(points) > 10
    assert all(p["timestamp"].endswith("Z") and p["model"] for p in result["points"])


async def test_a_compaction_is_seen_and_shrinks_the_context(
    shared_client: TracerClient, shared_projects: Path
) -> None:
    project, session = COMPACTED
    result = await shared_client.request(
        "session/context", {"sessionId": session, "project": project}
    )
    assert len(result["compactions"]) == 1
    when = result["compactions"][0]["timestamp"]
    before = [p["contextTokens"] for p in result["points"] if p["timestamp"] < when]
    after = [p["contextTokens"] for p in result["points"] if p["timestamp"] > when]
    assert before and after and after[0] < max(before)


async def test_an_unknown_session_is_the_clients_fault(shared_client: TracerClient) -> None:
    with pytest.raises(JsonRpcException) as err:
        await shared_client.request("session/context", {"sessionId": "no-such-session"})
    assert err.value.code == -32602 and "no-such-session" in str(err.value)
