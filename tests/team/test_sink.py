"""The push as a sink of the refresh (TeamSink): chunks handed to it, never a file read."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
import zstandard

from claude_code_tracer.team.db import init_schema
from claude_code_tracer.team.push import TeamPush, TeamSink


@dataclass(frozen=True)
class FakeChunk:
    root: Path
    project: str
    session_id: str
    path: Path
    start: int
    data: bytes
    restart: bool = False


def _lines(*words: str) -> bytes:
    return b"".join(b'{"w": "' + w.encode() + b'"}\n' for w in words)


def _stored(url: str, path: str) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    with psycopg.connect(url) as con:
        for gen, data in con.execute(
            "SELECT generation, data FROM cct.chunks WHERE path = %s ORDER BY generation,"
            " src_start",
            (path,),
        ).fetchall():
            out[gen] = out.get(gen, b"") + zstandard.ZstdDecompressor().decompress(bytes(data))
    return out


def test_chunks_that_continue_the_copy_are_stored_once_and_a_gap_waits(
    team_db: str, tmp_path: Path
) -> None:
    init_schema(team_db)
    root = tmp_path / "projects"
    main = root / "-p" / "s1.jsonl"
    first, second, third = _lines("a", "b"), _lines("c"), _lines("d", "e")
    with psycopg.connect(team_db) as con:
        sink = TeamSink(TeamPush(con, "me@x"))
        sink.accept(FakeChunk(root, "-p", "s1", main, 0, first))
        sink.accept(FakeChunk(root, "-p", "s1", main, 0, first))  # read again: skipped
        # a chunk overlapping the stored head: only what follows it is stored
        sink.accept(FakeChunk(root, "-p", "s1", main, 0, first + second))
        gap_at = len(first + second) + len(third)
        sink.accept(FakeChunk(root, "-p", "s1", main, gap_at, _lines("z")))  # after a gap
        sink.finish()
    assert _stored(team_db, "s1.jsonl") == {0: first + second}
    assert sink.behind == {("-p", "s1.jsonl")}


def test_a_rewritten_file_starts_a_new_generation_and_the_old_one_stays(
    team_db: str, tmp_path: Path
) -> None:
    init_schema(team_db)
    root = tmp_path / "projects"
    agent = root / "-p" / "s1" / "subagents" / "agent-a1.jsonl"
    with psycopg.connect(team_db) as con:
        sink = TeamSink(TeamPush(con, "me@x"))
        sink.accept(FakeChunk(root, "-p", "s1", agent, 0, _lines("old")))
        sink.accept(FakeChunk(root, "-p", "s1", agent, 0, _lines("new", "er"), restart=True))
        session = con.execute(
            "SELECT DISTINCT session_id FROM cct.files WHERE path = %s",
            ("s1/subagents/agent-a1.jsonl",),
        ).fetchall()
    assert _stored(team_db, "s1/subagents/agent-a1.jsonl") == {
        0: _lines("old"),
        1: _lines("new", "er"),
    }
    assert session == [("s1",)]


def test_a_database_error_marks_the_file_behind_and_never_raises(
    team_db: str, tmp_path: Path
) -> None:
    init_schema(team_db)
    root = tmp_path / "projects"
    con = psycopg.connect(team_db)
    sink = TeamSink(TeamPush(con, "me@x"))
    con.close()  # the database went away
    sink.accept(FakeChunk(root, "-p", "s1", root / "-p" / "s1.jsonl", 0, _lines("a")))
    assert sink.behind == {("-p", "s1.jsonl")} and sink.error
