"""The background push as one more consumer of the refresh's one pass (``team.sink.TeamSink``):
an appended byte is read once, by the catalog, and reaches the database from the refresh's
chunk; what the archive must still supply is read verified, and a damaged segment is reported
and never pushed."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import zstandard

from claude_code_tracer import bytesource
from claude_code_tracer.archive import Archive
from claude_code_tracer.models import SessionsListParams
from claude_code_tracer.team.background import TeamSync
from claude_code_tracer.team.db import TeamUnavailable, init_schema
from claude_code_tracer.team.pull import TeamCache
from claude_code_tracer.team.push import TeamPush, push_sessions
from claude_code_tracer.team.sink import Piece, TeamSink, drain
from claude_code_tracer.tracer import Tracer, TracerOptions

from ..core.test_ingest import appended_lines
from .machines import MORE_SAMPLES, SERVER_SAMPLES
from .pgserver import PgServer

# a project whose trunk transcript is over 1 MiB: an append to it is a segment of its own
BIG = "irr-08-issue-114-stuck-working-a-2026-04-09-20-49-38"
PROBES = 4 * 64  # the tail probes of a refresh: before its read and after it


def _copy(tmp_path: Path, *projects: str) -> Path:
    root = tmp_path / "projects"
    for project in projects:
        src = SERVER_SAMPLES / project
        shutil.copytree(src if src.is_dir() else MORE_SAMPLES / project, root / project)
    return root


def _tracer(root: Path, tmp_path: Path, copied: list[Path] | None = None) -> Tracer:
    return Tracer(
        TracerOptions(
            projects_roots=[root, *(copied or [])],
            cache_dir=tmp_path / "cache",
            unarchived_roots=copied or [],
        )
    )


def _pushed(team_db: str, tmp_path: Path) -> tuple[Path, Path, Tracer, TeamSink]:
    """A copy of the Demo project pushed once, with a team sink on its tracer: its root, its
    largest session file, the tracer and the sink."""
    init_schema(team_db)
    root = _copy(tmp_path, "-path-to-Demo")
    main = max(root.glob("*/*.jsonl"), key=lambda p: p.stat().st_size)
    tracer = _tracer(root, tmp_path)
    sink = TeamSink()
    tracer.add_sink(sink)
    push_sessions(tracer, team_db, "me@x", redact=False, feed=sink)
    return root, main, tracer, sink


def _copies(url: str, author: str) -> dict[str, tuple[int, list[tuple[int, int]], bytes]]:
    """Each file the database holds of ``author``: where its copy ends, its chunks' source
    ranges in order, and their bytes."""
    out: dict[str, tuple[int, list[tuple[int, int]], bytes]] = {}
    with psycopg.connect(url) as con:
        files = con.execute(
            "SELECT project, path, pushed_to FROM cct.files WHERE author = %s", (author,)
        ).fetchall()
        for project, path, pushed_to in files:
            rows = con.execute(
                "SELECT src_start, src_stop, data FROM cct.chunks WHERE author = %s AND"
                " project = %s AND path = %s ORDER BY src_start",
                (author, project, path),
            ).fetchall()
            data = b"".join(zstandard.ZstdDecompressor().decompress(bytes(r[2])) for r in rows)
            out[f"{project}/{path}"] = (pushed_to, [(r[0], r[1]) for r in rows], data)
    return out


def _one_copy(ranges: list[tuple[int, int]], end: int) -> bool:
    """The ranges follow one another from byte 0 to ``end``: every byte stored once."""
    at = 0
    for start, stop in ranges:
        if start != at:
            return False
        at = stop
    return at == end


@pytest.fixture
def archive_reads(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """The bytes of archived segments read back for serving or pushing while the test runs
    (``Archive.read_segment``, the verified read; the archive's own appender peeks at its last
    segment to merge small ones, a cost of archiving that is the same with the push off)."""
    got: list[int] = []
    real = Archive.read_segment

    def counted(
        self: Archive, rel: Path, start: int, stop: int, path: Path, digest: str | None
    ) -> bytes | None:
        data = real(self, rel, start, stop, path, digest)
        got.append(len(data or b""))
        return data

    monkeypatch.setattr(Archive, "read_segment", counted)
    yield got


def test_with_push_on_a_refresh_that_finds_n_appended_bytes_reads_n_bytes_in_all(
    team_db: str, tmp_path: Path, archive_reads: list[int]
) -> None:
    init_schema(team_db)
    root = _copy(tmp_path, BIG)
    main = next(root.glob("*/*.jsonl"))
    tracer = _tracer(root, tmp_path)
    sync = TeamSync(
        tracer, TeamCache.for_url(tmp_path / "cache", team_db), team_db, "me@x", push=True
    )
    sync.sync_once()  # the first refresh: every file read once, pushed from its chunks
    files = {p.relative_to(root).as_posix(): p.stat().st_size for p in root.rglob("*.jsonl")}
    copies = _copies(team_db, "me@x")
    assert {k: v[0] for k, v in copies.items()} == files
    assert all(_one_copy(ranges, files[k]) for k, (_, ranges, _) in copies.items())
    assert sum(archive_reads) == 0

    size = main.stat().st_size
    extra = appended_lines(main, 30)
    with main.open("ab") as fh:
        fh.write(extra)
    tracer._catalog_fresh_until = 0.0
    archive_reads.clear()
    with bytesource.counting() as count:
        sync.sync_once()
    n = len(extra)
    assert n > 10_000
    # the transcript: its n new bytes once (and the tail probes); the archive: nothing
    assert n <= count.by_path[str(main)] <= n + PROBES
    assert all(v <= 3 * 64 for p, v in count.by_path.items() if p != str(main))
    assert sum(archive_reads) == 0
    assert sync.last_push is not None and sync.last_push.fed_bytes == n
    pushed_to, ranges, _data = _copies(team_db, "me@x")[main.relative_to(root).as_posix()]
    assert pushed_to == size + n and _one_copy(ranges, size + n)
    assert ranges[-1] == (size, size + n)
    # the sync's own listing queued those bytes and its push took them: no second sync asked
    assert not sync._kicked.is_set()
    with main.open("ab") as fh:
        fh.write(appended_lines(main, 1))
    tracer._catalog_fresh_until = 0.0
    tracer.list_sessions(SessionsListParams())  # another refresh's bytes: sync soon
    assert sync._kicked.is_set()
    sync.stop()
    tracer.close()


def test_bytes_the_sink_never_saw_are_caught_up_from_the_archive_once(
    team_db: str, tmp_path: Path, archive_reads: list[int]
) -> None:
    """Bytes read before the push was on are not in the queue: the first sync reads exactly
    those from the archive, and no line is stored twice when the sink's chunks follow."""
    init_schema(team_db)
    root = _copy(tmp_path, BIG)
    main = next(root.glob("*/*.jsonl"))
    tracer = _tracer(root, tmp_path)
    tracer.list_sessions(SessionsListParams())  # archived, with no sink yet
    size = main.stat().st_size
    sync = TeamSync(
        tracer, TeamCache.for_url(tmp_path / "cache", team_db), team_db, "me@x", push=True
    )
    extra = appended_lines(main, 5)
    with main.open("ab") as fh:
        fh.write(extra)
    tracer._catalog_fresh_until = 0.0
    sync.sync_once()
    copies = _copies(team_db, "me@x")
    pushed_to, ranges, _data = copies[main.relative_to(root).as_posix()]
    assert pushed_to == size + len(extra) and _one_copy(ranges, size + len(extra))
    # the archive supplied the file's first `size` bytes (and every other file whole), once;
    # the appended bytes came from the refresh's chunk, stored once the gap before it was filled
    others = sum(p.stat().st_size for p in root.rglob("*.jsonl") if p != main)
    assert sum(archive_reads) == size + others
    assert sync.last_push is not None and sync.last_push.fed_bytes == len(extra)
    sync.stop()
    tracer.close()


