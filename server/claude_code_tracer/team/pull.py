"""The team's sessions on this machine: their bytes pulled into the cache, read like local ones.

Each author's files are written under ``<cache>/team/<database>/authors/<author>/``, laid out
like a Claude Code projects folder, so the ordinary catalog, parser, pages, search and export
serve them with no second parser. A pull fetches only chunks past what the cache holds; a file
rewritten at its source (a newer generation) is fetched anew. ``state.json`` records, per file,
the source offset and the local length pulled: a pull killed between writing bytes and the
state is repaired on the next one by cutting the file back to the recorded length, so no line
is ever written twice.

Everything read from the database is untrusted: a project or path that is not a plain relative
name under its folder is skipped and counted, never followed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import posixpath
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard

from ..locks import BuilderLock
from ..models import SessionInfo
from .db import TeamUnavailable, _psycopg, check_schema, connect, display_url, url_key

log = logging.getLogger(__name__)

_NAME = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$")
_MAX_DEPTH = 6
# A chunk never decompresses to more than this (the pusher cuts at 4 MiB plus one line).
_MAX_CHUNK = 1 << 30


def safe_rel(project: str, path: str) -> Path | None:
    """``project/path`` as a relative path when both are plain names (no '..', no absolute
    path, no odd characters) and it names a transcript; else None."""
    if not _NAME.match(project):
        return None
    parts = path.split("/")
    if not parts or len(parts) > _MAX_DEPTH or not path.endswith(".jsonl"):
        return None
    if any(not _NAME.match(p) for p in parts):
        return None
    return Path(project, *parts)


def author_dir(author: str) -> str:
    """A folder name for an author: readable, and unique whatever the name holds."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", author)[:40].strip("._") or "author"
    return f"{slug}-{hashlib.sha256(author.encode()).hexdigest()[:8]}"


@dataclass
class PullReport:
    files: int = 0
    chunks: int = 0
    bytes: int = 0
    skipped: int = 0
    offline: str | None = None
    # the local files that received bytes (for a watcher-less reader to announce)
    changed: list[Path] = field(default_factory=list)


@dataclass
class TeamRemote:
    author: str
    remote: str | None
    commit: str | None


@dataclass
class TeamCache:
    """The local copy of one team database."""

    directory: Path
    state: dict[str, Any] = field(default_factory=dict)
    _by_session: dict[tuple[str, str], tuple[str, dict[str, Any]]] | None = field(
        default=None, repr=False
    )
    _by_remote: dict[str, set[str]] | None = field(default=None, repr=False)

    @classmethod
    def for_url(cls, cache_dir: Path, url: str) -> TeamCache:
        cache = cls(cache_dir / "team" / url_key(url))
        cache.load()
        return cache

    @property
    def authors_dir(self) -> Path:
        return self.directory / "authors"

    def load(self) -> None:
        try:
            self.state = json.loads((self.directory / "state.json").read_text("utf-8"))
        except (OSError, ValueError):
            self.state = {}
        for key in ("authors", "files", "sessions"):
            if not isinstance(self.state.get(key), dict):
                self.state[key] = {}
        self.forget_index()

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        tmp = self.directory / f".state.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(self.state), "utf-8")
        os.replace(tmp, self.directory / "state.json")

    def roots(self) -> dict[Path, str]:
        """Each author's projects folder, and the author."""
        return {self.authors_dir / d: a for a, d in self.state["authors"].items()}

    def author_root(self, author: str) -> Path:
        d = self.state["authors"].setdefault(author, author_dir(author))
        return self.authors_dir / str(d)

    def forget_index(self) -> None:
        self._by_session = None
        self._by_remote = None

    def _session_index(self) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
        """(project, session id) -> (author, its row): a session id is a UUID, so it names one
        teammate's session (this machine's own author is never pulled)."""
        index = self._by_session
        if index is None:
            index = {}
            for key, info in self.state["sessions"].items():
                author, project, sid = [*key.split("\0"), "", "", ""][:3]
                if isinstance(info, dict):
                    index[(project, sid)] = (author, info)
            self._by_session = index
        return index

    def annotate(self, rows: Sequence[Any]) -> None:
        """Fill ``author`` (and, on a session row, ``remote`` and ``git_commit``) of the rows that
        are a teammate's: listed sessions (by the folder they were read from), a file's sessions
        and touches (by session id)."""
        roots = {str(r): a for r, a in self.roots().items()}
        index = self._session_index()
        for row in rows:
            path = getattr(row, "path", None)
            author: str | None = None
            if isinstance(row, SessionInfo) and isinstance(path, str):
                author = next((a for r, a in roots.items() if path.startswith(r + os.sep)), None)
                found = index.get((row.project, row.session_id))
                if author is None:
                    continue
                row.author = author
                if found is not None and found[0] == author:
                    row.remote = found[1].get("remote")
                    row.git_commit = found[1].get("commit")
                continue
            found = index.get((row.project, row.session_id))
            if found is not None and hasattr(row, "author"):
                row.author = found[0]

    def aliases(self, path: str) -> list[str]:
        """The same file in teammates' clones of its repository: ``path`` relative to this
        machine's repository top level, under each top level the team's sessions of a repository
        with the same remote were pushed from. Empty outside a repository with a remote."""
        from .gitinfo import repository_of

        mine = repository_of(os.path.dirname(path))
        if mine.remote is None or mine.toplevel is None:
            return []
        rel = os.path.relpath(path, mine.toplevel)
        if rel.startswith(".."):
            return []
        by_remote = self._by_remote
        if by_remote is None:
            by_remote = {}
            for _, info in self._session_index().values():
                remote, top = info.get("remote"), info.get("repoRoot")
                if isinstance(remote, str) and isinstance(top, str) and top.startswith("/"):
                    by_remote.setdefault(remote, set()).add(top)
            self._by_remote = by_remote
        return sorted(
            posixpath.join(top, rel.replace(os.sep, "/"))
            for top in by_remote.get(mine.remote, ())
            if posixpath.join(top, rel) != path
        )


