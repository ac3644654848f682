"""A refresh reads each appended byte once, whatever consumers take it (#19 item 1).

The catalog's pass reads a transcript's new bytes for its metadata and hands the same blocks to
the archive (``Archive.appender``): N appended bytes cost one read of N bytes (plus the 64-byte
tail probes that tell an append from a rewrite), where the archive used to read them again."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from claude_code_tracer import bytesource
from claude_code_tracer.archive import Archive
from claude_code_tracer.models import SessionsListParams
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import copy_projects

PROBES = 4 * 64  # tail probes of a refresh: before the read and after it


def appended_lines(path: Path, count: int) -> bytes:
    """``count`` new lines made from the file's own (fresh uuids, so none is a replay)."""
    lines = [json.loads(x) for x in path.read_bytes().splitlines() if x.strip()]
    out = []
    for entry in [e for e in lines if "uuid" in e][-count:]:
        entry = {**entry, "uuid": str(uuid.uuid4())}
        out.append(json.dumps(entry).encode() + b"\n")
    return b"".join(out)


def test_a_refresh_reads_the_appended_bytes_once_for_catalog_and_archive(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    tracer = make_tracer(root)
    assert tracer.archive is not None
    with bytesource.counting() as first:
        tracer.list_sessions(SessionsListParams())
    size = main.stat().st_size
    # the first build read the file once (not once for the catalog and once for the archive)
    assert size <= first.by_path[str(main)] <= size + PROBES
    extra = appended_lines(main, 40)
    with main.open("ab") as fh:
        fh.write(extra)
    tracer._catalog_fresh_until = 0.0
    with bytesource.counting() as count:
        page = tracer.list_sessions(SessionsListParams())
    n = len(extra)
    assert n > 10_000
    assert n <= count.by_path[str(main)] <= n + PROBES
    # the session's unchanged subagent files: their tail probes, none of their content
    others = {p: n for p, n in count.by_path.items() if p != str(main)}
    assert others and all(n <= 2 * 64 for n in others.values())
    before = next(s for s in page.sessions if s.session_id == main.stem).message_count
    assert before > 0
    # and the archive holds every byte, the appended ones included, read back through its chain
    restored = tmp_path / "restored.jsonl"
    assert Archive(tracer.archive.directory).restore(main.relative_to(root), restored)
    assert restored.read_bytes() == main.read_bytes()
