"""The persistent session catalog and the session list built on it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import duckdb

from claude_code_tracer.catalog import CATALOG_FILE
from claude_code_tracer.models import SessionsListParams
from claude_code_tracer.tracer import Tracer

from .test_store import SID, append, entry, write


def test_catalog_survives_a_restart_without_reparsing_unchanged_files(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    first = make_tracer(samples_root)
    before = first.list_sessions(SessionsListParams())
    assert first.catalog.total_parses == 8
    first.close()
    second = make_tracer(samples_root)
    after = second.list_sessions(SessionsListParams())
    assert second.catalog.total_parses == 0
    assert after.model_dump() == before.model_dump()


def test_a_grown_session_is_parsed_from_where_the_catalog_stopped(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    path = root / "-work-proj" / f"{SID}.jsonl"
    write(path, [entry(i, "assistant" if i % 2 else "user") for i in range(10)])
    tracer = make_tracer(root)
    info = tracer.list_sessions(SessionsListParams()).sessions[0]
    assert info.message_count == 10
    append(path, [entry(i, "assistant") for i in range(10, 14)])
    report = tracer.catalog.refresh(tracer.roots)
    assert (report.parsed, report.appended) == (0, 1)
    info = tracer.list_sessions(SessionsListParams()).sessions[0]
    fresh = make_tracer(root, cache_dir=tmp_path / "other-cache")
    full = fresh.list_sessions(SessionsListParams()).sessions[0]
    assert info.model_dump() == full.model_dump()
    assert info.message_count == 14


def test_deleted_transcripts_stay_listed_as_deleted(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root, archive=False)
    assert len(tracer.list_sessions(SessionsListParams()).sessions) == 8
    victim = samples_root / "-path-to-Demo" / "1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"
    victim.unlink()
    live = tracer.list_sessions(SessionsListParams()).sessions
    assert len(live) == 7
    everything = tracer.list_sessions(SessionsListParams(include_deleted=True)).sessions
    gone = [s for s in everything if s.deleted]
    assert [s.session_id for s in gone] == ["1af7fc5e-8455-4414-9ccd-011d40f70b2a"]
    assert gone[0].message_count == 29 and not gone[0].archived


def test_deleted_transcripts_with_an_archive_stay_listed_and_marked_archived(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    assert len(tracer.list_sessions(SessionsListParams()).sessions) == 8
    victim = samples_root / "-path-to-Demo" / "1af7fc5e-8455-4414-9ccd-011d40f70b2a.jsonl"
    victim.unlink()
    live = tracer.list_sessions(SessionsListParams()).sessions
    assert len(live) == 8
    gone = [s for s in live if s.deleted]
    assert [(s.session_id, s.archived) for s in gone] == [
        ("1af7fc5e-8455-4414-9ccd-011d40f70b2a", True)
    ]


def test_a_catalog_of_another_schema_version_is_rebuilt_not_misread(
    samples_root: Path, tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    cache = tmp_path / "cache"
    cache.mkdir()
    con = duckdb.connect(str(cache / CATALOG_FILE))
    con.execute("CREATE TABLE catalog_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO catalog_meta VALUES ('schema', 'ancient')")
    con.execute("CREATE TABLE sessions (path VARCHAR, nonsense INTEGER)")
    con.close()
    tracer = make_tracer(samples_root)
    assert len(tracer.list_sessions(SessionsListParams()).sessions) == 8


def test_a_locked_catalog_file_falls_back_to_memory(
    samples_root: Path, tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Another process (a second editor window) holds the file: this one keeps its catalog in
    memory and leaves the file alone. (A file that is not a DuckDB database at all is rebuilt:
    tests/core/test_damaged_cache.py.)"""
    cache = tmp_path / "cache"
    cache.mkdir()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; con = duckdb.connect(sys.argv[1]); print('held', flush=True); "
            "sys.stdin.read()",
            str(cache / CATALOG_FILE),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        tracer = make_tracer(samples_root)
        assert tracer.catalog.path is None
        assert tracer.catalog.degraded and "another process" in tracer.catalog.degraded
        assert len(tracer.list_sessions(SessionsListParams()).sessions) == 8
        assert not (cache / (CATALOG_FILE + ".damaged")).exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=60)


