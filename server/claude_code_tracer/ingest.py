"""The ingest pass: a transcript's new bytes, read once, handed to every consumer that needs them.

A consumer of transcript bytes (the catalog's metadata, the store's rows for a loaded session, the
text index's documents, the archive's segments, a team push) is a ``Sink``: it is given each
``Chunk`` of complete lines a refresh read, with the raw bytes and the records decoded from them
by the one line decoder (``decode_lines``), and never opens, stats or lists a transcript itself.
Adding a consumer is adding a sink, not a reader.

This module is deliberately small and free of heavy imports (no DuckDB, pyarrow or tantivy): the
protocol is what other modules build against and should stay stable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from json import JSONDecodeError, JSONDecoder
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

import orjson


@dataclass(frozen=True, slots=True)
class Record:
    """One transcript record decoded from a chunk: where its bytes are in the file, and the object.

    ``offset`` is the byte offset in the file, ``length`` the record's byte length (a record
    recovered from a damaged line is a slice of that line), ``line`` the 1-based number of the
    physical line it is on (records joined on one damaged line share it; 0 when unknown)."""

    offset: int
    length: int
    entry: dict[str, Any]
    line: int = 0


@dataclass(frozen=True, slots=True)
class Chunk:
    """Complete lines ``[start, end)`` of one transcript file, read once, and what they decode to.

    ``session_id`` is the session the file belongs to (for a subagent file, its parent session),
    ``agent_id`` the subagent's id or None for the trunk transcript. ``restart`` is true when the
    file was rewritten or truncated and is read again from byte 0: a sink drops what it held of
    this file before taking the chunk. ``malformed`` counts lines no record explains;
    ``lines`` is the number of lines of the file up to ``end`` (0 when unknown). ``orphan``:
    the file is a subagent transcript whose session file is gone, listed as a session of its
    own (named by the file, ``path.stem``), while ``session_id`` still names the lost session."""

    root: Path
    project: str
    session_id: str
    path: Path
    agent_id: str | None
    start: int
    end: int
    data: bytes
    records: Sequence[Record]
    restart: bool = False
    malformed: int = 0
    lines: int = 0
    orphan: bool = False


@dataclass(frozen=True, slots=True)
class FileEntry:
    """A transcript file the catalog lists, and how far its pass has read it (``offset``):
    what a sink that was not fed every pass (an index opened after the catalog was built)
    compares with its own state to catch up. ``session_id`` is the listed session (an orphan
    subagent file is a session of its own, named by its file), ``agent_id`` None for a
    session's main transcript."""

    root: Path
    project: str
    session_id: str
    agent_id: str | None
    path: Path
    offset: int


@runtime_checkable
class Sink(Protocol):
    """A consumer of the ingest pass. ``accept`` is called with every chunk read, in file order
    per file; ``finish`` once at the end of a refresh (commit, flush). A sink must not raise for
    bad data: transcript text is untrusted, and one sink's failure must not starve the others
    (the pass logs and goes on). A sink that keeps state per file may also have
    ``gone(paths: list[str])``, called after a refresh with the transcripts it found gone; it is
    optional and not part of the protocol."""

    name: str

    def accept(self, chunk: Chunk) -> None: ...

    def finish(self) -> None: ...


@dataclass
class ReadStats:
    """What a pass read: bytes per file, in total, for the test and the benchmark that check each
    appended byte is read once whatever sinks are on."""

    bytes_read: int = 0
    files: dict[str, int] = field(default_factory=dict)

    def add(self, path: Path, n: int) -> None:
        self.bytes_read += n
        key = str(path)
        self.files[key] = self.files.get(key, 0) + n


