"""Issue #21 item 4: a session's first time is its earliest timestamp, not its first line's (a
hook's progress line is written before the prompt it follows, a millisecond later): the list,
the metrics (``stats``) and the Parquet ``sessions.first_ts`` agree with the raw lines."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from claude_code_tracer.export import export_parquet
from claude_code_tracer.models import SessionRef
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import ROW_TYPES, listed, sample_dirs


def trunk_times(path: Path) -> list[datetime]:
    out = []
    for line in path.read_bytes().split(b"\n"):
        if not line.strip():
            continue
        e = json.loads(line)
        if e.get("type") in ROW_TYPES and not e.get("isSidechain") and e.get("timestamp"):
            out.append(datetime.fromisoformat(e["timestamp"]).astimezone(UTC))
    return out


def aware(value: datetime | None) -> datetime | None:
    """The tracer's times are UTC, naive or not: compare them as aware times."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def test_the_first_and_last_times_are_the_earliest_and_latest_everywhere(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    for src in sample_dirs():
        shutil.copytree(src, root / src.name)
    tracer = make_tracer(root)
    sessions = listed(tracer)
    out = tmp_path / "export"
    export_parquet(tracer, out)
    con = duckdb.connect()
    try:
        exported = dict(
            con.execute(
                f"SELECT session_id, first_ts FROM read_parquet('{out}/sessions/**/*.parquet')"
            ).fetchall()
        )
    finally:
        con.close()
    out_of_order = 0
    for path in root.glob("*/*.jsonl"):
        if path.name.startswith("agent-"):
            continue
        times = trunk_times(path)
        first, last = min(times), max(times)
        out_of_order += times[0] != first
        info = sessions[path.stem]
        metrics = tracer.metrics(SessionRef(session_id=path.stem))
        assert aware(info.first_timestamp) == first, path.parent.name
        assert aware(info.last_timestamp) == last, path.parent.name
        assert aware(metrics.first_timestamp) == first
        assert aware(metrics.last_timestamp) == last
        assert aware(exported[path.stem]) == first
    assert out_of_order >= 12  # the real samples whose first line is not their earliest


def test_timestamps_of_two_shapes_are_compared_as_times(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """``…:00Z`` sorts after ``…:00.500Z`` as text; as times it is earlier."""
    root = tmp_path / "projects"
    src = next(p for p in sample_dirs() if p.name.startswith("irr-17-"))
    shutil.copytree(src, root / src.name)
    path = next(root.glob("*/*.jsonl"))
    lines = [json.loads(x) for x in path.read_bytes().split(b"\n") if x.strip()]
    rows = [e for e in lines if e.get("type") in ROW_TYPES]
    rows[0]["timestamp"] = "2026-05-14T09:00:00.500Z"
    rows[1]["timestamp"] = "2026-05-14T09:00:00Z"
    path.write_text("".join(json.dumps(e) + "\n" for e in lines))
    info = listed(make_tracer(root))[path.stem]
    assert aware(info.first_timestamp) == datetime(2026, 5, 14, 9, 0, 0, tzinfo=UTC)