def test_session_list_is_newest_first_and_pages_by_cursor(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    everything = tracer.list_sessions(SessionsListParams()).sessions
    stamps = [s.last_timestamp for s in everything]
    assert stamps == sorted(stamps, reverse=True)  # type: ignore[type-var]
    seen: list[str] = []
    cursor = None
    while True:
        page = tracer.list_sessions(SessionsListParams(limit=3, cursor=cursor))
        seen += [s.session_id for s in page.sessions]
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert seen == [s.session_id for s in everything]


def test_workspace_keeps_sessions_at_or_below_that_folder(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    spotter = tracer.list_sessions(SessionsListParams(workspace="/home/marco/projects/spotter"))
    assert len(spotter.sessions) == 3
    assert {s.cwd for s in spotter.sessions} == {"/home/marco/projects/spotter"}
    worktrees = tracer.list_sessions(SessionsListParams(workspace="/home/USER/projects/"))
    assert len(worktrees.sessions) == 2
    prefix_only = tracer.list_sessions(SessionsListParams(workspace="/home/marco/projects/spot"))
    assert prefix_only.sessions == []


def test_project_cwd_comes_from_the_entries_not_the_folder_name(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    write(root / "-my-odd-name" / f"{SID}.jsonl", [entry(0, cwd="/srv/my_odd.name")])
    tracer = make_tracer(root)
    info = tracer.list_sessions(SessionsListParams()).sessions[0]
    assert (info.cwd, info.project) == ("/srv/my_odd.name", "-my-odd-name")


def test_claude_config_dir_may_list_several_roots(tmp_path: Path, monkeypatch: object) -> None:
    from claude_code_tracer.transcripts import default_roots

    os.environ["CLAUDE_CONFIG_DIR"] = f"{tmp_path / 'a'}, {tmp_path / 'b'}"
    try:
        assert default_roots() == [tmp_path / "a" / "projects", tmp_path / "b" / "projects"]
        assert default_roots(tmp_path / "x") == [tmp_path / "x"]
    finally:
        del os.environ["CLAUDE_CONFIG_DIR"]
    assert json.dumps(str(default_roots()[0])).endswith('.claude/projects"')


def test_a_short_id_finds_its_session_as_the_full_id_does(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """The 8-character ids shown everywhere (tabs, search groups) find their session."""
    tracer = make_tracer(samples_root)
    files = [p for p in samples_root.rglob("*.jsonl") if "subagents" not in p.parts]
    ids = sorted({p.stem for p in files if len(p.stem) == 36})
    sid = "4d5611e5-241a-462a-8d15-5122611a9569"
    assert sid in ids and sum(i.startswith(sid[:8]) for i in ids) == 1
    full = tracer.list_sessions(SessionsListParams(query=sid)).sessions
    short = tracer.list_sessions(SessionsListParams(query=sid[:8])).sessions
    assert [s.session_id for s in full] == [sid]
    assert [s.session_id for s in short] == [sid]
    # a piece from the middle of an id is not an id
    assert tracer.list_sessions(SessionsListParams(query=sid[9:13] + "-xyz")).sessions == []


def test_a_session_file_without_a_conversation_line_is_not_listed(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Issue 22.11: a session opened and left writes only snapshots and modes; every face's list
    (the Tracer's, the CLI's) leaves it out, and keeps the real session beside it."""
    from .test_real_transcripts import copy_projects, raw_entries

    root = copy_projects(tmp_path, "irr-10-")
    real = next(root.glob("*/*.jsonl"))
    conversation = {"user", "assistant", "system", "progress", "attachment"}
    idle = [e for e in raw_entries(real) if e.get("type") not in conversation]
    assert {e["type"] for e in idle} == {"permission-mode", "file-history-snapshot", "last-prompt"}
    empty_id = "0d1e2f30-4a5b-4c6d-8e9f-a0b1c2d3e4f5"
    for e in idle:
        if "sessionId" in e:
            e["sessionId"] = empty_id
    (real.parent / f"{empty_id}.jsonl").write_text("".join(json.dumps(e) + "\n" for e in idle))

    tracer = make_tracer(root)
    listed = [s.session_id for s in tracer.list_sessions(SessionsListParams()).sessions]
    assert listed == [real.stem]
    args = ["sessions", "--json", "--root", str(root), "--cache-dir", str(tmp_path / "cli")]
    cli = subprocess.run(
        [sys.executable, "-m", "claude_code_tracer", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 0, cli.stderr
    assert [s["sessionId"] for s in json.loads(cli.stdout)["sessions"]] == [real.stem]
