"""The full-text index of every message of every session, in tantivy, beside the catalog.

One tantivy document per transcript line that the store shows as a message (user prompts,
assistant text and thinking, tool inputs, tool results, system lines, attachments), subagent
transcripts included; progress lines are left out because 2.1.x repeats whole subagent messages
in them. The text is the message's full text (not the store's 2,000-character search column) and
is not stored: a hit keeps the file, byte offset and length of its line, and snippets are cut
from the line read again from disk, which keeps the index small.

The index reads no transcript of its own accord: it is a sink of the catalog's refresh (see
``ingest``), which decides what changed (one discovery, one stat loop) and hands it the records
it decoded from each file's new bytes. Files are tracked in a small SQLite table beside the index
(stdlib, safe to read from several threads): how far each file was indexed, with the 64 bytes
before that offset (the tail probe that tells a pass reading bytes the index holds from a
rewrite). Appended bytes add documents, a rewritten file has its documents replaced, and a
deleted file's documents stay with the file marked deleted (``gone``). What no pass handed the
index (it was opened after the catalog was built, or another process held it) it catches up on
from the catalog's list of files (``Catalog.files``), reading only what it lacks, with the same
reader and decoder. Before lines from an offset are indexed, documents of that file at or past the
offset are deleted, so a crash between the tantivy commit and the state update never leaves
duplicates. The build commits in batches and reloads the reader, so a search
during a first build sees what is indexed so far. The directory is named for the schema version:
a new version, a corrupt or half-deleted index all start again from nothing.

Several processes share one cache (two editor windows, a CLI beside them). One builds at a time:
a refresh first takes the builder lock (``textindex.lock`` beside the index, an OS file lock, so
a builder that dies or is killed releases it and the next refresh takes over), opens tantivy's
writer for that refresh only and closes it after. A process that finds the lock taken searches
what the builder has committed so far (its reader reloads) and says it is indexing, or, from the
CLI, waits for the builder (``refresh(wait=...)``). Only the builder may reset or delete the index.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import threading
import time
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import tantivy

from . import bytesource
from .bytesource import open_source
from .ingest import Chunk, lines_in, read_record, records_of
from .locks import BuilderLock
from .persisted import persisted_name, saved_output_text
from .safefs import regular_stat
from .searchquery import Clause, InvalidQuery, ParsedQuery
from .transcripts import (
    METADATA_TYPES,
    LineBlocks,
    bounded_uuid,
    tail_matches,
    uuid_hash,
)

if TYPE_CHECKING:
    from .catalog import Catalog

log = logging.getLogger(__name__)

# 2: records recovered from damaged lines are indexed (version 1 skipped those lines)
# 3: uuids bounded as pages serve them, a replayed uuid indexed once (``FileRow.uuids``)
SCHEMA_VERSION = 3
INDEX_DIR = f"textindex-v{SCHEMA_VERSION}"
STATE_FILE = "files.sqlite"
TOKENIZER = "cct_words"
# Words longer than this many UTF-8 bytes are not indexed (base64 and minified blobs would
# swell the term dictionary); a query word that long matches nothing.
LONGEST_WORD = 100
# Commit (and let searches see the new documents) after this many transcript bytes.
COMMIT_BYTES = 32 * 1024 * 1024
COMMIT_SECONDS = 1.0
# A prefix that expands to more words than this inside a phrase is refused.
MAX_PHRASE_EXPANSIONS = 1000
SNIPPET_CHARS = 160
WRITER_HEAP = 64 * 1024 * 1024
# New transcript bytes a listing's refresh keeps for the index's next refresh (see ``_keep``).
PENDING_BYTES = 8 * 1024 * 1024
INDEXED_TYPES = frozenset({"user", "assistant", "system", "attachment"})
KEY_SHIFT = 40  # (file number << 40) | byte offset: one integer per line of a session

Progress = Callable[[int, int], None]


# --- text of a line -------------------------------------------------------------------------------
def _strings(value: Any, out: list[str]) -> None:
    """Every string leaf of a JSON value, in document order."""
    if isinstance(value, str):
        if value:
            out.append(value)
    elif isinstance(value, dict):
        for v in value.values():
            _strings(v, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, out)


def _content_text(content: Any, out: list[str], tools: list[str]) -> None:
    if isinstance(content, str):
        if content:
            out.append(content)
        return
    if not isinstance(content, list):
        return
    for block in content:
        if isinstance(block, str):
            out.append(block)
            continue
        if not isinstance(block, dict):
            continue
        btype = block.get("type")
        if btype == "text":
            text = block.get("text")
            if isinstance(text, str) and text:
                out.append(text)
        elif btype == "thinking":
            text = block.get("thinking")
            if isinstance(text, str) and text:
                out.append(text)
        elif btype == "tool_use":
            name = block.get("name")
            if isinstance(name, str) and name:
                out.append(name)
                tools.append(name)
            _strings(block.get("input"), out)
        elif btype == "tool_result":
            _content_text(block.get("content"), out, [])


@dataclass
class LineDoc:
    """What the index keeps of one line, and the text it indexes."""

    kind: str
    text: str
    tools: list[str]
    tool_use_ids: list[str]
    model: str | None
    is_error: bool
    uuid: str | None
    ts: str | None


def line_doc(entry: dict[str, Any]) -> LineDoc | None:
    """The indexed form of a transcript line; None for lines that are not messages.

    Kinds follow the store (a user line made only of tool results is a tool_result). Text: user
    and assistant content (text, thinking, a tool call's name and every string of its input,
    a tool result's text), a system line's content, every string of an attachment."""
    etype = entry.get("type")
    if etype not in INDEXED_TYPES:
        return None
    msg = entry.get("message")
    msg = msg if isinstance(msg, dict) else {}
    out: list[str] = []
    tools: list[str] = []
    ids: list[str] = []
    model = None
    is_error = False
    kind = str(etype)
    if etype == "assistant":
        _content_text(msg.get("content"), out, tools)
        m = msg.get("model")
        model = m if isinstance(m, str) else None
        is_error = bool(entry.get("isApiErrorMessage"))
        content = msg.get("content")
        if isinstance(content, list):
            for block in content:
                if isinstance(block, dict) and block.get("type") == "tool_use":
                    ids.append(str(block.get("id") or ""))
    elif etype == "user":
        content = msg.get("content")
        if (
            isinstance(content, list)
            and content
            and all(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
        ):
            kind = "tool_result"
            for block in content:
                ids.append(str(block.get("tool_use_id") or ""))
                if block.get("is_error"):
                    is_error = True
        _content_text(content, out, [])
    elif etype == "system":
        text = entry.get("content")
        if isinstance(text, str) and text:
            out.append(text)
        is_error = entry.get("level") == "error" or entry.get("subtype") == "api_error"
    else:
        att = entry.get("attachment")
        _strings(att, out)
        if isinstance(att, dict):
            is_error = att.get("type") in ("hook_blocking_error", "hook_non_blocking_error")
    uuid = entry.get("uuid")
    ts = entry.get("timestamp")
    return LineDoc(
        kind=kind,
        text="\n".join(out),
        tools=tools,
        tool_use_ids=ids,
        model=model,
        is_error=is_error,
        # the id a page serves for the line (an absurdly long one has a bounded stand-in), so a
        # hit opens with ``messages/get`` and ``around``
        uuid=bounded_uuid(uuid) if isinstance(uuid, str) and uuid else None,
        ts=ts if isinstance(ts, str) and ts else None,
    )


def ts_ms(ts: str | None) -> int | None:
    if not ts:
        return None
    try:
        return int(datetime.fromisoformat(ts).timestamp() * 1000)
    except ValueError:
        return None


# --- the index ------------------------------------------------------------------------------------
def _analyzer(long_limit: int | None) -> tantivy.TextAnalyzer:
    builder = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
    if long_limit is not None:
        builder = builder.filter(tantivy.Filter.remove_long(long_limit))
    return builder.filter(tantivy.Filter.lowercase()).build()


def _schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("text", stored=False, tokenizer_name=TOKENIZER, index_option="position")
    sb.add_integer_field("fid", stored=True, indexed=True, fast=True)
    sb.add_integer_field("off", stored=True, indexed=True, fast=True)
    sb.add_integer_field("len", stored=True, fast=True)
    sb.add_integer_field("line", stored=True)
    sb.add_integer_field("ts", stored=True, indexed=True, fast=True)
    sb.add_integer_field("err", stored=True, indexed=True)
    sb.add_integer_field("side", stored=True)
    sb.add_text_field("kind", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("tool", stored=False, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("tools", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("model", stored=True, tokenizer_name="raw", index_option="basic")
    sb.add_text_field("uuid", stored=True, tokenizer_name="raw", index_option="basic")
    return sb.build()


@dataclass
class FileRow:
    """One transcript file the index knows."""

    fid: int
    path: str
    root: str
    project: str
    session: str
    agent: str | None
    size: int
    mtime_ns: int
    ino: int
    offset: int
    line: int
    last_ts: str | None
    probe: str
    cwd: str | None
    tool_names: str  # JSON {tool_use_id: name} of recent calls, for results after an append
    deleted: bool
    # 64-bit hashes (``uuid_hash``) of the uuids indexed from this file: a line whose uuid was
    # already read (a resume replays earlier entries) is skipped, as the parser skips it, also
    # when the replay comes in a later append
    uuids: bytes = b""
    seen: set[int] | None = field(default=None, repr=False, compare=False)  # ``uuids``, loaded


_FILE_COLS = (
    "fid, path, root, project, session, agent, size, mtime_ns, ino, offset, line, last_ts, "
    "probe, cwd, tool_names, deleted, uuids"
)


@dataclass
class Found:
    """A file the catalog lists that the index catches up on, and which session it is in."""

    root: Path
    project: str
    session: str
    agent: str | None
    path: str
    st: os.stat_result


@dataclass
class Hit:
    fid: int
    score: float
    doc: dict[str, list[Any]]


@dataclass
class Matches:
    hits: list[Hit]
    total: int


class TextIndex:
    """The index and its file table; one writer (a refresh) at a time, searches at any time."""

    def __init__(self, cache_dir: Path | None) -> None:
        self.directory = cache_dir / INDEX_DIR if cache_dir is not None else None
        self.schema = _schema()
        self.analyzer = _analyzer(LONGEST_WORD + 1)
        self.splitter = _analyzer(None)
        self._write_lock = threading.Lock()
        self._state_lock = threading.Lock()
        self._last_fid = 0
        self._cached_rows: list[FileRow] | None = None
        # the pass this index takes part in (``refresh``, or a catalog refresh it joined)
        self._pass: _Pass | None = None
        # whether the catch-up has run once in this process, and whether a pass went by that
        # did not feed this index since (both: compare with the catalog's files)
        self._synced = False
        self._behind = False
        # chunks (and gone paths) of passes this index did not run, for its next refresh
        self._pending: list[Chunk | list[str]] = []
        self._pending_bytes = 0  # -1: over PENDING_BYTES, dropped (the catch-up reads them)
        self._pending_lock = threading.Lock()
        self._cached_version: int | None = None
        self._dirty = False  # documents added or deleted since the writer's last commit
        self.builder: BuilderLock | None = (
            BuilderLock(cache_dir / "textindex.lock") if cache_dir is not None else None
        )
        self._open()

    # -- opening -----------------------------------------------------------------------------------
    def _open(self) -> None:
        if self.directory is not None:
            try:
                self._open_dir(self.directory)
                return
            except Exception as exc:  # tantivy reports damage as assorted errors
                # only a process that may build may delete: another may be building it now
                if self.builder is None or not self.builder.try_acquire():
                    log.warning("text index %s unavailable (%s); using memory", self.directory, exc)
                    self._open_memory()
                    return
                try:
                    log.warning("text index %s unusable (%s); rebuilding it", self.directory, exc)
                    shutil.rmtree(self.directory, ignore_errors=True)
                finally:
                    self.builder.release()
            try:
                self._open_dir(self.directory)
                return
            except Exception as exc:
                log.warning("text index %s unavailable (%s); using memory", self.directory, exc)
        self._open_memory()

    def _open_dir(self, directory: Path) -> None:
        parent = directory.parent
        parent.mkdir(parents=True, exist_ok=True)
        assert self.builder is not None
        building = self.builder.try_acquire()
        try:
            if building:  # an index of another schema version is dead weight
                for old in parent.glob("textindex-v*"):
                    if old.name != directory.name:
                        shutil.rmtree(old, ignore_errors=True)
            directory.mkdir(parents=True, exist_ok=True)
            had_index = tantivy.Index.exists(str(directory))
            self.index = tantivy.Index(self.schema, path=str(directory), reuse=True)
            self._setup_index()
            self.state = sqlite3.connect(
                str(directory / STATE_FILE),
                check_same_thread=False,
                isolation_level=None,
                timeout=60,  # another process may be saving a batch
            )
            self.state.execute("PRAGMA journal_mode=WAL")
            self.state.execute("PRAGMA synchronous=NORMAL")  # a lost update costs a re-index only
            created = self._setup_state(fresh=building and not had_index)
            docs = self.index.searcher().num_docs  # fails here on a damaged index
            self.writer: tantivy.IndexWriter | None = None  # opened per refresh, under the lock
            if building and created and docs:
                # documents whose file table is gone cannot be told apart from new ones
                writer = self._make_writer()
                if writer is not None:
                    writer.delete_all_documents()
                    writer.commit()
                    writer.wait_merging_threads()
                    self.index.reload()
        finally:
            if building:
                self.builder.release()

    def _open_memory(self) -> None:
        self.directory = None
        self.builder = None
        self.index = tantivy.Index(self.schema)
        self._setup_index()
        self.state = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._setup_state(fresh=True)
        self.writer = self._make_writer()

    def _make_writer(self) -> tantivy.IndexWriter | None:
        try:
            return self.index.writer(heap_size=WRITER_HEAP, num_threads=1)
        except ValueError as exc:
            # Another process (a second editor window) is writing this index: search it as is.
            log.warning("text index is being written by another process (%s); read only", exc)
            return None

    def _setup_index(self) -> None:
        self.index.register_tokenizer(TOKENIZER, self.analyzer)
        self.index.config_reader(reload_policy="manual")

    def _setup_state(self, fresh: bool) -> bool:
        """Create the file table; True when it did not exist."""
        with self._state_lock:
            if fresh:  # the tantivy files are gone: what the table says was indexed is not
                self.state.execute("DROP TABLE IF EXISTS files")
            exists = self.state.execute(
                "SELECT count(*) FROM sqlite_master WHERE name = 'files'"
            ).fetchone()[0]
            self.state.execute(
                "CREATE TABLE IF NOT EXISTS files (fid INTEGER PRIMARY KEY, path TEXT UNIQUE, "
                "root TEXT, project TEXT, session TEXT, agent TEXT, size INTEGER, "
                "mtime_ns INTEGER, ino INTEGER, offset INTEGER, line INTEGER, last_ts TEXT, "
                "probe TEXT, cwd TEXT, tool_names TEXT, deleted INTEGER, uuids BLOB)"
            )
        return not exists

    def close(self) -> None:
        with self._write_lock:
            if self.writer is not None:
                try:
                    self.writer.wait_merging_threads()
                except (ValueError, RuntimeError):
                    pass
                self.writer = None
        with self._state_lock:
            self.state.close()

    # -- the file table ----------------------------------------------------------------------------
    def _rows(self, where: str = "1", args: Iterable[Any] = ()) -> list[FileRow]:
        with self._state_lock:
            rows = self.state.execute(
                f"SELECT {_FILE_COLS} FROM files WHERE {where}", list(args)
            ).fetchall()
        out = [FileRow(*r) for r in rows]
        for row in out:
            row.deleted = bool(row.deleted)
            row.uuids = row.uuids or b""
        return out

    def _save(self, rows: list[FileRow]) -> None:
        if not rows:
            return
        with self._state_lock:
            self._cached_rows = None
            self.state.execute("BEGIN")
            self.state.executemany(
                f"INSERT OR REPLACE INTO files ({_FILE_COLS}) VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.fid, r.path, r.root, r.project, r.session, r.agent, r.size,
                        r.mtime_ns, r.ino, r.offset, r.line, r.last_ts, r.probe, r.cwd,
                        r.tool_names, int(r.deleted), r.uuids,
                    )
                    for r in rows
                ],
            )  # fmt: skip
            self.state.execute("COMMIT")

    def file_count(self) -> int:
        with self._state_lock:
            return int(self.state.execute("SELECT count(*) FROM files").fetchone()[0])

    def files(self, roots: list[Path]) -> dict[int, FileRow]:
        """The known files under the roots; kept in memory until the table changes (a save of
        ours, or another process's commit: SQLite's ``data_version``)."""
        names = {str(r) for r in roots}
        with self._state_lock:
            # changes when another process (a builder) commits; our own saves drop the cache
            version = int(self.state.execute("PRAGMA data_version").fetchone()[0])
        rows = self._cached_rows if self._cached_version == version else None
        if rows is None:
            rows = self._rows()
            self._cached_rows, self._cached_version = rows, version
        return {r.fid: r for r in rows if r.root in names}

    # -- the ingest pass ---------------------------------------------------------------------------
    # The index reads no transcript the catalog's refresh reads: it is a sink of that pass
    # (``ingest.Sink``), given the records the pass decoded from each file's new bytes. It keeps
    # no discovery and no stat loop of its own. What a pass did not feed it (the index opened
    # after the catalog was built, a pass while another process held the index, a gap) it
    # catches up on from the catalog's list of files (``Catalog.files``), reading only the
    # bytes it lacks, with the same reader and decoder.
    name = "textindex"

    def refresh(
        self,
        catalog: Catalog,
        roots: list[Path],
        progress: Progress | None = None,
        wait: float = 0.0,
        only: list[Path] | None = None,
    ) -> bool:
        """Bring the index up to date with the files under the roots through ``catalog``'s
        refresh (this index takes part in it as a sink); False when another thread's or
        process's refresh holds the index (the caller then searches what is committed).
        ``wait``: seconds to wait for another process's build first (the CLI waits). ``only``:
        the main transcripts of the sessions to bring up to date (a loaded session's filter)."""
        catalog.add_sink(self)  # once: a sink already there is not added again
        if not self._write_lock.acquire(blocking=False):
            return False
        try:
            if not self._take_writer(wait):
                return False
            try:
                self._pass = _Pass(self, threading.get_ident())
                self._take_pending(self._pass)
                catalog.refresh(roots, progress, only)
                self._catch_up(self._pass, catalog, roots, only, progress)
                self._pass.batch.commit()
            finally:
                self._pass = None
                self._drop_writer()
            return True
        finally:
            self._write_lock.release()

    def _keep(self, chunk: Chunk | None, gone: list[str] | None = None) -> None:
        """A pass of the catalog's that the index did not ask for (a listing's refresh): its
        chunks are kept, up to PENDING_BYTES, and indexed by the next refresh of the index
        (opening tantivy's writer and committing cost a listing 0.1-0.3 s); past that bound
        they are dropped and that refresh reads what it lacks itself (``_catch_up``)."""
        with self._pending_lock:
            if self._pending_bytes < 0:
                return  # already over the bound: the catch-up will read
            if gone is not None:
                self._pending.append(gone)
                return
            assert chunk is not None
            self._pending_bytes += len(chunk.data)
            if self._pending_bytes > PENDING_BYTES:
                self._pending, self._pending_bytes = [], -1
                self._behind = True
                return
            self._pending.append(chunk)

    def _take_pending(self, p: _Pass) -> None:
        """Index what listings' refreshes kept for this index, in the order they read it."""
        with self._pending_lock:
            pending, self._pending, self._pending_bytes = self._pending, [], 0
        for item in pending:
            if isinstance(item, list):
                self.gone(item)
            else:
                self.accept(item)
        self.finish()

    def accept(self, chunk: Chunk) -> None:
        """Index a chunk of the catalog's pass: the records past what this index holds of the
        file (a catalog that reads a file again from byte 0, because it is in memory or the file
        is new to it, passes over lines already indexed: checked by their tail probe)."""
        p = self._pass
        if p is None or p.thread != threading.get_ident():
            self._keep(chunk)  # a listing's pass, or one beside this index's own refresh
            return
        path = str(chunk.path)
        fp = p.files.get(path)
        if fp is None:
            fp = self._file_pass(p, chunk)
            p.files[path] = fp
        elif not fp.dead and chunk.start != fp.next:
            # the pass reads the file again (the catalog parses a session anew when one of its
            # subagent files was rewritten): what it reads up to the offset is checked again
            row = fp.row
            if chunk.start > row.offset:
                p.redo.add(path)
                fp.dead = True
            else:
                probe = bytes.fromhex(row.probe)
                fp = _FilePass(row, fp.names, row.offset, b"", True, probe, chunk.start)
                p.files[path] = fp
        if not fp.dead:
            self._take_chunk(p, fp, chunk)
            fp.next = chunk.end

    def finish(self) -> None:
        p = self._pass
        if p is None or p.thread != threading.get_ident():
            return
        for path, fp in p.files.items():
            if not fp.dead and fp.verify:  # the file ends before what was indexed of it
                p.redo.add(path)
        p.files.clear()
        p.batch.commit()

    def gone(self, paths: list[str]) -> None:
        """The catalog's refresh found these transcripts gone: their documents stay, marked
        deleted, with those of the subagent files of the same session that are gone too."""
        p = self._pass
        if p is None or p.thread != threading.get_ident():
            self._keep(None, list(paths))
            return
        marks = ", ".join("?" for _ in paths) or "NULL"
        rows = self._rows(f"path IN ({marks})", paths)
        dead = [r for r in rows if not r.deleted]
        for row in rows:
            if row.agent is None:
                dead.extend(
                    r
                    for r in self._rows(
                        "root = ? AND project = ? AND session = ? AND agent IS NOT NULL "
                        "AND NOT deleted",
                        [row.root, row.project, row.session],
                    )
                    if not os.path.exists(r.path)
                )
        for row in dead:
            row.deleted = True
        self._save(dead)

    def _file_pass(self, p: _Pass, chunk: Chunk) -> _FilePass:
        """How this pass indexes a file, from its first chunk and what the index holds of it."""
        writer = self.writer
        assert writer is not None
        path = str(chunk.path)
        session, agent = chunk.session_id, chunk.agent_id
        if chunk.orphan:  # a session of its own, named by its file, as the list shows it
            session, agent = chunk.path.stem, None
        found = self._rows("path = ?", [path])
        prev = found[0] if found else None
        if prev is None or prev.offset == 0:
            if chunk.start != 0:  # bytes before the chunk were never indexed
                p.redo.add(path)
                return _FilePass.skipped()
            row = self._fresh_row(prev, chunk.root, chunk.project, session, agent, path)
            return _FilePass(row, {}, 0, b"", verify=False)
        prev.session, prev.agent, prev.deleted = session, agent, False
        if chunk.start > prev.offset:  # a gap: read by the catch-up
            p.redo.add(path)
            return _FilePass.skipped()
        names: dict[str, str] = orjson.loads(prev.tool_names or "{}")
        probe = bytes.fromhex(prev.probe)
        if chunk.start == prev.offset:
            self._drop_from(prev)
            return _FilePass(prev, names, prev.offset, probe, verify=False)
        return _FilePass(prev, names, prev.offset, b"", verify=True, probe=probe, first=chunk.start)

    def _fresh_row(
        self, prev: FileRow | None, root: Path, project: str, session: str,
        agent: str | None, path: str,
    ) -> FileRow:  # fmt: skip
        """A file indexed from byte 0: its documents dropped (also a new number's: a refresh
        that died after its commit but before saving the file table may have left some)."""
        assert self.writer is not None
        fid = prev.fid if prev is not None else self._next_fid()
        self.writer.delete_documents_by_term("fid", fid)
        self._dirty = True
        return FileRow(
            fid=fid, path=path, root=str(root), project=project, session=session,
            agent=agent, size=0, mtime_ns=0, ino=0, offset=0, line=0,
            last_ts=None, probe="", cwd=None, tool_names="{}", deleted=False,
        )  # fmt: skip

    def _drop_from(self, row: FileRow) -> None:
        """Lines past the offset may have been indexed by a refresh that died before its state
        was saved: drop them so they are not indexed twice."""
        assert self.writer is not None
        self._dirty = True
        self.writer.delete_documents_by_query(
            tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, self._term("fid", row.fid)),
                    (
                        tantivy.Occur.Must,
                        tantivy.Query.range_query(
                            self.schema, "off", tantivy.FieldType.Integer, row.offset, None
                        ),
                    ),
                ]
            )
        )

    def _take_chunk(self, p: _Pass, fp: _FilePass, chunk: Chunk) -> None:
        writer = self.writer
        assert writer is not None
        row = fp.row
        if fp.verify:
            before = fp.tail + chunk.data[: max(0, fp.skip_to - chunk.start)]
            if chunk.end < fp.skip_to:  # all indexed already
                fp.tail = before[-64:]
                return
            fp.verify = False
            need = min(64, fp.skip_to)
            if len(before) >= need and before[len(before) - need :] != fp.probe:
                # rewritten: index it anew, from this chunk when it starts the file
                if fp.first != 0:
                    p.redo.add(row.path)
                    fp.dead = True
                    return
                fp.row = row = self._fresh_row(
                    row, Path(row.root), row.project, row.session, row.agent, row.path
                )
                fp.names, fp.skip_to = {}, 0
            else:
                self._drop_from(row)
        skip_to = fp.skip_to
        names = fp.names
        for rec in chunk.records:
            if rec.offset < skip_to:
                continue
            row.line = rec.line
            self._add_entry(writer, row, names, rec.entry, rec.offset, rec.length)
        row.offset = row.size = chunk.end
        if chunk.lines:
            row.line = chunk.lines
        fp.tail = (fp.tail + chunk.data)[-64:] if len(chunk.data) < 64 else chunk.data[-64:]
        row.probe = fp.tail.hex()
        row.tool_names = orjson.dumps(dict(list(names.items())[-500:])).decode()
        p.batch.advanced(row, chunk.end - max(chunk.start, skip_to))

    def _catch_up(
        self,
        p: _Pass,
        catalog: Catalog,
        roots: list[Path],
        only: list[Path] | None,
        progress: Progress | None,
    ) -> None:
        """Read what the catalog's passes did not hand this index: the whole of each file the
        first time an index is built beside a built catalog, else only files it missed. Also
        marks deleted the files the catalog no longer lists. Skipped when every pass since the
        last catch-up fed the index."""
        p.batch.commit()  # the file table as the pass left it
        if self._synced and not self._behind and not p.redo:
            return
        entries = catalog.files(roots, only)
        if only is None:
            marks = ", ".join("?" for _ in roots) or "NULL"
            rows = {r.path: r for r in self._rows(f"root IN ({marks})", map(str, roots))}
        else:
            wanted = [str(e.path) for e in entries]
            marks = ", ".join("?" for _ in wanted) or "NULL"
            rows = {r.path: r for r in self._rows(f"path IN ({marks})", wanted)}
        live: set[str] = set()
        work: list[tuple[Found, FileRow | None]] = []
        to_save: list[FileRow] = []
        for e in entries:
            path = str(e.path)
            live.add(path)
            prev = rows.get(path)
            if prev is not None and (prev.session, prev.agent) != (e.session_id, e.agent_id):
                # an orphan whose session came back, or the reverse: same lines, new owner
                prev.session, prev.agent = e.session_id, e.agent_id
                to_save.append(prev)
            if prev is None or prev.deleted or prev.offset < e.offset or path in p.redo:
                st = regular_stat(path, e.root)
                if st is not None:
                    found = Found(e.root, e.project, e.session_id, e.agent_id, path, st)
                    work.append((found, prev))
        if only is None:
            for prev in rows.values():
                if prev.path not in live and not prev.deleted:
                    prev.deleted = True
                    to_save.append(prev)
        self._save(to_save)
        total = sum(f.st.st_size - (prev.offset if prev else 0) for f, prev in work) or 1
        batch = p.batch
        batch.progress, batch.total, batch.done = progress, max(total, 1), 0
        with bytesource.reading_for(self.name):
            for f, prev in work:
                self._index_file(p, f, prev)
        batch.commit()
        if only is None:
            self._synced, self._behind = True, False

    def _take_writer(self, wait: float) -> bool:
        """Become this refresh's builder: the builder lock, then tantivy's writer. False (with
        the reader reloaded, to search what the builder committed) when another process has it."""
        if self.builder is None:  # in memory: this process's own index, its writer kept
            return self.writer is not None
        if not self.builder.acquire(wait):
            self._reload()
            return False
        self.writer = self._make_writer()
        if self.writer is None:  # held by a process that does not take the builder lock
            self.builder.release()
            self._reload()
            return False
        return True

    def _drop_writer(self) -> None:
        if self.builder is None:
            return
        # another builder may have committed since this reader last looked, and a refresh
        # with nothing to do commits nothing: reload, so the next search sees everything
        self._reload()
        writer, self.writer = self.writer, None
        try:
            if writer is not None:
                writer.wait_merging_threads()
        except (ValueError, RuntimeError):
            pass
        finally:
            self.builder.release()

    def _reload(self) -> None:
        try:
            self.index.reload()
        except (ValueError, RuntimeError) as exc:
            log.debug("text index reload failed: %s", exc)

    def _next_fid(self) -> int:
        """A number for a new file: above every saved one and every one handed out since."""
        with self._state_lock:
            row = self.state.execute("SELECT coalesce(max(fid), 0) + 1 FROM files").fetchone()
        self._last_fid = max(int(row[0]), self._last_fid + 1)
        return self._last_fid

    def _index_file(self, p: _Pass, f: Found, prev: FileRow | None) -> None:
        """Catch up on one file: read what the index lacks of it (from where it stopped when
        the file only grew since, else from byte 0) with the pass's reader and decoder, and
        take the chunks as the pass's own."""
        appended = (
            prev is not None
            and prev.offset > 0
            and f.st.st_size >= prev.offset
            and tail_matches(Path(f.path), prev.offset, bytes.fromhex(prev.probe))
        )
        if prev is not None and appended:
            prev.session, prev.agent, prev.deleted = f.session, f.agent, False
            self._drop_from(prev)
            names: dict[str, str] = orjson.loads(prev.tool_names or "{}")
            fp = _FilePass(prev, names, prev.offset, bytes.fromhex(prev.probe), verify=False)
        else:
            row = self._fresh_row(prev, f.root, f.project, f.session, f.agent, f.path)
            fp = _FilePass(row, {}, 0, b"", verify=False)
        row = fp.row
        row.mtime_ns, row.ino = f.st.st_mtime_ns, f.st.st_ino
        try:
            with open_source(f.path) as fh:
                blocks = LineBlocks(fh, row.offset)
                for start, block in blocks:
                    if blocks.continues_line:
                        blocks.continues_line = False
                        row.line -= 1
                    records, _ = records_of(block, start, row.line)
                    chunk = Chunk(
                        root=f.root, project=f.project, session_id=f.session, path=Path(f.path),
                        agent_id=f.agent, start=start, end=start + len(block), data=block,
                        records=records, lines=row.line + lines_in(block),
                    )  # fmt: skip
                    self._take_chunk(p, fp, chunk)
        except OSError as exc:
            log.warning("cannot index %s: %s", f.path, exc)
        p.batch.finished(row)

    def _add_entry(
        self,
        writer: tantivy.IndexWriter,
        row: FileRow,
        names: dict[str, str],
        entry: Any,
        offset: int,
        length: int,
    ) -> None:
        if not isinstance(entry, dict) or self._replayed(row, entry):
            return
        ts = entry.get("timestamp")
        if isinstance(ts, str) and ts:
            row.last_ts = ts
        cwd = entry.get("cwd")
        if row.cwd is None and isinstance(cwd, str) and cwd:
            row.cwd = cwd
        doc = line_doc(entry)
        if doc is None:
            return
        tools = doc.tools
        if doc.kind == "assistant":
            for bid, name in zip(doc.tool_use_ids, tools, strict=False):
                names[bid] = name
        elif doc.kind == "tool_result":
            tools = [names.get(bid, "") for bid in doc.tool_use_ids]
        ms = ts_ms(doc.ts or row.last_ts)
        text = doc.text
        if doc.kind == "tool_result" and persisted_name(entry) is not None:
            saved = saved_output_text(Path(row.root) / row.project, entry)
            if saved:
                text = f"{text}\n{saved}"
        fields: dict[str, Any] = {
            "text": text,
            "fid": row.fid,
            "off": offset,
            "len": length,
            "line": row.line,
            "err": int(doc.is_error),
            "side": int(row.agent is not None or bool(entry.get("isSidechain"))),
            "kind": doc.kind,
        }
        if ms is not None:
            fields["ts"] = ms
        if doc.uuid:
            fields["uuid"] = doc.uuid
        if doc.model:
            fields["model"] = doc.model.lower()
        named = [t for t in tools if t]
        if named:
            fields["tool"] = sorted({t.lower() for t in named})
            fields["tools"] = named
        try:
            writer.add_json(orjson.dumps(fields).decode())  # measured faster than add_document
            self._dirty = True
        except ValueError as exc:  # a line tantivy refuses is left out, not the whole file
            log.warning("cannot index line %d of %s: %s", row.line, row.path, exc)

    @staticmethod
    def _replayed(row: FileRow, entry: dict[str, Any]) -> bool:
        """Whether the line's uuid was already read from this file: the parser serves such a line
        once (the first copy), so it is indexed once (``FileRow.uuids``). Metadata lines are not
        messages and are not counted, as in the parser."""
        raw = entry.get("uuid")
        etype = entry.get("type")
        if not isinstance(raw, str) or not raw:
            return False
        if isinstance(etype, str) and etype in METADATA_TYPES:
            return False
        seen = row.seen
        if seen is None:
            prior = array("Q")
            prior.frombytes(row.uuids)
            seen = row.seen = set(prior)
        key = uuid_hash(raw)
        if key in seen:
            return True
        seen.add(key)
        return False

    def _commit(self) -> None:
        """Commit what was added or deleted since the last commit. With nothing to commit it
        costs nothing: a search's refresh that found nothing new committed and reloaded four
        times (~0.7 ms each), at the pending chunks, the pass's end, the catch-up and the end."""
        assert self.writer is not None
        if not self._dirty:
            return
        self.writer.commit()
        self._dirty = False
        self.index.reload()

    def _phrase(self, words: list[str]) -> tantivy.Query:
        terms: list[str | tuple[int, str]] = list(words)
        return tantivy.Query.phrase_query(self.schema, "text", terms)

    def _term(self, name: str, value: Any) -> tantivy.Query:
        return tantivy.Query.term_query(self.schema, name, value)

    # -- queries -----------------------------------------------------------------------------------
    def analyze(self, text: str) -> tuple[list[str], bool]:
        """The indexed words of ``text`` and whether a word was too long to be indexed."""
        words = self.analyzer.analyze(text)
        return words, len(words) != len(self.splitter.analyze(text))

    def _clause_query(self, searcher: tantivy.Searcher, clause: Clause) -> tantivy.Query | None:
        """A clause's query; None when it names no word at all (punctuation only)."""
        words, too_long = self.analyze(clause.text)
        if too_long:
            return tantivy.Query.empty_query()
        if not words:
            return None
        if clause.prefix:
            stem = words[-1]
            expansions = [t for t, _ in searcher.terms_with_prefix("text", stem)]
            if not expansions:
                return tantivy.Query.empty_query()
            if len(words) == 1:
                return tantivy.Query.term_set_query(self.schema, "text", expansions)
            if len(expansions) > MAX_PHRASE_EXPANSIONS:
                raise InvalidQuery(
                    f"{clause.text}*: the prefix {stem!r} matches over "
                    f"{MAX_PHRASE_EXPANSIONS} words; type more of it"
                )
            return tantivy.Query.boolean_query(
                [
                    (
                        tantivy.Occur.Should,
                        self._phrase([*words[:-1], t]),
                    )
                    for t in expansions
                ]
            )
        if len(words) == 1:
            return self._term("text", words[0])
        return self._phrase(words)

    def build_query(
        self, searcher: tantivy.Searcher, parsed: ParsedQuery, fids: list[int] | None
    ) -> tantivy.Query:
        """The tantivy query of a parsed query, limited to the files ``fids`` (None: all)."""
        Occur, Query = tantivy.Occur, tantivy.Query
        parts: list[tuple[tantivy.Occur, tantivy.Query]] = []
        positive = False
        for clause in parsed.clauses:
            q = self._clause_query(searcher, clause)
            if q is None:
                continue
            if clause.negated:
                parts.append((Occur.MustNot, q))
            else:
                parts.append((Occur.Must, q))
                positive = True
        if fids is not None:
            parts.append((Occur.Must, Query.term_set_query(self.schema, "fid", fids)))
        if parsed.tools:
            for tool in parsed.tools:
                parts.append((Occur.Must, self._term("tool", tool)))
        if parsed.kinds:
            parts.append((Occur.Must, Query.term_set_query(self.schema, "kind", parsed.kinds)))
        if parsed.models:
            models = [
                m
                for m, _ in searcher.terms_with_prefix("model", "")
                if any(want in m for want in parsed.models)
            ]
            parts.append((Occur.Must, Query.term_set_query(self.schema, "model", models)))
        if parsed.errors:
            parts.append((Occur.Must, self._term("err", 1)))
        if parsed.not_errors:
            parts.append((Occur.MustNot, self._term("err", 1)))
        for tool in parsed.not_tools:
            parts.append((Occur.MustNot, self._term("tool", tool)))
        if parsed.not_kinds:
            parts.append(
                (Occur.MustNot, Query.term_set_query(self.schema, "kind", parsed.not_kinds))
            )
        if parsed.not_models:
            models = [
                m
                for m, _ in searcher.terms_with_prefix("model", "")
                if any(unwanted in m for unwanted in parsed.not_models)
            ]
            parts.append((Occur.MustNot, Query.term_set_query(self.schema, "model", models)))
        if parsed.after_ms is not None or parsed.before_ms is not None:
            upper = parsed.before_ms
            parts.append(
                (
                    Occur.Must,
                    Query.range_query(
                        self.schema,
                        "ts",
                        tantivy.FieldType.Integer,
                        parsed.after_ms,
                        upper,
                        include_upper=upper is None,
                    ),
                )
            )
            positive = True
        scoped = parsed.projects or parsed.sessions or parsed.not_projects or parsed.not_sessions
        if not parts and not scoped:  # (project and session filters act through ``fids``)
            raise InvalidQuery("the query has no word or filter to search for")
        if not positive:
            parts.append((Occur.Must, Query.all_query()))
        return Query.boolean_query(parts)

    def search(
        self,
        parsed: ParsedQuery,
        fids: list[int] | None,
        limit: int,
        offset: int,
        newest: bool,
    ) -> Matches:
        searcher = self.index.searcher()
        query = self.build_query(searcher, parsed, fids)
        if newest:
            result = searcher.search(query, limit, count=True, order_by_field="ts", offset=offset)
        else:
            result = searcher.search(query, limit, count=True, offset=offset)
        hits = []
        for score, addr in result.hits:
            doc = searcher.doc(addr).to_dict()
            hits.append(Hit(fid=int(doc["fid"][0]), score=float(score), doc=doc))
        return Matches(hits=hits, total=_count(result))

    def line_keys(self, paths: list[Path], needle: str, longer_than: int) -> list[int] | None:
        """``(i << 40) | byte offset`` of the lines of ``paths[i]`` longer than ``longer_than``
        bytes whose full text holds ``needle`` (case-insensitively), its words as a phrase.

        The index finds the lines holding the words; each is then read again and checked for
        the needle itself, so punctuation in it counts. None when a file is not indexed yet."""
        words, too_long = self.analyze(needle)
        if too_long or not words:
            return []
        marks = ", ".join("?" for _ in paths) or "NULL"
        rows = self._rows(f"path IN ({marks})", [str(p) for p in paths])
        by_path = {r.path: r for r in rows}
        position: dict[int, int] = {}
        for i, p in enumerate(paths):
            row = by_path.get(str(p))
            if row is None:
                return None
            position[row.fid] = i
        text = self._term("text", words[0]) if len(words) == 1 else self._phrase(words)
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Must, text),
                (
                    tantivy.Occur.Must,
                    tantivy.Query.range_query(
                        self.schema, "len", tantivy.FieldType.Integer, longer_than + 1, None
                    ),
                ),
                (
                    tantivy.Occur.Must,
                    tantivy.Query.term_set_query(self.schema, "fid", list(position)),
                ),
            ]
        )
        searcher = self.index.searcher()
        count = _count(searcher.search(query, 1, count=True))
        if not count:
            return []
        addrs = [a for _, a in searcher.search(query, count, count=False).hits]
        fids = searcher.fast_field_values("fid", addrs)
        offs = searcher.fast_field_values("off", addrs)
        lens = searcher.fast_field_values("len", addrs)
        lines = sorted(
            (int(f or 0), int(o or 0), int(n or 0))
            for f, o, n in zip(fids, offs, lens, strict=True)
        )
        want = needle.lower()
        keys: list[int] = []
        # not ingest: the hits' lines are read again to check the needle itself
        with bytesource.reading_for("filter"), contextlib.ExitStack() as files:
            current: int | None = None
            fh: Any = None
            try:
                for fid, off, length in lines:
                    if fid != current:
                        if fh is not None:
                            fh.close()
                        current = fid
                        fh = files.enter_context(open_source(paths[position[fid]]))
                    try:
                        entry = read_record(fh, off, length)
                    except orjson.JSONDecodeError:
                        continue
                    doc = line_doc(entry) if isinstance(entry, dict) else None
                    if doc is not None and want in doc.text.lower():
                        keys.append((position[fid] << KEY_SHIFT) | off)
            except OSError as exc:
                log.warning("cannot check text filter hits: %s", exc)
        return keys

    # -- snippets ----------------------------------------------------------------------------------
    def snippet(
        self, text: str, words: set[str], prefixes: tuple[str, ...]
    ) -> tuple[str, list[tuple[int, int]]]:
        """A window of ``text`` around its best run of matched words, and the matched words'
        character ranges inside that window (the client highlights; no markup here)."""
        tokens = self.analyzer.pre_tokenize(text).tokens
        spans = [
            (t.char_offset_from, t.char_offset_to)
            for t in tokens
            if t.text in words or (prefixes and t.text.startswith(prefixes))
        ]
        if not spans:
            window = text[:SNIPPET_CHARS]
            return _flat(window), []
        best, best_count = 0, 0
        j = 0
        for i in range(len(spans)):
            while spans[j][0] < spans[i][1] - SNIPPET_CHARS:
                j += 1
            if i - j + 1 > best_count:
                best, best_count = j, i - j + 1
        first = spans[best][0]
        start = max(0, first - SNIPPET_CHARS // 4)
        # start at a word boundary when one is near
        space = text.rfind(" ", start, first)
        if space >= 0 and first - space < SNIPPET_CHARS // 4:
            start = space + 1
        end = min(len(text), start + SNIPPET_CHARS)
        ranges = [(a - start, b - start) for a, b in spans if a >= start and b <= end]
        return _flat(text[start:end]), ranges


def _count(result: tantivy.SearchResult) -> int:
    """The number of matching documents (asked for with ``count=True``; missing from the stub)."""
    return int(getattr(result, "count", 0) or 0)


def _flat(text: str) -> str:
    """One line, same length: offsets into the snippet stay valid."""
    return text.translate(_FLAT)


_FLAT = {ord(c): " " for c in "\n\r\t\x0b\x0c"}


class _Batch:
    """Commits every COMMIT_BYTES or COMMIT_SECONDS, then saves the file rows it covers, so the
    saved offsets never run ahead of what a search can see."""

    def __init__(self, index: TextIndex, progress: Progress | None, total: int) -> None:
        self.index = index
        self.progress = progress
        self.total = total
        self.done = 0
        self.since = 0
        self.last = time.monotonic()
        self.rows: dict[int, FileRow] = {}

    def advanced(self, row: FileRow, nbytes: int) -> None:
        self.done += nbytes
        self.since += nbytes
        self.rows[row.fid] = row
        if self.since >= COMMIT_BYTES or time.monotonic() - self.last >= COMMIT_SECONDS:
            self.commit()
        if self.progress is not None:
            self.progress(min(self.done, self.total), self.total)

    def finished(self, row: FileRow) -> None:
        self.rows[row.fid] = row

    def commit(self) -> None:
        self.index._commit()
        rows = [
            FileRow(**{k: getattr(r, k) for k in FileRow.__dataclass_fields__})
            for r in self.rows.values()
        ]
        for row in rows:
            if row.seen:  # the uuids read so far, saved with the offset they go with
                row.uuids = array("Q", row.seen).tobytes()
        self.index._save(rows)
        self.rows.clear()
        self.since = 0
        self.last = time.monotonic()


@dataclass
class _FilePass:
    """How a pass indexes one file: its row, the tool names of recent calls (for results that
    follow), the offset below which records are indexed already, and the last bytes before
    the chunk to come (the tail probe). ``verify``: the pass reads bytes this index holds, and
    checks they are the same (the probe before ``skip_to``) before it indexes past them."""

    row: FileRow
    names: dict[str, str]
    skip_to: int
    tail: bytes
    verify: bool
    probe: bytes = b""
    first: int = 0
    dead: bool = False
    next: int = -1  # where the next chunk of this pass should start (-1: any)

    @classmethod
    def skipped(cls) -> _FilePass:
        row = FileRow(0, "", "", "", "", None, 0, 0, 0, 0, 0, None, "", None, "{}", False)
        return cls(row, {}, 0, b"", verify=False, dead=True)


class _Pass:
    """One refresh this index takes part in, on the thread that runs it: the files it has seen
    so far, the files to read again in the catch-up, the commit batch."""

    def __init__(self, index: TextIndex, thread: int) -> None:
        self.thread = thread
        self.files: dict[str, _FilePass] = {}
        self.redo: set[str] = set()
        self.batch = _Batch(index, None, 1)
