"""Requests no client should send still get one clear answer, without a traceback, and the
server goes on serving (issue 18.8): an object or array id, a body nested 100,000 deep."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .raw_server import RawServer, frame, request

INVALID_REQUEST = -32600


@pytest.fixture(scope="module")
def server(shared_projects: Path) -> Iterator[RawServer]:
    srv = RawServer()
    srv.initialize(shared_projects, shared_projects.parent / "hostile-raw-cache")
    yield srv
    if srv.alive():
        srv.close()


def answers(srv: RawServer, msg_id: int) -> None:
    srv.send(request(msg_id, "sessions/list", {"limit": 2}))
    assert len(srv.wait_for(msg_id)["result"]["sessions"]) == 2


@pytest.mark.parametrize("bad_id", [{"a": 1}, [1, 2], True])
def test_an_object_or_array_id_is_an_invalid_request_without_a_traceback(
    server: RawServer, bad_id: object
) -> None:
    server.send(frame({"jsonrpc": "2.0", "id": bad_id, "method": "sessions/list", "params": {}}))
    got = server.wait_for(None)
    assert got["error"]["code"] == INVALID_REQUEST, got
    assert "data" not in got["error"] and "Traceback" not in str(got)
    answers(server, 41)


def test_a_request_nested_100000_deep_gets_an_error_reply(server: RawServer) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    body = b'{"jsonrpc": "2.0", "id": 42, "method": "sessions/list", "params": ' + deep + b"}"
    server.send(frame(body))
    got = server.wait_for(None)
    assert got["error"]["code"] == INVALID_REQUEST and "nested" in got["error"]["message"]
    answers(server, 43)
