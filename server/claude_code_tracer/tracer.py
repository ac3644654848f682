"""The core's one entry point: what the LSP handlers and the CLI commands call.

Each public method takes a validated params model and returns a model; nothing here knows about
JSON-RPC or terminals. Errors are raised as ``errors.TracerError`` subclasses.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import time
import weakref
from collections.abc import Callable, Generator, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import blame as blames
from . import bytesource
from . import cursor as cursors
from . import summary as summaries
from .agents import SessionLocator
from .archive import Archive, ArchiveStatus
from .cache import ResultCache
from .catalog import Catalog, default_cache_dir
from .errors import InvalidRequest, SessionNotFound, SourceUnavailable, StaleRow
from .files import locate
from .ingest import DEFAULT_MAX_LINE_BYTES, Chunk, set_max_line_bytes
from .models import (
    ALL_KINDS,
    Blame,
    BlameParams,
    FileHistory,
    FileSessions,
    FilesHistoryParams,
    FilesSessionsParams,
    FilterOptions,
    Kind,
    KindCount,
    MessageDetail,
    MessageFilter,
    MessageGetParams,
    MessagesPage,
    MessagesPageParams,
    MessagesStreamParams,
    MessageSummary,
    MessagesWindow,
    MessagesWindowParams,
    NameCount,
    PriceOverride,
    SearchPage,
    SearchParams,
    SessionChange,
    SessionContext,
    SessionCost,
    SessionInfo,
    SessionMetrics,
    SessionRef,
    SessionsListParams,
    SessionsPage,
    SessionSubagents,
    SessionSummary,
    SessionTools,
    SubagentInfo,
    Tokens,
    ToolStat,
    UsageParams,
    UsageReport,
    WrittenSpan,
)
from .persisted import effort_of, saved_output_block
from .queries import all_rows_union, count_query, page_query, row_key, row_to_summary
from .transcripts import (
    SEARCH_CHARS,
    SessionFiles,
    check_project,
    default_roots,
    first_session_id,
    line_matches_row,
    read_agent_meta,
    read_entry,
    session_for_path,
)

if TYPE_CHECKING:
    # DuckDB's session tables, pyarrow and tantivy are imported on first use (``db``, ``store``,
    # ``text_index``): a command that only lists sessions does not pay for them.
    import duckdb

    from .ingest import Sink
    from .pageorder import Order
    from .pricing import Response
    from .store import Database, SessionStore, SessionView
    from .textindex import TextIndex

# progress(done, total): bytes parsed so far out of the bytes to parse.
CATALOG_MAX_AGE_FOR_FILES = 3.0
ProgressFn = Callable[[int, int], None]


@dataclass
class TracerOptions:
    projects_roots: list[Path] = field(default_factory=list)
    cache_dir: Path | None = None
    session_ttl_seconds: float = 300.0
    max_loaded_bytes: int = 1024 * 1024 * 1024
    persistent_catalog: bool = True
    # keep every transcript byte read, so sessions outlive Claude Code's cleanup (archive.py);
    # in the cache folder unless archive_dir says otherwise, only with a persistent catalog
    archive: bool = True
    archive_dir: Path | None = None
    # roots among projects_roots whose files are copies kept elsewhere (a team's sessions pulled
    # into the cache): read like the others, never archived as this machine's own
    unarchived_roots: list[Path] = field(default_factory=list)
    # fills in what the catalog does not know of listed sessions (a teammate's author and git
    # remote, team/pull.py), after each listing
    annotate: Callable[[Sequence[Any]], None] | None = None
    # the same file elsewhere (a teammate's clone of its repository, team/pull.py): its
    # sessions, history and written lines count with the file's own
    path_aliases: Callable[[str], list[str]] | None = None
    # Sessions this big (bytes of all their files) are parsed in the background, head first.
    head_first_bytes: int = 16 * 1024 * 1024
    # the user's own prices over the shipped table (pricing.py), model family -> rates
    prices: Mapping[str, PriceOverride] = field(default_factory=dict)
    # DuckDB's memory bound for the session tables: explicit, not DuckDB's 80 % of the RAM (a
    # 1 GB session measured 649 MB of peak RSS in all); past it a query fails, never the machine
    memory_limit: str = "4GB"
    # a line longer than this is served cut, with a marker, not parsed (ingest.oversize_entry);
    # process-wide: the last tracer made sets it
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES


def content_blocks(entry: dict[str, Any]) -> list[Any]:
    """A transcript line's content as a list of blocks, whatever its entry type."""
    msg = entry.get("message")
    if isinstance(msg, dict):
        content = msg.get("content")
        if isinstance(content, list):
            return content
        if isinstance(content, str):
            return [{"type": "text", "text": content}]
    etype = entry.get("type")
    if etype == "system" and isinstance(entry.get("content"), str):
        return [{"type": "text", "text": entry["content"]}]
    for key in ("data", "attachment"):
        if isinstance(entry.get(key), dict):
            return [{"type": key, **entry[key]}]
    return [{"type": "entry", "entry": entry}]


R = TypeVar("R")


