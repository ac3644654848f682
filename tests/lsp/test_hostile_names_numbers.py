"""Over the real server: a token count of 2^63 in a transcript and sessions under odd folder and
file names leave sessions/list answering, each listed session opens with the list's own id, and
a stream limit of 2^63 is the client's error (-32602), not the server's (issue 18.3, 18.4, 18.8)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pygls.exceptions import JsonRpcException

from .lsp_support import SMALL_PROJECT, SMALL_SESSION, TracerClient
from .test_errors import assert_still_serving, raw_request

INVALID_PARAMS = -32602
ODD = ["with space", "a=b", "a%2Fb", "new\nline", "ünïcode-名前", "..dots", "br[a]ck*t"]


def _damage_first_usage(path: Path, value: str) -> None:
    lines = path.read_bytes().splitlines()
    for i, raw in enumerate(lines):
        if b'"output_tokens"' in raw:
            entry = json.loads(raw)
            entry["message"]["usage"]["output_tokens"] = "@@V@@"
            lines[i] = json.dumps(entry).encode().replace(b'"@@V@@"', value.encode())
            break
    path.write_bytes(b"\n".join(lines) + b"\n")


async def test_a_huge_token_count_and_odd_names_leave_the_list_serving_every_session(
    client: TracerClient, projects: Path
) -> None:
    src = projects / SMALL_PROJECT / f"{SMALL_SESSION}.jsonl"
    for folder in ODD:
        (projects / folder).mkdir()
        shutil.copy(src, projects / folder / src.name)
    shutil.copy(src, projects / SMALL_PROJECT / "sess ion=x%2F..jsonl")
    shutil.copy(src, projects / SMALL_PROJECT / "..hidden.jsonl")
    before = len([p for p in projects.glob("*/*.jsonl") if not p.name.startswith("agent-")])
    _damage_first_usage(src, "9223372036854775808")
    _damage_first_usage(projects / "a=b" / src.name, "1e308")
    listed = (await client.request("sessions/list", {"limit": 1000}))["sessions"]
    assert len(listed) == before
    names = {(s["project"], s["sessionId"]) for s in listed}
    assert {(f, SMALL_SESSION) for f in ODD} <= names
    assert (SMALL_PROJECT, "sess ion=x%2F.") in names and (SMALL_PROJECT, "..hidden") in names
    for s in listed:
        ref = {"sessionId": s["sessionId"], "project": s["project"]}
        page = await client.request("messages/page", {**ref, "limit": 2})
        assert page["messages"], ref
        metrics = await client.request("session/metrics", ref)
        assert metrics["tokens"]["output"] < 1 << 40
    damaged = await client.request(
        "session/metrics", {"sessionId": SMALL_SESSION, "project": SMALL_PROJECT}
    )
    assert damaged["invalidNumbers"] == 1


@pytest.mark.parametrize("limit", [1 << 63, (1 << 64) + 1, 1 << 53])
async def test_a_stream_limit_past_any_session_is_invalid_params(
    client: TracerClient, limit: int
) -> None:
    with pytest.raises(JsonRpcException) as raised:
        await raw_request(client, "messages/stream", {"sessionId": SMALL_SESSION, "limit": limit})
    assert raised.value.code == INVALID_PARAMS, raised.value
    await assert_still_serving(client)
