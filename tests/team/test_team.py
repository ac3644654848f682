"""The team archive end to end on a real PostgreSQL: two pushing machines and a reader.

Expected values come from the machines' own folders (file names, raw lines via the tests' oracle),
never from the core's answers on the pushing side.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
import zstandard

from ..core.oracle import read_rows, session_files
from .conftest import add_roles
from .machines import PROJECTS_A, PROJECTS_B, Machine, make_machine, trunk_files
from .pgserver import PgServer


@pytest.fixture
def team(tmp_path: Path, pg: PgServer, team_db: str, db_name: str) -> dict[str, Any]:
    """Schema made by `team init`, roles as its SQL says, two machines each pushing as its own
    login role, and a reader machine with no sessions of its own."""
    a = make_machine(tmp_path, "a", "alice@laptop-a", PROJECTS_A)
    b = make_machine(tmp_path, "b", "bob@laptop-b", PROJECTS_B)
    reader = make_machine(tmp_path, "r", "carol@laptop-r", [])
    code, _, err = a.run("team", "init", "--url", team_db)
    assert code == 0, err
    pa, pb, rd = f"alice_{db_name}", f"bob_{db_name}", f"carol_{db_name}"
    add_roles(team_db, {pa: a.author, pb: b.author}, rd)
    return {
        "su": team_db,
        "a": a,
        "b": b,
        "reader": reader,
        "url_a": pg.url(db_name, pa),
        "url_b": pg.url(db_name, pb),
        "url_r": pg.url(db_name, rd),
    }


def _listed(m: Machine, url: str) -> list[dict[str, Any]]:
    page = m.json("sessions", "--team", url, "--limit", "1000")
    sessions: list[dict[str, Any]] = page["sessions"]
    return sessions


def _page_all(m: Machine, url: str, sid: str, limit: int = 100) -> list[str]:
    uuids: list[str] = []
    cursor: list[str] = []
    while True:
        page = m.json("messages", sid, "--team", url, "--limit", str(limit), *cursor)
        uuids += [msg["uuid"] for msg in page["messages"]]
        if not page["hasMore"]:
            return uuids
        cursor = ["--cursor", page["nextCursor"]]


def _trunk_uuids(main: Path) -> list[str]:
    """The trunk's uuids from the raw lines, each once (a resumed session replays lines: they
    are one message), in order."""
    seen: set[str] = set()
    out: list[str] = []
    for r in read_rows(session_files(main)):
        if not r.sidechain and r.uuid not in seen:
            seen.add(r.uuid)
            out.append(r.uuid)
    return out


# --- schema ---------------------------------------------------------------------------------------
def test_init_twice_applies_each_migration_once(team_db: str, tmp_path: Path) -> None:
    m = make_machine(tmp_path, "m", "x", [])
    first = m.json("team", "init", "--url", team_db)
    second = m.json("team", "init", "--url", team_db)
    assert first["applied"] == [1] and second["applied"] == []
    with psycopg.connect(team_db) as con:
        rows = con.execute("SELECT version FROM cct.schema_version").fetchall()
        rls = con.execute(
            "SELECT relname FROM pg_class WHERE relrowsecurity AND relnamespace ="
            " 'cct'::regnamespace ORDER BY relname"
        ).fetchall()
    assert rows == [(1,)]
    assert [r[0] for r in rls] == ["chunks", "files", "sessions"]
    assert any("CREATE ROLE" in s for s in first["roleSql"])


def test_push_to_a_database_without_the_schema_says_to_run_init(
    team_db: str, tmp_path: Path
) -> None:
    m = make_machine(tmp_path, "m", "x", PROJECTS_A[:1])
    code, out, err = m.run("team", "push", "--url", team_db)
    assert code != 0 and "team init" in err and "Traceback" not in err


# --- two machines and a reader --------------------------------------------------------------------
def test_reader_lists_both_authors_sessions_exactly(team: dict[str, Any]) -> None:
    a, b, reader = team["a"], team["b"], team["reader"]
    a.push(team["url_a"])
    b.push(team["url_b"])
    got = {(s["author"], s["sessionId"]) for s in _listed(reader, team["url_r"])}
    expected = {(a.author, sid) for sid in trunk_files(a.root)}
    expected |= {(b.author, sid) for sid in trunk_files(b.root)}
    assert got == expected
    assert len(expected) == len(trunk_files(a.root)) + len(trunk_files(b.root))


def test_reader_pages_every_team_session_exactly_and_opens_its_messages(
    team: dict[str, Any],
) -> None:
    a, b, reader = team["a"], team["b"], team["reader"]
    a.push(team["url_a"])
    b.push(team["url_b"])
    for m in (a, b):
        for sid, main in trunk_files(m.root).items():
            expected = _trunk_uuids(main)
            got = _page_all(reader, team["url_r"], sid)
            assert got == expected, sid
    # messages/get on a teammate's message: the whole line, as on its own machine
    sid, main = sorted(trunk_files(b.root).items())[0]
    line = next(
        json.loads(raw)
        for raw in main.read_bytes().splitlines()
        if raw.strip() and json.loads(raw).get("type") == "user" and json.loads(raw).get("uuid")
    )
    detail = reader.json("show", sid, line["uuid"], "--team", team["url_r"])
    assert detail["uuid"] == line["uuid"]


def test_a_word_planted_on_one_machine_is_found_from_the_other(team: dict[str, Any]) -> None:
    a, b = team["a"], team["b"]
    sid, main = sorted(trunk_files(b.root).items())[0]
    last = json.loads(main.read_bytes().splitlines()[-1])
    planted = {
        "type": "user",
        "uuid": "11111111-2222-4333-8444-555555555555",
        "parentUuid": last.get("uuid"),
        "sessionId": sid,
        "timestamp": "2026-06-01T10:00:00.000Z",
        "cwd": last.get("cwd"),
        "isSidechain": False,
        "message": {"role": "user", "content": "please look at the zanzibarquux module"},
    }
    with main.open("ab") as fh:
        fh.write(json.dumps(planted).encode() + b"\n")
    b.push(team["url_b"])
    hits = a.json("search", "zanzibarquux", "--all-projects", "--team", team["url_a"])
    found = [(g["sessionId"], h["uuid"]) for g in hits["groups"] for h in g["hits"]]
    assert found == [(sid, planted["uuid"])]
    # and not from machine a's own sessions alone
    alone = a.json("search", "zanzibarquux", "--all-projects")
    assert alone["groups"] == []
