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
    assert first["applied"] == [1, 2] and second["applied"] == []
    with psycopg.connect(team_db) as con:
        rows = con.execute("SELECT version FROM cct.schema_version").fetchall()
        rls = con.execute(
            "SELECT relname FROM pg_class WHERE relrowsecurity AND relnamespace ="
            " 'cct'::regnamespace ORDER BY relname"
        ).fetchall()
    assert rows == [(1,), (2,)]
    assert [r[0] for r in rls] == ["chunks", "files", "sessions"]
    assert any("CREATE ROLE" in s for s in first["roleSql"])


def test_push_to_a_database_without_the_schema_says_to_run_init(
    team_db: str, tmp_path: Path
) -> None:
    m = make_machine(tmp_path, "m", "x", PROJECTS_A[:1])
    code, _, err = m.run("team", "push", "--url", team_db)
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


# --- who may write what ---------------------------------------------------------------------------
def test_a_pusher_cannot_write_another_authors_rows(team: dict[str, Any]) -> None:
    a, b = team["a"], team["b"]
    a.push(team["url_a"])
    b.push(team["url_b"])
    # alice's role pushing as bob: refused, in one line, and nothing of hers is stored as bob's
    code, _, err = a.run("team", "push", "--url", team["url_a"], "--author", b.author)
    assert code != 0 and "refused" in err and "Traceback" not in err
    with psycopg.connect(team["su"]) as con:
        before = con.execute(
            "SELECT count(*), coalesce(sum(pushed_to), 0) FROM cct.files WHERE author = %s",
            (b.author,),
        ).fetchone()
    projects_of_bob = {p.parent.name for p in trunk_files(b.root).values()}
    with psycopg.connect(team["su"]) as con:
        projects = {
            r[0]
            for r in con.execute(
                "SELECT DISTINCT project FROM cct.files WHERE author = %s", (b.author,)
            ).fetchall()
        }
    assert projects == projects_of_bob
    # straight SQL as alice: no insert as bob, and bob's rows are invisible to her updates
    with psycopg.connect(team["url_a"]) as con:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute(
                "INSERT INTO cct.sessions (author, project, session_id) VALUES (%s, 'p', 's')",
                (b.author,),
            )
        con.rollback()
        cur = con.execute("UPDATE cct.files SET pushed_to = 0 WHERE author = %s", (b.author,))
        assert cur.rowcount == 0
        con.commit()
        # her own rows are hers to update, never to hand to bob
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute(
                "UPDATE cct.sessions SET author = %s WHERE author = %s", (b.author, a.author)
            )
        con.rollback()
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("INSERT INTO cct.members VALUES (current_user, %s)", (b.author,))
    # the reader may only read
    with psycopg.connect(team["url_r"]) as con:
        assert con.execute("SELECT count(*) FROM cct.sessions").fetchone()[0] > 0
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            con.execute("DELETE FROM cct.chunks")
    with psycopg.connect(team["su"]) as con:
        after = con.execute(
            "SELECT count(*), coalesce(sum(pushed_to), 0) FROM cct.files WHERE author = %s",
            (b.author,),
        ).fetchone()
    assert after == before


# --- what leaves the machine ----------------------------------------------------------------------
SECRETS = {
    "anthropic": "sk-ant-api03-" + "Zq7" * 12,
    "github": "ghp_" + "A1b2C3d4E5" * 4,
    "escaped_password": "hunter2-Pl4nted",
    "aws": "AKIA" + "QWERTYUIOPASDFGH",
}


def _planted_session(root: Path, cwd: str) -> tuple[str, Path]:
    """A one-project session whose lines carry secrets in text, in a tool's JSON input (escaped
    inside a string), and in the first prompt (so in the catalog's title)."""
    sid = "0f0f0f0f-1111-4222-8333-444444444444"
    project = root / "-tmp-planted"
    project.mkdir(parents=True)
    base = {"sessionId": sid, "cwd": cwd, "isSidechain": False, "version": "2.1.0"}
    lines = [
        {
            **base,
            "type": "user",
            "uuid": "a0000000-0000-4000-8000-000000000001",
            "parentUuid": None,
            "timestamp": "2026-06-01T10:00:00.000Z",
            "message": {"role": "user", "content": f"deploy with {SECRETS['github']} please"},
        },
        {
            **base,
            "type": "assistant",
            "uuid": "a0000000-0000-4000-8000-000000000002",
            "parentUuid": "a0000000-0000-4000-8000-000000000001",
            "timestamp": "2026-06-01T10:00:01.000Z",
            "message": {
                "role": "assistant",
                "id": "msg_1",
                "model": "claude-sonnet-4-5",
                "content": [
                    {"type": "text", "text": f"export ANTHROPIC_API_KEY={SECRETS['anthropic']}"},
                    {
                        "type": "tool_use",
                        "id": "toolu_1",
                        "name": "Write",
                        "input": {
                            "file_path": "/tmp/conf.json",
                            "content": json.dumps(
                                {"password": SECRETS["escaped_password"], "key": SECRETS["aws"]}
                            ),
                        },
                    },
                ],
                "usage": {"input_tokens": 5, "output_tokens": 7},
            },
        },
    ]
    path = project / f"{sid}.jsonl"
    path.write_bytes(b"".join(json.dumps(x).encode() + b"\n" for x in lines))
    return sid, path


