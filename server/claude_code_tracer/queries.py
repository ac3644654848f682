"""SQL for pages, counts and per-session statistics.

A session's rows live in one table, their kind a column. A view of it hands each kind's rows as a
bounded subquery (``store.bounded``: ``seq`` below the view's count, ``kind = ...``); a page or a
count is one filtered scan of the table with the kinds asked for, ordered by (timestamp, seq):
seq is the order of the lines in the files, so lines written in the same millisecond (the parts
of one split assistant message) keep their file order. Warm pages of filters without text never
get here (``pageorder``); what remains is the text filter and a big session still being parsed.
Values are always bound parameters; the only identifiers spliced into SQL are table names that
the store made itself (checked against ``TABLE_NAME``).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from .cursor import PageKey
from .models import ALL_KINDS, Kind, MessageFilter, MessageSummary, Tokens
from .transcripts import COLUMNS

TABLE_NAME = re.compile(r"^s_[0-9a-f]{16}_g\d+$")
# A view's rows of a table (``store.bounded``): the seqs parsed before the view was made, of
# one kind or of all.
BOUNDED_TABLE = re.compile(
    r"^\(SELECT \* FROM (s_[0-9a-f]{16}_g\d+) WHERE seq < (\d+)(?: AND kind = '([a-z_]+)')?\)$"
)

# What a page shows: every row column but the lower-cased search text.
SUMMARY_COLUMNS = tuple(c for c in COLUMNS if c != "search")
# Only these kinds can carry tool names; a tool filter never needs to scan the others.
TOOL_KINDS = frozenset({Kind.ASSISTANT, Kind.TOOL_RESULT})


def _table(tables: dict[Kind, str], kind: Kind) -> str:
    name = tables[kind]
    # Defence in depth: names are made by the store, never by input.
    if not (TABLE_NAME.match(name) or BOUNDED_TABLE.match(name)):
        raise ValueError(f"refusing unexpected table name {name!r}")
    return name


def _one_table(tables: dict[Kind, str], kinds: list[Kind]) -> tuple[str, int, bool] | None:
    """(table, bound, every?) when these kinds' rows are one view's rows of one table; ``every``
    when they are all the kinds ``tables`` holds (a view's ``present`` holds only kinds with
    rows, so no kind condition is needed then)."""
    found = [BOUNDED_TABLE.match(tables[k]) for k in kinds]
    if not found or not all(found):
        return None
    bases = {m.group(1) for m in found if m}
    bounds = {int(m.group(2)) for m in found if m}
    if len(bases) != 1 or len(bounds) != 1:
        return None
    return bases.pop(), bounds.pop(), set(kinds) >= set(tables)


def _scan(tables: dict[Kind, str], kinds: list[Kind]) -> tuple[str, list[str], list[Any]]:
    """The table a query scans for these kinds, and the conditions (bound as parameters) that
    keep it to a view's rows of those kinds: DuckDB plans ``FROM t WHERE seq < ? AND ...`` as
    one filtered scan, twice as fast on a page as the same rows through the bounded subquery.
    Tables that are not one view's (a test's own) are unioned."""
    one = _one_table(tables, kinds)
    if one is None:
        union = " UNION ALL ".join(f"SELECT * FROM {_table(tables, k)}" for k in kinds)
        return f"({union})", [], []
    table, bound, every = one
    if every:
        return table, ["seq < ?"], [bound]
    return table, ["seq < ?", "list_contains(?, kind)"], [bound, [k.value for k in kinds]]


def kinds_to_scan(flt: MessageFilter, present: dict[Kind, str]) -> list[Kind]:
    """The kinds a filter can match that have rows at all: only their tables are scanned."""
    kinds = list(dict.fromkeys(flt.kinds)) if flt.kinds else list(ALL_KINDS)
    if flt.tools:
        kinds = [k for k in kinds if k in TOOL_KINDS]
    return [k for k in kinds if k in present]


def filter_conditions(
    flt: MessageFilter, text_keys: list[int] | None = None
) -> tuple[list[str], list[Any]]:
    """WHERE conditions of a filter. ``text_keys`` are the ``(file_id << 40) | byte_offset``
    of the lines the text index found holding ``flt.text`` as words anywhere in the message:
    with them the text filter also finds what lies past the 2,000 characters of ``search``."""
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
    if flt.text and text_keys:
        conds.append(
            "(contains(search, ?) OR ((file_id::BIGINT << 40) | byte_offset) "
            "IN (SELECT unnest(?::BIGINT[])))"
        )
        params.extend([flt.text.lower(), text_keys])
    elif flt.text:
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
    tables: dict[Kind, str],
    flt: MessageFilter,
    after: PageKey | None,
    limit: int | None,
    text_keys: list[int] | None = None,
) -> tuple[str, list[Any]] | None:
    """The (ts, seq) keys of a page: ``limit`` rows after ``after`` in (ts, seq) order.

    Narrow on purpose: the scan carries two fixed-width columns through its top-N; the page's
    summaries are then taken by seq (``SessionView.take``), which costs the same at any depth.
    ``tables`` holds the view's kinds that have rows; None means that nothing can match."""
    kinds = kinds_to_scan(flt, tables)
    conds, fparams = filter_conditions(flt, text_keys)
    if after is not None:
        # ``ts >= ?`` is implied by the keyset condition, but DuckDB can skip row groups by it
        # (zone maps): a deep page of a 400K-row session, 9.2 -> 6.7 ms.
        conds = [*conds, "ts >= ?", "(ts, seq) > (?, ?)"]
        fparams = [*fparams, after.ts, after.ts, after.seq]
    where = " AND ".join(conds) if conds else "TRUE"
    if not kinds:
        return None
    table, bound, params = _scan(tables, kinds)
    cond = " AND ".join([*bound, where])
    sql = f"SELECT seq FROM {table} WHERE {cond} ORDER BY ts, seq"
    params = [*params, *fparams]
    # No limit: a whole-session stream, one sort of the (ts, seq) keys read in batches.
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return sql, params


