"""The probes of issue 11 over the real server: hostile files, a damaged cache, long uuids."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from claude_code_tracer.catalog import CATALOG_FILE
from claude_code_tracer.models import SessionsListParams
from claude_code_tracer.tracer import Tracer, TracerOptions

from .lsp_support import TracerClient
from .raw_server import RawServer, request

LONG = "u" * 3000
SID = "44444444-2222-4333-8444-555555555555"


@pytest.fixture
def fifo(projects: Path) -> Iterator[Path]:
    path = projects / "-path-to-Demo" / "x.jsonl"
    os.mkfifo(path)
    yield path
    try:  # release a reader a regression left blocked
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


async def test_a_fifo_and_a_dev_zero_link_do_not_stop_the_list(
    client: TracerClient, projects: Path, fifo: Path
) -> None:
    (projects / "-path-to-Demo" / "zero.jsonl").symlink_to("/dev/zero")
    listed = await client.request("sessions/list", {"limit": 100})
    assert len(listed["sessions"]) == 8
    assert {s["sessionId"] for s in listed["sessions"]}.isdisjoint({"x", "zero"})
    lenses = await client.request("files/sessions", {"path": "/nowhere/file.py"})
    assert lenses["sessions"] == []


async def test_a_3000_char_uuid_round_trips_over_lsp(client: TracerClient, projects: Path) -> None:
    path = projects / "-long" / f"{SID}.jsonl"
    path.parent.mkdir()
    lines = []
    for i in range(5):
        lines.append(
            {
                "type": "user",
                "uuid": f"{LONG}{i}",
                "parentUuid": f"{LONG}{i - 1}" if i else None,
                "sessionId": SID,
                "timestamp": f"2026-01-01T00:00:0{i}.000Z",
                "message": {"role": "user", "content": f"prompt {i}"},
            }
        )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    ref = {"sessionId": SID, "project": "-long"}
    served = []
    cursor = None
    while True:
        page = await client.request("messages/page", {**ref, "limit": 2, "cursor": cursor})
        served.extend(page["messages"])
        assert len(page["nextCursor"]) <= 2048
        if not page["hasMore"]:
            break
        cursor = page["nextCursor"]
    assert len(served) == 5
    for i, msg in enumerate(served):
        got = await client.request("messages/get", {**ref, "uuid": msg["uuid"]})
        assert got["entry"]["uuid"] == f"{LONG}{i}"
        assert got["entry"]["message"]["content"] == f"prompt {i}"
        if i:
            assert msg["parentUuid"] == served[i - 1]["uuid"]
    started = await client.request(
        "messages/page", {**ref, "limit": 1, "startAt": served[3]["uuid"]}
    )
    assert started["messages"][0]["uuid"] == served[3]["uuid"]


def test_the_server_starts_on_a_truncated_catalog_and_lists_everything(
    projects: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    tracer = Tracer(TracerOptions(projects_roots=[projects], cache_dir=cache))
    expected = len(tracer.list_sessions(SessionsListParams()).sessions)
    tracer.close()
    catalog = cache / CATALOG_FILE
    os.truncate(catalog, catalog.stat().st_size // 2)
    srv = RawServer()
    srv.initialize(projects, cache)
    srv.send(request(1, "sessions/list", {"limit": 100}))
    answer = srv.wait_for(1)
    assert len(answer["result"]["sessions"]) == expected == 8
    code, err = srv.close()
    assert code == 0
    log = srv.client_log()  # the client listens: the records are its logMessages, not stderr
    assert "was damaged" in log and "Traceback" not in err + log
