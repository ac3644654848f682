"""Parquet export: the archive laid out so that any engine that reads Parquet can query it.

Five tables (``sessions``, ``messages``, ``tool_calls``, ``file_touches``, ``usage``), each
hive-partitioned as ``<table>/project=<folder>/month=<YYYY-MM>/<sessionId>.parquet``: DuckDB,
Spark or Trino read them where they lie (a local folder, an object store) with no server of ours.
A folder or session name is percent-encoded in its path segment (Hive's own escaping, which
pyarrow and Spark decode), so a space, ``=``, ``/``, a newline or a leading ``..`` in a project
folder's name is a value of the ``project`` column, never a path.

A file per session and table keeps the export incremental: a manifest remembers which version of
each session's files was written, and a later run writes only the sessions that changed, removing
the files their earlier version left behind. The manifest sits in the export folder where anything
may rewrite it, so it is not trusted: every path it names must have the shape the exporter writes
(``<table>/project=…/month=…/….parquet``) and lie inside the export once symlinks are resolved;
any other entry is refused and reported, and never read or deleted (``manifest_files``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import InvalidRequest
from .models import MessageSummary, SessionInfo, SessionRef, SessionsListParams
from .safefs import inside, regular_stat
from .tracer import Tracer

log = logging.getLogger(__name__)

TABLES = ("sessions", "messages", "tool_calls", "file_touches", "usage")
MANIFEST = "_export.json"
EXPORT_VERSION = 1

SCHEMAS: dict[str, pa.Schema] = {
    "sessions": pa.schema(
        [
            ("session_id", pa.string()),
            ("path", pa.string()),
            ("cwd", pa.string()),
            ("git_branch", pa.string()),
            ("title", pa.string()),
            ("first_prompt", pa.string()),
            ("first_ts", pa.timestamp("ms", "UTC")),
            ("last_ts", pa.timestamp("ms", "UTC")),
            ("message_count", pa.int64()),
            ("tool_calls", pa.int64()),
            ("errors", pa.int64()),
            ("input_tokens", pa.int64()),
            ("output_tokens", pa.int64()),
            ("cache_read_tokens", pa.int64()),
            ("cache_creation_tokens", pa.int64()),
            ("models", pa.list_(pa.string())),
            ("subagent_count", pa.int64()),
            ("malformed_lines", pa.int64()),
            ("replayed_lines", pa.int64()),
            ("size_bytes", pa.int64()),
            ("deleted", pa.bool_()),
            ("orphan", pa.bool_()),
            ("parent_session_id", pa.string()),
        ]
    ),
    "messages": pa.schema(
        [
            ("session_id", pa.string()),
            ("uuid", pa.string()),
            ("parent_uuid", pa.string()),
            ("kind", pa.string()),
            ("subtype", pa.string()),
            ("ts", pa.timestamp("ms", "UTC")),
            ("is_sidechain", pa.bool_()),
            ("agent_id", pa.string()),
            ("model", pa.string()),
            ("message_id", pa.string()),
            ("tool_names", pa.list_(pa.string())),
            ("is_error", pa.bool_()),
            ("input_tokens", pa.int64()),
            ("output_tokens", pa.int64()),
            ("cache_read_tokens", pa.int64()),
            ("cache_creation_tokens", pa.int64()),
            ("file", pa.string()),
            ("line", pa.int64()),
            ("preview", pa.string()),
        ]
    ),
    "tool_calls": pa.schema(
        [
            ("session_id", pa.string()),
            ("tool_use_id", pa.string()),
            ("tool", pa.string()),
            ("uuid", pa.string()),
            ("ts", pa.timestamp("ms", "UTC")),
            ("is_sidechain", pa.bool_()),
            ("agent_id", pa.string()),
            ("result_uuid", pa.string()),
            ("result_ts", pa.timestamp("ms", "UTC")),
            ("is_error", pa.bool_()),
        ]
    ),
    "file_touches": pa.schema(
        [
            ("session_id", pa.string()),
            ("path", pa.string()),
            ("tool", pa.string()),
            ("kind", pa.string()),
            ("uuid", pa.string()),
            ("tool_use_id", pa.string()),
            ("ts", pa.timestamp("ms", "UTC")),
        ]
    ),
    "usage": pa.schema(
        [
            ("session_id", pa.string()),
            ("message_id", pa.string()),
            ("model", pa.string()),
            ("ts", pa.timestamp("ms", "UTC")),
            ("is_sidechain", pa.bool_()),
            ("input_tokens", pa.int64()),
            ("output_tokens", pa.int64()),
            ("cache_read_tokens", pa.int64()),
            ("cache_creation_tokens", pa.int64()),
        ]
    ),
}

Progress = Callable[[int, int], None]


@dataclass
class ExportReport:
    sessions: int = 0
    written: int = 0
    unchanged: int = 0
    files: int = 0
    rows: int = 0
    refused: list[str] = field(default_factory=list)
    """Manifest entries refused (a path outside the export or of a shape the exporter never
    writes): neither read nor deleted."""


def _month(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m") if ts is not None else "unknown"


def _all_sessions(tracer: Tracer) -> Iterator[SessionInfo]:
    cursor = None
    while True:
        page = tracer.list_sessions(
            SessionsListParams(limit=1000, cursor=cursor, include_deleted=True)
        )
        yield from page.sessions
        if not page.has_more:
            return
        cursor = page.next_cursor


def _all_messages(tracer: Tracer, info: SessionInfo) -> list[MessageSummary]:
    return list(tracer.all_messages(SessionRef(session_id=info.session_id, project=info.project)))


def session_rows(tracer: Tracer, info: SessionInfo) -> dict[str, list[dict[str, Any]]]:
    """One session as the rows of every table (the same facts the tracer serves)."""
    s = info
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in TABLES}
    rows["sessions"].append(
        {
            "session_id": s.session_id,
            "path": s.path,
            "cwd": s.cwd,
            "git_branch": s.git_branch,
            "title": s.title,
            "first_prompt": s.first_prompt,
            "first_ts": s.first_timestamp,
            "last_ts": s.last_timestamp,
            "message_count": s.message_count,
            "tool_calls": s.tool_call_count,
            "errors": s.error_count,
            "input_tokens": s.tokens.input,
            "output_tokens": s.tokens.output,
            "cache_read_tokens": s.tokens.cache_read,
            "cache_creation_tokens": s.tokens.cache_creation,
            "models": s.models,
            "subagent_count": s.subagent_count,
            "malformed_lines": s.malformed_lines,
            "replayed_lines": s.replayed_lines,
            "size_bytes": s.size_bytes,
            "deleted": s.deleted,
            "orphan": s.orphan,
            "parent_session_id": s.parent_session_id,
        }
    )
    if s.deleted and not s.archived:
        return rows  # its messages are gone with its file (and no archive kept them)
    messages = _all_messages(tracer, info)
    results: dict[str, MessageSummary] = {}
    usage: dict[str, tuple[int, MessageSummary]] = {}
    for m in messages:
        t = m.tokens
        rows["messages"].append(
            {
                "session_id": s.session_id,
                "uuid": m.uuid,
                "parent_uuid": m.parent_uuid,
                "kind": m.kind.value,
                "subtype": m.subtype,
                "ts": m.timestamp,
                "is_sidechain": m.is_sidechain,
                "agent_id": m.agent_id,
                "model": m.model,
                "message_id": m.message_id,
                "tool_names": m.tool_names,
                "is_error": m.is_error,
                "input_tokens": t.input if t else 0,
                "output_tokens": t.output if t else 0,
                "cache_read_tokens": t.cache_read if t else 0,
                "cache_creation_tokens": t.cache_creation if t else 0,
                "file": m.file,
                "line": m.line,
                "preview": m.preview,
            }
        )
        if m.kind.value == "tool_result":
            for tid in m.tool_use_ids:
                results.setdefault(tid, m)
        if m.kind.value == "assistant" and t is not None and m.model != "<synthetic>":
            # split assistant lines repeat one API call's usage: keep the largest (FORMAT §6)
            key = m.message_id or m.uuid
            if key not in usage or t.total >= usage[key][0]:
                usage[key] = (t.total, m)
    for m in messages:
        if m.kind.value != "assistant":
            continue
        for name, tid in zip(m.tool_names, m.tool_use_ids, strict=False):
            r = results.get(tid)
            rows["tool_calls"].append(
                {
                    "session_id": s.session_id,
                    "tool_use_id": tid,
                    "tool": name,
                    "uuid": m.uuid,
                    "ts": m.timestamp,
                    "is_sidechain": m.is_sidechain,
                    "agent_id": m.agent_id,
                    "result_uuid": r.uuid if r else None,
                    "result_ts": r.timestamp if r else None,
                    "is_error": bool(r and r.is_error),
                }
            )
    for key, (_total, m) in usage.items():
        t = m.tokens
        assert t is not None
        rows["usage"].append(
            {
                "session_id": s.session_id,
                "message_id": key,
                "model": m.model,
                "ts": m.timestamp,
                "is_sidechain": m.is_sidechain,
                "input_tokens": t.input,
                "output_tokens": t.output,
                "cache_read_tokens": t.cache_read,
                "cache_creation_tokens": t.cache_creation,
            }
        )
    for touch in tracer.catalog.session_touches(s.path):
        rows["file_touches"].append({"session_id": s.session_id, **touch})
    return rows


def segment(value: str) -> str:
    """A name as one path segment: percent-encoded like Hive escapes partition values, so pyarrow
    (``segment_encoding="uri"``) and Spark read the original name back, and no name is a path."""
    return quote(value, safe="")


def _write(out_dir: Path, table: str, project: str, month: str, sid: str, rows: list[Any]) -> str:
    rel = (
        PurePosixPath(table)
        / f"project={segment(project)}"
        / f"month={segment(month)}"
        / f"{segment(sid)}.parquet"
    )
    target = out_dir / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    if not inside(out_dir, target.parent):
        # a folder of the export replaced by a link that leads out of it: never write through it
        raise InvalidRequest(f"{target.parent} leads out of the export folder {out_dir}")
    tmp = target.with_name(target.name + ".tmp")
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMAS[table]), tmp, compression="zstd")
    os.replace(tmp, target)  # a reader never sees half a file
    return str(rel)


def export_file(out_dir: Path, rel: object) -> Path | None:
    """``rel`` as a file of the export, or None when it is not one the exporter could have
    written: a relative path ``<table>/project=…/month=…/….parquet`` with no ``.``/``..`` segment
    that lies inside ``out_dir`` with symlinks resolved."""
    if not isinstance(rel, str) or not rel or "\x00" in rel or "\\" in rel:
        return None
    parts = rel.split("/")
    if len(parts) != 4 or any(p in ("", ".", "..") for p in parts):
        return None
    table, project, month, name = parts
    if (
        table not in TABLES
        or not project.startswith("project=")
        or not month.startswith("month=")
        or not name.endswith(".parquet")
    ):
        return None
    path = out_dir / rel
    return path if inside(out_dir, path) else None


@dataclass
class Manifest:
    """The manifest's entries with only validated paths, and what was refused."""

    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)


