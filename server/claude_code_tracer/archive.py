"""The durable archive: every transcript line the tracer reads, kept after Claude Code deletes it.

Claude Code removes transcripts older than ``cleanupPeriodDays`` (30 by default). The catalog
keeps a deleted session's row; this keeps its bytes, so the session still lists, pages, opens and
exports as before. Each transcript file is kept as zstd-compressed segments of complete lines,
named for the byte range they hold::

    <archive>/<project>/<file path under the project>.d/g<generation>/<start>-<end>.zst

A refresh archives only the bytes appended since the last segment. A file that was rewritten
(its start no longer matches what was archived) opens a new generation and the old one stays:
history is never overwritten. Segments are written to a temporary name and renamed, so a crash or
a full disk leaves at worst a stray temporary file; a segment that does not decompress to its
named length (torn, damaged) is ignored with everything after it, and the next refresh archives
those bytes again. The live transcript stays the source of truth while it exists, and is only
ever read.

Reads are verified. Each generation keeps an ``index`` (written with its segments, by rename):
the chain of segments, each with its length and the SHA-256 of its bytes, and the zstd frames
carry their own checksum. Restoring a file follows the index, not the folder listing: a segment
that is missing, truncated, damaged or replaced (a forged longer one named for a longer range, or
other bytes under its name) is reported, and what was verified before it is served marked
incomplete, never silently as a shorter file (``ArchivedFile``). A deleted session is read from
its segments as they stand (``chain``, ``read_segment``, through ``bytesource``): nothing is
restored into the cache, so nothing can go stale. Archives written before the index (no
``index`` file) are read as before, by their segments' names and lengths.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import stat
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import zstandard

from . import bytesource
from .bytesource import open_source
from .safefs import describe_mode, note_skipped, open_regular

log = logging.getLogger(__name__)

SEGMENT = re.compile(r"^(\d{16})-(\d{16})\.zst$")
GENERATION = re.compile(r"^g(\d+)$")
# Bytes compared to tell an appended file from a rewritten one.
_HEAD = 4096
_LEVEL = 3  # ~500 MB/s and ~10x on JSONL; level 6 packs ~1% more at a third of the speed
# Segments smaller than this (uncompressed) take the next append into themselves.
_MERGE_BELOW = 1 << 20


INDEX = "index"


@dataclass
class ArchivedFile:
    """An archived file read back: its verified bytes, and whether they are the whole file."""

    data: bytes = b""
    found: bool = False
    complete: bool = True
    problems: list[str] = field(default_factory=list)
    # which chain the bytes come from (generation and recorded segments): a restored copy made
    # from another chain is stale
    source: str = ""

    def __bool__(self) -> bool:
        return self.found


@dataclass
class ArchiveStatus:
    files: int = 0
    segments: int = 0
    archived_bytes: int = 0
    stored_bytes: int = 0
    sessions: int = 0


class Archive:
    """Compressed copies of transcript files under one folder, appended to, never rewritten."""

    def __init__(self, directory: Path, skip_roots: tuple[Path, ...] = ()) -> None:
        self.directory = directory
        # roots whose files are copies kept elsewhere (a team's sessions pulled into the cache):
        # never archived, so they are never taken for this machine's own
        self.skip_roots = frozenset(skip_roots)
        self._lock = threading.Lock()
        self.disabled_reason: str | None = None
        self.written_bytes = 0
        # what reads of archived files found wrong, by file (latest generation only)
        self._problems: dict[Path, tuple[Path, list[str]]] = {}
        self._problems_lock = threading.Lock()

    # -- where -------------------------------------------------------------------------------------
    def _file_dir(self, root: Path, path: Path) -> Path | None:
        try:
            rel = path.relative_to(root)
        except ValueError:
            return None
        if ".." in rel.parts or len(rel.parts) < 2:
            return None
        return self.directory.joinpath(*rel.parts[:-1], rel.parts[-1] + ".d")

    @staticmethod
    def _generations(file_dir: Path) -> list[int]:
        try:
            names = os.listdir(file_dir)
        except OSError:
            return []
        return sorted(int(m.group(1)) for n in names if (m := GENERATION.match(n)))

    @staticmethod
    def _segments(gen_dir: Path) -> list[tuple[int, int, Path]]:
        """The chain of segments from byte 0, each the longest that starts where the previous
        one ends (a merged segment supersedes the pieces it was made of), up to the first gap."""
        try:
            names = os.listdir(gen_dir)
        except OSError:
            return []
        longest: dict[int, tuple[int, Path]] = {}
        for n in names:
            m = SEGMENT.match(n)
            if m is None:
                continue
            start, stop = int(m.group(1)), int(m.group(2))
            if stop > start and stop > longest.get(start, (-1, gen_dir))[0]:
                longest[start] = (stop, gen_dir / n)
        out: list[tuple[int, int, Path]] = []
        end = 0
        while end in longest:
            stop, p = longest[end]
            out.append((end, stop, p))
            end = stop
        return out

    @staticmethod
    def _read_segment(start: int, stop: int, path: Path) -> bytes | None:
        # compressed, a segment is never much larger than its bytes (zstd's worst case is a few
        # bytes per 128 KB block): a FIFO, /dev/zero or a huge file planted under its name is
        # refused before it is read
        raw = _read_file(path, (stop - start) + (stop - start) // 64 + 4096)
        if raw is None:
            return None
        try:
            data = zstandard.ZstdDecompressor().decompress(raw, max_output_size=stop - start)
        except zstandard.ZstdError:
            return None
        return data if len(data) == stop - start else None

    @staticmethod
    def _head(gen_dir: Path) -> bytes:
        return _read_file(gen_dir / "head", _HEAD) or b""

    # -- writing -----------------------------------------------------------------------------------
    def append(self, root: Path, path: Path, upto: int) -> int:
        """Archive ``path``'s bytes up to ``upto`` (the end of its last complete line) that are not
        archived yet; returns how many bytes were written. Never raises for I/O: a full disk or
        a read-only folder logs once and leaves the archive as it was."""
        if self.disabled_reason is not None or upto <= 0 or root in self.skip_roots:
            return 0
        file_dir = self._file_dir(root, path)
        if file_dir is None:
            return 0
        with self._lock, bytesource.reading_for("archive"):
            try:
                return self._append(file_dir, path, upto)
            except OSError as exc:
                self.disabled_reason = f"{exc.strerror or exc}"
                log.warning(
                    "transcripts are not being archived (%s in %s); nothing archived is lost",
                    self.disabled_reason,
                    self.directory,
                )
                return 0

    def appender(self, root: Path, path: Path, start: int) -> Appender | None:
        """A sink for the bytes of ``path`` a reader reads from ``start`` on (``accept`` each
        block, then ``close(upto)``), so they are archived without a second read of the file.
        Only when the archive continues exactly where the reader starts: a new file (both at 0)
        or an append the reader has verified (its tail probe) after what the archive ends with.
        None otherwise (a rewrite, an archive behind or ahead): ``append`` reads and checks the
        file itself then (and skips ``skip_roots`` alike)."""
        if self.disabled_reason is not None or root in self.skip_roots:
            return None
        file_dir = self._file_dir(root, path)
        if file_dir is None:
            return None
        with self._lock:
            gens = self._generations(file_dir)
            gen = gens[-1] if gens else 0
            gen_dir = file_dir / f"g{gen}"
            chain = self._segments(gen_dir) if gens else []
            end = chain[-1][1] if chain else 0
            if end != start:
                return None
            previous: bytes | None = None
            if chain:
                last_start, last_stop, last_path = chain[-1]
                previous = self._read_segment(last_start, last_stop, last_path)
                if previous is None:
                    return None  # damaged: append() archives its bytes again from the file
            return Appender(self, gen_dir, chain, previous, end)

    def _append(self, file_dir: Path, path: Path, upto: int) -> int:
        gens = self._generations(file_dir)
        gen = gens[-1] if gens else 0
        gen_dir = file_dir / f"g{gen}"
        chain = self._segments(gen_dir) if gens else []
        previous: bytes | None = None
        while chain:
            last_start, last_stop, last_path = chain[-1]
            previous = self._read_segment(last_start, last_stop, last_path)
            if previous is not None:
                break
            # damaged (a disk error, a torn copy): its bytes are archived again from the file
            log.warning("archive segment %s is damaged; archiving its bytes again", last_path)
            chain.pop()
        end = chain[-1][1] if chain else 0
        with open_source(path) as fh:
            if end and previous is not None:
                head = self._head(gen_dir)
                current = fh.read(min(len(head), upto))
                tail = previous[-64:]
                fh.seek(end - len(tail))
                same_tail = upto >= end and fh.read(len(tail)) == tail
                if not head or current != head[: len(current)] or not same_tail:
                    # rewritten (or truncated): keep the old generation, start a new one
                    gen += 1
                    gen_dir = file_dir / f"g{gen}"
                    chain, end, previous = [], 0, None
            if upto <= end:
                return 0
            fh.seek(end)
            data = fh.read(upto - end)
        if not data:
            return 0
        gen_dir.mkdir(parents=True, exist_ok=True)
        if end == 0:
            self._write(gen_dir / "head", data[:_HEAD])
        start, merged, old = end, data, None
        if chain and previous is not None and len(previous) < _MERGE_BELOW:
            # a live session appends a little at a time: grow its last small segment instead of
            # adding one more file per refresh
            start, merged, old = chain[-1][0], previous + data, chain[-1][2]
        stop = start + len(merged)
        self._write(
            gen_dir / f"{start:016d}-{stop:016d}.zst",
            zstandard.ZstdCompressor(level=_LEVEL, write_checksum=True).compress(merged),
        )
        self._record(gen_dir, chain, start, stop, hashlib.sha256(merged).hexdigest())
        if old is not None:
            old.unlink(missing_ok=True)  # superseded: the chain already prefers the longer one
        self.written_bytes += len(data)
        return len(data)

    def _record(
        self,
        gen_dir: Path,
        chain: list[tuple[int, int, Path]],
        start: int,
        stop: int,
        digest: str,
    ) -> None:
        """Write the generation's index with the new segment ``start..stop`` (its SHA-256)."""
        recorded = self._index(gen_dir) if chain else []
        if recorded is None:
            # a generation written before there was an index: record its chain once
            recorded = []
            for a, b, p in chain:
                if a >= start:
                    break
                seg = self._read_segment(a, b, p)
                if seg is None:
                    break
                recorded.append((a, b, hashlib.sha256(seg).hexdigest()))
        recorded = [e for e in recorded if e[1] <= start]
        recorded.append((start, stop, digest))
        self._write(gen_dir / INDEX, json.dumps({"segments": recorded}).encode())

    def _commit(
        self,
        gen_dir: Path,
        chain: list[tuple[int, int, Path]],
        start: int,
        stop: int,
        digest: str,
        tmp: Path,
        old: Path | None,
    ) -> None:
        """A segment written by an ``Appender`` takes its name and its place in the index (as
        ``_append`` does: the segment by rename, then the index)."""
        target = gen_dir / f"{start:016d}-{stop:016d}.zst"
        os.replace(tmp, target)
        try:
            self._record(gen_dir, chain, start, stop, digest)
        except OSError:
            target.unlink(missing_ok=True)  # not recorded: as if never written
            raise
        if old is not None:
            old.unlink(missing_ok=True)

    @staticmethod
    def _write(target: Path, data: bytes) -> None:
        """Write-then-rename: a reader or a crash never sees half a file under its name."""
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    # -- reading -----------------------------------------------------------------------------------
    def session_files(self, project: str, session_id: str) -> list[Path]:
        """The archived files of a session (relative to the archive): its transcript first."""
        base = self.directory / project
        main = base / f"{session_id}.jsonl.d"
        out: list[Path] = []
        if self._generations(main):
            out.append(Path(project) / f"{session_id}.jsonl")
        # flat 2.0.x agent files lie beside the sessions and name their session only in their
        # first line: all of the project's come back, and the reader matches them as it does live
        try:
            names = os.listdir(base)
        except OSError:
            names = []
        flat = sorted(n for n in names if n.startswith("agent-") and n.endswith(".jsonl.d"))
        for name in flat:
            if self._generations(base / name):
                out.append(Path(project) / name[: -len(".d")])
        nested = base / session_id
        if nested.is_dir():
            for d in sorted(nested.rglob("agent-*.jsonl.d")):
                if self._generations(d):
                    rel = d.relative_to(self.directory)
                    out.append(rel.with_name(rel.name[: -len(".d")]))
        return out

    def project_files(self, project: str, session_ids: set[str]) -> list[tuple[str | None, Path]]:
        """The archived files of these sessions of one project, each with its session id (None
        for a flat 2.0.x agent file, which names its session only inside): one listing of the
        project's folder for all of them, where ``session_files`` lists it per session."""
        base = self.directory / project
        try:
            entries = sorted(os.scandir(base), key=lambda e: e.name)
        except OSError:
            return []
        out: list[tuple[str | None, Path]] = []
        for e in entries:
            if e.name.endswith(".jsonl.d"):
                name = e.name[: -len(".d")]
                if name.startswith("agent-"):
                    out.append((None, Path(project) / name))
                elif name[: -len(".jsonl")] in session_ids:
                    out.append((name[: -len(".jsonl")], Path(project) / name))
            elif e.name in session_ids and e.is_dir(follow_symlinks=False):
                for d in sorted(Path(e.path).rglob("agent-*.jsonl.d")):
                    rel = d.relative_to(self.directory)
                    out.append((e.name, rel.with_name(rel.name[: -len(".d")])))
        return out

    def has(self, project: str, session_id: str) -> bool:
        return bool(self._generations(self.directory / project / f"{session_id}.jsonl.d"))

    def projects_with(self, session_id: str) -> list[str]:
        try:
            names = sorted(os.listdir(self.directory))
        except OSError:
            return []
        return [p for p in names if self.has(p, session_id)]

    @staticmethod
    def _index(gen_dir: Path) -> list[tuple[int, int, str]] | None:
        """The recorded chain of a generation, or None when it has no index (written before
        there was one) or the index cannot be read (then reads fall back to the names)."""
        raw = _read_file(gen_dir / INDEX, _INDEX_MAX)
        if raw is None:
            return None
        try:
            entries = json.loads(raw)["segments"]
            out = [(int(a), int(b), str(h)) for a, b, h in entries]
        except (ValueError, KeyError, TypeError):
            log.warning("archive index %s is damaged; reading the segments by name", gen_dir)
            return None
        return out

    def read(self, rel: Path) -> ArchivedFile:
        """The latest generation of an archived file, every segment checked against the length
        and SHA-256 its index recorded. Bytes after the first problem are not served."""
        file_dir = self.directory / rel.parent / (rel.name + ".d")
        gens = self._generations(file_dir)
        if not gens:
            return ArchivedFile()
        gen_dir = file_dir / f"g{gens[-1]}"
        out = ArchivedFile(found=True)
        parts: list[bytes] = []
        recorded = self._index(gen_dir)
        if recorded is None:
            chain = self._segments(gen_dir)
            out.source = f"g{gens[-1]}:" + ",".join(f"{a}-{b}" for a, b, _ in chain)
            for start, stop, p in chain:
                data = self._read_segment(start, stop, p)
                if data is None:
                    out.problems.append(f"{p.name} is damaged or truncated")
                    break
                parts.append(data)
        else:
            out.source = f"g{gens[-1]}:" + ",".join(f"{a}-{b}:{h[:16]}" for a, b, h in recorded)
            end = 0
            for start, stop, digest in recorded:
                name = f"{start:016d}-{stop:016d}.zst"
                if start != end:
                    out.problems.append(f"the index of {gen_dir} has a gap before {name}")
                    break
                data = self._read_segment(start, stop, gen_dir / name)
                if data is None:
                    why = "missing" if not (gen_dir / name).exists() else "damaged or truncated"
                    out.problems.append(f"segment {name} is {why}")
                    break
                if hashlib.sha256(data).hexdigest() != digest:
                    out.problems.append(f"segment {name} does not match its checksum")
                    break
                parts.append(data)
                end = stop
            longer = [s for s in self._segments(gen_dir) if s[1] > end and not out.problems]
            if longer:
                # planted (a forged longer copy) or left by a crash before its index: not served
                log.warning(
                    "%s holds segments its index does not record (%s): ignored",
                    gen_dir,
                    longer[-1][2].name,
                )
        data = b"".join(parts)
        if out.problems:
            out.complete = False
            # serve whole lines only: a segment boundary is a line end, but be sure
            cut = data.rfind(b"\n") + 1
            data = data[:cut]
            log.warning(
                "archived %s is incomplete: %s; serving the %d verified bytes before it",
                rel,
                "; ".join(out.problems),
                len(data),
            )
        out.data = data
        return out

    def chain(self, rel: Path) -> list[tuple[int, int, Path, str | None]] | None:
        """The segments to serve of an archived file's latest generation, from byte 0 (``rel``
        is its path under the projects root), each with the SHA-256 its index recorded (None in
        an archive written before the index); None when it was never archived. The chain follows
        the index, not the folder listing: it stops before a gap or a missing segment (recorded
        in ``problems_for``), and segments the index does not record (a forged longer one) are
        not served. Read each with ``read_segment`` (``bytesource`` serves a deleted session's
        files so, one segment at a time)."""
        file_dir = self.directory / rel.parent / (rel.name + ".d")
        gens = self._generations(file_dir)
        if not gens:
            return None
        gen_dir = file_dir / f"g{gens[-1]}"
        self._forget_older(rel, gen_dir)
        recorded = self._index(gen_dir)
        if recorded is None:
            return [(a, b, p, None) for a, b, p in self._segments(gen_dir)]
        out: list[tuple[int, int, Path, str | None]] = []
        end = 0
        for start, stop, digest in recorded:
            name = f"{start:016d}-{stop:016d}.zst"
            if start != end:
                self._problem(rel, gen_dir, f"the index of {gen_dir} has a gap before {name}")
                break
            path = gen_dir / name
            if not path.exists():
                self._problem(rel, gen_dir, f"segment {name} is missing")
                break
            out.append((start, stop, path, digest))
            end = stop
        return out

    def read_segment(
        self, rel: Path, start: int, stop: int, path: Path, digest: str | None
    ) -> bytes | None:
        """One segment's bytes, checked against its length and recorded SHA-256; None (and the
        problem recorded for ``problems_for``) when it cannot be read whole or does not match."""
        data = self._read_segment(start, stop, path)
        if data is None:
            self._problem(rel, path.parent, f"segment {path.name} is damaged or truncated")
            return None
        if digest is not None and hashlib.sha256(data).hexdigest() != digest:
            self._problem(rel, path.parent, f"segment {path.name} does not match its checksum")
            return None
        return data

    def _problem(self, rel: Path, gen_dir: Path, what: str) -> None:
        with self._problems_lock:
            got = self._problems.setdefault(rel, (gen_dir, []))
            if got[0] != gen_dir:
                got = self._problems[rel] = (gen_dir, [])
            if what not in got[1]:
                got[1].append(what)
                log.warning("archived %s is incomplete: %s", rel, what)

    def _forget_older(self, rel: Path, gen_dir: Path) -> None:
        with self._problems_lock:
            got = self._problems.get(rel)
            if got is not None and got[0] != gen_dir:
                del self._problems[rel]

    def problems_for(self, project: str | None, session_id: str) -> list[str]:
        """What reads found wrong with a session's archived files (its own file and the
        subagent files in its folder), in its latest generation: the page says so."""
        out: list[str] = []
        with self._problems_lock:
            items = list(self._problems.items())
        for rel, (_gen, problems) in items:
            parts = rel.parts
            if not parts or (project is not None and parts[0] != project):
                continue
            if rel.name == f"{session_id}.jsonl" or (len(parts) > 2 and parts[1] == session_id):
                out.extend(problems)
        return out

    def signatures(self, sessions: list[tuple[str, str]]) -> list[str]:
        """What each (project, session id)'s archived files are on disk, from ``stat`` alone
        (no read): each file's newest generation, its index and every segment's name, size,
        mtime and ctime (which no one can set back). It changes when a segment is removed,
        rewritten, truncated or replaced, or a generation is added: the catalog verifies again
        only then. A project folder is listed once for all its sessions."""
        listings: dict[str, list[str]] = {}
        stated: dict[Path, list[str]] = {}  # flat agent files are every session's of a project
        out: list[str] = []
        for project, session_id in sessions:
            base = self.directory / project
            if project not in listings:
                try:
                    listings[project] = sorted(
                        n for n in os.listdir(base) if n.startswith("agent-") and n.endswith(".d")
                    )
                except OSError:
                    listings[project] = []
            dirs = [base / f"{session_id}.jsonl.d", *(base / n for n in listings[project])]
            nested = base / session_id
            if nested.is_dir():
                dirs.extend(sorted(nested.rglob("agent-*.jsonl.d")))
            parts: list[str] = []
            for file_dir in dirs:
                got = stated.get(file_dir)
                if got is None:
                    got = stated[file_dir] = self._stat_parts(file_dir)
                parts.extend(got)
            text = "\n".join(parts).encode("utf-8", "surrogateescape")
            out.append(hashlib.sha256(text).hexdigest())
        return out

    def _stat_parts(self, file_dir: Path) -> list[str]:
        gens = self._generations(file_dir)
        if not gens:
            return []
        gen_dir = file_dir / f"g{gens[-1]}"
        parts = [f"{file_dir.name}:g{gens[-1]}"]
        try:
            entries = sorted(os.scandir(gen_dir), key=lambda e: e.name)
        except OSError:
            return parts
        for entry in entries:
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            parts.append(f"{entry.name}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}")
        return parts

    def verify(self, project: str, session_id: str) -> list[str]:
        """Read every segment of a session's archived files (its transcript and its subagents'),
        each checked against its index (``chain``, ``read_segment``): what is wrong, as
        ``problems_for`` says it afterwards; empty when every byte checks out."""
        for rel in self.session_files(project, session_id):
            with self._problems_lock:
                self._problems.pop(rel, None)  # found anew: a repaired segment is no problem
            for start, stop, path, digest in self.chain(rel) or []:
                if self.read_segment(rel, start, stop, path, digest) is None:
                    break
        return self.problems_for(project, session_id)

    def restore(self, rel: Path, target: Path) -> ArchivedFile:
        """Write the latest generation of an archived file to ``target`` (what ``read`` verified);
        falsy when the archive has no such file."""
        got = self.read(rel)
        if not got.found:
            return got
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_bytes(got.data)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return got

    def latest(self, rel: Path) -> tuple[int, int] | None:
        """(generation, verified bytes) of the newest generation of a file (relative to the
        archive, as ``session_files`` names it), following its index like ``chain``; None when
        it has none."""
        file_dir = self.directory / rel.parent / (rel.name + ".d")
        gens = self._generations(file_dir)
        chain = self.chain(rel) if gens else None
        if chain is None:
            return None
        return gens[-1], (chain[-1][1] if chain else 0)

    def status(self) -> ArchiveStatus:
        st = ArchiveStatus()
        sessions: set[tuple[str, str]] = set()
        if not self.directory.is_dir():
            return st
        for file_dir in self.directory.rglob("*.jsonl.d"):
            gens = self._generations(file_dir)
            if not gens:
                continue
            st.files += 1
            rel = file_dir.relative_to(self.directory)
            if len(rel.parts) == 2 and not rel.parts[1].startswith("agent-"):
                sessions.add((rel.parts[0], rel.parts[1][: -len(".jsonl.d")]))
            for g in gens:
                for start, stop, p in self._segments(file_dir / f"g{g}"):
                    st.segments += 1
                    st.archived_bytes += stop - start
                    try:
                        st.stored_bytes += p.stat().st_size
                    except OSError:
                        pass
        st.sessions = len(sessions)
        return st


