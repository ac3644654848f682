"""Issue #21 item 1: a file whose last record lacks its newline (copied or synced by another tool;
Claude Code always writes it) serves that record; a half-written last line still waits; an append
after either neither repeats nor loses a line. Expected values are counted here from the raw
lines (json.loads per line), never from the core's own output."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from claude_code_tracer.export import export_parquet
from claude_code_tracer.models import SearchParams, SessionRef
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import ROW_TYPES, all_messages, copy_projects, listed, sample_dirs

SAMPLE = "irr-10-full-lifecycle"
# ends on an assistant line: its output tokens are missing when the last line is not served
ENDS_ON_ANSWER = "irr-04-"


def raw_lines(path: Path) -> list[bytes]:
    return [line for line in path.read_bytes().split(b"\n") if line.strip()]


def rows_of(lines: list[bytes]) -> list[dict[str, Any]]:
    """The conversation lines (FORMAT.md §3) in file order, each parsed on its own."""
    out = []
    for line in lines:
        entry = json.loads(line)
        if entry.get("type") in ROW_TYPES:
            out.append(entry)
    return out


def output_tokens(lines: list[bytes]) -> int:
    """Output tokens per API response (the last line of each message.id), trunk only."""
    best: dict[str, int] = {}
    for line in lines:
        e = json.loads(line)
        msg = e.get("message") if isinstance(e.get("message"), dict) else {}
        if e.get("type") != "assistant" or not msg.get("id") or e.get("isSidechain"):
            continue
        if msg.get("model") == "<synthetic>":
            continue
        out = (msg.get("usage") or {}).get("output_tokens") or 0
        best[msg["id"]] = max(best.get(msg["id"], 0), out)
    return sum(best.values())


def session_file(root: Path) -> Path:
    return next(p for p in root.glob("*/*.jsonl") if not p.name.startswith("agent-"))


def test_a_real_session_without_its_final_newline_serves_its_last_record(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, ENDS_ON_ANSWER)
    path = session_file(root)
    lines = raw_lines(path)
    path.write_bytes(path.read_bytes().rstrip(b"\n"))
    rows = rows_of(lines)
    last = json.loads(lines[-1])
    assert last["type"] in ROW_TYPES  # the sample ends on a conversation line
    tracer = make_tracer(root)
    info = listed(tracer)[path.stem]
    assert info.message_count == len(rows)
    assert info.malformed_lines == 0
    assert info.last_timestamp is not None
    assert info.last_timestamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")[
        :23
    ] == last["timestamp"][:23]
    served = all_messages(tracer, path.stem, includeSidechains=True)
    assert [m.uuid for m in served][-1] == last["uuid"]
    assert sorted(m.uuid for m in served) == sorted(r["uuid"] for r in rows)
    metrics = tracer.metrics(SessionRef(session_id=path.stem))
    assert metrics.message_count == len(rows)
    assert metrics.malformed_lines == 0
    assert metrics.tokens.output == output_tokens(lines)


def test_a_half_written_last_line_still_waits_and_is_served_once_finished(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, ENDS_ON_ANSWER)
    path = session_file(root)
    lines = raw_lines(path)
    rows = rows_of(lines)
    last = lines[-1]
    path.write_bytes(b"\n".join(lines[:-1]) + b"\n" + last[: len(last) // 2])
    tracer = make_tracer(root)
    served = all_messages(tracer, path.stem, includeSidechains=True)
    assert [m.uuid for m in served] == [m.uuid for m in served if m.uuid != rows[-1]["uuid"]]
    assert len(served) == len(rows) - 1
    with path.open("ab") as fh:
        fh.write(last[len(last) // 2 :])  # finished, still without its newline
    tracer.changes_for({path: "changed"})
    served = all_messages(tracer, path.stem, includeSidechains=True)
    assert len(served) == len(rows)
    assert served[-1].uuid == rows[-1]["uuid"]
    assert listed(tracer)[path.stem].malformed_lines == 0


@pytest.mark.parametrize("newline_first", [True, False], ids=["newline-first", "joined"])
def test_an_append_after_an_unterminated_last_record_neither_repeats_nor_loses_a_line(
    tmp_path: Path, make_tracer: Callable[..., Tracer], newline_first: bool
) -> None:
    """The file is served up to a record without its newline; then the rest of the real sample
    is appended, either starting with the missing newline (the writer finishes its line) or
    straight after the record (another tool appends as if the newline were there)."""
    root = copy_projects(tmp_path, SAMPLE)
    path = session_file(root)
    lines = raw_lines(path)
    rows = rows_of(lines)
    cut = len(lines) * 2 // 3
    while json.loads(lines[cut - 1]).get("type") not in ROW_TYPES:
        cut -= 1
    path.write_bytes(b"\n".join(lines[:cut]))
    tracer = make_tracer(root)
    before = all_messages(tracer, path.stem, includeSidechains=True)
    assert len(before) == len(rows_of(lines[:cut]))
    assert json.loads(lines[cut - 1])["uuid"] in {m.uuid for m in before}
    assert tracer.search(SearchParams(query=f"session:{path.stem} the", limit=500)).total > 0
    rest = b"\n".join(lines[cut:]) + b"\n"
    with path.open("ab") as fh:
        fh.write((b"\n" if newline_first else b"") + rest)
    tracer.changes_for({path: "changed"})
    after = all_messages(tracer, path.stem, includeSidechains=True)
    assert sorted(m.uuid for m in after) == sorted(r["uuid"] for r in rows)
    assert len({m.uuid for m in after}) == len(after)  # none twice
    info = listed(tracer)[path.stem]
    assert info.message_count == len(rows)
    assert info.malformed_lines == 0
    metrics = tracer.metrics(SessionRef(session_id=path.stem))
    assert metrics.tokens.output == output_tokens(lines)
    # line numbers as a reading of the whole file gives them: a joined append shares the
    # physical line of the record before it
    expected_line = {}
    for i, line in enumerate(lines, 1):
        entry = json.loads(line)
        if entry.get("type") in ROW_TYPES:
            expected_line[entry["uuid"]] = i if newline_first or i <= cut else i - 1
    assert {m.uuid: m.line for m in after} == expected_line
    hits = tracer.search(
        SearchParams(query=f"session:{path.stem} the", limit=500)
    ).groups[0].hits
    assert len(hits) == len({h.uuid for h in hits}) > 0
    assert all(h.line == expected_line[h.uuid] for h in hits if h.uuid)


def _numbers(tracer: Tracer, out: Path) -> dict[str, Any]:
    """Everything a person reads off the tracer for every session, in one comparable value."""
    numbers: dict[str, Any] = {}
    for sid, info in sorted(listed(tracer).items()):
        ref = SessionRef(session_id=sid)
        metrics = tracer.metrics(ref)
        cost = tracer.cost(ref)
        numbers[sid] = (
            info.message_count,
            info.malformed_lines,
            info.first_timestamp,
            info.last_timestamp,
            info.tokens,
            info.subagent_tokens,
            [m.uuid for m in all_messages(tracer, sid, includeSidechains=True)],
            metrics.tokens,
            metrics.malformed_lines,
            round(cost.cost_usd, 9),
        )
    export_parquet(tracer, out)
    con = duckdb.connect()
    try:
        for table in ("messages", "usage", "tool_calls", "sessions"):
            numbers[table] = con.execute(
                f"SELECT count(*) FROM read_parquet('{out}/{table}/**/*.parquet')"
            ).fetchone()
    finally:
        con.close()
    for word in ("the", "error", "file", "session"):
        page = tracer.search(SearchParams(query=word, limit=500))
        numbers[f"search {word}"] = (
            page.total,
            sorted((g.session_id, h.uuid, h.line) for g in page.groups for h in g.hits),
        )
    return numbers


def test_every_sample_without_its_final_newline_shows_the_same_numbers(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    whole = tmp_path / "whole"
    cut = tmp_path / "cut"
    for src in sample_dirs():
        shutil.copytree(src, whole / src.name)
        shutil.copytree(src, cut / src.name)
    stripped = 0
    for path in cut.rglob("*.jsonl"):
        data = path.read_bytes()
        if data.endswith(b"\n"):
            path.write_bytes(data.rstrip(b"\n"))
            stripped += 1
    assert stripped >= 40
    with_newline = _numbers(make_tracer(whole), tmp_path / "out-whole")
    without = _numbers(make_tracer(cut, cache_dir=tmp_path / "cache-cut"), tmp_path / "out-cut")
    assert without.keys() == with_newline.keys()
    for key in with_newline:
        assert without[key] == with_newline[key], key
    # and the served rows are the raw lines' rows
    for path in whole.glob("*/*.jsonl"):
        if path.name.startswith("agent-"):
            continue
        rows = rows_of(raw_lines(path))
        trunk = {r["uuid"] for r in rows if not r.get("isSidechain")}
        served = set(with_newline[path.stem][6])
        assert trunk <= served, path.stem


@pytest.mark.parametrize("newline_first", [True, False], ids=["newline-first", "joined"])
def test_the_archive_keeps_an_unterminated_last_record_and_what_is_appended_after_it(
    tmp_path: Path, make_tracer: Callable[..., Tracer], newline_first: bool
) -> None:
    """The archive stores up to where the parser stopped: the record without its newline is
    archived, the append after it too, and the restored file equals the file on disk."""
    root = copy_projects(tmp_path, ENDS_ON_ANSWER)
    path = session_file(root)
    lines = raw_lines(path)
    cut = len(lines) // 2
    path.write_bytes(b"\n".join(lines[:cut]))
    tracer = make_tracer(root)
    listed(tracer)
    with path.open("ab") as fh:
        fh.write((b"\n" if newline_first else b"") + b"\n".join(lines[cut:]))
    tracer.changes_for({path: "modified"})
    tracer._catalog_fresh_until = 0.0
    info = listed(tracer)[path.stem]
    assert info.message_count == len(rows_of(lines))
    archive = tracer.archive
    assert archive is not None
    rel = path.relative_to(root)
    restored = tmp_path / "restored.jsonl"
    assert archive.restore(rel, restored)
    assert restored.read_bytes() == path.read_bytes()
