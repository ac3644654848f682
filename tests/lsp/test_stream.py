"""messages/stream: batches over $/progress, work-done progress, and cancellation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from .lsp_support import BIG_PROJECT, BIG_SESSION, WAIT, TracerClient, page_all, stream_all


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    "flt",
    [
        {},
        {"includeSidechains": True},
        {"kinds": ["assistant", "tool_result"], "errorsOnly": False, "text": "the"},
    ],
    ids=["trunk", "sidechains", "filtered"],
)
async def test_stream_equals_paging(shared_client: TracerClient, flt: dict[str, Any]) -> None:
    client = shared_client
    params = {"sessionId": BIG_SESSION, "project": BIG_PROJECT, "filter": flt}
    streamed, responses = await stream_all(client, params, batch=37)
    paged = await page_all(client, params, limit=100)
    assert paged, "the filter matches something"
    assert [m["uuid"] for m in streamed] == [m["uuid"] for m in paged]
    assert streamed == paged
    assert responses[0]["total"] == len(paged)
    assert all(r.get("total") is None for r in responses[1:])


@pytest.mark.asyncio(loop_scope="module")
async def test_stream_without_partial_token_answers_in_one_response(
    shared_client: TracerClient,
) -> None:
    client = shared_client
    params = {"sessionId": BIG_SESSION, "limit": 120, "batchSize": 25}
    response = await client.request("messages/stream", params)
    page = await client.request("messages/page", {"sessionId": BIG_SESSION, "limit": 120})
    assert response == page


async def test_stream_reports_the_parse_as_work_done(client: TracerClient) -> None:
    token = "parse-1"
    client.progress_reports[token] = []
    client.expect_partials("partial-parse-1")
    response = await client.request(
        "messages/stream",
        {
            "sessionId": BIG_SESSION,
            "limit": 10,
            "workDoneToken": token,
            "partialResultToken": "partial-parse-1",
        },
    )
    assert (
        len(response["messages"])
        + sum(len(b["messages"]) for b in client.partials["partial-parse-1"])
        == 10
    )
    reports = client.progress_reports[token]
    assert isinstance(reports[0], types.WorkDoneProgressBegin), reports
    assert isinstance(reports[-1], types.WorkDoneProgressEnd), reports
    middle = reports[1:-1]
    assert all(isinstance(r, types.WorkDoneProgressReport) for r in middle)
    percentages = [r.percentage for r in reports[:-1]]
    assert percentages == sorted(percentages) and percentages[-1] == 100

    # Loaded now: a second stream has nothing to report.
    client.progress_reports["parse-2"] = []
    await client.request(
        "messages/stream", {"sessionId": BIG_SESSION, "limit": 10, "workDoneToken": "parse-2"}
    )
    assert client.progress_reports["parse-2"] == []


@pytest.mark.asyncio(loop_scope="module")
async def test_cancel_stops_a_stream_within_one_batch(shared_client: TracerClient) -> None:
    client = shared_client
    token = "partial-cancel"
    first_batch = client.expect_partials(token)
    params = {
        "sessionId": BIG_SESSION,
        "filter": {"includeSidechains": True},
        "limit": 500,
        "batchSize": 1,
        "partialResultToken": token,
    }
    stream = asyncio.create_task(client.request("messages/stream", params, msg_id="stream-1"))
    await asyncio.wait_for(first_batch, WAIT)
    client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id="stream-1"))

    with pytest.raises(JsonRpcException) as raised:
        await stream
    assert raised.value.code == types.LSPErrorCodes.RequestCancelled.value == -32800
    sent = len(client.partials[token])
    assert 1 <= sent < 499, "the stream stopped early"

    # The server still answers, and the cancelled stream sends nothing more: every $/progress it
    # sent before this page's response was read before that response.
    page = await client.request("messages/page", {"sessionId": BIG_SESSION, "limit": 5})
    assert len(page["messages"]) == 5
    assert len(client.partials[token]) == sent