def _everything_stored(su: str) -> bytes:
    """Every byte the database holds for the team: chunks decompressed, and every text column."""
    out = bytearray()
    with psycopg.connect(su) as con:
        for (data,) in con.execute("SELECT data FROM cct.chunks").fetchall():
            out += zstandard.ZstdDecompressor().decompress(bytes(data))
        for row in con.execute("SELECT * FROM cct.sessions").fetchall():
            out += repr(row).encode()
        for row in con.execute("SELECT * FROM cct.files").fetchall():
            out += repr(row).encode()
    return bytes(out)


def test_a_planted_secret_never_reaches_the_database(team: dict[str, Any], tmp_path: Path) -> None:
    a = team["a"]
    repo = tmp_path / "repo"
    repo.mkdir()
    import subprocess

    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    token_remote = f"https://deploy:{SECRETS['github']}@github.com/Org/App.git"
    subprocess.run(["git", "-C", str(repo), "remote", "add", "origin", token_remote], check=True)
    sid, path = _planted_session(a.root, str(repo))
    raw = path.read_bytes()
    assert all(s.encode() in raw or s in raw.decode() for s in SECRETS.values())
    result = a.push(team["url_a"])
    assert sum(result["redactions"].values()) >= len(SECRETS)
    stored = _everything_stored(team["su"])
    for name, secret in SECRETS.items():
        assert secret.encode() not in stored, name
    assert b"[REDACTED:" in stored
    # the stored lines are still one JSON document each, and the session still reads
    with psycopg.connect(team["su"]) as con:
        (data,) = con.execute(
            "SELECT data FROM cct.chunks WHERE author = %s AND path = %s",
            (a.author, f"{sid}.jsonl"),
        ).fetchone()
        remote = con.execute(
            "SELECT remote FROM cct.sessions WHERE session_id = %s", (sid,)
        ).fetchone()
    lines = zstandard.ZstdDecompressor().decompress(bytes(data)).splitlines()
    assert len(lines) == 2 and all(isinstance(json.loads(x), dict) for x in lines)
    assert remote == ("github.com/Org/App",)
    page = team["reader"].json("messages", sid, "--team", team["url_r"])
    assert [m["uuid"] for m in page["messages"]] == [json.loads(x)["uuid"] for x in lines]


def test_no_redact_sends_the_bytes_as_they_are(team: dict[str, Any], tmp_path: Path) -> None:
    a = team["a"]
    sid, path = _planted_session(a.root, str(tmp_path))
    a.push(team["url_a"], "--no-redact", "--project", "-tmp-planted")
    with psycopg.connect(team["su"]) as con:
        (data,) = con.execute(
            "SELECT data FROM cct.chunks WHERE path = %s", (f"{sid}.jsonl",)
        ).fetchone()
        projects = {r[0] for r in con.execute("SELECT project FROM cct.files").fetchall()}
    assert zstandard.ZstdDecompressor().decompress(bytes(data)) == path.read_bytes()
    assert projects == {"-tmp-planted"}


# --- killed, offline, passwords -------------------------------------------------------------------
def _stored_copy(su: str, author: str) -> dict[str, bytes]:
    """Each file of an author as the database holds it, checking on the way that its chunks
    follow one another from byte 0 with no gap and no overlap."""
    files: dict[str, bytes] = {}
    with psycopg.connect(su) as con:
        rows = con.execute(
            "SELECT project, path, pushed_to FROM cct.files WHERE author = %s", (author,)
        ).fetchall()
        for project, path, pushed_to in rows:
            at, out = 0, bytearray()
            for start, stop, data in con.execute(
                "SELECT src_start, src_stop, data FROM cct.chunks WHERE author = %s AND"
                " project = %s AND path = %s ORDER BY src_start",
                (author, project, path),
            ).fetchall():
                assert start == at, (path, start, at)
                out += zstandard.ZstdDecompressor().decompress(bytes(data))
                at = stop
            assert at == pushed_to
            files[f"{project}/{path}"] = bytes(out)
    return files


def _all_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.jsonl")}