def after_union_page_query(
    tables: dict[Kind, str], flt: MessageFilter, after: PageKey | None, limit: int
) -> tuple[str, list[Any]]:
    """The same page, filtered after the union of every kind: the naive plan, kept so the
    benchmark can measure what pushing filters down saves."""
    conds, fparams = filter_conditions(flt)
    if flt.kinds:
        conds.append("list_contains(?, kind)")
        fparams.append([k.value for k in flt.kinds])
    if after is not None:
        conds.append("(ts, seq) > (?, ?)")
        fparams.extend([after.ts, after.seq])
    where = " AND ".join(conds) if conds else "TRUE"
    union = " UNION ALL ".join(
        f"SELECT ts, seq, kind, is_sidechain, agent_id, tool_names, is_error, search "
        f"FROM {_table(tables, k)}"
        for k in ALL_KINDS
        if k in tables
    )
    return (
        f"SELECT seq FROM ({union}) WHERE {where} ORDER BY ts, seq LIMIT ?",
        [*fparams, limit],
    )


def count_query(
    tables: dict[Kind, str], flt: MessageFilter, text_keys: list[int] | None = None
) -> tuple[str, list[Any]]:
    kinds = kinds_to_scan(flt, tables)
    if not kinds:
        return "SELECT 0", []
    conds, fparams = filter_conditions(flt, text_keys)
    where = " AND ".join(conds) if conds else "TRUE"
    table, bound, params = _scan(tables, kinds)
    return f"SELECT count(*) FROM {table} WHERE {' AND '.join([*bound, where])}", [
        *params,
        *fparams,
    ]


def all_rows_union(
    tables: dict[Kind, str],
    where: str,
    columns: str,
    kinds: tuple[Kind, ...] = ALL_KINDS,
) -> str:
    """Rows of several kinds under one fixed condition (used by lookups and statistics): one
    scan of the view's table. Its bounds are literals the store wrote (checked), not input."""
    present = [k for k in kinds if k in tables]
    if not present:
        return f"SELECT {columns} FROM (SELECT NULL) WHERE FALSE"
    one = _one_table(tables, present)
    if one is None:
        return " UNION ALL ".join(
            f"SELECT {columns} FROM {_table(tables, k)} WHERE {where}" for k in present
        )
    table, bound, every = one
    conds = [f"seq < {int(bound)}"]
    if not every:  # kind names from the Kind enum, never from input
        conds.append("kind IN (" + ", ".join(f"'{k.value}'" for k in present) + ")")
    return f"SELECT {columns} FROM {table} WHERE {' AND '.join([*conds, where])}"


def row_to_summary(row: dict[str, Any], file_names: list[str]) -> MessageSummary:
    """A summary from one row of the session's summary table (see ``SUMMARY_COLUMNS``)."""
    tin, tout = row["input_tokens"], row["output_tokens"]
    tcr, tcc = row["cache_read_tokens"], row["cache_creation_tokens"]
    tokens = None
    if tin or tout or tcr or tcc:
        tokens = Tokens(input=tin, output=tout, cache_read=tcr, cache_creation=tcc)
    file_id = row["file_id"]
    return MessageSummary(
        uuid=row["uuid"],
        parent_uuid=row["parent_uuid"],
        kind=Kind(row["kind"]),
        subtype=row["subtype"],
        timestamp=row["ts"],
        preview=row["preview"],
        model=row["model"],
        tool_names=row["tool_names"] or [],
        tool_use_ids=row["tool_use_ids"] or [],
        is_error=bool(row["is_error"]),
        is_sidechain=bool(row["is_sidechain"]),
        agent_id=row["agent_id"],
        spawned_agent_id=row["spawned_agent_id"],
        message_id=row["message_id"],
        tokens=tokens,
        line=row["line"],
        file=file_names[file_id] if file_id < len(file_names) else str(file_id),
    )


def row_key(row: dict[str, Any]) -> PageKey:
    ts: datetime = row["ts"]
    # The page is keyed on (ts, seq): the uuid stays out of the cursor, whose size is bounded.
    return PageKey(ts=ts, uuid="", seq=row["seq"])
