"""Search across sessions: a parsed query, run on the text index, paged and grouped by session.

This is what ``Tracer.search`` does once the index is fresh. The page is a slice of the ranked
hits (relevance or newest first); within it, hits are grouped by session in the order of each
session's best hit. Snippets are cut from the line read again from disk, so the index stores no
text; a hit whose file is gone has an empty snippet.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from . import bytesource
from . import cursor as cursors
from .bytesource import open_source
from .ingest import read_record
from .models import Kind, SearchGroup, SearchHit, SearchPage, SearchParams, TextRange
from .persisted import persisted_name, saved_output_text
from .searchquery import InvalidQuery, ParsedQuery, parse
from .textindex import FileRow, Hit, TextIndex, line_doc

_EPOCH = datetime(1970, 1, 1)
_EPOCH_UTC = datetime(1970, 1, 1, tzinfo=UTC)


def _under(cwd: str | None, workspace: str) -> bool:
    if not cwd:
        return False
    ws = workspace.rstrip("/\\") or workspace
    return cwd == ws or cwd.startswith(ws + "/") or cwd.startswith(ws + "\\")


def scope_files(
    rows: dict[int, FileRow],
    parsed: ParsedQuery,
    params: SearchParams,
    tags: Callable[[], dict[tuple[str, str], str]] | None = None,
) -> list[int] | None:
    """The file numbers a search may look at; None when that is every file of the index.
    ``tags()``: the tag of each tagged session, (project, session id) -> tag, asked only when
    the query filters by tag (the catalog knows them, the index does not)."""
    trunk_cwd = {(r.project, r.session): r.cwd for r in rows.values() if r.agent is None}
    tagged: dict[tuple[str, str], str] = {}
    if (parsed.tags or parsed.not_tags) and tags is not None:
        tagged = {k: v.lower() for k, v in tags().items()}
    keep: list[int] = []
    for fid, r in rows.items():
        if parsed.tags or parsed.not_tags:
            tag = tagged.get((r.project, r.session))
            if parsed.tags and tag not in parsed.tags:
                continue
            if tag is not None and tag in parsed.not_tags:
                continue
        if r.deleted and not params.include_deleted:
            continue
        if params.project is not None and r.project != params.project:
            continue
        if parsed.projects and not any(p.lower() in r.project.lower() for p in parsed.projects):
            continue
        if parsed.sessions and not any(r.session.startswith(s) for s in parsed.sessions):
            continue
        if any(p.lower() in r.project.lower() for p in parsed.not_projects):
            continue
        if any(r.session.startswith(s) for s in parsed.not_sessions):
            continue
        if params.workspace is not None:
            cwd = trunk_cwd.get((r.project, r.session)) or r.cwd
            if not _under(cwd, params.workspace):
                continue
        keep.append(fid)
    return keep


def _fingerprint(params: SearchParams) -> str:
    return cursors.fingerprint(
        params.model_dump(
            mode="json",
            exclude={"cursor", "limit", "partial_result_token", "work_done_token"},
        )
    )


def highlight_terms(index: TextIndex, parsed: ParsedQuery) -> tuple[set[str], tuple[str, ...]]:
    """The words (and word prefixes) a snippet marks: those of the clauses that must match."""
    words: set[str] = set()
    prefixes: list[str] = []
    for clause in parsed.clauses:
        if clause.negated:
            continue
        found, _ = index.analyze(clause.text)
        if clause.prefix and found:
            words.update(found[:-1])
            prefixes.append(found[-1])
        else:
            words.update(found)
    return words, tuple(prefixes)


# (root, path) of a transcript file -> a readable copy of it (the archive's, once it is deleted)
Fallback = Callable[[str, str], str | None]


def _hit(
    index: TextIndex,
    h: Hit,
    row: FileRow,
    terms: tuple[set[str], tuple[str, ...]],
    fallback: Fallback | None = None,
) -> SearchHit:
    d = h.doc

    def one(name: str) -> Any:
        values = d.get(name) or [None]
        return values[0]

    ts = one("ts")
    # whole milliseconds, as pages carry them (a float division could land a microsecond short)
    when = _EPOCH_UTC + timedelta(milliseconds=int(ts)) if isinstance(ts, int) else None
    snippet: str = ""
    ranges: list[tuple[int, int]] = []
    off, length = int(one("off") or 0), int(one("len") or 0)
    path: str | None = row.path
    if row.deleted and fallback is not None and not os.path.exists(row.path):
        path = fallback(row.root, row.path)  # Claude Code deleted it: the archived copy
    try:
        if path is None:
            raise FileNotFoundError(row.path)
        with bytesource.reading_for("snippets"), open_source(path) as fh:
            entry = read_record(fh, off, length)
        doc = line_doc(entry) if isinstance(entry, dict) else None
        if doc is not None:
            text = doc.text
            if doc.kind == "tool_result" and persisted_name(entry) is not None:
                saved = saved_output_text(Path(row.root) / row.project, entry)
                text = f"{text}\n{saved}" if saved else text
            snippet, ranges = index.snippet(text, *terms)
    except (OSError, orjson.JSONDecodeError):
        pass
    uuid = one("uuid")
    model = None
    tools: list[str] = []
    if doc_tools := d.get("tools"):
        tools = [str(t) for t in doc_tools]
    if m := one("model"):
        model = str(m)
    return SearchHit(
        uuid=str(uuid) if uuid else None,
        kind=Kind(str(one("kind"))),
        timestamp=when,
        tool_names=tools,
        model=model,
        is_error=bool(one("err")),
        is_sidechain=row.agent is not None or bool(one("side")),
        agent_id=row.agent,
        file="session" if row.agent is None else os.path.basename(row.path),
        line=int(one("line") or 0),
        score=round(h.score, 4),
        snippet=snippet,
        highlights=[TextRange(start=a, end=b) for a, b in ranges],
    )


def run(
    index: TextIndex,
    roots: list[Path],
    params: SearchParams,
    indexing: bool,
    fallback: Fallback | None = None,
    tags: Callable[[], dict[tuple[str, str], str]] | None = None,
) -> SearchPage:
    parsed = parse(params.query)
    if parsed.empty:
        raise InvalidQuery("the query has nothing to search for")
    fp = _fingerprint(params)
    offset = 0
    if params.cursor:
        offset = cursors.decode(params.cursor, "search", fp).seq
    rows = index.files(roots)
    fids = scope_files(rows, parsed, params, tags)
    if not fids:
        return SearchPage(groups=[], total=0, indexing=indexing)
    everything = len(fids) == index.file_count()
    newest = params.sort == "newest"
    matches = index.search(parsed, None if everything else fids, params.limit, offset, newest)
    trunks = {(r.project, r.session): r for r in rows.values() if r.agent is None}
    terms = highlight_terms(index, parsed)
    groups: dict[tuple[str, str], SearchGroup] = {}
    for h in matches.hits:
        row = rows.get(h.fid)
        if row is None:  # indexed after the file list was read: next search shows it
            continue
        key = (row.project, row.session)
        group = groups.get(key)
        if group is None:
            trunk = trunks.get(key)
            group = groups[key] = SearchGroup(
                session_id=row.session,
                project=row.project,
                cwd=(trunk or row).cwd,
                deleted=(trunk or row).deleted,
                hits=[],
            )
        group.hits.append(_hit(index, h, row, terms, fallback))
    end = offset + len(matches.hits)
    has_more = end < matches.total
    next_cursor = None
    if has_more:
        next_cursor = cursors.encode("search", fp, cursors.PageKey(_EPOCH, "", end))
    return SearchPage(
        groups=list(groups.values()),
        total=matches.total,
        next_cursor=next_cursor,
        has_more=has_more,
        indexing=indexing,
    )
