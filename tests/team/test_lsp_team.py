"""The language server's `team` option: a pushing server and a reading server, both real
processes over stdio, on a real PostgreSQL. Synchronisation is by ``sessions/didChange`` (with a
timeout), never by sleeping."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp

from ..lsp.lsp_support import CONFIG, TracerClient, init_params, page_all
from ..lsp.test_live import append_user_message
from .conftest import add_roles
from .machines import PROJECTS_A, make_machine, trunk_files
from .pgserver import PgServer
from .test_team import _trunk_uuids


@pytest.fixture
def lsp_team(tmp_path: Path, pg: PgServer, team_db: str, db_name: str) -> dict[str, Any]:
    from claude_code_tracer.team.db import init_schema

    init_schema(team_db)
    a = make_machine(tmp_path, "a", "alice@laptop-a", PROJECTS_A)
    reader = make_machine(tmp_path, "r", "carol@laptop-r", [])
    pa, rd = f"alice_{db_name}", f"carol_{db_name}"
    add_roles(team_db, {pa: a.author}, rd)
    return {"a": a, "reader": reader, "url_a": pg.url(db_name, pa), "url_r": pg.url(db_name, rd)}


@pytest_lsp.fixture(config=CONFIG)
async def pusher(lsp_client: TracerClient, lsp_team: dict[str, Any]):
    a = lsp_team["a"]
    team = {"url": lsp_team["url_a"], "author": a.author, "push": True, "intervalSeconds": 30}
    await lsp_client.initialize_session(init_params(a.root, a.cache, team=team))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def reader(lsp_client: TracerClient, lsp_team: dict[str, Any]):
    r = lsp_team["reader"]
    team = {"url": lsp_team["url_r"], "intervalSeconds": 0.5}
    await lsp_client.initialize_session(init_params(r.root, r.cache, team=team))
    yield
    await lsp_client.shutdown_session()


async def test_a_teammates_sessions_and_appended_lines_reach_another_editor(
    pusher: TracerClient, reader: TracerClient, lsp_team: dict[str, Any]
) -> None:
    a = lsp_team["a"]
    mains = trunk_files(a.root)
    sid, main = sorted(mains.items())[0]
    # the pusher pushes at start; the reader's pull announces the new sessions
    await reader.wait_for_change(lambda c: c["sessionId"] == sid, timeout=60)
    listed = await reader.request("sessions/list", {"limit": 1000})
    rows = {s["sessionId"]: s for s in listed["sessions"]}
    assert set(rows) == set(mains)
    assert {s["author"] for s in rows.values()} == {a.author}
    got = [m["uuid"] for m in await page_all(reader, {"sessionId": sid}, limit=50)]
    assert got == _trunk_uuids(main)

    # a line appended on the pushing machine is on the reader's page within seconds
    await pusher.wait_for_log("watching")
    reader.changes.clear()
    began = time.monotonic()
    new_uuid = append_user_message(main, "appended on alice's laptop")
    while True:
        await reader.wait_for_change(lambda c: c["sessionId"] == sid, timeout=30)
        reader.changes.clear()  # the next wait is for a later announcement
        page = await page_all(reader, {"sessionId": sid}, limit=500)
        if page and page[-1]["uuid"] == new_uuid:
            break
    latency = time.monotonic() - began
    assert [m["uuid"] for m in page] == _trunk_uuids(main)
    print(f"append -> teammate's page: {latency:.2f} s")
    assert latency < 15