# how long a pull waits for another process's pull into the same cache
PULL_LOCK_WAIT = 120.0


def pull(cache: TeamCache, url: str, exclude_author: str | None = None) -> PullReport:
    """Bring the cache up to date with the database (all authors but ``exclude_author``).

    One pull at a time per cache: the language server, MCP servers and CLI commands of one user
    share it, and a pull from a state another process has since moved on from would truncate
    and fetch again files that process wrote. A second pull waits for the first, then starts
    from the state it left."""
    psycopg = _psycopg()
    report = PullReport()
    cache.directory.mkdir(parents=True, exist_ok=True)
    lock = BuilderLock(cache.directory / "pull.lock")
    if not lock.acquire(PULL_LOCK_WAIT):
        raise TeamUnavailable(
            f"another process has been pulling into {cache.directory} for "
            f"{PULL_LOCK_WAIT:.0f} s; reading the team's sessions as last pulled"
        )
    try:
        cache.load()
        with connect(url) as con:
            check_schema(con, url)
            try:
                _pull(con, cache, exclude_author, report)
            except psycopg.OperationalError as exc:
                raise TeamUnavailable(
                    f"lost the team database {display_url(url)} during a pull (what was pulled "
                    f"stays): {str(exc).splitlines()[0]}"
                ) from None
            finally:
                cache.save()
    finally:
        lock.release()
    return report


def _pull(con: Any, cache: TeamCache, exclude: str | None, report: PullReport) -> None:
    files = con.execute(
        "SELECT author, project, path, generation, pushed_to FROM cct.files"
        " WHERE author IS DISTINCT FROM %s ORDER BY author, project, path, generation",
        (exclude,),
    ).fetchall()
    newest: dict[tuple[str, str, str], tuple[int, int]] = {}
    for author, project, path, gen, pushed_to in files:
        newest[(author, project, path)] = (gen, pushed_to)  # ordered: the last is the newest
    dctx = zstandard.ZstdDecompressor()
    for (author, project, path), (gen, pushed_to) in newest.items():
        rel = safe_rel(project, path)
        if rel is None:
            report.skipped += 1
            log.warning("team file %r of %r is not a plain relative path: skipped", path, author)
            continue
        key = f"{author}\0{project}\0{path}"
        st = cache.state["files"].get(key)
        if not isinstance(st, dict) or st.get("generation") != gen:
            st = {"generation": gen, "src_end": 0, "local_len": 0}
        if st["src_end"] >= pushed_to and (cache.author_root(author) / rel).is_file():
            continue
        target = cache.author_root(author) / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "r+b") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size < st["local_len"]:  # damaged or removed meanwhile: fetch it anew
                st = {"generation": gen, "src_end": 0, "local_len": 0}
            fh.truncate(st["local_len"])
            fh.seek(st["local_len"])
            cur = con.execute(
                "SELECT src_start, src_stop, raw_len, data FROM cct.chunks WHERE author = %s"
                " AND project = %s AND path = %s AND generation = %s AND src_start >= %s"
                " ORDER BY src_start",
                (author, project, path, gen, st["src_end"]),
            )
            for src_start, src_stop, raw_len, data in cur:
                if src_start != st["src_end"] or raw_len > _MAX_CHUNK:
                    break  # a gap: never write past it
                try:
                    raw = dctx.decompress(bytes(data), max_output_size=raw_len)
                except zstandard.ZstdError:
                    raw = b""
                if len(raw) != raw_len:  # damaged: never written, nor anything after it
                    report.skipped += 1
                    log.warning("a stored chunk of %s/%s by %r is damaged", project, path, author)
                    break
                fh.write(raw)
                st["src_end"] = src_stop
                st["local_len"] += len(raw)
                report.chunks += 1
                report.bytes += len(raw)
            fh.flush()
            if st["local_len"] != size:
                report.changed.append(target)
        if st["local_len"] == 0:  # nothing readable yet: no empty transcript to list
            target.unlink(missing_ok=True)
        con.commit()
        cache.state["files"][key] = st
        report.files += 1
    rows = con.execute(
        "SELECT author, project, session_id, remote, git_commit, repo_root FROM cct.sessions"
        " WHERE author IS DISTINCT FROM %s",
        (exclude,),
    ).fetchall()
    con.commit()
    cache.state["sessions"] = {
        f"{a}\0{p}\0{s}": {"remote": r, "commit": c, "repoRoot": t} for a, p, s, r, c, t in rows
    }
    cache.forget_index()