def test_a_damaged_archived_segment_is_reported_and_never_pushed(
    team_db: str, tmp_path: Path
) -> None:
    init_schema(team_db)
    root = _copy(tmp_path, BIG)
    main = next(root.glob("*/*.jsonl"))
    tracer = _tracer(root, tmp_path)
    tracer.list_sessions(SessionsListParams())
    size = main.stat().st_size
    extra = appended_lines(main, 10)
    with main.open("ab") as fh:
        fh.write(extra)
    tracer._catalog_fresh_until = 0.0
    tracer.list_sessions(SessionsListParams())
    assert tracer.archive is not None
    rel = main.relative_to(root)
    gen_dir = tracer.archive.directory / rel.parent / (rel.name + ".d") / "g0"
    second = gen_dir / f"{size:016d}-{size + len(extra):016d}.zst"
    assert second.is_file()
    # the same length, one byte changed: it decompresses whole, its SHA-256 does not match
    forged = bytearray(extra)
    forged[len(forged) // 2] ^= 0x01
    second.write_bytes(zstandard.ZstdCompressor().compress(bytes(forged)))

    report = push_sessions(tracer, team_db, "me@x", redact=False)
    pushed_to, _ranges, data = _copies(team_db, "me@x")[rel.as_posix()]
    assert pushed_to == size and data == main.read_bytes()[:size]
    assert len(report.problems) == 1 and second.name in report.problems[0]
    # the other files went whole
    for other in root.rglob("*.jsonl"):
        if other != main:
            assert _copies(team_db, "me@x")[other.relative_to(root).as_posix()][2] == (
                other.read_bytes()
            )
    tracer.close()


def test_queued_pieces_are_stored_once_and_a_gap_is_left_to_the_catch_up(
    team_db: str, tmp_path: Path
) -> None:
    init_schema(team_db)
    root = _copy(tmp_path, "-path-to-Demo")
    tracer = _tracer(root, tmp_path)
    sink = TeamSink()
    tracer.add_sink(sink)
    tracer.list_sessions(SessionsListParams())
    pieces, behind = sink.take()
    assert pieces and not behind
    with psycopg.connect(team_db) as con:
        assert drain(TeamPush(con, "me@x", redact=False), tracer.archive, pieces) == (set(), [])
        # the same pieces again (a refresh that read them again): nothing stored twice
        assert drain(TeamPush(con, "me@x", redact=False), tracer.archive, pieces) == (set(), [])
        first = pieces[0]
        end = (root / first.project / first.path).stat().st_size
        gap = Piece(first.project, first.path, first.session_id, end + 10, b'{"a": 1}\n')
        # a piece after a gap waits for the catch-up to fill it
        assert drain(TeamPush(con, "me@x", redact=False), tracer.archive, [gap]) == (
            {(first.project, first.path)},
            [gap],
        )
    copies = _copies(team_db, "me@x")
    for path in root.rglob("*.jsonl"):
        pushed_to, ranges, data = copies[path.relative_to(root).as_posix()]
        assert data == path.read_bytes() and _one_copy(ranges, pushed_to)
    tracer.close()


def test_a_teammates_pulled_copy_is_never_queued_and_a_full_queue_marks_files_behind(
    tmp_path: Path,
) -> None:
    root = _copy(tmp_path, "-path-to-Demo")
    pulled = tmp_path / "team" / "authors" / "bob"
    shutil.copytree(SERVER_SAMPLES / "-home-marco-projects-spotter", pulled / "-p")
    tracer = _tracer(root, tmp_path, [pulled])
    own = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.jsonl"))
    assert tracer.archive is not None
    sink = TeamSink(skip_roots=lambda: tracer.archive.skip_roots if tracer.archive else ())
    tracer.add_sink(sink)
    tracer.list_sessions(SessionsListParams())
    pieces, behind = sink.take()
    assert sorted({f"{p.project}/{p.path}" for p in pieces}) == own and not behind
    # a queue that holds 1 KB: every file it cannot carry is marked behind, none is lost
    small = TeamSink(max_bytes=1024)
    tracer2 = _tracer(root, tmp_path / "second")
    tracer2.add_sink(small)
    tracer2.list_sessions(SessionsListParams())
    pieces, behind = small.take()
    assert sum(len(p.data) for p in pieces) <= 1024
    assert {f"{p}/{f}" for p, f in behind} | {f"{p.project}/{p.path}" for p in pieces} == set(own)
    tracer.close()
    tracer2.close()


def test_lines_appended_while_the_database_is_away_reach_it_when_it_is_back(
    team_db: str, pg: PgServer, tmp_path: Path, archive_reads: list[int]
) -> None:
    root, main, tracer, sink = _pushed(team_db, tmp_path)
    extra = appended_lines(main, 3)
    pg.stop()
    try:
        with main.open("ab") as fh:
            fh.write(extra)
        tracer._catalog_fresh_until = 0.0
        with pytest.raises(TeamUnavailable):
            push_sessions(tracer, team_db, "me@x", redact=False, feed=sink, catch_up=False)
    finally:
        pg.start()
    assert sink.queued_bytes == len(extra)  # the refresh's read, kept for the next sync
    archive_reads.clear()
    report = push_sessions(tracer, team_db, "me@x", redact=False, feed=sink, catch_up=False)
    assert report.fed_bytes == len(extra) and sum(archive_reads) == 0
    copies = _copies(team_db, "me@x")
    for path in root.rglob("*.jsonl"):
        pushed_to, ranges, data = copies[path.relative_to(root).as_posix()]
        assert data == path.read_bytes() and _one_copy(ranges, pushed_to)
    tracer.close()


def test_a_file_rewritten_after_an_append_was_queued_is_stored_as_rewritten(
    team_db: str, tmp_path: Path
) -> None:
    """A piece queued from a file's old copy (an append) must not be stored under the copy a
    rewrite starts: the rewrite's chunk from byte 0 drops what was queued of that file. Here the
    rewrite has the old copy's length, so the stale append would continue it exactly."""
    root, main, tracer, sink = _pushed(team_db, tmp_path)
    original = main.read_bytes()
    with main.open("ab") as fh:
        fh.write(appended_lines(main, 3))
    tracer._catalog_fresh_until = 0.0
    tracer.list_sessions(SessionsListParams())  # the append is queued
    assert sink.queued_bytes > 0
    lines = original.splitlines(keepends=True)
    rewritten = b"".join(reversed(lines))  # other bytes, the old copy's length
    assert len(rewritten) == len(original) and rewritten != original
    main.write_bytes(rewritten)
    tracer._catalog_fresh_until = 0.0
    push_sessions(tracer, team_db, "me@x", redact=False, feed=sink, catch_up=False)
    rel = main.relative_to(root / main.parent.name).as_posix()
    with psycopg.connect(team_db) as con:
        [(generation, pushed_to)] = con.execute(
            "SELECT generation, pushed_to FROM cct.files WHERE author = %s AND project = %s"
            " AND path = %s ORDER BY generation DESC LIMIT 1",
            ("me@x", main.parent.name, rel),
        ).fetchall()
        rows = con.execute(
            "SELECT src_start, data FROM cct.chunks WHERE author = %s AND project = %s AND"
            " path = %s AND generation = %s ORDER BY src_start",
            ("me@x", main.parent.name, rel, generation),
        ).fetchall()
    data = b"".join(zstandard.ZstdDecompressor().decompress(bytes(r[1])) for r in rows)
    assert (pushed_to, data) == (len(rewritten), rewritten)
    tracer.close()


def test_without_the_archive_the_sync_pulls_only_and_queues_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    root = _copy(tmp_path, "-path-to-Demo")
    tracer = Tracer(
        TracerOptions(projects_roots=[root], cache_dir=tmp_path / "cache", archive=False)
    )
    url = "postgresql:///team?host=/nonexistent"
    sync = TeamSync(tracer, TeamCache.for_url(tmp_path / "cache", url), url, "me@x", push=True)
    assert not sync.push and sync.sink is None
    assert not any(isinstance(s, TeamSink) for s in tracer.catalog.sinks)
    assert "needs the archive" in caplog.text
    tracer.close()