def load_manifest(out_dir: Path) -> Manifest:
    """The export's manifest, every path in it checked with ``export_file``.

    A missing, unreadable or foreign manifest is an empty one (the next export rewrites every
    session); a path that fails the check is dropped from its entry and listed in ``refused``."""
    result = Manifest()
    st = regular_stat(out_dir / MANIFEST)
    if st is None or st.st_size > 256 * 1024 * 1024:
        return result
    try:
        data = orjson.loads((out_dir / MANIFEST).read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return result
    if not isinstance(data, dict) or data.get("version") != EXPORT_VERSION:
        return result
    sessions = data.get("sessions")
    if not isinstance(sessions, dict):
        return result
    for key, entry in sessions.items():
        if not isinstance(entry, dict):
            continue
        files: list[str] = []
        raw = entry.get("files")
        for rel in raw if isinstance(raw, list) else []:
            if export_file(out_dir, rel) is None:
                result.refused.append(repr(rel) if not isinstance(rel, str) else rel)
            else:
                files.append(rel)
        result.sessions[key] = {"version": entry.get("version"), "files": files}
    if result.refused:
        log.warning(
            "%s names %d path(s) outside the export or of a shape it never writes; "
            "refused (neither read nor deleted): %s",
            out_dir / MANIFEST,
            len(result.refused),
            ", ".join(result.refused[:5]),
        )
    return result


def manifest_files(out_dir: Path) -> tuple[dict[str, list[Path]], list[str]]:
    """Each table's Parquet files as the manifest lists them (validated, present, regular), and
    the entries refused. A file the manifest does not list is no part of the export: a Parquet
    file planted in the folder is never read."""
    manifest = load_manifest(out_dir)
    tables: dict[str, list[Path]] = {t: [] for t in TABLES}
    for entry in manifest.sessions.values():
        for rel in entry["files"]:
            path = out_dir / rel
            if regular_stat(path, out_dir) is None:
                continue  # gone (or replaced by something that is not a file): nothing to read
            tables[rel.split("/", 1)[0]].append(path)
    return tables, manifest.refused


def export_parquet(
    tracer: Tracer,
    out_dir: Path,
    since: datetime | None = None,
    progress: Progress | None = None,
) -> ExportReport:
    """Write (or bring up to date) the Parquet export of every session in ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    loaded = load_manifest(out_dir)
    manifest = loaded.sessions
    report = ExportReport(refused=loaded.refused)
    sessions = [
        s
        for s in _all_sessions(tracer)
        if since is None or s.last_timestamp is None or s.last_timestamp >= since
    ]
    for i, info in enumerate(sessions):
        report.sessions += 1
        key = info.path
        version = [info.size_bytes, info.message_count, info.deleted, info.archived, info.title]
        prev = manifest.get(key)
        if prev is not None and prev.get("version") == version:
            report.unchanged += 1
            if progress is not None:
                progress(i + 1, len(sessions))
            continue
        rows = session_rows(tracer, info)
        files: list[str] = []
        for table, table_rows in rows.items():
            by_month: dict[str, list[dict[str, Any]]] = {}
            for row in table_rows:
                stamp = row.get("ts", row.get("last_ts"))
                by_month.setdefault(_month(stamp), []).append(row)
            for month, part in by_month.items():
                files.append(_write(out_dir, table, info.project, month, info.session_id, part))
                report.rows += len(part)
        for old in (prev or {}).get("files", []):
            # only paths load_manifest validated: inside the export, of the exporter's own shape
            if old not in files and export_file(out_dir, old) is not None:
                (out_dir / old).unlink(missing_ok=True)
        manifest[key] = {"version": version, "files": files}
        report.written += 1
        report.files += len(files)
        if progress is not None:
            progress(i + 1, len(sessions))
    tmp = out_dir / (MANIFEST + ".tmp")
    tmp.write_bytes(orjson.dumps({"version": EXPORT_VERSION, "sessions": manifest}))
    os.replace(tmp, out_dir / MANIFEST)
    return report