# --- the one line decoder -------------------------------------------------------------------------
# Only objects with one of these keys are taken from a damaged line: a nested object that happens
# to parse (a message, a content block) is never mistaken for a transcript entry.
_ENTRY_KEYS = ("uuid", "sessionId", "leafUuid")
# Whole entries that carry none of those keys (FORMAT.md §3): known by their type and messageId.
_KEYLESS_TYPES = frozenset({"file-history-snapshot", "file-history-delta"})
_DECODER = JSONDecoder()
_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_line(raw: bytes) -> Any:
    """A line's JSON, also when it escapes a lone surrogate (``\\ud83d``): valid JSON that
    JavaScript's ``JSON.stringify`` writes for a string cut inside an emoji (a truncated tool
    output), and that orjson refuses. The standard library reads such a line, and each lone
    surrogate becomes U+FFFD (Arrow, tantivy and orjson cannot hold one). The same for a number
    beyond a double's range. Anything else orjson refuses is refused (raises
    ``orjson.JSONDecodeError``)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        # also a number too large for a double (``1e400``): valid JSON, read as infinity and
        # left to the checks of the field it is in (a token count refuses it)
        if b"\\u" not in raw and "infinity" not in str(exc):
            raise
        try:
            obj = json.loads(raw.decode("utf-8"), parse_constant=_no_constants)
        except (ValueError, RecursionError):
            raise orjson.JSONDecodeError("not a JSON line", "", 0) from None
        return _scrub(obj)


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        if _SURROGATE.search(value) is None:
            return value
        return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    if isinstance(value, dict):
        return {_scrub(k): _scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v) for v in value]
    return value


def recover_records(raw: bytes) -> tuple[list[tuple[int, int, dict[str, Any]]], bool]:
    """Every complete JSON object on a damaged line (FORMAT.md §9.4: records joined without a
    newline, NUL runs before a record, a record cut mid-string with the next one on the same
    line), as (byte start, byte length, object), and whether bytes were left that no record
    explains (those, and only those, count as malformed)."""
    text = raw.decode("utf-8", errors="surrogateescape")
    found: list[tuple[int, int, dict[str, Any]]] = []
    pos = 0
    covered = 0
    leftover = False
    n = len(text)
    while pos < n:
        start = text.find("{", pos)
        if start < 0:
            break
        try:
            obj, end = _DECODER.raw_decode(text, start)
        except (JSONDecodeError, RecursionError):
            pos = start + 1
            continue
        if isinstance(obj, dict) and isinstance(obj.get("type"), str) and (
            any(k in obj for k in _ENTRY_KEYS)
            or (obj["type"] in _KEYLESS_TYPES and "messageId" in obj)
        ):
            b_start = len(text[:start].encode("utf-8", "surrogateescape"))
            b_len = len(text[start:end].encode("utf-8", "surrogateescape"))
            try:
                # the bytes themselves must be a record (valid UTF-8 included), not only the text
                obj = loads_line(raw[b_start : b_start + b_len])
            except orjson.JSONDecodeError:
                pos = start + 1
                continue
            if text[covered:start].strip(" \t\r\n"):
                leftover = True
            found.append((b_start, b_len, obj))
            covered = end
            pos = end
        else:
            pos = start + 1
    if text[covered:].strip(" \t\r\n"):
        leftover = True
    return found, leftover


def is_whole_record(raw: bytes) -> bool:
    """Whether a last line without its newline is a finished record (FORMAT.md §11): it parses
    as one JSON object, or as records joined on one line with nothing left over. A JSON object
    that parses is closed, so no later write can extend it; a half-written line never parses."""
    if len(raw) > _max_line:
        return False  # not parsed whole to find out: served once its newline is written
    text = raw.strip(b" \t\r")
    if not text.startswith(b"{") or not text.endswith(b"}"):
        return False
    try:
        return isinstance(loads_line(text), dict)
    except orjson.JSONDecodeError:
        records, leftover = recover_records(text)
        return bool(records) and not leftover


# --- the bound on one line ------------------------------------------------------------------------
# A line longer than this is not parsed: it is served as an entry made of its envelope and its
# first characters (``oversize_entry``), whose text says so. A 1 GB line cost 190-360 s and
# 4.2 GB of RSS in every process that parsed it; the archive still keeps its raw bytes.
# Process-wide (one process serves one configuration): ``TracerOptions.max_line_bytes`` sets it.
DEFAULT_MAX_LINE_BYTES = 64 * 1024 * 1024
MAX_LINE_ENV = "CLAUDE_CODE_TRACER_MAX_LINE_BYTES"
_OVERSIZE_PREVIEW = 2000
_max_line = DEFAULT_MAX_LINE_BYTES
# The envelope of an oversize line, found without parsing it: the first ``"key": scalar`` of each
# key. Claude Code writes the top-level keys before (``type``, ``parentUuid``) or between
# (``uuid``, ``timestamp``, after ``message`` and before ``toolUseResult``) the big values, and a
# key inside a string is escaped (``\"uuid\"``), so the first unescaped one is the top-level
# key unless a tool's input object has one of these keys first. Searched in the line's first and
# last 64 KB, then in the whole line (``bytes.find``, ~0.1 s for 300 MB) for ``_SCAN_KEYS``;
# ``_ENDS_KEYS`` only at the ends.
_SCAN_KEYS = ("type", "uuid", "parentUuid", "timestamp", "sessionId", "isSidechain", "tool_use_id")
_ENDS_KEYS = ("agentId", "cwd", "gitBranch", "version", "userType")
_ENDS = 64 * 1024
_SCALAR = re.compile(rb'\s*:\s*("(?:[^"\\\n]|\\.){0,1024}"|true|false|null)')


def set_max_line_bytes(limit: int) -> None:
    """The bound past which a line is served truncated (``oversize_entry``) in this process."""
    global _max_line
    if limit < 1:
        raise ValueError("the line bound must be at least one byte")
    _max_line = limit


def max_line_bytes() -> int:
    return _max_line


def parse_line_bound(text: str) -> int:
    """A line bound as a user writes it: bytes, or with a KB/MB/GB suffix (``64MB``); raises
    ValueError for anything else or a bound outside [1 KB, 1 TB]."""
    raw = text.strip().upper()
    scale = 1
    for suffix, factor in (("KB", 1 << 10), ("MB", 1 << 20), ("GB", 1 << 30)):
        if raw.endswith(suffix):
            raw, scale = raw[: -len(suffix)].strip(), factor
            break
    value = int(raw) * scale if raw.isdigit() and len(raw) < 20 else 0
    if not 1 << 10 <= value <= 1 << 40:
        raise ValueError(f"not a line bound between 1KB and 1TB: {text!r}")
    return value


def _first_value(data: bytes, key: str, spans: list[tuple[int, int]]) -> Any:
    needle = b'"' + key.encode() + b'"'
    for start, end in spans:
        at = data.find(needle, start, end)
        tries = 0
        while at >= 0 and tries < 64:
            m = _SCALAR.match(data, at + len(needle), min(end, at + len(needle) + 1100))
            if m is not None:
                try:
                    return loads_line(m.group(1))
                except orjson.JSONDecodeError:
                    return None
            at = data.find(needle, at + 1, end)
            tries += 1
    return None


def oversize_entry(data: bytes, start: int, end: int) -> dict[str, Any]:
    """What the line ``data[start:end]``, over the bound, is served as, without parsing it:
    its envelope (type, uuid, parent, time, session..., see ``_SCAN_KEYS``) and a message whose
    text says the line was cut and shows its first characters; ``oversizeLine`` holds its byte
    length. Tokens, model and a tool's input are not known: none are counted. The same bytes
    give the same entry wherever they are read (the decoder, ``read_record``)."""
    length = end - start
    ends = [(start, min(end, start + _ENDS)), (max(start, end - _ENDS), end)]
    # the ends first (a key 2.1.x writes last, ``sessionId``, is found without a full scan)
    scan = [*ends, (start, end)]
    entry: dict[str, Any] = {}
    for key in (*_SCAN_KEYS, *_ENDS_KEYS):
        value = _first_value(data, key, scan if key in _SCAN_KEYS else ends)
        if value is not None:
            entry[key] = value
    head = data[start : min(end, start + _OVERSIZE_PREVIEW * 4)]
    preview = head.decode("utf-8", "replace")[:_OVERSIZE_PREVIEW]
    marker = (
        f"[line of {length:,} bytes, over the {_max_line:,}-byte line bound: not parsed, "
        f"cut to its first {len(preview):,} characters]\n{preview}"
    )
    etype = entry.get("type")
    if not isinstance(etype, str):
        etype = entry["type"] = "system"
    tool_use_id = entry.pop("tool_use_id", None)
    if etype in ("user", "assistant"):
        if etype == "user" and isinstance(tool_use_id, str):
            block = {"type": "tool_result", "tool_use_id": tool_use_id, "content": marker}
        else:
            block = {"type": "text", "text": marker}
        entry["message"] = {"role": etype, "content": [block]}
    elif etype == "attachment":
        entry["attachment"] = {"type": "oversize_line", "content": marker}
    else:
        entry["content"] = marker
    entry["oversizeLine"] = length
    return entry


def read_record(fh: BinaryIO, offset: int, length: int) -> Any:
    """A record read again from its file (``offset``, ``length`` as the decoder gave them):
    parsed, or for a line over the bound made as the decoder made it (``oversize_entry``).
    Raises ``orjson.JSONDecodeError`` as ``loads_line`` does."""
    fh.seek(offset)
    raw = fh.read(length)
    if length > _max_line:
        return oversize_entry(raw, 0, len(raw))
    return loads_line(raw)


def decode_lines(data: bytes, base: int) -> Iterator[tuple[int, int, int, Any]]:
    """The one line decoder: each non-blank line of a block of complete lines, as
    ``(line, offset, length, entry)``: ``line`` the 1-based number of the line in the block
    (blank lines counted), ``offset`` and ``length`` the record's bytes in the file, ``entry`` a
    dict, or None for a line that counts as malformed. A damaged line yields each record recovered
    from it, after a malformed mark when bytes are left that no record explains; a line that is
    valid JSON but not an object is malformed. A line longer than the bound
    (``set_max_line_bytes``) is not parsed: its entry is ``oversize_entry``'s."""
    pos = 0
    end = len(data)
    loads = orjson.loads
    line = 0
    bound = _max_line
    while pos < end:
        nl = data.find(b"\n", pos)
        if nl < 0:
            nl = end
        if nl - pos > bound:
            line += 1
            yield line, base + pos, nl - pos, oversize_entry(data, pos, nl)
            pos = nl + 1
            continue
        raw = data[pos:nl]
        start = pos
        pos = nl + 1
        line += 1
        if not raw.strip():
            continue
        try:
            entry = loads(raw)
        except orjson.JSONDecodeError:
            try:
                entry = loads_line(raw)
            except orjson.JSONDecodeError:
                records, leftover = recover_records(raw)
                if leftover or not records:
                    yield line, base + start, len(raw), None
                for r_start, r_len, record in records:
                    yield line, base + start + r_start, r_len, record
                continue
        if isinstance(entry, dict):
            yield line, base + start, len(raw), entry
        else:
            yield line, base + start, len(raw), None


def lines_in(data: bytes) -> int:
    """How many lines a block of complete lines holds: its newlines, and one more when it is a
    file's last line served without its newline (``LineBlocks``)."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def records_of(data: bytes, base: int, line0: int = 0) -> tuple[list[Record], int]:
    """The records of a block of complete lines starting after line ``line0`` of its file, and
    the count of malformed lines."""
    out: list[Record] = []
    malformed = 0
    for line, offset, length, entry in decode_lines(data, base):
        if entry is None:
            malformed += 1
        else:
            out.append(Record(offset, length, entry, line0 + line))
    return out, malformed
