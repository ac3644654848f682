"""A subagent file that grows while the server watches: announced, and on the next page.

With the watcher on, a warm request stats only the session's main file and the files the
watcher reported (the cost of a request does not grow with the number of subagent files), so
this pins down that a reported growth is never missed. Synchronisation is by the notification."""

from __future__ import annotations

import json
from pathlib import Path

from .lsp_support import TracerClient, page_all
from .test_live import watching  # noqa: F401  (fixture)

PROJECT = "-home-USER-projects-spotter-worktrees-spotter-dov"
SESSION = "4d5611e5-241a-462a-8d15-5122611a9569"


async def test_a_subagent_line_appended_is_on_the_next_page_after_the_change(
    watching: TracerClient,  # noqa: F811
    projects: Path,
) -> None:
    client = watching
    ref = {"sessionId": SESSION, "project": PROJECT, "filter": {"includeSidechains": True}}
    before = await page_all(client, ref, limit=500)
    agent = projects / PROJECT / SESSION / "subagents" / "agent-a2898e3.jsonl"
    last = json.loads(agent.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)[-1])
    line = {**last, "uuid": "feedface-0000-4000-8000-000000000001", "parentUuid": last["uuid"]}
    with agent.open("ab") as fh:
        fh.write(json.dumps(line).encode() + b"\n")
    await client.wait_for_change(lambda c: c["sessionId"] == SESSION)
    after = await page_all(client, ref, limit=500)
    assert len(after) == len(before) + 1
    assert "feedface-0000-4000-8000-000000000001" in {m["uuid"] for m in after}
