"""Every method on generated transcripts, against the generator's ground truth; live appends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp

from ..synthetic import (
    GeneratedSession,
    append_lines,
    encode_cwd,
    generate_session,
)
from .lsp_support import CONFIG, TracerClient, init_params, page_all, stream_all

CWD = "/home/dev/alpha"
PROJECT = encode_cwd(CWD)

pytestmark = pytest.mark.asyncio(loop_scope="module")


def generate(root: Path) -> dict[str, GeneratedSession]:
    folder = root / PROJECT
    return {
        "agents": generate_session(folder, messages=600, seed=1, subagents=2, cwd=CWD),
        "damaged": generate_session(folder, messages=150, seed=2, malformed=4, cwd=CWD),
    }


def tool_uses_in_files(gen: GeneratedSession) -> int:
    """tool_use blocks in the session's files, subagents included, counted here (damaged lines
    only ever hold progress records, so skipping them loses no tool call)."""
    n = 0
    for path in [gen.path, *gen.subagent_paths]:
        for line in path.read_bytes().splitlines():
            try:
                obj = json.loads(line)
            except ValueError:
                continue
            if obj.get("type") != "assistant":
                continue
            content = (obj.get("message") or {}).get("content")
            if isinstance(content, list):
                n += sum(1 for b in content if isinstance(b, dict) and b.get("type") == "tool_use")
    return n


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, GeneratedSession]]:
    root = tmp_path_factory.mktemp("synthetic") / "projects"
    return root, generate(root)


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def gen_client(lsp_client: TracerClient, archive: tuple[Path, Any]):
    root, _sessions = archive
    await lsp_client.initialize_session(init_params(root, root.parent / "cache"))
    yield
    await lsp_client.shutdown_session()


async def test_list_matches_ground_truth(
    gen_client: TracerClient, archive: tuple[Path, dict[str, GeneratedSession]]
) -> None:
    _root, sessions = archive
    listed = await gen_client.request("sessions/list", {"workspace": CWD})
    infos = {s["sessionId"]: s for s in listed["sessions"]}
    assert set(infos) == {g.session_id for g in sessions.values()}
    for gen in sessions.values():
        info = infos[gen.session_id]
        assert info["project"] == PROJECT and info["cwd"] == CWD
        assert info["messageCount"] == gen.message_lines
        # the whole session, subagents included, as session/metrics counts it
        assert info["toolCallCount"] == tool_uses_in_files(gen)
        assert info["toolCallCount"] - info["subagentToolCallCount"] == gen.tool_use_count
        assert info["errorCount"] == gen.error_count
        assert info["malformedLines"] == gen.malformed_lines + int(gen.torn_tail)
        assert info["subagentCount"] == len(gen.subagent_ids)


@pytest.mark.parametrize("name", ["agents", "damaged"])
async def test_pages_metrics_and_details(
    gen_client: TracerClient, archive: tuple[Path, dict[str, GeneratedSession]], name: str
) -> None:
    client = gen_client
    gen = archive[1][name]
    ref = {"sessionId": gen.session_id, "project": PROJECT}
    messages = await page_all(client, ref, limit=97)
    assert len(messages) == gen.message_lines
    assert len({m["uuid"] for m in messages}) == len(messages)
    stamps = [m["timestamp"] for m in messages]
    assert stamps == sorted(stamps)

    metrics = await client.request("session/metrics", ref)
    assert metrics["messageCount"] == gen.message_lines
    assert metrics["malformedLines"] == gen.malformed_lines + int(gen.torn_tail)
    tools = await client.request("session/tools", ref)
    assert sum(t["calls"] for t in tools["tools"]) == metrics["toolCalls"]

    agents = await client.request("session/subagents", ref)
    assert sorted(a["agentId"] for a in agents["subagents"]) == sorted(gen.subagent_ids)
    assert all(a["layout"] == "nested" for a in agents["subagents"])
    filters = await client.request("messages/filters", ref)
    assert sorted(filters["agentIds"]) == sorted(gen.subagent_ids)
    assert {t["name"] for t in filters["tools"]} == {t["name"] for t in tools["tools"]}

    errors = await client.request(
        "messages/page", {**ref, "filter": {"errorsOnly": True, "kinds": ["tool_result"]}}
    )
    assert errors["total"] == gen.error_count

    with_tool = next(m for m in messages if m["toolUseIds"] and m["kind"] == "assistant")
    detail = await client.request("messages/get", {**ref, "uuid": with_tool["uuid"]})
    assert detail["toolResults"] and detail["content"]
    assert detail["entry"]["sessionId"] == gen.session_id


async def test_stream_equals_paging_with_sidechains(
    gen_client: TracerClient, archive: tuple[Path, dict[str, GeneratedSession]]
) -> None:
    gen = archive[1]["agents"]
    params = {"sessionId": gen.session_id, "filter": {"includeSidechains": True}, "expand": True}
    streamed, responses = await stream_all(gen_client, params, batch=64, limit=250)
    paged = await page_all(gen_client, params, limit=111)
    assert streamed == paged
    assert len(paged) > gen.message_lines, "the subagents' messages are included"
    assert responses[0]["total"] == len(paged)
    assert all(isinstance(m["content"], list) for m in streamed)


@pytest.fixture
def live_archive(tmp_path: Path) -> tuple[Path, dict[str, GeneratedSession]]:
    root = tmp_path / "projects"
    return root, generate(root)


@pytest_lsp.fixture(config=CONFIG)
async def live_client(lsp_client: TracerClient, live_archive: tuple[Path, Any], tmp_path: Path):
    await lsp_client.initialize_session(init_params(live_archive[0], tmp_path / "cache"))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="function")
async def test_appended_lines_follow_live(
    live_client: TracerClient, live_archive: tuple[Path, dict[str, GeneratedSession]]
) -> None:
    client = live_client
    await client.wait_for_log("watching")
    gen = live_archive[1]["damaged"]  # ends in a torn line, which the append completes
    ref = {"sessionId": gen.session_id}
    last = await client.request("messages/page", {**ref, "limit": 500})
    assert not last["hasMore"] and len(last["messages"]) == gen.message_lines

    added = append_lines(gen.path, 7, seed=5)
    change = await client.wait_for_change(lambda c: c["sessionId"] == gen.session_id)
    assert change["kind"] == "appended" and change["project"] == PROJECT
    after = await client.request("messages/page", {**ref, "cursor": last["nextCursor"]})
    assert len(after["messages"]) == added == 7
    assert not after["hasMore"]
    metrics = await client.request("session/metrics", ref)
    assert metrics["messageCount"] == gen.message_lines + 7
