"""search/query over stdio: exact against a brute-force scan, paging, partial results, work-done
progress on the first build, a bad query as InvalidParams, cancellation, and startAt."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcException

from tests.core.search_oracle import read_archive

from .lsp_support import WAIT, TracerClient

Key = tuple[str, str, str, int]


def keys(page: dict[str, Any]) -> list[Key]:
    return [
        (g["project"], g["sessionId"], h["file"], h["line"])
        for g in page["groups"]
        for h in g["hits"]
    ]


async def search_all(client: TracerClient, params: dict[str, Any]) -> list[Key]:
    out: list[Key] = []
    cursor = None
    while True:
        page = await client.request("search/query", {**params, "cursor": cursor})
        out.extend(keys(page))
        if not page["hasMore"]:
            return out
        cursor = page["nextCursor"]


async def test_search_pages_equal_a_brute_force_scan(client: TracerClient, projects: Path) -> None:
    msgs = read_archive(projects)
    for query, keep in [
        ("session", lambda m: m.phrase("session")),
        ('"mix test"', lambda m: m.phrase("mix", "test")),
        ("tool:Bash -mix", lambda m: "bash" in m.tools and not m.phrase("mix")),
    ]:
        expected = sorted(m.key for m in msgs if keep(m))
        assert expected, query
        got = await search_all(client, {"query": query, "limit": 97})
        assert sorted(got) == expected, query


async def test_partial_results_stream_each_session_group(client: TracerClient) -> None:
    whole = await client.request("search/query", {"query": "spotter", "limit": 200})
    assert len(whole["groups"]) > 1
    token = "search-partial-1"
    client.expect_partials(token)
    response = await client.request(
        "search/query", {"query": "spotter", "limit": 200, "partialResultToken": token}
    )
    assert response["groups"] == []
    assert response["total"] == whole["total"] and response["hasMore"] == whole["hasMore"]
    streamed = [g for value in client.partials[token] for g in value["groups"]]
    assert len(client.partials[token]) == len(whole["groups"])
    assert streamed == whole["groups"]


async def test_the_first_build_reports_work_done_progress(client: TracerClient) -> None:
    token = "search-build-1"
    client.progress_reports[token] = []
    await client.request("search/query", {"query": "session", "workDoneToken": token})
    reports = client.progress_reports[token]
    assert isinstance(reports[0], types.WorkDoneProgressBegin), reports
    assert isinstance(reports[-1], types.WorkDoneProgressEnd), reports
    client.progress_reports["search-build-2"] = []
    await client.request("search/query", {"query": "session", "workDoneToken": "search-build-2"})
    assert client.progress_reports["search-build-2"] == []  # nothing left to index


async def test_a_bad_query_is_invalid_params_and_the_server_keeps_serving(
    client: TracerClient,
) -> None:
    for params in ({"query": "before:tomorrow"}, {"query": "-"}, {"query": ""}, {"qery": "x"}):
        try:
            await client.request("search/query", params)
        except JsonRpcException as exc:
            assert exc.code == -32602, params
        else:
            raise AssertionError(f"{params} was accepted")
    page = await client.request("search/query", {"query": "' OR 1=1 --"})
    assert page["total"] >= 0 and all(g["hits"] for g in page["groups"])


async def test_a_workspace_uri_limits_the_search_to_its_sessions(client: TracerClient) -> None:
    folder = "/home/USER/projects/spotter-worktrees/spotter-a0y"
    page = await client.request(
        "search/query", {"query": "session", "workspace": "file://" + folder, "limit": 500}
    )
    assert page["groups"]
    assert {g["cwd"] for g in page["groups"]} == {folder}
    everywhere = await client.request("search/query", {"query": "session", "limit": 1})
    assert everywhere["total"] > page["total"]


async def test_a_hit_opens_its_session_at_the_message(client: TracerClient) -> None:
    page = await client.request("search/query", {"query": "kind:user spotter", "limit": 50})
    group, hit = next(
        (g, h) for g in page["groups"] for h in g["hits"] if not h["isSidechain"] and h["uuid"]
    )
    opened = await client.request(
        "messages/page",
        {
            "sessionId": group["sessionId"],
            "project": group["project"],
            "startAt": hit["uuid"],
            "limit": 1,
        },
    )
    assert opened["messages"][0]["uuid"] == hit["uuid"]
    assert opened["messages"][0]["line"] == hit["line"]


async def test_cancelling_a_search_answers_request_cancelled(client: TracerClient) -> None:
    # the first search builds the whole index; the cancel goes out once its progress has begun
    token = "search-cancel-progress"
    client.progress_reports[token] = []
    began = client.protocol.wait_for_notification_async(types.PROGRESS)
    params = {"query": "session", "workDoneToken": token}
    search = asyncio.create_task(client.request("search/query", params, msg_id="search-cancel-1"))
    await asyncio.wait_for(began, WAIT)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="search-cancel-1"))
    try:
        await asyncio.wait_for(search, WAIT)
    except JsonRpcException as exc:
        assert exc.code == types.LSPErrorCodes.RequestCancelled.value
    else:
        raise AssertionError("the search was not cancelled")
    # the server keeps serving; the build the cancelled request started may still be running
    page = await client.request("search/query", {"query": "session", "limit": 1})
    assert page["indexing"] or page["total"] > 0
