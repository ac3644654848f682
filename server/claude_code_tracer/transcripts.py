"""Finding transcript files and turning their lines into rows.

Parsing is lenient by design (FORMAT.md §9): a line that is not JSON is counted and skipped, an
unknown entry type is kept as a row of kind ``unknown``, and a last line without its newline is
left for the next read because Claude Code may still be writing it, unless it is a whole record (a
copy made by another tool that dropped the final newline: ``LineBlocks``). Reads are incremental:
a parse starts at a byte offset and reports how far it got, so a live session is refreshed by
parsing what was appended, never the whole file again.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson

from .bytesource import open_source, stat_source
from .discovery import (  # noqa: F401  (re-exported: the names other modules import here)
    agent_id_from_name,
    default_roots,
    is_agent_file,
    iter_transcripts,
)
from .errors import OutsideRoot, SessionNotFound
from .files import Touch, touches_of_tool_use
from .ingest import (
    Chunk,
    Record,
    decode_lines,
    is_whole_record,
    lines_in,
    loads_line,
    read_record,
)
from .models import SAFE_NAME, UUID_MAX_CHARS, Kind
from .safefs import inside, read_bounded, regular_stat
from .tokencounts import USAGE_KEYS, usage_counts

PREVIEW_CHARS = 200
# Text search looks at this many characters of each message's text. Bounded so that a session of
# 100 MB of tool output does not hold a second copy of itself in memory.
SEARCH_CHARS = 2000
# How far into a user message injected context is looked past for the person's words.
PROMPT_SCAN_CHARS = 20_000
# Bytes read per step: bounds the transient memory of a parse of a very large file.
READ_CHUNK = 4 * 1024 * 1024
# Rows held in Python before they are handed to DuckDB: bounds the parse's peak memory.
FLUSH_ROWS = 5_000

# Entry types that describe the session rather than take part in the conversation (FORMAT.md §3
# and §11): they feed SessionMeta (titles, tags, summaries, counts) and are never rows. Several
# carry no timestamp; file-history-snapshot/-delta carry neither uuid nor sessionId.
METADATA_TYPES = frozenset(
    {
        "summary",  # leafUuid + text; usually names another session (§8)
        "atis-latch",  # session state, no timestamp
        "worktree-state",  # session state, no timestamp
        "ai-title",  # last wins
        "custom-title",  # the user's /rename
        "agent-name",
        "agent-setting",
        "permission-mode",
        "mode",  # 2.1.152+
        "last-prompt",
        "pr-link",
        "bridge-session",  # remote control, 2.1.156+
        "file-history-snapshot",  # file state at a prompt (messageId)
        "file-history-delta",  # its incremental form, late 2.1.x (§11)
        "queue-operation",  # messages typed while Claude works
        "tag",  # the Agent SDK's tag_session(): last wins (§11)
        "cost-state",  # 2.1.251 session state (§11)
    }
)
# Built-in slash commands that tend the tool rather than ask for work.
HOUSEKEEPING_COMMANDS = frozenset(
    {
        "add-dir", "agents", "bug", "clear", "compact", "config", "context", "continue", "cost",
        "doctor", "effort", "exit", "export", "fast", "help", "hooks", "ide", "login", "logout",
        "mcp", "memory", "model", "output-style", "permissions", "plugin", "privacy-settings",
        "quit", "release-notes", "rename", "resume", "rewind", "status", "statusline",
        "terminal-setup", "theme", "todos", "upgrade", "usage", "vim",
    }
)
CONVERSATION_TYPES = frozenset({"user", "assistant", "system", "progress", "attachment"})
ERROR_ATTACHMENTS = frozenset({"hook_blocking_error", "hook_non_blocking_error"})

_SAFE = re.compile(SAFE_NAME)
_COMMAND_TAG = re.compile(r"^\s*<(command-name|local-command-|command-message|bash-input)")
_COMMAND_NAME = re.compile(r"<command-name>\s*(.*?)\s*</command-name>", re.S)
_COMMAND_ARGS = re.compile(r"<command-args>\s*(.*?)\s*</command-args>", re.S)
# Timestamps outside these years are damage, not history (Claude Code dates from 2025).
_MIN_YEAR = 2000


def normalize_ts(value: object) -> str | None:
    """A transcript timestamp as ISO 8601 UTC ending in ``Z``, or None when it is missing, not a
    timestamp, or out of range: such a line then borrows its neighbour's time (never the epoch),
    and one bad value can never make a listing fail in SQL."""
    if not isinstance(value, str) or not value:
        return None
    try:
        dt = datetime.fromisoformat(value)
        if dt.tzinfo is not None and dt.utcoffset():
            dt = dt.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    if dt.year < _MIN_YEAR:
        return None
    if value.endswith("Z") and 20 <= len(value) <= 30 and value[10] == "T" and value[4] == "-":
        return value
    return dt.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def ts_before(a: str, b: str) -> bool:
    """Whether normalized timestamp ``a`` is earlier than ``b``: compared as text when both
    have the same shape (the usual case, cheap), as times when not (``…00Z`` vs ``…00.5Z``)."""
    if len(a) == len(b):
        return a < b
    try:
        return datetime.fromisoformat(a) < datetime.fromisoformat(b)
    except ValueError:
        return a < b


def command_prompt(text: str) -> str | None:
    """``/goal make the tests pass`` from a slash command's tags, the title of a session that
    begins with one when nothing better names it."""
    name = _COMMAND_NAME.search(text)
    if name is None or not name.group(1).strip():
        return None
    cmd = name.group(1).strip()
    if not cmd.startswith("/"):
        cmd = "/" + cmd
    args = _COMMAND_ARGS.search(text)
    if args is not None and args.group(1).strip():
        cmd = f"{cmd} {args.group(1).strip()}"
    return _one_line(cmd)


def uuid_hash(uuid: str) -> int:
    """A stable 64-bit key for a uuid: what the catalog keeps to recognise replayed lines across
    incremental reads without storing every uuid."""
    return int.from_bytes(hashlib.blake2b(uuid.encode(), digest_size=8).digest(), "little")


# --- discovery ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SessionFiles:
    """One session's files: its trunk transcript and the subagent transcripts attached to it."""

    session_id: str
    project: str
    root: Path
    main: Path
    agents: tuple[Path, ...] = ()

    @property
    def all_files(self) -> tuple[Path, ...]:
        return (self.main, *self.agents)