def test_a_push_killed_at_random_points_and_resumed_stores_every_line_once(
    team: dict[str, Any], tmp_path: Path
) -> None:
    import random

    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    m = make_machine(tmp_path, "k", team["a"].author, PROJECTS_A + PROJECTS_B)
    kills = 0
    for _ in range(4):
        with psycopg.connect(team["su"]) as con:
            before = con.execute("SELECT count(*) FROM cct.chunks").fetchone()[0]
        proc = m.push_process(team["url_a"], "--no-redact", "--chunk-bytes", "4096")
        # wait until this push has stored something (or ended), then kill it a random moment on
        while proc.poll() is None:
            with psycopg.connect(team["su"]) as con:
                now = con.execute("SELECT count(*) FROM cct.chunks").fetchone()[0]
            if now > before:
                break
            try:
                proc.wait(timeout=0.05)
            except Exception:
                pass
        try:
            proc.wait(timeout=rng.uniform(0.0, 0.8))
        except Exception:
            proc.kill()
            kills += 1
        proc.communicate()
    assert kills >= 1, f"no push was killed mid-way (seed {seed})"
    m.push(team["url_a"], "--no-redact", "--chunk-bytes", "4096")
    stored = _stored_copy(team["su"], m.author)
    assert stored == _all_files(m.root), f"seed {seed}"
    # and a reader pages each session with every message once
    for sid, main in trunk_files(m.root).items():
        assert _page_all(team["reader"], team["url_r"], sid, 500) == _trunk_uuids(main)


def test_the_database_going_away_and_coming_back_loses_nothing(
    team: dict[str, Any], pg: PgServer
) -> None:
    a, reader = team["a"], team["reader"]
    a.push(team["url_a"])
    listed = {s["sessionId"] for s in _listed(reader, team["url_r"])}
    assert listed == set(trunk_files(a.root))
    sid, main = sorted(trunk_files(a.root).items())[0]
    last = json.loads(main.read_bytes().splitlines()[-1])
    added = {
        "type": "user",
        "uuid": "22222222-3333-4444-8555-666666666666",
        "parentUuid": last.get("uuid"),
        "sessionId": sid,
        "timestamp": "2026-07-01T10:00:00.000Z",
        "isSidechain": False,
        "message": {"role": "user", "content": "written while the database was down"},
    }
    pg.stop()
    try:
        with main.open("ab") as fh:
            fh.write(json.dumps(added).encode() + b"\n")
        code, _, err = a.run("team", "push", "--url", team["url_a"], "--author", a.author)
        assert code == 1 and "cannot reach the team database" in err
        assert "Traceback" not in err
        # the reader still reads what it pulled before, with one warning
        code, out, err = reader.run("sessions", "--team", team["url_r"], "--json")
        assert code == 0 and "as last pulled" in err
        assert {s["sessionId"] for s in json.loads(out)["sessions"]} == listed
    finally:
        pg.start()
    a.push(team["url_a"])
    assert _page_all(reader, team["url_r"], sid, 500) == _trunk_uuids(main)
    assert _trunk_uuids(main)[-1] == added["uuid"]
    assert _stored_copy(team["su"], a.author) == _all_files(a.root)


def test_the_password_is_never_printed_nor_kept(
    team: dict[str, Any], pg: PgServer, db_name: str
) -> None:
    a = team["a"]
    password = "S3cret-Pw-9f1c"
    with psycopg.connect(team["su"], autocommit=True) as con:
        if not con.execute("SELECT 1 FROM pg_roles WHERE rolname = 'cct_pw'").fetchone():
            con.execute("CREATE ROLE cct_pw LOGIN IN ROLE cct_pusher")
        con.execute(f"ALTER ROLE cct_pw PASSWORD '{password}'")
        con.execute("INSERT INTO cct.members VALUES ('cct_pw', %s)", (a.author,))
    with_pw = f"postgresql://cct_pw:{password}@/{db_name}?host={pg.socket_dir}&port={pg.port}"
    code, out, err = a.run("team", "push", "--url", with_pw, "--author", a.author)
    assert code == 0, err
    assert password not in out + err and "cct_pw@" in out
    wrong = with_pw.replace(password, password + "x")
    code, out, err = a.run("team", "push", "--url", wrong, "--author", a.author)
    assert code == 1 and "password authentication failed" in err
    assert password not in out + err
    code, out, err = a.run("sessions", "--team", with_pw)
    assert code == 0 and password not in out + err
    for p in a.home.rglob("*"):
        if p.is_file():
            assert password.encode() not in p.read_bytes(), p


