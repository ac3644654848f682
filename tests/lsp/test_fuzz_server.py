"""Property-based, against the real server process over stdio:

- random params for every custom method get a result or InvalidParams (-32602), never an
  internal error (-32603) and never silence;
- random byte streams on stdin cost nothing but themselves: the next good request is answered.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_code_tracer.models import METHOD_PARAMS, MessageFilter, Params

from .lsp_support import SMALL_PROJECT, SMALL_SESSION
from .raw_server import RawServer, request

_ids = itertools.count(1000)
FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def server(shared_projects: Path) -> Iterator[RawServer]:
    srv = RawServer()
    srv.initialize(shared_projects, shared_projects.parent / "fuzz-cache")
    yield srv
    code, err = srv.close()
    assert code == 0, err
    assert "Traceback" not in err, err


@pytest.fixture(scope="module")
def known_uuid(server: RawServer) -> str:
    msg_id = next(_ids)
    server.send(
        request(msg_id, "messages/page", {"sessionId": SMALL_SESSION, "project": SMALL_PROJECT})
    )
    uuid: str = server.wait_for(msg_id)["result"]["messages"][3]["uuid"]
    return uuid


def wire_names(model: type[Params]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(
        ["user", "file:///tmp/x", "file://[::1/x", "2026-01-01T00:00:00Z", "../..", "", "a" * 300]
    ),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=8,
)


def base(method: str, uuid: str) -> dict[str, Any]:
    if method == "sessions/list":
        return {}
    if method.startswith("files/"):
        return {"path": "/work/x.py"}
    ref: dict[str, Any] = {"sessionId": SMALL_SESSION, "project": SMALL_PROJECT}
    if method == "messages/get":
        ref["uuid"] = uuid
    return ref


uris = st.one_of(
    st.sampled_from(
        ["file:///work/x.py", "file://[::1/x", "untitled:Untitled-1", "file:", "file:///%00", ""]
    ),
    st.text(max_size=40),
)
# The standard requests a client sends about its documents (answered by pygls' structuring
# and the server's handlers alike).
STANDARD = ("textDocument/codeLens", "textDocument/hover")


@st.composite
def document_params(draw: st.DrawFn) -> tuple[str, Any]:
    method = draw(st.sampled_from(STANDARD))
    params: dict[str, Any] = {"textDocument": {"uri": draw(uris)}}
    if method == "textDocument/hover":
        params["position"] = {
            "line": draw(st.integers(-5, 2**40)),
            "character": draw(st.integers(-5, 2**40)),
        }
    if draw(st.booleans()):
        key = draw(st.sampled_from(["textDocument", "position", "extra"]))
        params[key] = draw(json_values)
    return method, params


@st.composite
def method_params(draw: st.DrawFn, uuid: str) -> tuple[str, Any]:
    if draw(st.integers(0, 4)) == 0:
        return draw(document_params())
    method = draw(st.sampled_from(sorted(METHOD_PARAMS)))
    if draw(st.integers(0, 9)) == 0:
        return method, draw(json_values)  # params that are not even an object
    params = base(method, uuid)
    names = wire_names(METHOD_PARAMS[method])
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from([*names, "extra"]))
        if key == "filter" and draw(st.booleans()):
            flt = {
                draw(st.sampled_from(wire_names(MessageFilter))): draw(json_values)
                for _ in range(draw(st.integers(1, 3)))
            }
            params[key] = flt
        else:
            params[key] = draw(json_values)
    return method, params


@FUZZ
@given(data=st.data())
def test_random_params_get_a_result_or_invalid_params(
    server: RawServer, known_uuid: str, data: st.DataObject
) -> None:
    method, params = data.draw(method_params(known_uuid))
    msg_id = next(_ids)
    server.send(request(msg_id, method, params))
    answer = server.wait_for(msg_id)
    if "error" in answer:
        assert answer["error"]["code"] == -32602, (method, params, answer["error"])
    elif method in STANDARD:
        assert answer["result"] is None or isinstance(answer["result"], list | dict), answer
    else:
        assert isinstance(answer["result"], dict), answer


# A header is one unit (name, value, line end): a length can then never run on into the digits
# of a later chunk, and the padding below always covers the body it announces.
headers = st.builds(
    lambda name, value: name + value + b"\r\n",
    st.sampled_from([b"Content-Length: ", b"content-length:", b"CONTENT-LENGTH:\t"]),
    st.one_of(
        st.integers(0, 200).map(lambda n: str(n).encode()),
        st.sampled_from([b"", b"abc", b"-5", b"1e3", b"100000000000000000000", b"200000000000"]),
    ),
)
fragments = st.sampled_from(
    [
        b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n",
        b"\r\n",
        b"\n",
        b'{"jsonrpc": "2.0", "id": ',
        b'"method": "sessions/list"}',
        b"{",
        b"\xff\xfe",
    ]
)
chunks = st.one_of(headers, fragments, st.binary(max_size=64))


@FUZZ
@given(stream=st.lists(chunks, max_size=12).map(b"".join))
def test_random_bytes_on_stdin_never_stop_the_next_request(
    server: RawServer, stream: bytes
) -> None:
    server.send(stream)
    # Ends whatever the stream left open: a header line, a header block, and a body of up to
    # 200 bytes (the largest length a chunk above can announce) that then fails to parse.
    server.send(b"\r\n\r\n" + b"\n" * 256)
    msg_id = next(_ids)
    server.send(request(msg_id, "sessions/list", {"limit": 1}))
    answer = server.wait_for(msg_id)
    assert len(answer["result"]["sessions"]) == 1
    assert server.alive()
