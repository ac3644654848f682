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
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import zstandard

log = logging.getLogger(__name__)

SEGMENT = re.compile(r"^(\d{16})-(\d{16})\.zst$")
GENERATION = re.compile(r"^g(\d+)$")
# Bytes compared to tell an appended file from a rewritten one.
_HEAD = 4096
_LEVEL = 3  # ~500 MB/s and ~10x on JSONL; level 6 packs ~1% more at a third of the speed
# Segments smaller than this (uncompressed) take the next append into themselves.
_MERGE_BELOW = 1 << 20


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
        try:
            data = zstandard.ZstdDecompressor().decompress(
                path.read_bytes(), max_output_size=stop - start
            )
        except (OSError, zstandard.ZstdError):
            return None
        return data if len(data) == stop - start else None

    @staticmethod
    def _head(gen_dir: Path) -> bytes:
        try:
            return (gen_dir / "head").read_bytes()
        except OSError:
            return b""

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
        with self._lock:
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
        with path.open("rb") as fh:
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
            zstandard.ZstdCompressor(level=_LEVEL).compress(merged),
        )
        if old is not None:
            old.unlink(missing_ok=True)  # superseded: the chain already prefers the longer one
        self.written_bytes += len(data)
        return len(data)

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

    def restore(self, rel: Path, target: Path) -> bool:
        """Write the latest generation of an archived file to ``target``; False if none."""
        file_dir = self.directory / rel.parent / (rel.name + ".d")
        gens = self._generations(file_dir)
        if not gens:
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            with tmp.open("wb") as out:
                for start, stop, p in self._segments(file_dir / f"g{gens[-1]}"):
                    data = self._read_segment(start, stop, p)
                    if data is None:
                        break
                    out.write(data)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        return True

    def latest(self, rel: Path) -> tuple[int, int] | None:
        """(generation, archived bytes) of the newest generation of a file (relative to the
        archive, as ``session_files`` names it); None when it has none."""
        file_dir = self.directory / rel.parent / (rel.name + ".d")
        gens = self._generations(file_dir)
        if not gens:
            return None
        chain = self._segments(file_dir / f"g{gens[-1]}")
        return gens[-1], (chain[-1][1] if chain else 0)

    def iter_bytes(
        self, rel: Path, generation: int, start: int, block: int = 1 << 22
    ) -> Iterator[bytes]:
        """The archived bytes of one generation of a file from ``start`` to its end, in blocks
        of about ``block`` bytes, decompressed as a stream (a 1 GB segment is never held whole).
        Stops early, without error, at a damaged segment."""
        gen_dir = self.directory / rel.parent / (rel.name + ".d") / f"g{generation}"
        for seg_start, seg_stop, p in self._segments(gen_dir):
            if seg_stop <= start:
                continue
            try:
                with p.open("rb") as fh:
                    reader = zstandard.ZstdDecompressor().stream_reader(fh)
                    skip, at = max(0, start - seg_start), seg_start
                    while skip:
                        got = reader.read(min(skip, block))
                        if not got:
                            return
                        skip -= len(got)
                        at += len(got)
                    while at < seg_stop:
                        got = reader.read(min(block, seg_stop - at))
                        if not got:
                            return  # shorter than its name says: damaged
                        at += len(got)
                        yield got
            except (OSError, zstandard.ZstdError):
                log.warning("archive segment %s is damaged; reading stops there", p)
                return
            start = seg_stop

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


def clear_restored(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)
