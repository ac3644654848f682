"""SQL for pages, counts and per-session statistics.

Each message kind lives in its own table, so a page query is a UNION ALL of one CTE per requested
kind. Every filter, the keyset condition and the LIMIT go inside each CTE, before the union: kinds
that were not asked for are never scanned and each branch hands the union at most ``limit + 1``
rows. Values are always bound parameters; the only identifiers spliced into SQL are table names
that the store made itself (checked against ``TABLE_NAME``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .cursor import PageKey
from .models import ALL_KINDS, Kind, MessageFilter, MessageSummary, Tokens

TABLE_NAME = re.compile(r"^s_[0-9a-f]{16}_g\d+_[a-z_]+$")

SUMMARY_COLUMNS = (
    "seq",
    "file_id",
    "line",
    "byte_offset",
    "byte_len",
    "uuid",
    "parent_uuid",
    "kind",
    "subtype",
    "ts",
    "is_sidechain",
    "agent_id",
    "spawned_agent_id",
    "model",
    "message_id",
    "tool_names",
    "tool_use_ids",
    "is_error",
    "preview",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
)
_SELECT = ", ".join(SUMMARY_COLUMNS)
# Only these kinds can carry tool names; a tool filter never needs to scan the others.
TOOL_KINDS = frozenset({Kind.ASSISTANT, Kind.TOOL_RESULT})


def _table(tables: dict[Kind, str], kind: Kind) -> str:
    name = tables[kind]
    if not TABLE_NAME.match(name):  # defence in depth: names are made by the store, never by input
        raise ValueError(f"refusing unexpected table name {name!r}")
    return name


def kinds_to_scan(flt: MessageFilter, present: dict[Kind, str]) -> list[Kind]:
    """The kinds a filter can match that have rows at all: only their tables are scanned."""
    kinds = list(dict.fromkeys(flt.kinds)) if flt.kinds else list(ALL_KINDS)
    if flt.tools:
        kinds = [k for k in kinds if k in TOOL_KINDS]
    return [k for k in kinds if k in present]


def filter_conditions(flt: MessageFilter) -> tuple[list[str], list[Any]]:
    conds: list[str] = []
    params: list[Any] = []
    if flt.agent_id is not None:
        conds.append("agent_id = ?")
        params.append(flt.agent_id)
    elif not flt.include_sidechains:
        conds.append("NOT is_sidechain")
    if flt.tools:
        conds.append("list_has_any(tool_names, ?::VARCHAR[])")
        params.append(list(flt.tools))
    if flt.errors_only:
        conds.append("is_error")
    if flt.text:
        conds.append("contains(search, ?)")
        params.append(flt.text.lower())
    if flt.since is not None:
        conds.append("ts >= ?")
        params.append(flt.since)
    if flt.until is not None:
        conds.append("ts <= ?")
        params.append(flt.until)
    return conds, params


def page_query(
    tables: dict[Kind, str], flt: MessageFilter, after: PageKey | None, limit: int
) -> tuple[str, list[Any]] | None:
    """A page of summaries: ``limit`` rows after ``after`` in (ts, uuid, seq) order.

    ``tables`` holds the session's non-empty kind tables; None means nothing can match."""
    kinds = kinds_to_scan(flt, tables)
    conds, fparams = filter_conditions(flt)
    if after is not None:
        # The plain ts bound lets DuckDB skip row groups by their min/max before the row compare.
        conds = [*conds, "ts >= ?", "(ts, uuid, seq) > (?, ?, ?)"]
        fparams = [*fparams, after.ts, after.ts, after.uuid, after.seq]
    where = " AND ".join(conds) if conds else "TRUE"
    if not kinds:
        return None
    ctes: list[str] = []
    params: list[Any] = []
    for kind in kinds:
        ctes.append(
            f"k_{kind.value} AS (SELECT {_SELECT} FROM {_table(tables, kind)} "
            f"WHERE {where} ORDER BY ts, uuid, seq LIMIT ?)"
        )
        params.extend(fparams)
        params.append(limit)
    union = " UNION ALL ".join(f"SELECT * FROM k_{k.value}" for k in kinds)
    sql = f"WITH {', '.join(ctes)} SELECT * FROM ({union}) ORDER BY ts, uuid, seq LIMIT ?"
    params.append(limit)
    return sql, params


def count_query(tables: dict[Kind, str], flt: MessageFilter) -> tuple[str, list[Any]]:
    kinds = kinds_to_scan(flt, tables)
    if not kinds:
        return "SELECT 0", []
    conds, fparams = filter_conditions(flt)
    where = " AND ".join(conds) if conds else "TRUE"
    parts = [f"(SELECT count(*) FROM {_table(tables, k)} WHERE {where})" for k in kinds]
    return "SELECT " + " + ".join(parts), fparams * len(kinds)


def all_rows_union(
    tables: dict[Kind, str],
    where: str,
    columns: str = _SELECT,
    kinds: tuple[Kind, ...] = ALL_KINDS,
) -> str:
    """Rows of several kinds under one fixed condition (used by lookups and statistics)."""
    return " UNION ALL ".join(
        f"SELECT {columns} FROM {_table(tables, k)} WHERE {where}" for k in kinds if k in tables
    )


def row_to_summary(row: tuple[Any, ...], file_names: list[str]) -> MessageSummary:
    (
        _seq,
        file_id,
        line,
        _offset,
        _length,
        uuid,
        parent_uuid,
        kind,
        subtype,
        ts,
        is_sidechain,
        agent_id,
        spawned,
        model,
        message_id,
        tool_names,
        tool_use_ids,
        is_error,
        preview,
        tin,
        tout,
        tcr,
        tcc,
    ) = row
    tokens = None
    if tin or tout or tcr or tcc:
        tokens = Tokens(input=tin, output=tout, cache_read=tcr, cache_creation=tcc)
    return MessageSummary(
        uuid=uuid,
        parent_uuid=parent_uuid,
        kind=Kind(kind),
        subtype=subtype,
        timestamp=ts,
        preview=preview,
        model=model,
        tool_names=list(tool_names or []),
        tool_use_ids=list(tool_use_ids or []),
        is_error=bool(is_error),
        is_sidechain=bool(is_sidechain),
        agent_id=agent_id,
        spawned_agent_id=spawned,
        message_id=message_id,
        tokens=tokens,
        line=line,
        file=file_names[file_id] if file_id < len(file_names) else str(file_id),
    )


def row_key(row: tuple[Any, ...]) -> PageKey:
    ts: datetime = row[9]
    return PageKey(ts=ts, uuid=row[5], seq=row[0])
