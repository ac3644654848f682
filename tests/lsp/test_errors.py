"""Bad requests get a JSON-RPC error a person can act on, and the server answers the next one."""

from __future__ import annotations

import asyncio
import itertools
from concurrent.futures import Future
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from .lsp_support import BIG_SESSION, SMALL_SESSION, WAIT, RawResponse, TracerClient

INVALID_PARAMS = -32602
METHOD_NOT_FOUND = -32601
UNKNOWN = "00000000-0000-4000-8000-000000000000"
_ids = itertools.count(1)

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def expect_error(client: TracerClient, method: str, params: Any) -> JsonRpcException:
    with pytest.raises(JsonRpcException) as raised:
        await client.request(method, params)
    return raised.value


async def raw_request(client: TracerClient, method: str, params: Any) -> Any:
    """Send exactly this JSON (no client-side typing of the params) and await the answer."""
    msg_id = f"raw-{next(_ids)}"
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not ...:
        message["params"] = params
    answer: Future[Any] = Future()
    client.protocol._request_futures[msg_id] = answer
    client.protocol._result_types[msg_id] = RawResponse
    client.protocol._send_data(message)
    return await asyncio.wait_for(asyncio.wrap_future(answer), WAIT)


def nested(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


async def assert_still_serving(client: TracerClient) -> None:
    page = await client.request("messages/page", {"sessionId": SMALL_SESSION, "limit": 3})
    assert len(page["messages"]) == 3


async def test_unknown_session(shared_client: TracerClient) -> None:
    client = shared_client
    for method in ("messages/page", "session/metrics", "messages/stream", "messages/filters"):
        error = await expect_error(client, method, {"sessionId": UNKNOWN})
        assert error.code == INVALID_PARAMS
        assert UNKNOWN in error.message and method in error.message
        await assert_still_serving(client)
    error = await expect_error(client, "messages/get", {"sessionId": SMALL_SESSION, "uuid": "nope"})
    assert error.code == INVALID_PARAMS and "nope" in error.message
    await assert_still_serving(client)


async def test_bad_and_foreign_cursors(shared_client: TracerClient) -> None:
    client = shared_client
    error = await expect_error(
        client, "messages/page", {"sessionId": BIG_SESSION, "cursor": "not-a-cursor"}
    )
    assert error.code == INVALID_PARAMS and "cursor" in error.message.lower()
    await assert_still_serving(client)

    other = await client.request("messages/page", {"sessionId": BIG_SESSION, "limit": 2})
    foreign = other["nextCursor"]
    error = await expect_error(
        client, "messages/page", {"sessionId": SMALL_SESSION, "cursor": foreign}
    )
    assert error.code == INVALID_PARAMS and "cursor" in error.message.lower()
    await assert_still_serving(client)

    # The same session's cursor under a different filter is foreign too.
    error = await expect_error(
        client,
        "messages/stream",
        {"sessionId": BIG_SESSION, "cursor": foreign, "filter": {"kinds": ["user"]}},
    )
    assert error.code == INVALID_PARAMS
    await assert_still_serving(client)

    listed = await client.request("sessions/list", {"limit": 1})
    error = await expect_error(client, "sessions/list", {"cursor": foreign})
    assert error.code == INVALID_PARAMS
    assert listed["nextCursor"]
    error = await expect_error(
        client, "messages/page", {"sessionId": BIG_SESSION, "cursor": listed["nextCursor"]}
    )
    assert error.code == INVALID_PARAMS
    await assert_still_serving(client)


@pytest.mark.parametrize(
    ("method", "params", "hint"),
    [
        ("messages/page", {"sessionId": BIG_SESSION, "limit": 0}, "limit"),
        ("messages/page", {"sessionId": BIG_SESSION, "limit": 501}, "limit"),
        ("messages/stream", {"sessionId": BIG_SESSION, "limit": 0}, "limit"),
        ("messages/stream", {"sessionId": BIG_SESSION, "batchSize": 0}, "batchSize"),
        ("sessions/list", {"limit": 1001}, "limit"),
        ("messages/page", {"sessionId": BIG_SESSION, "limit": "ten"}, "limit"),
        ("messages/page", {"sessionId": 42}, "sessionId"),
        ("messages/page", {"sessionId": BIG_SESSION, "filter": {"kinds": ["bogus"]}}, "kinds"),
        ("messages/page", {"sessionId": BIG_SESSION, "filter": {"since": "yesterday"}}, "since"),
        ("messages/page", {"sessionId": BIG_SESSION, "filter": "all"}, "filter"),
        ("messages/page", {}, "sessionId"),
        ("messages/get", {"sessionId": BIG_SESSION}, "uuid"),
        ("messages/page", {"sessionId": "../../etc/passwd"}, "plain name"),
        ("session/metrics", {"sessionId": "x", "project": "../.."}, "plain name"),
        ("sessions/list", {"project": "/etc"}, "plain name"),
        ("messages/page", {"sessionId": BIG_SESSION, "bogus": 1}, "unknown parameter 'bogus'"),
        (
            "messages/page",
            {"sessionId": BIG_SESSION, "filter": {"errorOnly": True}},
            "unknown parameter 'filter.errorOnly'",
        ),
        ("files/sessions", {"path": "relative/file.py"}, "absolute"),
        ("files/history", {"path": "/x.py", "limit": 0}, "limit"),
        ("files/history", {"path": "/x.py", "cursor": "nonsense"}, "cursor"),
        ("files/sessions", {"path": ""}, "path"),
        ("session/tools", [BIG_SESSION], "must be an object"),
        ("sessions/list", "everything", "must be an object"),
    ],
)
async def test_invalid_params(
    shared_client: TracerClient, method: str, params: Any, hint: str
) -> None:
    client = shared_client
    error = await expect_error(client, method, params)
    assert error.code == INVALID_PARAMS
    assert hint in error.message, error.message
    assert error.message.startswith(f"{method}: ")
    await assert_still_serving(client)


async def test_missing_params_mean_defaults(shared_client: TracerClient) -> None:
    client = shared_client
    listed = await raw_request(client, "sessions/list", ...)
    assert len(listed["sessions"]) == 8
    error = None
    try:
        await raw_request(client, "messages/page", ...)
    except JsonRpcException as exc:
        error = exc
    assert error is not None and error.code == INVALID_PARAMS and "sessionId" in error.message


async def test_malformed_standard_and_unknown_methods(shared_client: TracerClient) -> None:
    client = shared_client
    # pygls alone drops a request whose params do not structure, and the client waits forever.
    with pytest.raises(JsonRpcException) as raised:
        await raw_request(client, "textDocument/hover", {"textDocument": 7})
    assert raised.value.code == INVALID_PARAMS
    assert "textDocument/hover" in raised.value.message
    await assert_still_serving(client)

    with pytest.raises(JsonRpcException) as raised:
        await raw_request(client, "sessions/nope", {})
    assert raised.value.code == METHOD_NOT_FOUND
    await assert_still_serving(client)

    # A custom method sent as a notification, and a nested object that looks like a message.
    client.protocol.notify("messages/page", {"sessionId": BIG_SESSION})
    error = await expect_error(
        client,
        "messages/page",
        {"sessionId": BIG_SESSION, "filter": {"jsonrpc": "2.0", "method": "x"}},
    )
    assert error.code == INVALID_PARAMS
    await assert_still_serving(client)


@pytest.mark.parametrize(
    "params",
    [
        {"sessionId": BIG_SESSION, "limit": 10**30},
        {"sessionId": BIG_SESSION, "limit": 1.5},
        {"sessionId": BIG_SESSION, "limit": None},
        {"sessionId": "\ud800"},
        {"sessionId": "x" * 100_000},
        {"sessionId": BIG_SESSION, "filter": {"text": "\ud800\x00"}},
        {"sessionId": BIG_SESSION, "filter": {"text": "%' OR 1=1 --"}},
        {"sessionId": BIG_SESSION, "filter": {"tools": [{"name": "Bash"}]}},
        {"sessionId": BIG_SESSION, "filter": {"since": "2026-13-45T99:00:00Z"}},
        {"sessionId": BIG_SESSION, "cursor": "\x00" * 10},
        {"sessionId": BIG_SESSION, "filter": {"kinds": "assistant"}},
        {"sessionId": BIG_SESSION, "filter": nested(200)},
    ],
)
async def test_hostile_params_never_break_the_server(
    shared_client: TracerClient, params: dict[str, Any]
) -> None:
    client = shared_client
    try:
        result = await raw_request(client, "messages/page", params)
    except JsonRpcException as exc:
        assert exc.code == INVALID_PARAMS, exc.message
        assert exc.message.startswith("messages/page: ")
    else:
        assert isinstance(result["messages"], list)
    await assert_still_serving(client)