def iter_session_files(root: Path) -> Iterator[tuple[str, str, os.stat_result]]:
    """Yield (project, path, stat) for every trunk transcript under a projects root: a stat per
    file, no reads. Only regular files inside the root are yielded (a FIFO, a device or a symlink
    out of the root is skipped and logged, see ``safefs``)."""
    for project, path, st, _ in iter_transcripts(root):
        yield project, path, st


def check_project(roots: list[Path], project: str) -> None:
    """Raise with the names of the projects that look close when ``project`` names no folder
    under any root (encoded folder names are long: a typo should not end in silence)."""
    if any((root / project).is_dir() for root in roots):
        return
    names: list[str] = []
    for root in roots:
        try:
            names.extend(e.name for e in os.scandir(root) if e.is_dir(follow_symlinks=False))
        except OSError:
            continue
    import difflib  # only for the error message of an unknown project

    close = difflib.get_close_matches(project, names, n=3, cutoff=0.5)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise SessionNotFound(f"no project {project} under {', '.join(map(str, roots))}{hint}")


def resolve_session(roots: list[Path], session_id: str, project: str | None) -> SessionFiles:
    """Find a session's files from a client-supplied id, never leaving the projects roots."""
    if not _SAFE.match(session_id) or (project is not None and not _SAFE.match(project)):
        raise OutsideRoot(
            "a session id or project name is one path segment: no '/', not '.' or '..'"
        )
    for root in roots:
        candidates: list[Path]
        if project is not None:
            candidates = [root / project / f"{session_id}.jsonl"]
        else:
            candidates = sorted(root.glob(f"*/{glob.escape(session_id)}.jsonl"))
        if is_agent_file(f"{session_id}.jsonl"):
            # a subagent transcript opened on its own (an orphan, listed as a session)
            where = glob.escape(project) if project else "*"
            name = glob.escape(session_id)
            candidates += sorted(root.glob(f"{where}/*/subagents/**/{name}.jsonl"))
            for path in candidates:
                if inside(root, path) and regular_stat(path, root) is not None:
                    proj = path.relative_to(root).parts[0]
                    return SessionFiles(session_id, proj, root, path, ())
            continue
        for path in candidates:
            if not path.exists():
                continue
            if not inside(root, path):
                raise OutsideRoot(f"session {session_id} resolves outside the projects root")
            if regular_stat(path, root) is not None:
                return SessionFiles(
                    session_id, path.parent.name, root, path, find_agent_files(path, session_id)
                )
    if project is not None:
        check_project(roots, project)
    where = f" in project {project}" if project else ""
    raise SessionNotFound(f"no session {session_id}{where} under {', '.join(map(str, roots))}")


def find_agent_files(main: Path, session_id: str) -> tuple[Path, ...]:
    """Subagent transcripts of a session in both on-disk layouts: nested under
    ``<sessionId>/subagents/`` (2.1.x, also deeper workflow folders) and flat ``agent-*.jsonl``
    beside the sessions (2.0.x), the latter matched by the sessionId of their first line."""
    found: list[Path] = list(nested_agent_files(main, session_id))
    try:
        siblings = sorted(e.path for e in os.scandir(main.parent) if is_agent_file(e.name))
    except OSError:
        siblings = []
    for sib in siblings:
        if regular_stat(sib, main.parent) is not None and first_session_id(Path(sib)) == session_id:
            found.append(Path(sib))
    return tuple(found)


def nested_agent_files(main: Path, session_id: str) -> list[Path]:
    """The regular ``agent-*.jsonl`` files under ``<sessionId>/subagents/``, none outside the
    project folder."""
    nested = main.parent / session_id / "subagents"
    if not nested.is_dir():
        return []
    return sorted(
        p for p in nested.rglob("agent-*.jsonl") if regular_stat(p, main.parent) is not None
    )


