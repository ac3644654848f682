"""Every custom method, end to end over stdio, on the real sample transcripts.

The expected values come from an in-process ``Tracer`` over the same copy of the samples, so these
tests check the server's glue (params in, camelCase JSON out) rather than the core's answers, which
tests/core covers; a few independent facts about the samples are asserted as well.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException

from claude_code_tracer.models import (
    METHOD_PARAMS,
    FilesHistoryParams,
    FilesSessionsParams,
    MessageGetParams,
    MessagesPageParams,
    SessionRef,
    SessionsListParams,
)
from claude_code_tracer.tracer import Tracer, TracerOptions

from .lsp_support import (
    BIG_PROJECT,
    BIG_SESSION,
    SMALL_PROJECT,
    SMALL_SESSION,
    TracerClient,
    page_all,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def oracle(shared_projects: Path) -> Iterator[Tracer]:
    tracer = Tracer(
        TracerOptions(
            projects_roots=[shared_projects],
            cache_dir=shared_projects.parent / "oracle",
            persistent_catalog=False,
        )
    )
    yield tracer
    tracer.close()


async def test_sessions_list_matches_the_core(shared_client: TracerClient, oracle: Tracer) -> None:
    client = shared_client
    result = await client.request("sessions/list", {})
    assert result == oracle.list_sessions(SessionsListParams()).dump()
    ids = [s["sessionId"] for s in result["sessions"]]
    assert len(ids) == 8 and BIG_SESSION in ids and SMALL_SESSION in ids
    stamps = [s["lastTimestamp"] for s in result["sessions"]]
    assert stamps == sorted(stamps, reverse=True), "most recent activity first"
    first = result["sessions"][0]
    assert {"sessionId", "project", "path", "messageCount", "lastTimestamp"} <= first.keys()


async def test_sessions_list_pages_filters_and_cursor(shared_client: TracerClient) -> None:
    client = shared_client
    everything = (await client.request("sessions/list", {}))["sessions"]
    seen: list[str] = []
    cursor = None
    while True:
        page = await client.request("sessions/list", {"limit": 3, "cursor": cursor})
        assert len(page["sessions"]) <= 3
        seen.extend(s["sessionId"] for s in page["sessions"])
        if not page["hasMore"]:
            break
        cursor = page["nextCursor"]
    assert seen == [s["sessionId"] for s in everything]

    marco = await client.request("sessions/list", {"project": SMALL_PROJECT})
    assert {s["project"] for s in marco["sessions"]} == {SMALL_PROJECT}
    assert len(marco["sessions"]) == 3

    cwd = next(s["cwd"] for s in everything if s["sessionId"] == BIG_SESSION)
    assert cwd
    inside = await client.request("sessions/list", {"workspace": cwd})
    assert BIG_SESSION in [s["sessionId"] for s in inside["sessions"]]
    assert all(s["cwd"].startswith(cwd) for s in inside["sessions"])
    by_uri = await client.request("sessions/list", {"workspace": Path(cwd).as_uri()})
    assert by_uri == inside
    elsewhere = await client.request("sessions/list", {"workspace": "/definitely/not/here"})
    assert elsewhere["sessions"] == [] and elsewhere["hasMore"] is False


async def test_messages_page_matches_the_core(shared_client: TracerClient, oracle: Tracer) -> None:
    client = shared_client
    params = {"sessionId": BIG_SESSION, "project": BIG_PROJECT, "limit": 40}
    first = await client.request("messages/page", params)
    assert first == oracle.page(MessagesPageParams.model_validate(params)).dump()
    assert len(first["messages"]) == 40 and first["hasMore"] and first["total"] > 40
    second = await client.request("messages/page", {**params, "cursor": first["nextCursor"]})
    assert second.get("total") is None, "total on a first page only"
    assert first["messages"][-1]["uuid"] != second["messages"][0]["uuid"]

    everything = await page_all(client, {"sessionId": BIG_SESSION}, limit=500)
    assert len(everything) == first["total"]
    assert len({m["uuid"] + m["file"] + str(m["line"]) for m in everything}) == len(everything)


async def test_messages_page_filter_and_expand(shared_client: TracerClient, oracle: Tracer) -> None:
    client = shared_client
    params = {
        "sessionId": BIG_SESSION,
        "filter": {"kinds": ["tool_result"], "errorsOnly": True},
        "expand": True,
        "limit": 500,
    }
    page = await client.request("messages/page", params)
    assert page == oracle.page(MessagesPageParams.model_validate(params)).dump()
    assert page["messages"], "the sample has tool errors"
    assert all(m["kind"] == "tool_result" and m["isError"] for m in page["messages"])
    assert all(isinstance(m["content"], list) for m in page["messages"])

    side = await client.request(
        "messages/page", {"sessionId": BIG_SESSION, "filter": {"includeSidechains": True}}
    )
    assert side["total"] > page["total"]


async def test_messages_get(shared_client: TracerClient, oracle: Tracer) -> None:
    client = shared_client
    page = await client.request(
        "messages/page",
        {"sessionId": BIG_SESSION, "filter": {"kinds": ["assistant"]}, "limit": 500},
    )
    with_tool = next(m for m in page["messages"] if m["toolUseIds"])
    params = {"sessionId": BIG_SESSION, "uuid": with_tool["uuid"]}
    detail = await client.request("messages/get", params)
    assert detail == oracle.get_message(MessageGetParams.model_validate(params)).dump()
    assert detail["uuid"] == with_tool["uuid"] and detail["entry"]["uuid"] == with_tool["uuid"]
    assert detail["toolResults"], "a tool_use comes with its tool_result"
    result_ids = {i for r in detail["toolResults"] for i in r["toolUseIds"]}
    assert set(with_tool["toolUseIds"]) & result_ids


@pytest.mark.parametrize(
    ("method", "call"),
    [
        ("session/metrics", Tracer.metrics),
        ("session/tools", Tracer.tools),
        ("session/subagents", Tracer.subagents),
        ("session/cost", Tracer.cost),
        ("messages/filters", Tracer.filters),
    ],
)
async def test_session_statistics(
    shared_client: TracerClient, oracle: Tracer, method: str, call: object
) -> None:
    client = shared_client
    for session, project in ((BIG_SESSION, BIG_PROJECT), (SMALL_SESSION, None)):
        params = {"sessionId": session} | ({"project": project} if project else {})
        result = await client.request(method, params)
        assert result == call(oracle, SessionRef.model_validate(params)).dump()  # type: ignore[operator]
        assert result["sessionId"] == session


async def test_statistics_facts_of_the_big_sample(shared_client: TracerClient) -> None:
    client = shared_client
    ref = {"sessionId": BIG_SESSION}
    metrics = await client.request("session/metrics", ref)
    tools = await client.request("session/tools", ref)
    agents = await client.request("session/subagents", ref)
    filters = await client.request("messages/filters", ref)
    assert metrics["toolCalls"] == sum(t["calls"] for t in tools["tools"])
    assert sum(t["errors"] for t in tools["tools"]) >= 8
    assert len(agents["subagents"]) >= 2
    assert sorted(filters["agentIds"]) == sorted(a["agentId"] for a in agents["subagents"])
    assert metrics["tokens"]["output"] > 0 and metrics["models"]


TOUCHED = "/home/USER/projects/spotter-worktrees/spotter-dov/lib/spotter_web/live/session_live.ex"


async def test_files_sessions_and_history(shared_client: TracerClient, oracle: Tracer) -> None:
    client = shared_client
    sessions = await client.request("files/sessions", {"path": TOUCHED})
    expected = oracle.file_sessions(FilesSessionsParams(path=TOUCHED)).dump()
    assert sessions == expected and sessions["sessions"]
    assert await client.request("files/sessions", {"path": Path(TOUCHED).as_uri()}) == expected

    first = await client.request("files/history", {"path": TOUCHED, "limit": 5})
    assert first == oracle.file_history(FilesHistoryParams(path=TOUCHED, limit=5)).dump()
    touches = list(first["touches"])
    cursor = first["nextCursor"]
    while cursor:
        page = await client.request(
            "files/history", {"path": TOUCHED, "limit": 5, "cursor": cursor}
        )
        touches += page["touches"]
        cursor = page["nextCursor"] if page["hasMore"] else None
    everything = await client.request("files/history", {"path": TOUCHED, "limit": 500})
    assert touches == everything["touches"] and len(touches) > 5

    nothing = await client.request("files/sessions", {"path": "/no/such/file.py"})
    assert nothing["sessions"] == []


async def test_every_method_of_the_protocol_table_is_served(shared_client: TracerClient) -> None:
    """A method added to models.METHOD_PARAMS without a handler would answer MethodNotFound."""
    for method in METHOD_PARAMS:
        try:
            await shared_client.request(method, {"bogusParameter": 1})
        except JsonRpcException as exc:
            assert exc.code == -32602, (method, exc.code, exc.message)
        else:
            raise AssertionError(f"{method} accepted an unknown parameter")
