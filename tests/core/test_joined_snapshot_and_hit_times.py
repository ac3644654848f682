"""Issue #21 item 5: two records joined on one line whose second is a ``file-history-snapshot``
(which carries no uuid nor sessionId) are both read and the line is not counted malformed; search
hits carry their times with three fractional digits, as pages do. Expected values from the raw
lines of real samples."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from claude_code_tracer.models import SearchParams, SessionRef
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import ROW_TYPES, all_messages, copy_projects, listed


def test_a_record_joined_to_a_file_history_snapshot_is_not_malformed(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-07-")
    path = next(root.glob("*/*.jsonl"))
    lines = [x for x in path.read_bytes().split(b"\n") if x.strip()]
    types = [json.loads(x)["type"] for x in lines]
    joined = [
        i for i in range(1, len(lines))
        if types[i] == "file-history-snapshot" and types[i - 1] in ROW_TYPES
    ]  # fmt: skip
    assert joined
    rows = sum(1 for t in types if t in ROW_TYPES)
    for i in reversed(joined):
        lines[i - 1] += lines.pop(i)  # no newline between the two records
    path.write_bytes(b"\n".join(lines) + b"\n")
    tracer = make_tracer(root)
    info = listed(tracer)[path.stem]
    assert info.malformed_lines == 0
    assert info.message_count == rows
    metrics = tracer.metrics(SessionRef(session_id=path.stem))
    assert metrics.malformed_lines == 0
    assert len(all_messages(tracer, path.stem, includeSidechains=True)) == rows


def test_search_hits_carry_the_times_pages_carry(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-07-")
    path = next(root.glob("*/*.jsonl"))
    raw = {}
    for line in path.read_bytes().split(b"\n"):
        if line.strip():
            e = json.loads(line)
            if e.get("uuid") and e.get("timestamp"):
                raw[e["uuid"]] = e["timestamp"]
    tracer = make_tracer(root)
    page = {m.uuid: m.dump()["timestamp"] for m in all_messages(tracer, path.stem)}
    hits = [
        h.dump()
        for g in tracer.search(SearchParams(query=f"session:{path.stem}", limit=500)).groups
        for h in g.hits
    ]
    assert len(hits) > 10
    for hit in hits:
        assert hit["timestamp"] == page[hit["uuid"]] == raw[hit["uuid"]]