def first_session_id(path: Path) -> str | None:
    """The sessionId named by the first lines of a flat agent file (at most 20 lines of 1 MB)."""
    try:
        with open_source(path) as fh:
            for _ in range(20):
                line = fh.readline(1 << 20)
                if not line:
                    return None
                try:
                    obj = loads_line(line)
                except orjson.JSONDecodeError:
                    continue
                if isinstance(obj, dict) and isinstance(obj.get("sessionId"), str):
                    return str(obj["sessionId"])
    except OSError:
        return None
    return None


def read_agent_meta(agent_file: Path) -> dict[str, Any]:
    meta = agent_file.with_name(agent_file.name[: -len(".jsonl")] + ".meta.json")
    if not os.path.lexists(meta) or regular_stat(meta, agent_file.parent) is None:
        return {}  # absent, or not a regular file beside its agent (a FIFO, a link out)
    try:
        data = orjson.loads(read_bounded(meta, 1 << 20))
    except (OSError, orjson.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


# --- rows -----------------------------------------------------------------------------------------
COLUMNS: tuple[str, ...] = (
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
    "ts_guessed",
    "is_sidechain",
    "agent_id",
    "spawned_agent_id",
    "model",
    "message_id",
    "tool_names",
    "tool_use_ids",
    "is_error",
    "preview",
    "search",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_creation_tokens",
)


@dataclass
class FileState:
    """What a parse of one file leaves behind, so the next parse can continue where it stopped."""

    offset: int = 0
    line: int = 0
    last_ts: str | None = None
    malformed: int = 0
    torn_tail: bool = False
    tail_probe: bytes = b""
    # lines with a timestamp that is not one (unparseable, out of range): dated by a neighbour
    bad_timestamps: int = 0
    bad_numbers: int = 0  # lines whose usage held a number that is no token count


@dataclass
class SessionMeta:
    """Session-level facts gathered while parsing; feeds the catalog and the metrics."""

    cwd: str | None = None
    git_branch: str | None = None
    version: str | None = None
    custom_title: str | None = None
    ai_title: str | None = None
    # the Agent SDK's tag_session(): the last ``tag`` line wins, an empty one clears it
    tag: str | None = None
    # (leafUuid, text) of every summary line: in 1.0.x-2.0.x files they usually name *another*
    # session (the one holding leafUuid), so the catalog resolves them across the project
    summaries: list[tuple[str, str]] = field(default_factory=list)
    first_prompt: str | None = None
    # the first slash command (``/goal make the tests pass``): a title when nothing better exists
    first_command: str | None = None
    first_ts: str | None = None
    last_ts: str | None = None
    message_count: int = 0
    tool_calls: int = 0
    errors: int = 0
    # lines whose uuid was already served (a resumed session replays earlier entries)
    replayed: int = 0
    # session-state lines (atis-latch, permission-mode, ...) by type: metadata, never rows
    state_lines: dict[str, int] = field(default_factory=dict)
    models: set[str] = field(default_factory=set)
    # message.id -> the largest usage seen for it: split assistant lines repeat usage (FORMAT §6)
    usage: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    tool_names_by_id: dict[str, str] = field(default_factory=dict)
    inline_agents: dict[str, str] = field(default_factory=dict)
    # the latest human prompt: the "why" of the tool calls that follow it
    last_prompt: str | None = None
    # files named by tool calls: (Touch, uuid, timestamp, tool_use_id, prompt), when collected
    touches: list[tuple[Touch, str, str | None, str, str | None]] = field(default_factory=list)

    @property
    def own_title(self) -> str | None:
        """A title the session gave itself: the user's /rename, else Claude's latest ai-title."""
        return self.custom_title or self.ai_title

    @property
    def title(self) -> str | None:
        """Without the summaries, which only the catalog can attribute (see ``summaries``)."""
        return self.own_title or self.first_prompt or self.first_command

    def token_totals(self) -> tuple[int, int, int, int]:
        i = o = r = c = 0
        for a, b, d, e in self.usage.values():
            i += a
            o += b
            r += d
            c += e
        return i, o, r, c


_TS_COL = COLUMNS.index("ts")
_GUESSED_COL = COLUMNS.index("ts_guessed")


class RowBuffer:
    """A batch of rows, ready to become one Arrow table. Rows are kept as lists (one allocation
    per row) and turned into columns once per batch: cheaper than 25 appends per line."""

    def __init__(self) -> None:
        self.rows: list[list[Any]] = []
        self._cols: dict[str, list[Any]] | None = None
        self._cols_len = -1

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def cols(self) -> dict[str, list[Any]]:
        if self._cols is None or self._cols_len != len(self.rows):
            if self.rows:
                self._cols = {
                    c: list(v) for c, v in zip(COLUMNS, zip(*self.rows, strict=True), strict=True)
                }
            else:
                self._cols = {c: [] for c in COLUMNS}
            self._cols_len = len(self.rows)
        return self._cols

    def set_time(self, index: int, ts: str, guessed: bool = False) -> None:
        row = self.rows[index]
        row[_TS_COL] = ts
        row[_GUESSED_COL] = guessed
        self._cols = None

    def clear(self) -> None:
        self.rows.clear()
        self._cols = None


def _text_of(content: Any, limit: int) -> str:
    """Plain text of a content value (string or block list), at most about ``limit`` chars."""
    if isinstance(content, str):
        return content[:limit]
    parts: list[str] = []
    size = 0
    if isinstance(content, list):
        for block in content:
            if size >= limit:
                break
            piece = _block_text(block, limit - size)
            if piece:
                parts.append(piece)
                size += len(piece) + 1
    return "\n".join(parts)[:limit]


def _block_text(block: Any, limit: int) -> str:
    if isinstance(block, str):
        return block[:limit]
    if not isinstance(block, dict):
        return ""
    btype = block.get("type")
    if btype == "text":
        return str(block.get("text") or "")[:limit]
    if btype == "thinking":
        return str(block.get("thinking") or "[thinking]")[:limit]
    if btype == "tool_use":
        return f"{block.get('name', '')} {_input_text(block.get('input'), limit)}"[:limit]
    if btype == "tool_result":
        return _text_of(block.get("content"), limit)
    if btype == "image":
        return "[image]"
    if btype == "document":
        return "[document]"
    if btype == "tool_reference":
        return f"[tool {block.get('tool_name', '')}]"
    return ""


_INPUT_KEYS = (
    "file_path",
    "notebook_path",
    "command",
    "pattern",
    "path",
    "url",
    "query",
    "description",
    "prompt",
    "subagent_type",
)


def _input_text(inp: Any, limit: int) -> str:
    if not isinstance(inp, dict):
        return str(inp)[:limit] if inp is not None else ""
    parts: list[str] = []
    size = 0
    for key in _INPUT_KEYS:
        val = inp.get(key)
        if isinstance(val, str) and val:
            parts.append(val[: limit - size])
            size += len(parts[-1]) + 1
            if size >= limit:
                break
    if size < limit:
        for key, val in inp.items():
            if key in _INPUT_KEYS or not isinstance(val, str):
                continue
            parts.append(val[: limit - size])
            size += len(parts[-1]) + 1
            if size >= limit:
                break
    return " ".join(parts)[:limit]


def bounded_uuid(value: str) -> str:
    """A transcript's uuid as rows carry it: itself, or for an absurdly long one a stand-in
    derived from it, so every id a page serves fits in a request (``messages/get``, cursors)."""
    if len(value) <= UUID_MAX_CHARS:
        return value
    digest = hashlib.blake2b(value.encode("utf-8", "surrogatepass"), digest_size=16)
    return "uuid-" + digest.hexdigest()


def line_matches_row(entry: dict[str, Any], row_uuid: str) -> bool:
    """Whether a line read again from disk is the one a row was parsed from (same uuid, or both
    without one): a file rewritten in place must never serve another line under a row's id."""
    got = entry.get("uuid")
    if isinstance(got, str) and got:
        return bounded_uuid(got) == row_uuid
    return row_uuid.startswith("line:")


def _one_line(text: str) -> str:
    return " ".join(text[: PREVIEW_CHARS * 2].split())[:PREVIEW_CHARS]


def _usage(msg: dict[str, Any]) -> tuple[tuple[int, int, int, int] | None, bool]:
    """The line's token counts, and whether they were valid. A usage with any count that is not
    one (``tokencounts``) is dropped whole: the line is served without tokens and counted."""
    usage = msg.get("usage")
    if not isinstance(usage, dict):
        return None, True
    counts, valid = usage_counts(usage, USAGE_KEYS)
    if not valid:
        return None, False
    i, o, r, c = counts
    return (i, o, r, c), True


# What a row with no text says in a list: Claude Code writes "\n\n" text blocks, and a Bash call
# that printed nothing has an empty result; a blank cell reads as a bug.
_BLANK_PREVIEW = {
    Kind.ASSISTANT: "[blank text]",
    Kind.TOOL_RESULT: "[no output]",
    Kind.USER: "[blank prompt]",
}


# Context that apps and hooks put before a person's words in the same message (FORMAT.md §11:
# desktop apps send whitespace, then ``<system_instruction>…</system_instruction>``, then the
# prompt; IDEs send ``<ide_opened_file>`` and kin as a block before it). Command tags are not here:
# a command is not a prompt.
_INJECTED = re.compile(
    r"\s*<(system_instruction|system-instruction|system-reminder|user-memory-input|"
    r"ide_opened_file|ide_selection|ide_diagnostics)\b[^>]*>.*?</\1\s*>",
    re.S,
)


def prompt_words(text: str) -> str:
    """The person's own words of a user message: leading whitespace and leading injected
    context blocks removed (what is left may be empty: a message of markup only)."""
    pos = 0
    while True:
        m = _INJECTED.match(text, pos)
        if m is None:
            return text[pos:].strip()
        pos = m.end()


def is_human_prompt(entry: dict[str, Any], content: Any) -> bool:
    if entry.get("isMeta") or entry.get("isCompactSummary") or entry.get("isSidechain"):
        return False
    text = prompt_words(_text_of(content, PROMPT_SCAN_CHARS))
    return (
        bool(text)
        and not _COMMAND_TAG.match(text)
        and not text.startswith(("<", "[Request interrupted", "Caveat:"))
    )


class LineBlocks:
    """A file's complete lines from an offset on, in blocks of about ``READ_CHUNK`` bytes.

    Iterating yields ``(offset, block)``: ``block`` starts at byte ``offset`` of the file and
    ends in a newline, except the file's last line when it has none but is a whole record
    (``is_whole_record``: files copied by other tools drop the final newline; Claude Code
    always writes it). A last line that does not parse is never yielded (Claude Code may still
    be writing it): afterwards ``end`` is the offset just past the last line served and
    ``rest`` holds the bytes after it. A read that starts just after a line served without its
    newline skips the newline an append then brings, so the line is neither counted twice nor
    lost. Shared by the parser (and so the catalog and the archive, which archive up to where
    the parser stopped) and the search index, so all stop at the same byte of a growing file.
    """

    def __init__(self, fh: BinaryIO, offset: int) -> None:
        self.fh = fh
        self.end = offset
        self.rest = b""
        # set before the first block when it continues the physical line of a record served
        # without its newline (another tool appended straight after it): its first line has
        # the number of the line before, as a read of the whole file would give it
        self.continues_line = False

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        fh = self.fh
        if self.end > 0:
            fh.seek(self.end - 1)
            if fh.read(1) != b"\n":
                # the last read served a record without its newline
                if fh.read(1) == b"\n":
                    self.end += 1  # the newline arrived since: not a line of its own
                else:
                    self.continues_line = True
        fh.seek(self.end)
        # the pieces of a line longer than a read, joined once its newline comes: joining at
        # every read copied a 1 GB line ~250 times
        pieces: list[bytes] = []
        while True:
            chunk = fh.read(READ_CHUNK)
            if not chunk:
                break
            cut = chunk.rfind(b"\n")
            if cut < 0:
                pieces.append(chunk)
                continue
            if pieces:
                pieces.append(chunk[: cut + 1])
                data = b"".join(pieces)
                pieces.clear()
            else:
                data = chunk[: cut + 1] if cut + 1 < len(chunk) else chunk
            if cut + 1 < len(chunk):
                pieces.append(chunk[cut + 1 :])
            start = self.end
            self.end += len(data)
            yield start, data
        pending = b"".join(pieces)
        if pending.strip(b" \t\r") and is_whole_record(pending):
            start, last = self.end, pending
            self.end += len(last)
            self.rest = b""
            yield start, last
            return
        self.rest = pending


class Parser:
    """Turns lines of one session's files into rows and session metadata.

    One Parser lives as long as a loaded session: it carries what linking needs across
    incremental reads (tool_use id -> name, inline sidechain roots, usage per message.id, the
    uuids already served so that replayed lines are served once)."""

    def __init__(self, collect_touches: bool = False) -> None:
        self.meta = SessionMeta()
        self.next_seq = 0
        self.collect_touches = collect_touches
        self.seen: set[str] = set()
        # uuid hashes from earlier reads that this parser did not see (the catalog's incremental
        # refresh): a line whose uuid is in here is a replay too
        self.prior_seen: set[int] | None = None
        # rows at the head of a file that have no time yet: they take the next real one
        self._undated: list[int] = []
        # file 0 rows are the trunk even when their lines say isSidechain (an orphan subagent
        # transcript listed as a session of its own)
        self.trunk_file_is_agent = False

    def parse_file(
        self,
        path: Path,
        file_id: int,
        state: FileState,
        out: RowBuffer | None,
        agent_id: str | None = None,
        progress: Any = None,
        flush: Any = None,
        blocks: Callable[[int, bytes, list[Record], int, int], None] | None = None,
        records: bool = False,
        first_flush_rows: int = FLUSH_ROWS,
    ) -> int:
        """Parse ``path`` from ``state.offset`` to its last complete line; returns bytes read.

        ``out`` None gathers only the metadata (the catalog's cheaper pass). ``flush(out)`` is
        called between chunks so that rows leave Python memory as the parse goes. ``blocks``
        is handed each block of complete lines read, ``(offset, bytes, records, lines,
        malformed)``, after it is parsed: the other consumers of the same bytes (the archive,
        ``ingest.Sink``s) take them from this one read; ``records`` (with ``records=True``, else
        empty) are the records the one decoder made of the block, ``lines`` the file's line
        count at its end, ``malformed`` the block's lines no record explains.
        ``first_flush_rows``: rows gathered before the first ``flush`` (FLUSH_ROWS after it);
        a head-first load asks for 1, to answer from the first block at once."""
        self._undated = []
        first = state.offset
        flush_rows = first_flush_rows
        with open_source(path) as fh:
            reader = LineBlocks(fh, first)
            for start, block in reader:
                if reader.continues_line:
                    reader.continues_line = False
                    state.line -= 1
                found: list[Record] | None = [] if records else None
                bad = state.malformed
                self._parse_block(block, start, file_id, state, out, agent_id, found)
                if blocks is not None:
                    blocks(start, block, found or [], state.line, state.malformed - bad)
                if (
                    flush is not None
                    and out is not None
                    and len(out) >= flush_rows
                    and not self._undated
                ):
                    flush(out)
                    flush_rows = FLUSH_ROWS
                if progress is not None:
                    progress(reader.end - first)
            state.offset = reader.end
            # NUL padding is damage, not a line still being written: only whitespace is clean
            state.torn_tail = bool(reader.rest.strip(b" \t\r\n"))
            if state.offset:
                fh.seek(max(0, state.offset - 64))
                state.tail_probe = fh.read(min(64, state.offset))
        if self._undated and out is not None:
            self._date_from_file(path, out)
        return state.offset - first

    def parse_chunk(
        self,
        chunk: Chunk,
        file_id: int,
        state: FileState,
        out: RowBuffer | None,
        agent_id: str | None = None,
    ) -> None:
        """What ``parse_file`` makes of the lines ``[chunk.start, chunk.end)``, from the
        records another reader already decoded (the ingest pass): the same rows and metadata,
        and ``state`` where a read of those bytes would leave it. The caller checks that the
        chunk continues ``state`` (``chunk.start == state.offset``). Whether the file holds a
        line still being written after ``chunk.end`` is not known from a chunk: the next
        ``parse_file`` from ``state`` tells it."""
        self._undated = []
        for rec in chunk.records:
            state.line = rec.line
            self._entry(rec.entry, rec.offset, rec.length, file_id, state, out, agent_id)
        state.line = chunk.lines
        state.malformed += chunk.malformed
        state.offset = chunk.end
        state.torn_tail = False
        # the bytes just before the new offset: the last 64 of the file up to chunk.end
        state.tail_probe = (state.tail_probe + chunk.data)[-64:]
        if self._undated and out is not None:
            self._date_from_file(chunk.path, out)

    def _date_from_file(self, path: Path, out: RowBuffer) -> None:
        """Rows of a file without a single valid timestamp: dated by the file's mtime so that
        they sort and page, and marked guessed so no first/last time or duration uses them."""
        try:
            mtime = stat_source(path).st_mtime
        except OSError:
            mtime = 0.0
        guess = datetime.fromtimestamp(max(mtime, 946684800.0), UTC)
        ts = guess.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"
        for i in self._undated:
            out.set_time(i, ts, guessed=True)
        self._undated = []

    def _parse_block(
        self,
        data: bytes,
        base: int,
        file_id: int,
        state: FileState,
        out: RowBuffer | None,
        agent_id: str | None,
        found: list[Record] | None = None,
    ) -> None:
        line0 = state.line
        for line, offset, length, entry in decode_lines(data, base):
            if entry is None:
                state.line = line0 + line
                state.malformed += 1
                continue
            state.line = line0 + line
            if found is not None:
                found.append(Record(offset, length, entry, state.line))
            self._entry(entry, offset, length, file_id, state, out, agent_id)
        state.line = line0 + lines_in(data)

    def _is_replay(self, uuid: str) -> bool:
        if uuid in self.seen:
            return True
        prior = self.prior_seen
        return prior is not None and uuid_hash(uuid) in prior

    def _entry(
        self,
        entry: dict[str, Any],
        offset: int,
        length: int,
        file_id: int,
        state: FileState,
        out: RowBuffer | None,
        file_agent: str | None,
    ) -> None:
        meta = self.meta
        etype = entry.get("type")
        if not isinstance(etype, str):
            etype = None  # a damaged or hostile "type" (a list, a number) names no known type
        if etype is not None and etype in METADATA_TYPES:
            self._metadata(etype, entry)
            return
        raw_uuid = entry.get("uuid")
        has_uuid = isinstance(raw_uuid, str) and bool(raw_uuid)
        raw_ts = entry.get("timestamp")
        ts = normalize_ts(raw_ts)
        if ts is None:
            if raw_ts is not None:
                state.bad_timestamps += 1
            if not has_uuid and etype not in CONVERSATION_TYPES:
                # no uuid, no time, no known type: session state of a newer version, not a row
                key = etype if isinstance(etype, str) else "(no type)"
                meta.state_lines[key] = meta.state_lines.get(key, 0) + 1
                return
        if has_uuid:
            assert isinstance(raw_uuid, str)
            if self._is_replay(raw_uuid):
                meta.replayed += 1
                return
            self.seen.add(raw_uuid)
        real_ts = ts is not None
        if ts is not None:
            state.last_ts = ts
            if self._undated and out is not None:
                for i in self._undated:
                    out.set_time(i, ts)
                self._undated = []
        else:
            ts = state.last_ts
        trunk_agent = file_id == 0 and self.trunk_file_is_agent
        side_flag = entry.get("isSidechain") is True and not trunk_agent
        is_side = side_flag or (file_agent is not None and not trunk_agent)
        uuid = bounded_uuid(raw_uuid) if isinstance(raw_uuid, str) and raw_uuid else None
        if uuid is None:
            uuid = f"line:{file_id}:{state.line}"
        parent = entry.get("parentUuid")
        parent = bounded_uuid(parent) if isinstance(parent, str) else None
        agent_id: str | None = None
        if is_side:
            aid = entry.get("agentId")
            agent_id = aid if isinstance(aid, str) else file_agent
            if agent_id is None:
                # 1.0.x inline sidechains have no agentId: a root starts an agent, its chain follows
                agent_id = meta.inline_agents.get(parent or "") or f"inline-{uuid[:8]}"
                meta.inline_agents[uuid] = agent_id
        elif trunk_agent:
            agent_id = file_agent
        if file_id == 0 and not is_side:
            if ts is not None and real_ts:
                # the earliest and latest, not the first and last in file order: a hook's
                # progress line can be written before the prompt it follows (as metrics count)
                if meta.first_ts is None or ts_before(ts, meta.first_ts):
                    meta.first_ts = ts
                if meta.last_ts is None or ts_before(meta.last_ts, ts):
                    meta.last_ts = ts
            cwd = entry.get("cwd")
            if isinstance(cwd, str) and cwd and meta.cwd is None:
                meta.cwd = cwd
            branch = entry.get("gitBranch")
            if isinstance(branch, str) and branch:
                meta.git_branch = branch
            version = entry.get("version")
            if isinstance(version, str):
                meta.version = version

        kind: Kind
        subtype: str | None = None
        model = message_id = spawned = None
        tool_names: list[str] = []
        tool_ids: list[str] = []
        is_error = False
        preview = ""
        search = ""
        tokens = (0, 0, 0, 0)
        msg = entry.get("message")
        msg = msg if isinstance(msg, dict) else {}

        if etype == "assistant":
            kind = Kind.ASSISTANT
            content = msg.get("content")
            m = msg.get("model")
            model = m if isinstance(m, str) else None
            mid = msg.get("id")
            message_id = mid if isinstance(mid, str) else None
            if isinstance(content, list):
                for block in content:
                    if isinstance(block, dict) and block.get("type") == "tool_use":
                        name = str(block.get("name") or "")
                        bid = str(block.get("id") or "")
                        tool_names.append(name)
                        tool_ids.append(bid)
                        meta.tool_names_by_id[bid] = name
                        if self.collect_touches:
                            cwd = entry.get("cwd")
                            where = cwd if isinstance(cwd, str) else meta.cwd
                            # the id is a cursor's key in files/history: bounded like uuids
                            key = bounded_uuid(bid)
                            for touch in touches_of_tool_use(name, block.get("input"), where):
                                meta.touches.append((touch, uuid, ts, key, meta.last_prompt))
            is_error = entry.get("isApiErrorMessage") is True
            # one walk of the content: the preview is a prefix of the search text
            search = _text_of(content, SEARCH_CHARS)
            preview = search[: PREVIEW_CHARS * 2]
            if tool_names and not preview.strip():
                preview = " ".join(tool_names)
            usage, valid_usage = _usage(msg)
            if not valid_usage:
                state.bad_numbers += 1
            if usage is not None:
                tokens = usage
                if model != "<synthetic>":
                    # the whole session counts, subagents included, like session/metrics
                    key = message_id or uuid
                    prev = meta.usage.get(key)
                    if prev is None or sum(usage) >= sum(prev):
                        meta.usage[key] = usage
            if model and model != "<synthetic>":
                meta.models.add(model)
            meta.tool_calls += len(tool_names)
        elif etype == "user":
            content = msg.get("content")
            blocks = content if isinstance(content, list) else None
            if blocks and all(
                isinstance(b, dict) and b.get("type") == "tool_result" for b in blocks
            ):
                kind = Kind.TOOL_RESULT
                for block in blocks:
                    bid = str(block.get("tool_use_id") or "")
                    tool_ids.append(bid)
                    tool_names.append(meta.tool_names_by_id.get(bid, ""))
                    if block.get("is_error") is True:
                        is_error = True
                tur = entry.get("toolUseResult")
                if isinstance(tur, dict) and isinstance(tur.get("agentId"), str) and not is_side:
                    spawned = tur["agentId"]
            else:
                kind = Kind.USER
                if is_side and meta.last_prompt is None and file_id > 0:
                    # a subagent's first user message is the task it was given
                    meta.last_prompt = _one_line(_text_of(content, PREVIEW_CHARS * 2))
                elif file_id == 0 and not is_side:
                    if is_human_prompt(entry, content) or (
                        trunk_agent and meta.first_prompt is None
                    ):
                        said = prompt_words(_text_of(content, PROMPT_SCAN_CHARS)) or _text_of(
                            content, 400
                        )
                        meta.last_prompt = _one_line(said[: PREVIEW_CHARS * 2])
                        if meta.first_prompt is None:
                            meta.first_prompt = meta.last_prompt
                    elif not entry.get("isMeta"):
                        self._command(_text_of(content, 2000))
                if entry.get("isCompactSummary"):
                    subtype = "compact_summary"
                elif entry.get("isMeta"):
                    subtype = "meta"
            search = _text_of(content, SEARCH_CHARS)
            preview = search[: PREVIEW_CHARS * 2]
        elif etype == "system":
            kind = Kind.SYSTEM
            st = entry.get("subtype")
            subtype = st if isinstance(st, str) else None
            text = entry.get("content")
            preview = text if isinstance(text, str) else (subtype or "system")
            search = preview[:SEARCH_CHARS]
            is_error = entry.get("level") == "error" or subtype == "api_error"
        elif etype == "progress":
            kind = Kind.PROGRESS
            data = entry.get("data")
            data = data if isinstance(data, dict) else {}
            st = data.get("type")
            subtype = st if isinstance(st, str) else None
            bits = [subtype or "progress"]
            for key in ("hookName", "hookEvent", "command", "agentId", "output"):
                val = data.get(key)
                if isinstance(val, str) and val:
                    bits.append(val[:PREVIEW_CHARS])
            preview = " ".join(bits)
            search = preview
            aid = data.get("agentId")
            if isinstance(aid, str) and not is_side:
                spawned = aid
            # the tool call it reports on (FORMAT §7): a reader folds it into that call's row;
            # toolUseID is the progress event's own id for agent and bash progress
            tid = entry.get("parentToolUseID")
            if isinstance(tid, str) and tid:
                tool_ids.append(tid)
        elif etype == "attachment":
            kind = Kind.ATTACHMENT
            att = entry.get("attachment")
            att = att if isinstance(att, dict) else {}
            st = att.get("type")
            subtype = st if isinstance(st, str) else None
            is_error = subtype in ERROR_ATTACHMENTS
            tid = att.get("toolUseID")  # a hook's outcome names the tool call it ran for
            if isinstance(tid, str) and tid:
                tool_ids.append(tid)
            bits = [subtype or "attachment"]
            for key in ("content", "hookName", "prompt", "filename"):
                val = att.get(key)
                if isinstance(val, str) and val:
                    bits.append(val)
            preview = " ".join(bits)
            search = preview[:SEARCH_CHARS]
        else:
            kind = Kind.UNKNOWN
            subtype = etype if isinstance(etype, str) else None
            preview = f"[{subtype or 'entry without a type'}]"
            search = preview

        if file_id == 0 and not is_side:
            meta.message_count += 1
            if is_error:
                meta.errors += 1
        if out is None:
            return
        if ts is None:
            self._undated.append(len(out))
        out.rows.append(
            [
                self.next_seq,
                file_id,
                state.line,
                offset,
                length,
                uuid,
                parent,
                kind.value,
                subtype,
                ts,
                False,
                is_side,
                agent_id,
                spawned,
                model,
                message_id,
                tool_names,
                tool_ids,
                is_error,
                _one_line(preview) or _BLANK_PREVIEW.get(kind, ""),
                search.lower(),
                tokens[0],
                tokens[1],
                tokens[2],
                tokens[3],
            ]
        )
        self.next_seq += 1

    def _command(self, text: str) -> None:
        """A slash command the user typed: a prompt like any other (``/goal make the tests
        pass``, a skill), except housekeeping commands, which name a session only when nothing
        else does."""
        cmd = command_prompt(text)
        if cmd is None:
            return
        meta = self.meta
        name = cmd.split(" ", 1)[0][1:].lower()
        if name in HOUSEKEEPING_COMMANDS:
            if meta.first_command is None:
                meta.first_command = cmd
            return
        meta.last_prompt = cmd
        if meta.first_prompt is None:
            meta.first_prompt = cmd

    def _metadata(self, etype: str, entry: dict[str, Any]) -> None:
        meta = self.meta
        meta.state_lines[etype] = meta.state_lines.get(etype, 0) + 1
        if etype == "custom-title" and isinstance(entry.get("customTitle"), str):
            meta.custom_title = entry["customTitle"]
        elif etype == "ai-title" and isinstance(entry.get("aiTitle"), str):
            meta.ai_title = entry["aiTitle"]
        elif etype == "tag" and (isinstance(entry.get("tag"), str) or entry.get("tag") is None):
            meta.tag = entry.get("tag") or None
        elif etype == "summary":
            text, leaf = entry.get("summary"), entry.get("leafUuid")
            if isinstance(text, str) and text and isinstance(leaf, str) and leaf:
                meta.summaries.append((leaf, text))


def tail_matches(path: Path, offset: int, probe: bytes) -> bool:
    """Whether a grown file was appended to, not rewritten: the bytes just before the offset
    where the last parse stopped are still the ones that parse saw."""
    if not probe:
        return offset == 0
    try:
        with open_source(path) as fh:
            fh.seek(offset - len(probe))
            return fh.read(len(probe)) == probe
    except OSError:
        return False


def read_entry(path: Path, offset: int, length: int) -> dict[str, Any]:
    """One transcript line, read again from disk: full content is never held in memory."""
    with open_source(path) as fh:
        obj = read_record(fh, offset, length)  # a line over the bound: from its two ends
    return obj if isinstance(obj, dict) else {}


def session_for_path(roots: list[Path], path: Path) -> tuple[str, str] | None:
    """(session_id, project) that a changed file belongs to, from its place under a root.

    Flat 2.0.x agent files name no session in their path; they are resolved by their first line."""
    for root in roots:
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        parts = rel.parts
        if len(parts) < 2:
            return None
        project = parts[0]
        if len(parts) == 2 and parts[1].endswith(".jsonl"):
            if is_agent_file(parts[1]):
                sid = first_session_id(path)
                return (sid, project) if sid else None
            return parts[1][: -len(".jsonl")], project
        if len(parts) >= 3 and parts[-1].endswith(".jsonl"):
            return parts[1], project
        return None
    return None
