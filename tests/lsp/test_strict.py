"""Requests are validated strictly, a second initialize is refused, malformed URIs are the
client's fault (-32602), and a string "false" is not true."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pygls.exceptions import JsonRpcException

from .lsp_support import SMALL_PROJECT, SMALL_SESSION, TracerClient
from .test_errors import assert_still_serving, raw_request

INVALID_PARAMS = -32602
INVALID_REQUEST = -32600

pytestmark = pytest.mark.asyncio(loop_scope="module")


async def rejected(client: TracerClient, method: str, params: Any) -> JsonRpcException:
    with pytest.raises(JsonRpcException) as raised:
        await raw_request(client, method, params)
    return raised.value


async def test_a_second_initialize_is_refused_and_does_not_reroot(
    shared_client: TracerClient, tmp_path: Path
) -> None:
    before = await shared_client.request("sessions/list", {"limit": 100})
    assert len(before["sessions"]) == 8
    empty = tmp_path / "empty"
    empty.mkdir()
    error = await rejected(
        shared_client,
        "initialize",
        {"capabilities": {}, "initializationOptions": {"projectsRoot": str(empty)}},
    )
    assert error.code == INVALID_REQUEST and "already initialized" in error.message
    after = await shared_client.request("sessions/list", {"limit": 100})
    assert [s["sessionId"] for s in after["sessions"]] == [
        s["sessionId"] for s in before["sessions"]
    ]


@pytest.mark.parametrize(
    ("method", "params"),
    [
        ("files/sessions", {"path": "file://[::1/x"}),
        ("files/history", {"path": "file://[::1/x"}),
        ("sessions/list", {"workspace": "file://[::1/x"}),
    ],
)
async def test_a_malformed_file_uri_is_invalid_params(
    shared_client: TracerClient, method: str, params: dict[str, Any]
) -> None:
    error = await rejected(shared_client, method, params)
    assert error.code == INVALID_PARAMS, error
    await assert_still_serving(shared_client)


async def test_a_malformed_document_uri_gets_no_lens_and_no_error(
    shared_client: TracerClient,
) -> None:
    lenses = await raw_request(
        shared_client, "textDocument/codeLens", {"textDocument": {"uri": "file://[::1/x"}}
    )
    assert lenses is None or lenses == []
    await assert_still_serving(shared_client)


REF = {"sessionId": SMALL_SESSION, "project": SMALL_PROJECT}


@pytest.mark.parametrize(
    ("method", "params", "field"),
    [
        ("messages/page", {**REF, "limit": "10"}, "limit"),
        ("messages/page", {**REF, "limit": True}, "limit"),
        ("messages/page", {**REF, "limit": 10.5}, "limit"),
        ("messages/page", {**REF, "expand": 1}, "expand"),
        ("messages/page", {**REF, "expand": "true"}, "expand"),
        ("messages/page", {**REF, "filter": {"errorsOnly": "yes"}}, "errorsOnly"),
        ("messages/stream", {**REF, "batchSize": "5"}, "batchSize"),
        ("sessions/list", {"limit": "3"}, "limit"),
        ("sessions/list", {"includeDeleted": 0}, "includeDeleted"),
        ("files/history", {"path": "/x", "limit": False}, "limit"),
        ("messages/get", {**REF, "uuid": 5}, "uuid"),
    ],
)
async def test_values_of_the_wrong_json_type_are_refused_not_coerced(
    shared_client: TracerClient, method: str, params: dict[str, Any], field: str
) -> None:
    error = await rejected(shared_client, method, params)
    assert error.code == INVALID_PARAMS, error
    assert field in error.message, error.message


async def test_strict_validation_still_reads_timestamps_kinds_and_camel_case(
    shared_client: TracerClient,
) -> None:
    page = await shared_client.request(
        "messages/page",
        {
            **REF,
            "limit": 5,
            "expand": False,
            "filter": {
                "kinds": ["user", "assistant"],
                "since": "2000-01-01T00:00:00Z",
                "includeSidechains": True,
            },
        },
    )
    assert len(page["messages"]) == 5
    assert {m["kind"] for m in page["messages"]} <= {"user", "assistant"}
