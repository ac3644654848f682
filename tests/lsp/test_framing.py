"""Framing: malformed and absurd frames cost one message, never the connection.

Raw bytes go to the real server's stdin; after each bad frame a good request must be answered
(the server is neither dead nor deaf), and at the end the process exits cleanly when its input
ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .raw_server import RawServer, frame, request


@pytest.fixture(scope="module")
def server(shared_projects: Path) -> Iterator[RawServer]:
    """One server for the module: every test leaves it answering (which is the point)."""
    srv = RawServer()
    srv.initialize(shared_projects, shared_projects.parent / "raw-cache")
    yield srv
    if srv.alive():
        srv.close()


def sessions_request(msg_id: int) -> bytes:
    return request(msg_id, "sessions/list", {"limit": 3})


def answers(srv: RawServer, msg_id: int) -> None:
    srv.send(sessions_request(msg_id))
    got = srv.wait_for(msg_id)
    assert len(got["result"]["sessions"]) == 3, got


BODY = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "sessions/list"}).encode()


@pytest.mark.parametrize(
    "bad",
    [
        b"Content-Length: abc\r\n\r\n" + BODY,
        b"Content-Length: -5\r\n\r\n" + BODY,
        b"Content-Length: 100000000000000000000\r\n\r\n" + BODY,
        b"Content-Length: 200000000000\r\n\r\n" + BODY,
        b"Content-Length: 5\r\n\r\n" + b"nope!",  # not JSON
        b"Content-Type: application/json\r\n\r\n" + BODY,  # no length at all
        b"x" * 100_000 + b"\r\n",  # an endless header line
        b"\x00\xff\xfe garbage \r\n\r\n",
    ],
    ids=["abc", "negative", "1e20", "200GB", "not-json", "no-length", "long-line", "binary"],
)
def test_a_bad_frame_costs_one_message_not_the_connection(server: RawServer, bad: bytes) -> None:
    answers(server, 1)
    server.send(bad)
    answers(server, 2)
    answers(server, 3)
    assert server.alive()


def test_header_names_are_case_insensitive(server: RawServer) -> None:
    server.send(frame(json.loads(sessions_request(5).split(b"\r\n\r\n", 1)[1]), "content-length"))
    assert len(server.wait_for(5)["result"]["sessions"]) == 3
    server.send(frame(json.loads(sessions_request(6).split(b"\r\n\r\n", 1)[1]), "CONTENT-LENGTH"))
    assert len(server.wait_for(6)["result"]["sessions"]) == 3


def test_a_body_that_is_not_json_gets_a_parse_error(server: RawServer) -> None:
    server.send(frame(b"{not json"))
    assert server.wait_for(None)["error"]["code"] == -32700
    answers(server, 11)


@pytest.mark.parametrize("body", [b"[1, 2]", b'{"id": 4, "foo": 1}', b"42", b'"text"'])
def test_json_that_is_not_a_message_gets_invalid_request(server: RawServer, body: bytes) -> None:
    server.send(frame(body))
    msg_id = 4 if b'"id": 4' in body else None
    assert server.wait_for(msg_id)["error"]["code"] == -32600
    answers(server, 12)


def test_input_ending_inside_a_message_closes_cleanly(projects: Path, tmp_path: Path) -> None:
    srv = RawServer()
    srv.initialize(projects, tmp_path / "cache")
    answers(srv, 13)
    srv.send(b"Content-Length: abc\r\n\r\n" + BODY)
    answers(srv, 14)
    srv.send(b'Content-Length: 500\r\n\r\n{"jsonrpc": ')
    code, err = srv.close()
    assert code == 0
    log = srv.client_log()  # the client listens: the records are its logMessages, not stderr
    assert "Traceback" not in err + log
    assert "skipping input: an invalid Content-Length 'abc'" in log
    assert "input ended inside a message (12 of 500 bytes)" in log
