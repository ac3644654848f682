"""Whole-session streams: no upper bound, every message exactly once, and undisturbed by a
session that is appended to or truncated while it streams (the webview follows live sessions)."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

from .lsp_support import BIG_PROJECT, BIG_SESSION, SAMPLES, WAIT, TracerClient, page_all
from .test_live import append_user_message

REF = {"sessionId": BIG_SESSION, "project": BIG_PROJECT}


async def stream_once(
    client: TracerClient, params: dict[str, Any], token: str, on_batch: Any = None
) -> tuple[list[Any], dict[str, Any]]:
    """Stream with a partial-result token; ``on_batch(n)`` runs after the n-th batch arrives,
    while the stream goes on."""
    arrived = asyncio.Event()
    original = client.on_partial

    def on_partial(tok: Any, value: Any) -> None:
        original(tok, value)
        arrived.set()

    client.on_partial = on_partial  # type: ignore[method-assign]
    client.expect_partials(token)
    stream = asyncio.create_task(
        client.request("messages/stream", {**params, "partialResultToken": token})
    )
    handled = 0
    try:
        while not stream.done():
            arrived.clear()
            waiter = asyncio.create_task(arrived.wait())
            await asyncio.wait({stream, waiter}, timeout=WAIT, return_when="FIRST_COMPLETED")
            waiter.cancel()
            while on_batch is not None and handled < len(client.partials[token]):
                handled += 1
                await on_batch(handled)
        response = await stream
    finally:
        client.on_partial = original  # type: ignore[method-assign]
    batches = client.partials.pop(token)
    messages = [m for b in batches for m in b["messages"]] + response["messages"]
    return messages, response


async def test_a_stream_without_limit_sends_the_whole_session_once(client: TracerClient) -> None:
    paged = await page_all(client, {**REF, "filter": {"includeSidechains": True}}, limit=500)
    assert len(paged) > 1000, "more than any page limit"
    messages, response = await stream_once(
        client, {**REF, "filter": {"includeSidechains": True}, "batchSize": 64}, "whole"
    )
    assert [m["uuid"] for m in messages] == [m["uuid"] for m in paged]
    assert messages == paged
    assert response["total"] == len(paged)
    assert response["hasMore"] is False and response["nextCursor"]


async def test_a_stream_limit_above_a_page_is_honoured(client: TracerClient) -> None:
    paged = await page_all(client, REF, limit=500)
    messages, response = await stream_once(client, {**REF, "limit": 777, "batchSize": 100}, "l")
    assert [m["uuid"] for m in messages] == [m["uuid"] for m in paged[:777]]
    assert response["hasMore"] is True
    rest, last = await stream_once(client, {**REF, "cursor": response["nextCursor"]}, "rest")
    assert [m["uuid"] for m in messages + rest] == [m["uuid"] for m in paged]
    assert last["hasMore"] is False


async def test_streams_survive_appends_and_truncation_under_them(
    client: TracerClient, projects: Path
) -> None:
    """Every few batches that arrive (of two messages each, so that the stream lasts), the test
    appends to the session and asks for a page (the server refreshes the tables the stream
    reads), and every fourth time cuts the file in half instead (the server reloads it into new
    tables). Every stream still delivers the session as it was when it began, each message once.
    (Before views held their tables, this failed on the first cut, 3 runs out of 3.)"""
    path = projects / BIG_PROJECT / f"{BIG_SESSION}.jsonl"
    original = SAMPLES / BIG_PROJECT / f"{BIG_SESSION}.jsonl"
    lines = original.read_bytes().splitlines(keepends=True)
    cuts = appends = 0
    for round_no in range(2):
        shutil.copyfile(original, path)
        expected = [m["uuid"] for m in await page_all(client, REF, limit=500)]

        async def disturb(n: int) -> None:
            nonlocal cuts, appends
            if n % 20:
                return
            if n % 80 == 0:
                path.write_bytes(b"".join(lines[: len(lines) // 2]))
                cuts += 1
            else:
                append_user_message(path, f"written while streaming, batch {n}")
                appends += 1
            await client.request("messages/page", {**REF, "limit": 5})

        messages, response = await stream_once(
            client, {**REF, "batchSize": 2}, f"race-{round_no}", disturb
        )
        uuids = [m["uuid"] for m in messages]
        assert uuids == expected, f"round {round_no}"
        assert response["total"] == len(expected)

    assert cuts >= 2 * 10 and appends >= 2 * 30, "the stream was disturbed all along"
    # The server is consistent afterwards: a fresh listing of the session pages without error.
    after = await page_all(client, REF, limit=500)
    assert after, "the session still pages"