# An index lists a file's segments: even a 10 GB transcript in 1 MB segments stays below this.
_INDEX_MAX = 16 * 1024 * 1024


def _read_file(path: Path, limit: int) -> bytes | None:
    """A small file of the archive, read only if it is a regular file of at most ``limit``
    bytes (the archive folder is as open to other programs as the projects folder)."""
    try:
        st = os.stat(path)  # follows a link; never blocks
        if not stat.S_ISREG(st.st_mode):
            note_skipped(path, describe_mode(st.st_mode))
            return None
        if st.st_size > limit:
            note_skipped(path, f"it is larger than a file of the archive can be ({st.st_size} B)")
            return None
        with open_regular(path) as fh:
            return fh.read(limit + 1)[:limit]
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.debug("cannot read %s: %s", path, exc)
        return None


class Appender:
    """The archive as a sink of a reader's pass: the blocks read are compressed into the next
    segment as they come (merged into the last one when it is small, as ``append`` does) and the
    segment takes its name at ``close``. Nothing is read from the transcript."""

    def __init__(
        self,
        archive: Archive,
        gen_dir: Path,
        chain: list[tuple[int, int, Path]],
        previous: bytes | None,
        end: int,
    ) -> None:
        self.archive = archive
        self.gen_dir = gen_dir
        self.chain = chain
        self._sha = hashlib.sha256()
        self.end = end  # where the archived bytes stop: the next block must start here
        self.start, self.old = end, None
        self.head: bytes | None = None if end else b""  # a new generation's first bytes
        self.written = 0
        self.failed = False
        self._tmp: Path | None = None
        self._out: Any = None
        self._z: Any = None
        self._pending = b""
        if chain and previous is not None and len(previous) < _MERGE_BELOW:
            self.start, self.old = chain[-1][0], chain[-1][2]
            self._pending = previous

    def _open(self) -> None:
        self.gen_dir.mkdir(parents=True, exist_ok=True)
        self._tmp = self.gen_dir / f".append.{os.getpid()}.{threading.get_ident()}.tmp"
        self._out = self._tmp.open("wb")
        self._z = zstandard.ZstdCompressor(level=_LEVEL, write_checksum=True).compressobj()
        if self._pending:
            self._sha.update(self._pending)
            self._out.write(self._z.compress(self._pending))
            self._pending = b""

    def accept(self, offset: int, block: bytes) -> None:
        if self.failed or offset + len(block) <= self.end:
            return
        if offset > self.end:  # a gap: never archive bytes out of order
            self.failed = True
            return
        data = block[self.end - offset :]
        try:
            if self._out is None:
                self._open()
            if self.head is not None and len(self.head) < _HEAD:
                self.head += data[: _HEAD - len(self.head)]
            self._sha.update(data)
            self._out.write(self._z.compress(data))
        except OSError as exc:
            self._fail(exc)
            return
        self.end += len(data)
        self.written += len(data)

    def _fail(self, exc: OSError) -> None:
        """Stop archiving (a full disk, a read-only folder): said once, as ``append`` does."""
        self.failed = True
        if self.archive.disabled_reason is not None:
            return
        self.archive.disabled_reason = f"{exc.strerror or exc}"
        log.warning(
            "transcripts are not being archived (%s in %s); nothing archived is lost",
            self.archive.disabled_reason,
            self.archive.directory,
        )

    def close(self) -> int:
        """Name the segment; returns the bytes archived (0 when nothing was, or on failure)."""
        out, tmp = self._out, self._tmp
        if out is None or tmp is None:
            return 0
        if self.failed:
            with contextlib.suppress(OSError):
                out.close()
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
            return 0
        try:
            out.write(self._z.flush())
            out.close()
            with self.archive._lock:
                if self.head is not None:
                    self.archive._write(self.gen_dir / "head", self.head)
                self.archive._commit(
                    self.gen_dir,
                    self.chain,
                    self.start,
                    self.end,
                    self._sha.hexdigest(),
                    tmp,
                    self.old,
                )
        except OSError as exc:
            self._fail(exc)
            return 0
        finally:
            tmp.unlink(missing_ok=True)
        self.archive.written_bytes += self.written
        return self.written


