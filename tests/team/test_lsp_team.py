"""The language server's `team` option: a pushing server and a reading server, both real
processes over stdio, on a real PostgreSQL. Synchronisation is by ``sessions/didChange`` (with a
timeout), never by sleeping."""

from __future__ import annotations

import json
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp

from ..lsp.editor import EDITOR_CAPABILITIES, hover, open_doc
from ..lsp.lsp_support import CONFIG, TracerClient, init_params, page_all
from ..lsp.test_live import append_user_message
from .conftest import add_roles
from .machines import PROJECTS_A, SERVER_SAMPLES, make_machine, trunk_files
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


# --- beside the code: a teammate's session on the same repository's file --------------------------
APP = "def answer():\n    return 42\n\n\ndef question():\n    return 'six by nine'\n"


def _git_repo(where: Path, remote: str) -> Path:
    where.mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(where)], check=True)
    subprocess.run(["git", "-C", str(where), "remote", "add", "origin", remote], check=True)
    return where


def _write_session(root: Path, repo: Path) -> tuple[str, str]:
    """A session whose Write created ``src/app.py`` in ``repo`` (the 2.1.x line shapes)."""
    sid = "5e551075-0000-4000-8000-00000000a11c"
    project = root / ("-" + str(repo).strip("/").replace("/", "-"))
    project.mkdir(parents=True)
    base = {"sessionId": sid, "cwd": str(repo), "isSidechain": False, "version": "2.1.0"}
    target = str(repo / "src" / "app.py")
    lines = [
        {
            **base,
            "type": "user",
            "uuid": "b0000000-0000-4000-8000-000000000001",
            "parentUuid": None,
            "timestamp": "2026-06-02T09:00:00.000Z",
            "message": {"role": "user", "content": "write the answer module"},
        },
        {
            **base,
            "type": "assistant",
            "uuid": "b0000000-0000-4000-8000-000000000002",
            "parentUuid": "b0000000-0000-4000-8000-000000000001",
            "timestamp": "2026-06-02T09:00:05.000Z",
            "message": {
                "role": "assistant",
                "id": "msg_w1",
                "model": "claude-sonnet-4-5",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "toolu_w1",
                        "name": "Write",
                        "input": {"file_path": target, "content": APP},
                    }
                ],
            },
        },
        {
            **base,
            "type": "user",
            "uuid": "b0000000-0000-4000-8000-000000000003",
            "parentUuid": "b0000000-0000-4000-8000-000000000002",
            "timestamp": "2026-06-02T09:00:06.000Z",
            "message": {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "toolu_w1", "content": "File created"}
                ],
            },
        },
    ]
    (project / f"{sid}.jsonl").write_bytes(b"".join(json.dumps(x).encode() + b"\n" for x in lines))
    return sid, target


@pytest_lsp.fixture(config=CONFIG)
async def reader_in_clone(lsp_client: TracerClient, lsp_team: dict[str, Any], tmp_path: Path):
    r = lsp_team["reader"]
    team = {"url": lsp_team["url_r"], "intervalSeconds": 0.5}
    params = init_params(r.root, r.cache, team=team)
    params.capabilities = EDITOR_CAPABILITIES
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


async def test_a_hover_in_my_clone_names_the_teammates_session_that_wrote_the_line(
    lsp_team: dict[str, Any], tmp_path: Path, reader_in_clone: TracerClient
) -> None:
    a = lsp_team["a"]
    theirs = _git_repo(tmp_path / "alice-home" / "code" / "app", "git@github.com:org/app.git")
    sid, _ = _write_session(a.root, theirs)
    a.push(lsp_team["url_a"])
    # my clone: another path, the remote written another way, the same file
    mine = _git_repo(tmp_path / "carol" / "work" / "app", "https://github.com/org/app")
    (mine / "src").mkdir()
    (mine / "src" / "app.py").write_text(APP, encoding="utf-8")
    client = reader_in_clone
    await client.wait_for_change(lambda c: c["sessionId"] == sid, timeout=60)

    doc = open_doc(client, mine / "src" / "app.py")
    found = await hover(client, doc, 1, 4)
    assert found is not None
    text = found.contents.value
    assert "write the answer module" in text and a.author.split("@")[0] in text
    assert found.range.start.line == 0 and found.range.end.line >= 5
    files = await client.request("files/sessions", {"path": str(mine / "src" / "app.py")})
    assert [(s["sessionId"], s["author"]) for s in files["sessions"]] == [(sid, a.author)]
    # the editor's Team section: the team's sessions only, with author and remote
    team = await client.request("sessions/list", {"team": True, "limit": 1000})
    rows = {s["sessionId"]: (s["author"], s["remote"]) for s in team["sessions"]}
    assert set(rows) == set(trunk_files(a.root))
    assert set(rows.values()) == {(a.author, None), (a.author, "github.com/org/app")}
    assert rows[sid] == (a.author, "github.com/org/app")
    # a file of another repository at the same relative path is not the teammate's
    other = _git_repo(tmp_path / "carol" / "other", "https://github.com/org/other")
    (other / "src").mkdir()
    (other / "src" / "app.py").write_text(APP, encoding="utf-8")
    files = await client.request("files/sessions", {"path": str(other / "src" / "app.py")})
    assert files["sessions"] == []


@pytest_lsp.fixture(config=CONFIG)
async def reader_of_a_dead_database(lsp_client: TracerClient, tmp_path: Path):
    root = tmp_path / "projects"
    shutil.copytree(SERVER_SAMPLES / PROJECTS_A[0], root / PROJECTS_A[0])
    team = {"url": f"postgresql:///none?host={tmp_path / 'no-server'}", "intervalSeconds": 0.5}
    await lsp_client.initialize_session(init_params(root, tmp_path / "cache", team=team))
    yield
    await lsp_client.shutdown_session()


async def test_a_database_that_is_down_costs_one_log_line_and_no_request(
    reader_of_a_dead_database: TracerClient, tmp_path: Path
) -> None:
    client = reader_of_a_dead_database
    await client.wait_for_log("team sync paused")
    listed = await client.request("sessions/list", {"limit": 100})
    expected = {p.stem for p in (tmp_path / "projects").glob("*/*.jsonl")}
    expected = {s for s in expected if not s.startswith("agent-")}
    assert {s["sessionId"] for s in listed["sessions"]} == expected
    await client.request("sessions/list", {"limit": 100})
    paused = [m for m in client.log_messages if "team sync paused" in m.message]
    assert len(paused) == 1
    assert "no-server" in paused[0].message or "cannot reach" in paused[0].message