def test_stats_and_export_read_a_teammates_session_like_a_local_one(team: dict[str, Any]) -> None:
    b, reader = team["b"], team["reader"]
    b.push(team["url_b"])
    sid, main = sorted(trunk_files(b.root).items())[0]
    stats = reader.json("stats", sid, "--team", team["url_r"])
    # messages of the trunk counted from the raw lines (each replayed uuid once)
    assert stats["metrics"]["messageCount"] == len(_trunk_uuids(main))
    code, out, err = reader.run("export", sid, "--team", team["url_r"])
    assert code == 0, err
    first_prompt = next(
        json.loads(raw)["message"]["content"]
        for raw in main.read_bytes().splitlines()
        if raw.strip()
        and json.loads(raw).get("type") == "user"
        and isinstance(json.loads(raw).get("message", {}).get("content"), str)
    )
    assert first_prompt.split("\n")[0][:40] in out
    # without --team the reader has no such session
    code, _, err = reader.run("stats", sid)
    assert code == 2 and "no session" in err


def test_an_older_schema_is_migrated_in_place_and_keeps_its_rows(
    team: dict[str, Any],
) -> None:
    """A database made by schema 1 (no repo_root) is brought to the latest by `team init`,
    its pushed rows kept; until then a push says to run init."""
    a = team["a"]
    a.push(team["url_a"])
    with psycopg.connect(team["su"]) as con:
        con.execute("ALTER TABLE cct.sessions DROP COLUMN repo_root")
        con.execute("DELETE FROM cct.schema_version WHERE version > 1")
        con.commit()
        before = con.execute("SELECT count(*) FROM cct.chunks").fetchone()
    code, _, err = a.run("team", "push", "--url", team["url_a"], "--author", a.author)
    assert code == 1 and "team init" in err
    assert a.json("team", "init", "--url", team["su"])["applied"] == [2]
    with psycopg.connect(team["su"]) as con:
        assert con.execute("SELECT count(*) FROM cct.chunks").fetchone() == before
    a.push(team["url_a"])
    assert _stored_copy(team["su"], a.author) == _all_files(a.root)


def test_two_pushes_of_one_author_at_once_store_every_line_once(
    team: dict[str, Any], tmp_path: Path
) -> None:
    """(One waits for the other's lock, then sends what is left: nothing.)"""
    m = make_machine(tmp_path, "k", team["a"].author, PROJECTS_A + PROJECTS_B)
    m.run("sessions")  # both processes then find the archive written: they race on the database
    procs = [m.push_process(team["url_a"], "--no-redact", "--chunk-bytes", "8192") for _ in "ab"]
    results = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], results
    assert _stored_copy(team["su"], m.author) == _all_files(m.root)


def test_what_the_database_holds_is_untrusted_by_a_reader(
    team: dict[str, Any], tmp_path: Path
) -> None:
    """Paths that would leave the cache, and a damaged chunk, are skipped and counted; the
    rest still reads."""
    a, reader = team["a"], team["reader"]
    a.push(team["url_a"])
    evil = zstandard.ZstdCompressor().compress(b'{"type":"user"}\n')
    with psycopg.connect(team["su"]) as con:
        for project, path in (
            ("..", "x.jsonl"),
            ("-p", "../../../escape.jsonl"),
            ("-p", "/abs.jsonl"),
        ):
            con.execute(
                "INSERT INTO cct.files (author, project, path, generation, pushed_to)"
                " VALUES ('mallory', %s, %s, 0, 16)",
                (project, path),
            )
            con.execute(
                "INSERT INTO cct.chunks (author, project, path, generation, src_start, src_stop,"
                " raw_len, data) VALUES ('mallory', %s, %s, 0, 0, 16, 16, %s)",
                (project, path, evil),
            )
        # a chunk that does not decompress, in a file of a plain name
        con.execute(
            "INSERT INTO cct.files (author, project, path, generation, pushed_to)"
            " VALUES ('mallory', '-p', 'ok.jsonl', 0, 16)"
        )
        con.execute(
            "INSERT INTO cct.chunks (author, project, path, generation, src_start, src_stop,"
            " raw_len, data) VALUES ('mallory', '-p', 'ok.jsonl', 0, 0, 16, 16, %s)",
            (b"not zstd at all!",),
        )
        con.commit()
    pulled = reader.json("team", "pull", "--url", team["url_r"])
    assert pulled["skipped"] == 4
    assert not list(tmp_path.rglob("escape.jsonl")) and not list(tmp_path.rglob("abs.jsonl"))
    listed = {s["sessionId"] for s in _listed(reader, team["url_r"])}
    assert listed == set(trunk_files(a.root))


def test_a_bad_team_url_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    m = make_machine(tmp_path, "m", "x", [])
    code, _, err = m.run("sessions", "--team", "host=/nonexistent port=notanumber ===")
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
