"""Where a transcript's bytes come from: its file, or, once Claude Code deleted it, the archive.

The parser, the store and the line readers open and stat transcripts through ``open_source`` and
``stat_source`` only. A path under a *mounted* archive (``mount``) names an archived file by the
path it had under the projects root: ``<archive>/<project>/<session>.jsonl`` is served from the
segments in ``<archive>/<project>/<session>.jsonl.d/`` (the latest generation), decompressed one
segment at a time as the reader reaches it, through the archive's own read functions (so their
checks hold). Nothing is written back to disk: a deleted session reads like a live one, straight
from its compressed bytes. Any other path is a file, opened by ``safefs.open_regular`` (regular
files only, never blocking).
"""

from __future__ import annotations

import bisect
import contextlib
import io
import os
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from .safefs import open_regular

if TYPE_CHECKING:
    from .archive import Archive

_mounts: dict[str, Archive] = {}
_lock = threading.Lock()


def mount(archive: Archive) -> Path:
    """Serve ``archive``'s files under its folder; returns that folder (the root of the sessions
    it holds, laid out as the projects root was)."""
    with _lock:
        _mounts[str(archive.directory) + os.sep] = archive
    return archive.directory


def unmount(archive: Archive) -> None:
    with _lock:
        key = str(archive.directory) + os.sep
        if _mounts.get(key) is archive:
            del _mounts[key]


def archived(path: str | os.PathLike[str]) -> tuple[Archive, Path] | None:
    """The archive serving ``path`` and the path relative to it, or None for a plain file."""
    if not _mounts:
        return None
    text = os.fspath(path)
    for prefix, archive in list(_mounts.items()):
        if text.startswith(prefix):
            rel = Path(text[len(prefix) :])
            if ".." in rel.parts:
                return None
            return archive, rel
    return None


@dataclass(frozen=True)
class ArchivedStat:
    """What the store compares to tell a change, for an archived file: its archived length, and
    the newest segment's mtime (an archived file only changes by a later append or generation)."""

    st_size: int
    st_mtime_ns: int
    st_ino: int
    st_ctime_ns: int

    @property
    def st_mtime(self) -> float:
        return self.st_mtime_ns / 1e9


class SegmentReader(io.RawIOBase):
    """An archived file's bytes, read through its segments: one segment decompressed at a time,
    when a read reaches it. ``read_segment(i)`` returns segment ``i``'s bytes, or None when it
    cannot be read (its bytes and everything after are then missing: the file ends there)."""

    def __init__(
        self, bounds: list[tuple[int, int]], read_segment: Callable[[int], bytes | None]
    ) -> None:
        super().__init__()
        self._starts = [a for a, _ in bounds]
        self._bounds = bounds
        self._read_segment = read_segment
        self._size = bounds[-1][1] if bounds else 0
        self._pos = 0
        self._cached: tuple[int, bytes] | None = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def _segment(self, i: int) -> bytes | None:
        if self._cached is not None and self._cached[0] == i:
            return self._cached[1]
        data = self._read_segment(i)
        if data is None:
            self._size = min(self._size, self._bounds[i][0])  # the file ends before it
            return None
        self._cached = (i, data)
        return data

    def readinto(self, buffer: memoryview | bytearray) -> int:  # type: ignore[override]
        if self._pos >= self._size:
            return 0
        i = bisect.bisect_right(self._starts, self._pos) - 1
        data = self._segment(i)
        if data is None or self._pos >= self._size:
            return 0
        start = self._bounds[i][0]
        chunk = data[self._pos - start : self._pos - start + len(buffer)]
        n = len(chunk)
        buffer[:n] = chunk
        self._pos += n
        return n


class ReadCount:
    """Bytes read from transcripts while counting (``counting``): by path, by consumer and in
    total. The test and the benchmark that check a refresh reads each appended byte once,
    whatever consumers are on, use it. A consumer that reads for itself says so
    (``reading_for``), as the ingest pass does (``PASS``, shared by all sinks): a read nobody
    named is counted as ``OTHER``, so a new reader cannot pass for the pass."""

    def __init__(self) -> None:
        self.total = 0
        self.by_path: dict[str, int] = {}
        self.by_consumer: dict[str, int] = {}
        self._lock = threading.Lock()

    def add(self, path: str, n: int) -> None:
        who = getattr(_reader, "name", OTHER)
        with self._lock:
            self.total += n
            self.by_path[path] = self.by_path.get(path, 0) + n
            self.by_consumer[who] = self.by_consumer.get(who, 0) + n


PASS = "pass"
OTHER = "other"
_reader = threading.local()


@contextlib.contextmanager
def reading_for(name: str) -> Iterator[None]:
    """Reads made on this thread inside the block are counted for the consumer ``name`` (the
    text index catching up, the archive checking a file, a session's store, the pass itself)."""
    before = getattr(_reader, "name", OTHER)
    _reader.name = name
    try:
        yield
    finally:
        _reader.name = before


_count: ReadCount | None = None


@contextlib.contextmanager
def counting() -> Iterator[ReadCount]:
    """Count every byte read through ``open_source`` until the block ends (process-wide)."""
    global _count
    count = ReadCount()
    _count = count
    try:
        yield count
    finally:
        _count = None


class _Counted(io.BufferedIOBase):
    """A file whose reads are counted into a ``ReadCount``."""

    def __init__(self, inner: BinaryIO, path: str, count: ReadCount) -> None:
        super().__init__()
        self._inner = inner
        self._path = path
        self._count = count

    def read(self, size: int | None = -1) -> bytes:
        data = self._inner.read(-1 if size is None else size)
        self._count.add(self._path, len(data))
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = self._inner.readline(-1 if size is None else size)
        self._count.add(self._path, len(data))
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._inner.seek(offset, whence)

    def tell(self) -> int:
        return self._inner.tell()

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._inner.fileno()

    def close(self) -> None:
        self._inner.close()
        super().close()


def open_source(path: str | os.PathLike[str]) -> BinaryIO:
    """A transcript's bytes for reading: an archived file's segments, or the regular file."""
    fh = _open(path)
    count = _count
    if count is not None:
        return _Counted(fh, os.fspath(path), count)  # type: ignore[return-value]
    return fh


def _open(path: str | os.PathLike[str]) -> BinaryIO:
    found = archived(path)
    if found is None:
        return open_regular(path)
    archive, rel = found
    chain = archive.chain(rel)
    if chain is None:
        raise FileNotFoundError(f"no archived file {rel}")
    bounds = [(a, b) for a, b, _, _ in chain]

    def read_segment(i: int) -> bytes | None:
        a, b, p, digest = chain[i]
        return archive.read_segment(rel, a, b, p, digest)

    return io.BufferedReader(SegmentReader(bounds, read_segment), buffer_size=1 << 20)


def stat_source(path: str | os.PathLike[str]) -> os.stat_result | ArchivedStat:
    """A transcript's identity: ``os.stat`` of the file, or the archived file's length and
    newest segment (raises FileNotFoundError when neither exists)."""
    found = archived(path)
    if found is None:
        return os.stat(path)
    archive, rel = found
    chain = archive.chain(rel)
    if not chain:
        raise FileNotFoundError(f"no archived file {rel}")
    last = chain[-1][2]
    st = last.stat()
    ino = zlib.crc32(os.fsencode(os.fspath(last.parent)))
    return ArchivedStat(chain[-1][1], st.st_mtime_ns, ino, st.st_ctime_ns)