def _newest_first(
    rows: list[R],
    limit: int,
    scope: str,
    fp: str,
    key: Callable[[R], tuple[datetime | None, str]],
) -> tuple[list[R], str | None, bool]:
    """A newest-first page from ``limit + 1`` fetched rows: the rows, the cursor, has_more."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        ts, tie = key(rows[-1])
        page_key = cursors.PageKey(ts or datetime(1970, 1, 1), tie, 0)
        next_cursor = cursors.encode(scope, fp, page_key)
    return rows, next_cursor, has_more


class _IndexBusy(Exception):
    """The text index cannot answer for a session right now (not cached, unlike an answer)."""


# Tracers not closed yet: closed at exit (see _close_at_exit).
_OPEN: weakref.WeakSet[Tracer] = weakref.WeakSet()


def _close_at_exit() -> None:
    """Close what a script left open. A process that exits with a tracer still open after a
    session was parsed on a loader thread is killed by DuckDB's C++ runtime during interpreter
    shutdown ("terminate called after throwing an instance of ''", exit status 134; DuckDB issue
    13904): 7 exits in 8 after loading a 70 MB session. Every face closes its tracer; this is
    for code that uses the core as a library and forgets to."""
    for tracer in list(_OPEN):
        with contextlib.suppress(Exception):
            tracer.close()


atexit.register(_close_at_exit)


class Tracer:
    """The entry point of the core: every face calls one of its methods per request. Close it
    when done (``close()``, or use it as a context manager); one left open is closed at exit."""

    def __init__(self, options: TracerOptions | None = None) -> None:
        self.options = options or TracerOptions()
        self._closed = False
        set_max_line_bytes(self.options.max_line_bytes)
        self._roots = [Path(p) for p in self.options.projects_roots] or default_roots()
        # the roots that are copies kept elsewhere (a team's pulled sessions): sessions/list's
        # `team` lists only these
        self._copied = [Path(r) for r in self.options.unarchived_roots]
        self._db: Database | None = None
        self._store: SessionStore | None = None
        self._store_lock = threading.Lock()
        cache = self.options.cache_dir or default_cache_dir()
        self.archive: Archive | None = None
        if self.options.archive and self.options.persistent_catalog:
            self.archive = Archive(
                self.options.archive_dir or cache / "archive",
                skip_roots=tuple(Path(r) for r in self.options.unarchived_roots),
            )
        if self.archive is not None:
            bytesource.mount(self.archive)
        self.catalog = Catalog(
            self.options.cache_dir, self.options.persistent_catalog, self.archive
        )
        self.cache = ResultCache()
        self.locator = SessionLocator()
        self._catalog_fresh_until = 0.0
        self._text_index: TextIndex | None = None
        self._text_index_lock = threading.Lock()
        self._index_fresh_until = 0.0
        _OPEN.add(self)

    @property
    def roots(self) -> list[Path]:
        return list(self._roots)

    @property
    def store(self) -> SessionStore:
        """The loaded sessions' tables, made on first use: a process that only lists sessions
        (the CLI's most common command) never imports pyarrow or opens the in-memory DuckDB."""
        store = self._store
        if store is None:
            with self._store_lock:
                if self._store is None:
                    from .store import Database, SessionStore

                    self._db = Database(self.options.memory_limit)
                    self._store = SessionStore(
                        self._db,
                        self.options.session_ttl_seconds,
                        self.options.max_loaded_bytes,
                        head_first_bytes=self.options.head_first_bytes,
                    )
                    # one more sink of the ingest pass: a loaded session's appended lines come
                    # from the pass's read; what a request reads first is parked for the pass
                    self._store.on_append = self._park
                    self.catalog.add_sink(self._store)
                store = self._store
        return store

    def _park(self, chunk: Chunk) -> None:
        """Appended lines the store read for a request: the catalog's next pass takes them
        instead of reading them again. Not for a session served from the archive or a copy
        the catalog does not list."""
        if chunk.root in self._roots:
            self.catalog.park(chunk)

    @property
    def db(self) -> Database:
        return self.store.db

    def add_copied_roots(self, roots: list[Path]) -> None:
        """Read these projects folders too, as copies kept elsewhere (a teammate's sessions
        pulled after this tracer opened): never archived as this machine's own."""
        new = [Path(r) for r in roots if Path(r) not in self._roots]
        if not new:
            return
        if self.archive is not None:
            self.archive.skip_roots = self.archive.skip_roots | frozenset(new)
        self._copied = [*self._copied, *new]
        self._roots = [*self._roots, *new]  # one assignment: readers see the old or the new list
        self._catalog_fresh_until = 0.0
        self._index_fresh_until = 0.0

    # -- sessions ----------------------------------------------------------------------------------
    def list_sessions(
        self,
        params: SessionsListParams,
        progress: ProgressFn | None = None,
        keep_answer: bool = False,
    ) -> SessionsPage:
        """A page of sessions, newest first, from a fresh catalog. ``keep_answer``: when this
        is the plainest listing (no filter, no cursor), keep its answer for the next command
        (``listcache``: the CLI answers from it while nothing changed)."""
        if params.project is not None:
            check_project(self._roots, params.project)
        fp = Catalog.list_fingerprint(params)
        after = None
        if params.cursor:
            key = cursors.decode(params.cursor, "sessions", fp)
            after = (key.ts, key.uuid)
        # The next page of a listing just made needs no second pass over the archive.
        if after is None or time.monotonic() >= self._catalog_fresh_until:
            self.catalog.refresh(self._roots, progress)
            self._catalog_fresh_until = time.monotonic() + CATALOG_MAX_AGE_FOR_FILES
        roots = self._roots
        if params.team:
            copied = set(self._copied)
            roots = [r for r in roots if r in copied]
        rows = self.catalog.query(roots, params, after) if roots else []
        infos, next_cursor, has_more = _newest_first(
            rows, params.limit, "sessions", fp, lambda s: (s.last_timestamp, s.path)
        )
        if keep_answer:
            self._keep_list_answer(params, fp)
        if self.options.annotate is not None:
            self.options.annotate(infos)
        return SessionsPage(sessions=infos, next_cursor=next_cursor, has_more=has_more)

    def _keep_list_answer(self, params: SessionsListParams, fp: str) -> None:
        """Save the plainest listing's first ``listcache.KEEP`` sessions with what the catalog's
        stat loop saw (see ``listcache``); any other listing saves nothing."""
        from . import listcache

        cache = self.options.cache_dir or default_cache_dir()
        plain = SessionsListParams(limit=params.limit)
        seen = self.catalog.last_seen
        if (
            params != plain
            or self.options.annotate is not None
            or not self.options.persistent_catalog
            or self.catalog.path is None  # in memory: another process holds the catalog
            or seen is None
            or seen[0] != [str(r) for r in self._roots]
        ):
            listcache.forget(cache)
            return
        rows = self.catalog.query(self._roots, SessionsListParams(limit=listcache.KEEP), None)
        if any(s.deleted for s in rows[: listcache.KEEP]):
            # a deleted session is read from the archive, whose copy the refresh verifies when
            # it changed on disk (a segment damaged since): the stat loop of transcripts alone
            # would not see it, so such a listing is not kept
            listcache.forget(cache)
            return

        def key(s: SessionInfo) -> tuple[datetime | None, str]:
            return s.last_timestamp, s.path

        cursors = [
            _newest_first(rows, i + 1, "sessions", fp, key)[1] for i in range(len(rows))
        ][: listcache.KEEP]
        listcache.save(
            cache,
            seen[0],
            seen[1],
            self.catalog.flat_owners(),
            [s.dump() for s in rows[: listcache.KEEP]],
            cursors,
        )

    def _files(self, ref: SessionRef) -> SessionFiles:
        try:
            return self.locator.resolve(self._roots, ref.session_id, ref.project)
        except SessionNotFound:
            restored = self._from_archive(ref)
            if restored is None:
                raise
            return restored

    def _from_archive(self, ref: SessionRef) -> SessionFiles | None:
        """A session whose files are gone, served from its archived bytes: its files are named
        by their paths under the mounted archive (``bytesource``), and the parser reads them
        from the compressed segments, one segment at a time; nothing is written back to disk."""
        if self.archive is None:
            return None
        root = self.archive.directory
        projects = [ref.project] if ref.project else self.archive.projects_with(ref.session_id)
        for project in projects:
            rels = self.archive.session_files(project, ref.session_id)
            if not rels or rels[0].name != f"{ref.session_id}.jsonl":
                continue
            main = root / rels[0]
            agents: list[Path] = []
            for rel in rels[1:]:
                path = root / rel
                # a flat 2.0.x agent file belongs to the session its first line names
                if len(rel.parts) == 2 and first_session_id(path) != ref.session_id:
                    continue
                agents.append(path)
            return SessionFiles(ref.session_id, project, root, main, tuple(agents))
        return None

    def warm_up(self) -> None:
        """Pay now what a fresh tracer's first page would: the in-memory database and the
        first DuckDB statement over an Arrow batch, and every model not built yet (they are
        built lazily for the CLI's sake). The language server calls this on a worker right
        after ``initialized``; measured in benchmarks/firstrequest.py."""
        from .models import build_models

        self.store.warm_up()
        build_models()

    def add_sink(self, sink: Sink) -> None:
        """One more consumer of the transcript bytes each refresh reads, once, with the records
        decoded from them (``ingest.Sink``: an exporter, a team push)."""
        self.catalog.add_sink(sink)

    def archive_status(self) -> ArchiveStatus:
        if self.archive is None:
            raise InvalidRequest("the archive is turned off")
        return self.archive.status()

    def ensure_loaded(self, ref: SessionRef, progress: ProgressFn | None = None) -> bool:
        """Load or refresh the session's tables; True when a parse had to happen."""
        files = self._files(ref)
        fresh = self.store.is_fresh(files)
        with self.store.use(files, progress):
            pass
        return not fresh

    def is_loaded(self, ref: SessionRef) -> bool:
        return self.store.is_fresh(self._files(ref))

    # -- pages -------------------------------------------------------------------------------------
    def page(self, params: MessagesPageParams) -> MessagesPage:
        # A big session not loaded yet answers with its head while the rest is parsed; a page
        # that reaches past the parsed head waits for the rest (never an empty "more to come").
        page: MessagesPage | None = None
        # A head holds the main file's first lines: it answers the trunk's first page, and any
        # page of a session that is one file; a page with subagents' lines waits for them.
        flt = params.filter
        files = self._files(params)
        head_first = not (flt.include_sidechains or flt.agent_id) or not files.agents
        try:
            page = self._with_view(
                params, lambda sess: self._page(sess, params, count=True), head_first, files
            )
        except SessionNotFound:
            if params.start_at is None:  # else: the message may be past the parsed head
                raise
        if page is None or (not page.complete and len(page.messages) < params.limit):
            page = self._with_view(params, lambda sess: self._page(sess, params, count=True))
        problems = (
            self.archive.problems_for(params.project, params.session_id)
            if self.archive is not None
            else None
        )
        if problems:
            # served from a damaged archive: what was verified, said to be incomplete
            page.complete = False
            page.warning = "the archived copy is incomplete: " + "; ".join(problems)
            if params.cursor is None:  # once per reading, not per page: the list's count too
                self.catalog.recheck_archived(self._roots, params.project, params.session_id)
        return page

    def window(self, params: MessagesWindowParams) -> MessagesWindow:
        """A window of a session in page order: from its start (a big session answers from its
        head, as ``page`` does), after or before a cursor, or around a message (window.py)."""
        if params.around is None and params.cursor is None:
            page = self.page(
                MessagesPageParams(
                    session_id=params.session_id,
                    project=params.project,
                    limit=params.limit,
                    filter=params.filter,
                    expand=params.expand,
                )
            )
            return MessagesWindow(
                messages=page.messages,
                next_cursor=page.next_cursor if page.has_more else None,
                has_more=page.has_more,
                total=page.total,
                complete=page.complete,
            )
        result: MessagesWindow = self._with_view(params, lambda sess: self._window(sess, params))
        return result

    def _window(self, sess: SessionView, params: MessagesWindowParams) -> MessagesWindow:
        from . import window as windows

        scope = f"{sess.files.project}/{sess.files.session_id}"
        fp = cursors.fingerprint(params.filter.model_dump(mode="json"))
        order = self._order(sess, params.filter, fp)
        if order is None:
            raise InvalidRequest("a window cannot use a text filter; search, then read around")
        anchor_found = None
        if params.around is not None:
            ts, seq = self._locate(sess, params.around)
            anchor = cursors.PageKey(ts=ts, uuid="", seq=seq)
            seqs, has_before, has_more = windows.around(order, anchor, params.before, params.limit)
            anchor_found = windows.contains(order, anchor)
        else:
            assert params.cursor is not None
            backward, key = windows.decode(params.cursor, scope, fp)
            if backward:
                seqs, has_before = windows.before(order, key, params.limit)
                has_more = windows.position(order, key) < len(order)
            else:
                start = order.start(key)
                seqs = order.seqs[start : start + params.limit].tolist()
                has_before = start > 0
                has_more = start + params.limit < len(order)
        rows = sess.take(seqs)
        prev_cursor = next_cursor = None
        if rows and has_before:
            prev_cursor = windows.encode_backward(scope, fp, row_key(rows[0]))
        if rows and has_more:
            next_cursor = cursors.encode(scope, fp, row_key(rows[-1]))
        return MessagesWindow(
            messages=self._summaries(sess, rows, params.expand),
            prev_cursor=prev_cursor,
            next_cursor=next_cursor,
            has_before=has_before,
            has_more=has_more,
            total=len(order),
            anchor_found=anchor_found,
            complete=sess.complete,
        )

    def stream_pages(
        self, params: MessagesPageParams | MessagesStreamParams, batch_size: int
    ) -> Generator[MessagesPage, None, None]:
        """Yield the messages in batches of ``batch_size``; the last yielded page carries
        nextCursor/hasMore/total. Without a limit, to the end of the session as it was when the
        stream began (nextCursor continues after it).

        One query, read in batches on a cursor of the stream's own (each batch may be read by a
        different worker thread), over a view that holds the session's tables: appends, a
        truncation or a full reload meanwhile change nothing the stream reads. Closing the
        generator (a cancel) closes the cursor and hands the view back."""
        files = self._files(params)
        view = self.store.acquire(files)
        cur: duckdb.DuckDBPyConnection | None = None
        try:
            scope = f"{view.files.project}/{view.files.session_id}"
            fp = cursors.fingerprint(params.filter.model_dump(mode="json"))
            after = cursors.decode(params.cursor, scope, fp) if params.cursor else None
            if after is None and params.start_at is not None:
                after = self._just_before(view, params.start_at)
            total = self._count(view, params.filter) if params.cursor is None else None
            limit: int | None = params.limit
            query = page_query(
                view.present,
                params.filter,
                after,
                None if limit is None else limit + 1,
                self._text_keys(view, params.filter),
            )
            if query is None:
                yield MessagesPage(messages=[], next_cursor=params.cursor, total=total)
                return
            cur = self.db.con.cursor()
            result = cur.execute(*query)
            left = limit if limit is not None else -1  # -1: no limit
            next_cursor = params.cursor

            def fetch() -> list[int]:
                n = batch_size if left < 0 else min(batch_size, left)
                return [r[0] for r in result.fetchmany(n)] if n else []

            batch = fetch()
            while True:
                if left >= 0:
                    left -= len(batch)
                ahead = fetch()
                rows = view.take(batch)
                messages = self._summaries(view, rows, params.expand)
                if rows:
                    next_cursor = cursors.encode(scope, fp, row_key(rows[-1]))
                if not ahead:
                    has_more = left == 0 and bool(result.fetchmany(1))
                    yield MessagesPage(
                        messages=messages, next_cursor=next_cursor, has_more=has_more, total=total
                    )
                    return
                yield MessagesPage(messages=messages, has_more=True)
                batch = ahead
        finally:
            if cur is not None:
                cur.close()
            self.store.release(view)

    def all_messages(self, ref: SessionRef, expand: bool = False) -> Iterator[MessageSummary]:
        """Every message of a session, subagents' included, in order: one stream over one view
        (what exports read), not a chain of cursor pages."""
        params = MessagesStreamParams.model_validate(
            {
                "sessionId": ref.session_id,
                "project": ref.project,
                "expand": expand,
                "filter": {"includeSidechains": True},
            }
        )
        # a with-block closes the stream (and releases its view) even when the reader stops early
        with contextlib.closing(self.stream_pages(params, 500)) as pages:
            for page in pages:
                yield from page.messages

    def _with_view(
        self,
        ref: SessionRef,
        run: Callable[[SessionView], Any],
        head_first: bool = False,
        files: SessionFiles | None = None,
    ) -> Any:
        # The view holds the session's tables until released: a concurrent refresh or full
        # reload changes nothing this request reads. A file rewritten in place makes a re-read
        # line disagree with its row (StaleRow, which dropped the session): the second attempt
        # reads the file anew.
        for attempt in (1, 2):
            try:
                # ``files``: the caller's, resolved for this request already
                if files is None or attempt == 2:
                    files = self._files(ref)
                with self.store.use(files, head_first=head_first) as sess:
                    return run(sess)
            except StaleRow:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _count(self, sess: SessionView, flt: MessageFilter) -> int:
        """The total for a first page, cached until one of the session's files changes."""

        def count() -> int:
            sql, args = count_query(sess.present, flt, self._text_keys(sess, flt))
            return int(self.db.cursor().execute(sql, args).fetchall()[0][0])

        fp = cursors.fingerprint(flt.model_dump(mode="json"))
        return self.cache.get_or_compute(("count", sess.identity, fp), count)

    def _page(self, sess: SessionView, params: MessagesPageParams, count: bool) -> MessagesPage:
        scope = f"{sess.files.project}/{sess.files.session_id}"
        fp = cursors.fingerprint(params.filter.model_dump(mode="json"))
        after = cursors.decode(params.cursor, scope, fp) if params.cursor else None
        if after is None and params.start_at is not None:
            after = self._just_before(sess, params.start_at)
        order = self._order(sess, params.filter, fp)
        if order is not None:
            seqs, has_more = order.page(after, params.limit)
        else:
            keys = self._text_keys(sess, params.filter)
            query = page_query(sess.present, params.filter, after, params.limit + 1, keys)
            seqs = [r[0] for r in self.db.cursor().execute(*query).fetchall()] if query else []
            # While a big session's head is served, more rows may come: there is more to ask for.
            has_more = len(seqs) > params.limit or not sess.complete
            seqs = seqs[: params.limit]
        rows = sess.take(seqs)
        messages = self._summaries(sess, rows, params.expand)
        # The cursor is returned even on the last page: after the session grows, it continues
        # exactly after the last row the client saw.
        next_cursor = params.cursor
        if rows:
            next_cursor = cursors.encode(scope, fp, row_key(rows[-1]))
        total = None
        if count and params.cursor is None:
            total = len(order) if order is not None else self._count(sess, params.filter)
        return MessagesPage(
            messages=messages,
            next_cursor=next_cursor,
            has_more=has_more,
            total=total,
            complete=sess.complete,
        )

    @staticmethod
    def _order(sess: SessionView, flt: MessageFilter, fp: str) -> Order | None:
        """The view's rows in page order under the filter, sorted once per view; None when SQL
        must answer (a text filter, or a view whose rows are still being parsed)."""
        from . import pageorder

        if not sess.complete or not pageorder.servable(flt):
            return None
        return sess.orders.get(sess, flt, fp)

    def _text_keys(self, sess: SessionView, flt: MessageFilter) -> list[int] | None:
        """Lines too long for the store's 2,000-character ``search`` column whose full text
        holds ``flt.text`` (its words as a phrase), from the text index; None while another
        thread's refresh holds the index (the filter then looks at the search column only)."""
        if not flt.text:
            return None
        text = flt.text

        def compute() -> list[int]:
            files = sess.files
            if files.root not in self._roots:  # served from the archive: not in the catalog
                raise _IndexBusy
            index = self.text_index
            paths = list(sess.paths)
            if not index.refresh(self.catalog, self._roots, only=[files.main]):
                raise _IndexBusy
            keys = index.line_keys(paths, text, SEARCH_CHARS)
            if keys is None:
                raise _IndexBusy
            return keys

        try:
            return self.cache.get_or_compute(("text_keys", sess.identity, flt.text), compute)
        except _IndexBusy:
            return None

    def _summaries(
        self, sess: SessionView, rows: list[dict[str, Any]], expand: bool
    ) -> list[MessageSummary]:
        names = sess.file_names
        messages = [row_to_summary(r, names) for r in rows]
        if expand and rows:
            for msg, entry in zip(messages, self._entries(sess, rows), strict=True):
                msg.content = self._blocks(sess, entry)
                msg.effort = effort_of(entry) if msg.kind == Kind.ASSISTANT else None
        return messages

    @staticmethod
    def _blocks(sess: SessionView, entry: dict[str, Any]) -> list[Any]:
        """The line's content blocks, and the tool output it saved outside the transcript."""
        blocks = content_blocks(entry)
        saved = saved_output_block(sess.files.root / sess.files.project, entry)
        return [*blocks, saved] if saved is not None else blocks

    def _locate(self, sess: SessionView, uuid: str) -> tuple[datetime, int]:
        """(ts, seq) of a message by uuid (the first, should a file repeat one).

        A complete view finds it in its summary chunks (a vectorised compare, about 1 ms per
        100K rows; the SQL union over every kind's table took 25 ms); else SQL."""
        if sess.complete and sess.chunks:
            import pyarrow.compute as pc

            seqs: list[int] = []
            for start, chunk in zip(sess.starts, sess.chunks, strict=True):
                hits = pc.indices_nonzero(pc.fill_null(pc.equal(chunk["uuid"], uuid), False))
                seqs += [start + i for i in hits.to_pylist() if start + i < sess.bound]
            if seqs:
                row = min(sess.take(seqs), key=lambda r: (r["ts"], r["seq"]))
                return row["ts"], int(row["seq"])  # type: ignore[return-value,call-overload]
        present = sess.present
        rows: list[Any] = []
        if present:
            sql = f"SELECT ts, seq FROM {sess.table} WHERE uuid = ? ORDER BY ts, seq LIMIT 1"
            rows = self.db.cursor().execute(sql, [uuid]).fetchall()
        if not rows:
            raise SessionNotFound(f"no message {uuid} in session {sess.files.session_id}")
        return rows[0][0], rows[0][1]

    def _just_before(self, sess: SessionView, uuid: str) -> cursors.PageKey:
        """A key that sorts right before the message: a page after it starts at the message."""
        ts, seq = self._locate(sess, uuid)
        return cursors.PageKey(ts=ts, uuid="", seq=seq - 1)

    def _entries(self, sess: SessionView, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The rows' lines read again from disk, each checked to be the line its row was
        parsed from. A line that is not (the file was rewritten in place, even with its size and
        mtime restored) drops the session's tables and raises ``StaleRow``: the caller reloads,
        and another line is never served under the row's uuid."""
        out: list[dict[str, Any]] = []
        for row in rows:
            path = sess.paths[row["file_id"]]
            try:
                entry = read_entry(path, row["byte_offset"], row["byte_len"])
            except ValueError:
                entry = None
            except OSError as exc:
                raise SourceUnavailable(
                    f"cannot read message {row['uuid']} from {path.name}: {exc}"
                ) from exc
            if entry is None or not line_matches_row(entry, row["uuid"]):
                self.store.drop(sess.files.main)
                raise StaleRow(
                    f"{path.name} changed under message {row['uuid']} (rewritten in place); "
                    "it is read again"
                )
            out.append(entry)
        return out

    # -- one message -------------------------------------------------------------------------------
    def get_message(self, params: MessageGetParams) -> MessageDetail:
        return self._with_view(params, lambda sess: self._get(sess, params))

    def _get(self, sess: SessionView, params: MessageGetParams) -> MessageDetail:
        cur = self.db.cursor()
        present = sess.present
        _, seq = self._locate(sess, params.uuid)
        detail = self._detail(sess, sess.take([seq])[0])
        if detail.kind == Kind.ASSISTANT and detail.tool_use_ids and Kind.TOOL_RESULT in present:
            results = cur.execute(
                all_rows_union(
                    present,
                    "list_has_any(tool_use_ids, ?::VARCHAR[])",
                    "ts, seq",
                    kinds=(Kind.TOOL_RESULT,),
                )
                + " ORDER BY ts, seq",
                [detail.tool_use_ids],
            ).fetchall()
            detail.tool_results = [
                self._detail(sess, r) for r in sess.take([s for _, s in results])
            ]
        return detail

    def _detail(self, sess: SessionView, row: dict[str, Any]) -> MessageDetail:
        summary = row_to_summary(row, sess.file_names)
        entry = self._entries(sess, [row])[0]
        if summary.kind == Kind.ASSISTANT:
            summary.effort = effort_of(entry)
        return MessageDetail(
            **summary.model_dump(exclude={"content"}),
            content=self._blocks(sess, entry),
            entry=entry,
        )

    # -- cached statistics -------------------------------------------------------------------------
    def _cache_key(self, name: str, sess: SessionView) -> Hashable:
        return (name, sess.identity)

    def _cached(self, name: str, ref: SessionRef, compute: Callable[[SessionView], Any]) -> Any:
        def run(sess: SessionView) -> Any:
            return self.cache.get_or_compute(self._cache_key(name, sess), lambda: compute(sess))

        return self._with_view(ref, run)

    def metrics(self, ref: SessionRef) -> SessionMetrics:
        return self._cached("metrics", ref, self._metrics)

    def _metrics(self, sess: SessionView) -> SessionMetrics:
        cur = self.db.cursor()
        t = sess.tables
        counts = {
            Kind(kind): (n_trunk, n_side)
            for kind, n_trunk, n_side in cur.execute(
                "SELECT kind, count(*) FILTER (WHERE NOT is_sidechain), "
                f"count(*) FILTER (WHERE is_sidechain) FROM {sess.table} GROUP BY kind"
            ).fetchall()
        }
        by_kind = []
        trunk = 0
        side_rows = 0
        for kind in ALL_KINDS:
            n_trunk, n_side = counts.get(kind, (0, 0))
            trunk += n_trunk
            side_rows += n_side
            if n_trunk:
                by_kind.append(KindCount(kind=kind, count=n_trunk))
        usage = cur.execute(
            "SELECT coalesce(sum(i), 0), coalesce(sum(o), 0), coalesce(sum(r), 0), "
            "coalesce(sum(c), 0), count(*) FROM ("
            " SELECT arg_max(input_tokens, tot) AS i, arg_max(output_tokens, tot) AS o,"
            " arg_max(cache_read_tokens, tot) AS r, arg_max(cache_creation_tokens, tot) AS c"
            " FROM (SELECT *, input_tokens + output_tokens + cache_read_tokens"
            f" + cache_creation_tokens AS tot FROM {t[Kind.ASSISTANT]}"
            " WHERE coalesce(model, '') <> '<synthetic>')"
            " GROUP BY coalesce(message_id, uuid))"
        ).fetchall()[0]
        tool_calls = cur.execute(
            f"SELECT coalesce(sum(len(tool_names)), 0) FROM {t[Kind.ASSISTANT]}"
        ).fetchall()[0]
        models = cur.execute(
            f"SELECT DISTINCT model FROM {t[Kind.ASSISTANT]} "
            "WHERE model IS NOT NULL AND model <> '<synthetic>' ORDER BY model"
        ).fetchall()
        # A guessed time (a file without one valid timestamp) never makes a first, last or
        # duration.
        span = cur.execute(
            "SELECT min(ts) FILTER (WHERE NOT ts_guessed), max(ts) FILTER (WHERE NOT ts_guessed),"
            " count(*) FILTER (WHERE is_error) FROM ("
            + all_rows_union(t, "NOT is_sidechain", columns="ts, ts_guessed, is_error")
            + ")"
        ).fetchall()[0]
        first, last, errors = span
        side = cur.execute(
            "SELECT coalesce(sum(i), 0), coalesce(sum(o), 0), coalesce(sum(r), 0), "
            "coalesce(sum(c), 0), coalesce(sum(n), 0) FROM ("
            " SELECT arg_max(input_tokens, tot) AS i, arg_max(output_tokens, tot) AS o,"
            " arg_max(cache_read_tokens, tot) AS r, arg_max(cache_creation_tokens, tot) AS c,"
            " sum(len(tool_names)) AS n"
            " FROM (SELECT *, input_tokens + output_tokens + cache_read_tokens"
            f" + cache_creation_tokens AS tot FROM {t[Kind.ASSISTANT]}"
            " WHERE file_id > 0 AND coalesce(model, '') <> '<synthetic>')"
            " GROUP BY coalesce(message_id, uuid))"
        ).fetchall()[0]
        return SessionMetrics(
            session_id=sess.files.session_id,
            message_count=trunk,
            by_kind=by_kind,
            tokens=Tokens(
                input=usage[0], output=usage[1], cache_read=usage[2], cache_creation=usage[3]
            ),
            api_calls=usage[4],
            tool_calls=tool_calls[0],
            errors=errors,
            models=[m[0] for m in models],
            first_timestamp=first,
            last_timestamp=last,
            duration_seconds=(last - first).total_seconds() if first and last else None,
            malformed_lines=sess.malformed,
            subagent_message_count=side_rows,
            subagent_tokens=Tokens(
                input=side[0], output=side[1], cache_read=side[2], cache_creation=side[3]
            ),
            subagent_tool_calls=side[4],
            replayed_lines=sess.replayed,
            invalid_timestamps=sess.invalid_timestamps,
            invalid_numbers=sess.invalid_numbers,
            state_lines=dict(sess.state_lines),
        )

    def cost(self, ref: SessionRef) -> SessionCost:
        """Dollars per model from the shipped price table (pricing.py) and the user's own prices;
        unknown models unpriced. The prices are part of the cache key: new ones re-price."""
        prices = self.options.prices
        key = "cost:" + cursors.fingerprint(
            {m: p.model_dump(mode="json") for m, p in prices.items()}
        )
        from .pricing import session_cost

        return self._cached(key, ref, lambda sess: session_cost(self.db.cursor(), sess, prices))

    def responses(self, ref: SessionRef) -> list[Response]:
        """The session's API responses (pricing.responses), cached per file identity."""
        from .pricing import responses

        result: list[Response] = self._cached(
            "responses", ref, lambda sess: responses(self.db.cursor(), sess)
        )
        return result

    def session_summary(
        self, ref: SessionRef, progress: ProgressFn | None = None
    ) -> SessionSummary:
        """The session in one answer (summary.py), from the answers already cached."""
        info = self._session_info(ref, progress)
        exact = SessionRef(session_id=info.session_id, project=info.project)
        return summaries.build(
            info,
            self.metrics(exact),
            self.cost(exact),
            self.tools(exact),
            self.subagents(exact),
            self.catalog.session_touches(info.path),
        )

    def _session_info(self, ref: SessionRef, progress: ProgressFn | None = None) -> SessionInfo:
        self._files(ref)  # an unknown session is refused as every request refuses it
        page = self.list_sessions(
            SessionsListParams(
                query=ref.session_id, project=ref.project, include_deleted=True, limit=1000
            ),
            progress,
        )
        found = [s for s in page.sessions if s.session_id == ref.session_id and not s.orphan]
        if not found:
            raise SessionNotFound(f"session {ref.session_id} is not in the catalog yet")
        return found[0]

    def usage(self, params: UsageParams, progress: ProgressFn | None = None) -> UsageReport:
        from . import usage as usages
        from .pricing import PRICES, with_overrides

        """Tokens and dollars over a period by day, model or project (usage.py). Reads every
        session active in the period (each one's responses cached per file identity)."""
        wanted: list[SessionInfo] = []
        cursor: str | None = None
        while True:
            page = self.list_sessions(
                SessionsListParams(
                    project=params.project, workspace=params.workspace, limit=1000, cursor=cursor
                )
            )
            wanted += [
                s
                for s in page.sessions
                if not s.orphan and usages.overlaps(s.first_timestamp, s.last_timestamp, params)
            ]
            if not page.has_more:
                break
            cursor = page.next_cursor
        prices = self.options.prices
        table = with_overrides(prices) if prices else PRICES
        done: list[tuple[str, str, list[Response]]] = []
        skipped = 0
        total_bytes = sum(s.size_bytes for s in wanted) or 1
        read = 0
        for info in wanted:
            try:
                ref = SessionRef(session_id=info.session_id, project=info.project)
                done.append((info.project, info.session_id, self.responses(ref)))
            except (InvalidRequest, SourceUnavailable, OSError):
                skipped += 1
            read += info.size_bytes
            if progress is not None:
                progress(read, total_bytes)
        return usages.rollup(params, done, table, skipped)

    def set_prices(self, prices: Mapping[str, PriceOverride]) -> None:
        """New price overrides, for the next cost asked (no reload: tokens do not change)."""
        self.options = replace(self.options, prices=dict(prices))

    def context(self, ref: SessionRef) -> SessionContext:
        """The context size of each main-conversation API call, and the compactions (the chart)."""
        from .contextsize import session_context

        return self._cached("context", ref, lambda sess: session_context(self.db.cursor(), sess))

    def tools(self, ref: SessionRef) -> SessionTools:
        return self._cached("tools", ref, self._tools)

    def _tools(self, sess: SessionView) -> SessionTools:
        t = sess.tables
        rows = (
            self.db.cursor()
            .execute(
                "WITH calls AS (SELECT unnest(tool_names) AS name FROM "
                f"{t[Kind.ASSISTANT]}), errs AS (SELECT unnest(tool_names) AS name FROM "
                f"{t[Kind.TOOL_RESULT]} WHERE is_error) "
                "SELECT c.name, c.n, coalesce(e.n, 0) FROM "
                "(SELECT name, count(*) AS n FROM calls GROUP BY name) c "
                "LEFT JOIN (SELECT name, count(*) AS n FROM errs GROUP BY name) e USING (name) "
                "ORDER BY c.n DESC, c.name"
            )
            .fetchall()
        )
        return SessionTools(
            session_id=sess.files.session_id,
            tools=[ToolStat(name=r[0], calls=r[1], errors=r[2]) for r in rows],
        )

    def subagents(self, ref: SessionRef) -> SessionSubagents:
        return self._cached("subagents", ref, self._subagents)

    def _subagents(self, sess: SessionView) -> SessionSubagents:
        t = sess.tables
        cur = self.db.cursor()
        rows = cur.execute(
            "SELECT agent_id, min(file_id), count(*), min(ts), max(ts) FROM ("
            + all_rows_union(
                t, "is_sidechain AND agent_id IS NOT NULL", columns="agent_id, file_id, ts"
            )
            + ") GROUP BY agent_id ORDER BY min(ts), agent_id"
        ).fetchall()
        spawns = dict(
            cur.execute(
                f"SELECT spawned_agent_id, any_value(tool_use_ids[1]) FROM {t[Kind.TOOL_RESULT]} "
                "WHERE spawned_agent_id IS NOT NULL GROUP BY spawned_agent_id"
            ).fetchall()
        )
        out: list[SubagentInfo] = []
        for agent_id, file_id, count, first, last in rows:
            info = SubagentInfo(
                agent_id=agent_id,
                message_count=count,
                first_timestamp=first,
                last_timestamp=last,
                tool_use_id=spawns.get(agent_id),
            )
            if file_id > 0:
                path = sess.paths[file_id]
                info.file = path.name
                info.layout = (
                    "nested"
                    if path.parent.name == "subagents" or ("subagents" in path.parts)
                    else "flat"
                )
                meta = read_agent_meta(path)
                for key, attr in (
                    ("agentType", "agent_type"),
                    ("description", "description"),
                    ("toolUseId", "tool_use_id"),
                ):
                    if isinstance(meta.get(key), str):
                        setattr(info, attr, meta[key])
            else:
                info.layout = "inline"
            out.append(info)
        return SessionSubagents(session_id=sess.files.session_id, subagents=out)

    def filters(self, ref: SessionRef) -> FilterOptions:
        return self._cached("filters", ref, self._filters)

    def _filters(self, sess: SessionView) -> FilterOptions:
        metrics = self.metrics(
            SessionRef(session_id=sess.files.session_id, project=sess.files.project)
        )
        t = sess.tables
        cur = self.db.cursor()
        tools = cur.execute(
            f"SELECT name, count(*) FROM (SELECT unnest(tool_names) AS name FROM "
            f"{t[Kind.ASSISTANT]}) GROUP BY name ORDER BY count(*) DESC, name"
        ).fetchall()
        models = cur.execute(
            f"SELECT model, count(*) FROM {t[Kind.ASSISTANT]} WHERE model IS NOT NULL "
            "GROUP BY model ORDER BY count(*) DESC, model"
        ).fetchall()
        agents = self.subagents(
            SessionRef(session_id=sess.files.session_id, project=sess.files.project)
        )
        return FilterOptions(
            session_id=sess.files.session_id,
            kinds=metrics.by_kind,
            tools=[NameCount(name=n, count=c) for n, c in tools],
            models=[NameCount(name=n, count=c) for n, c in models],
            agent_ids=[a.agent_id for a in agents.subagents],
            first_timestamp=metrics.first_timestamp,
            last_timestamp=metrics.last_timestamp,
        )

    # -- files -----------------------------------------------------------------------------------
    def _catalog_for_files(self) -> Catalog:
        # Editors ask on every hover and every lens: stat the archive at most every few seconds
        # (a change seen by the watcher clears this at once, see changes_for).
        now = time.monotonic()
        if now >= self._catalog_fresh_until:
            self.catalog.refresh(self._roots)
            self._catalog_fresh_until = now + CATALOG_MAX_AGE_FOR_FILES
        return self.catalog

    @staticmethod
    def _file_path(raw: str) -> str:
        if not os.path.isabs(raw) or "\x00" in raw:
            raise InvalidRequest(f"a file path must be absolute: {raw[:200]!r}")
        return os.path.normpath(raw)

    def _paths_of(self, path: str) -> list[str]:
        """The file and its aliases (see TracerOptions.path_aliases)."""
        if self.options.path_aliases is None:
            return [path]
        return [path, *(p for p in self.options.path_aliases(path) if p != path)]

    def _annotated(self, rows: list[R]) -> list[R]:
        if self.options.annotate is not None:
            self.options.annotate(rows)
        return rows

    def file_sessions(self, params: FilesSessionsParams) -> FileSessions:
        path = self._file_path(params.path)
        catalog = self._catalog_for_files()
        sessions = [s for p in self._paths_of(path) for s in catalog.file_sessions(self._roots, p)]
        if len(sessions) > 1:
            sessions.sort(
                key=lambda s: (s.last_timestamp or datetime(1970, 1, 1), s.session_id),
                reverse=True,
            )
        return FileSessions(path=path, sessions=self._annotated(sessions))

    def file_history(self, params: FilesHistoryParams) -> FileHistory:
        path = self._file_path(params.path)
        fp = cursors.fingerprint(path)
        after = None
        if params.cursor:
            key = cursors.decode(params.cursor, "files", fp)
            after = (key.ts, key.uuid)
        catalog = self._catalog_for_files()
        paths = self._paths_of(path)
        rows = [t for p in paths for t in catalog.file_history(self._roots, p, after, params.limit)]
        if len(paths) > 1:  # each path's rows come newest first: one order for all of them
            rows.sort(
                key=lambda t: (t.timestamp or datetime(1970, 1, 1), t.tool_use_id), reverse=True
            )
        touches, next_cursor, has_more = _newest_first(
            rows, params.limit, "files", fp, lambda t: (t.timestamp, t.tool_use_id)
        )
        return FileHistory(
            touches=self._annotated(touches), next_cursor=next_cursor, has_more=has_more
        )

    def files_generation(self) -> int:
        """A number that changes whenever the file index may have changed (checked at most every
        few seconds, like the file queries): results cached under one value stay valid while
        it stays the same."""
        return self._catalog_for_files().generation

    def written_spans(self, path: str, text: str) -> list[WrittenSpan]:
        """The lines of a document whose *current* text a session wrote, newest write first."""
        norm = self._file_path(path)
        spans: list[WrittenSpan] = []
        catalog = self._catalog_for_files()
        for p in self._paths_of(norm):
            for touch, written in catalog.file_writes(self._roots, p):
                for span in locate(text, written):
                    spans.append(
                        WrittenSpan(start_line=span.start, end_line=span.end, touch=touch)
                    )
        if self.options.annotate is not None:
            self.options.annotate([s.touch for s in spans])
        return spans

    def blame(self, params: BlameParams) -> Blame:
        """Which tool call wrote each line of a file as it stands on disk (blame.py), with the
        prompt behind it: the hover's spans, runs of lines by the newest write covering them;
        writes of sessions whose transcript is gone are left out, as the hover leaves them."""
        path = blames.resolve_path(params.path, params.workspace)
        text = blames.read_text(path)
        count = blames.line_count(text)
        first = params.start_line or 1
        last = min(params.end_line or count, count)
        if params.end_line is not None and params.start_line is not None:
            if params.end_line < params.start_line:
                raise InvalidRequest("endLine is before startLine")
        if count and first > count:
            raise InvalidRequest(f"startLine {first} is past the file's {count} lines")
        sessions = self.file_sessions(FilesSessionsParams(path=path)).sessions
        gone = {(s.session_id, s.project) for s in sessions if s.deleted}
        spans = [
            w
            for w in self.written_spans(path, text)
            if (w.touch.session_id, w.touch.project) not in gone
        ]
        runs = blames.runs(spans, first, last)
        return Blame(
            path=path,
            line_count=count,
            start_line=first,
            end_line=last,
            runs=runs,
            attributed_lines=sum(r.end_line - r.start_line + 1 for r in runs),
            sessions=sessions,
        )

    # -- search across sessions ------------------------------------------------------------------
    @property
    def text_index(self) -> TextIndex:
        """Opened on first use: a process that never searches never builds it."""
        with self._text_index_lock:
            if self._text_index is None:
                cache = self.options.cache_dir or default_cache_dir()
                persistent = self.options.persistent_catalog
                from .textindex import TextIndex

                self._text_index = TextIndex(cache if persistent else None)
                # a sink of the catalog's pass from now on: each refresh feeds it
                self.catalog.add_sink(self._text_index)
            return self._text_index

    def search(
        self, params: SearchParams, progress: ProgressFn | None = None, wait: float = 0.0
    ) -> SearchPage:
        """Search every session's messages. The index is refreshed first, at most every few
        seconds (a search per keystroke must not stat the archive each time) and at once after
        the watcher reports a change (``changes_for``); while another thread's build runs, what
        it has indexed is searched and the page says ``indexing``. ``wait``: seconds to wait
        for another process that is building the index first (a one-shot CLI search waits; an
        editor's search answers at once)."""
        index = self.text_index
        indexing = False
        if time.monotonic() >= self._index_fresh_until:
            # the catalog's refresh, which the index takes part in (one read of new bytes)
            if index.refresh(self.catalog, self._roots, progress, wait):
                self._index_fresh_until = time.monotonic() + CATALOG_MAX_AGE_FOR_FILES
                self._catalog_fresh_until = self._index_fresh_until
            else:
                indexing = True
        from . import sessionsearch

        page = sessionsearch.run(
            index, self._roots, params, indexing, self._archived_copy, self._session_tags
        )
        if page.groups:
            # the catalog as it stands (a refresh here would make the first search of a big
            # archive build the whole catalog): titles of sessions it has not seen yet are None
            titles = self.catalog.titles(
                self._roots, [(g.project, g.session_id) for g in page.groups]
            )
            for group in page.groups:
                group.title = titles.get((group.project, group.session_id))
        return page

    def _session_tags(self) -> dict[tuple[str, str], str]:
        """Tags for search's ``tag:`` filter (asked only by a query that has one), from a
        fresh catalog."""
        if time.monotonic() >= self._catalog_fresh_until:
            self.catalog.refresh(self._roots)
            self._catalog_fresh_until = time.monotonic() + CATALOG_MAX_AGE_FOR_FILES
        return self.catalog.tags(self._roots)

    def _archived_copy(self, root: str, path: str) -> str | None:
        """Where a transcript file Claude Code deleted is read from the archive (its path under
        the mounted archive, see ``bytesource``), so search snippets of archived sessions
        still show."""
        if self.archive is None:
            return None
        try:
            rel = Path(path).relative_to(root)
        except ValueError:
            return None
        if ".." in rel.parts or not self.archive.chain(rel):
            return None
        return str(self.archive.directory / rel)

    # -- change tracking ---------------------------------------------------------------------------
    def changes_for(self, paths: dict[Path, str]) -> list[SessionChange]:
        """Map changed files (path -> 'added'|'modified'|'deleted') to session changes."""
        self._catalog_fresh_until = 0.0
        self._index_fresh_until = 0.0
        changes: dict[tuple[str, str], SessionChange] = {}
        for path, what in paths.items():
            if path.suffix != ".jsonl":
                continue
            self.locator.forget(path)
            if self._store is not None:
                self._store.changed(path)
            key = session_for_path(self._roots, path)
            if key is None:
                continue
            sid, project = key
            is_main = path.name == f"{sid}.jsonl"
            if is_main and what == "deleted":
                kind = "deleted"
                if self._store is not None:
                    self._store.drop(path)
            elif is_main and what == "added":
                kind = "created"
            else:
                kind = "appended"
            prev = changes.get(key)
            if prev is None or kind in ("deleted", "created"):
                changes[key] = SessionChange(session_id=sid, project=project, kind=kind)
        return list(changes.values())

    def set_watched(self, watched: bool) -> None:
        """Whether a watcher now reports every transcript change under the roots through
        ``changes_for``: while it does, a warm request stats a session's main file and only the
        subagent files reported changed (all of them every ``store.FULL_CHECK_SECONDS``), so its
        cost does not grow with the number of subagent files. A growth is then seen once the
        watcher reported it (``sessions/didChange``), or within those seconds."""
        self.store.watched = watched

    def sweep(self) -> int:
        """Drop session tables idle past the TTL; returns how many were dropped."""
        return self._store.sweep() if self._store is not None else 0

    def __enter__(self) -> Tracer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the catalog, the index, the store and the database; a second call does nothing."""
        if self._closed:
            return
        self._closed = True
        _OPEN.discard(self)
        # the catalog first: its close waits for a refresh under way, whose sinks (the search
        # index, the archive) and views must still be open until it is done
        self.catalog.close()
        if self._text_index is not None:
            self._text_index.close()
        if self._store is not None:
            self._store.close()
        if self.archive is not None:
            bytesource.unmount(self.archive)
        if self._db is not None:
            self._db.close()


__all__ = ["MessageSummary", "ProgressFn", "Tracer", "TracerOptions"]
