"""Live follow: changes on disk become sessions/didChange, and the next page shows them.

Synchronisation is by the notification itself (with a timeout), never by sleeping. The server logs
"watching" once its file watches exist, so each test waits for that before touching files.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from .lsp_support import SMALL_PROJECT, SMALL_SESSION, TracerClient, page_all

INVALID_PARAMS = -32602


def append_user_message(path: Path, text: str) -> str:
    """Append one user line in the real 2.1.x shape, chained after the file's last entry."""
    last = json.loads(path.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1])
    stamp = datetime.fromisoformat(last["timestamp"].replace("Z", "+00:00")) + timedelta(seconds=5)
    new_uuid = str(uuid.uuid4())
    entry: dict[str, Any] = {
        "parentUuid": last["uuid"],
        "isSidechain": False,
        "userType": "external",
        "cwd": last.get("cwd"),
        "sessionId": last["sessionId"],
        "version": last.get("version"),
        "type": "user",
        "message": {"role": "user", "content": text},
        "uuid": new_uuid,
        "timestamp": stamp.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
    }
    with path.open("ab") as fh:
        fh.write(json.dumps(entry).encode() + b"\n")
    return new_uuid


@pytest.fixture
async def watching(client: TracerClient) -> TracerClient:
    await client.wait_for_log("watching")
    return client


async def test_appended_line_is_announced_and_paged(watching: TracerClient, projects: Path) -> None:
    client = watching
    ref = {"sessionId": SMALL_SESSION, "project": SMALL_PROJECT}
    before = await page_all(client, ref, limit=500)
    last = await client.request("messages/page", {**ref, "limit": 500})
    assert not last["hasMore"] and last["nextCursor"]

    path = projects / SMALL_PROJECT / f"{SMALL_SESSION}.jsonl"
    new_uuid = append_user_message(path, "a line written while the server watches")
    change = await client.wait_for_change(lambda c: c["sessionId"] == SMALL_SESSION)
    assert change == {"sessionId": SMALL_SESSION, "project": SMALL_PROJECT, "kind": "appended"}

    # The cursor of the last page continues right after what the client had seen.
    after = await client.request("messages/page", {**ref, "cursor": last["nextCursor"]})
    assert [m["uuid"] for m in after["messages"]] == [new_uuid]
    assert "a line written" in after["messages"][0]["preview"]
    everything = await page_all(client, ref, limit=500)
    assert everything[: len(before)] == before and everything[-1]["uuid"] == new_uuid

    listed = await client.request("sessions/list", {"project": SMALL_PROJECT})
    info = next(s for s in listed["sessions"] if s["sessionId"] == SMALL_SESSION)
    assert info["messageCount"] == len(before) + 1


async def test_created_and_deleted_sessions(watching: TracerClient, projects: Path) -> None:
    client = watching
    new_id = str(uuid.uuid4())
    source = projects / SMALL_PROJECT / f"{SMALL_SESSION}.jsonl"
    target = projects / "-home-dev-fresh" / f"{new_id}.jsonl"
    target.parent.mkdir()
    text = source.read_text().replace(SMALL_SESSION, new_id)
    target.write_text(text)

    created = await client.wait_for_change(lambda c: c["sessionId"] == new_id)
    assert created == {"sessionId": new_id, "project": "-home-dev-fresh", "kind": "created"}
    listed = await client.request("sessions/list", {})
    assert new_id in [s["sessionId"] for s in listed["sessions"]]
    page = await client.request("messages/page", {"sessionId": new_id, "limit": 5})
    assert len(page["messages"]) == 5

    target.unlink()
    deleted = await client.wait_for_change(
        lambda c: c["sessionId"] == new_id and c["kind"] == "deleted"
    )
    assert deleted["project"] == "-home-dev-fresh"
    # the archive keeps it: still listed, marked deleted and archived, and still readable
    listed = await client.request("sessions/list", {})
    gone = [s for s in listed["sessions"] if s["sessionId"] == new_id]
    assert [(s["deleted"], s["archived"]) for s in gone] == [(True, True)]
    again = await client.request("messages/page", {"sessionId": new_id, "limit": 5})
    assert again["messages"] == page["messages"]
    with pytest.raises(Exception) as raised:
        await client.request("messages/page", {"sessionId": str(uuid.uuid4())})
    assert getattr(raised.value, "code", None) == INVALID_PARAMS


async def test_subagent_append_is_an_append_of_its_session(
    watching: TracerClient, projects: Path
) -> None:
    client = watching
    project = "-home-USER-projects-spotter-worktrees-spotter-dov"
    session = "4d5611e5-241a-462a-8d15-5122611a9569"
    agent = projects / project / session / "subagents" / "agent-a2898e3.jsonl"
    before = await client.request("session/subagents", {"sessionId": session})
    copy = agent.with_name("agent-a2898e3.bak")
    shutil.copy(agent, copy)  # not a .jsonl: the watcher ignores it
    with agent.open("ab") as fh:
        fh.write(b"\n")  # a blank line changes the file without adding a message
    change = await client.wait_for_change(lambda c: c["sessionId"] == session)
    assert change["kind"] == "appended" and change["project"] == project
    after = await client.request("session/subagents", {"sessionId": session})
    assert after == before
