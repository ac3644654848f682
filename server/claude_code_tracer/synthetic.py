"""Seeded generator of realistic synthetic Claude Code transcripts (2.1.x on-disk layout).

Tests and benchmarks need transcripts that look like the real thing (see FORMAT.md beside the
samples) but can be produced at any size, are byte-identical for a given seed, and contain the
awkward cases a reader must survive: split assistant responses with repeated usage, progress
noise, compaction, subagent files, huge tool outputs, hostile HTML/ANSI/U+2028 text, and damaged
lines.  Everything here is deliberately independent of the rest of the package so that it can be
used to test it.

Determinism: every random choice comes from a ``random.Random`` seeded by the caller; nothing reads
the clock, the environment or iterates a ``set`` of strings.  Text is cut out of a fixed corpus
built once from its own constant seed, which keeps generation fast (100K lines in seconds).
"""

from __future__ import annotations

import argparse
import base64
import functools
import os
import random
import sys
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Final

import orjson

__all__ = [
    "GeneratedSession",
    "append_lines",
    "encode_cwd",
    "generate_archive",
    "generate_session",
    "main",
]

Json = dict[str, Any]

#: Entry types that count as conversation lines ("messages") in every report of this module.
MESSAGE_TYPES: Final = frozenset({"user", "assistant", "system", "progress", "attachment"})

_DEFAULT_START: Final = datetime(2026, 2, 2, 9, 0, 0, tzinfo=UTC)
_B62: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_HEX: Final = "0123456789abcdef"
_VERSIONS: Final = ("2.1.39", "2.1.41", "2.1.59", "2.1.74", "2.1.139")
_MAIN_MODELS: Final = ("claude-opus-4-6", "claude-sonnet-4-5-20250929")
_SUB_MODEL: Final = "claude-haiku-4-5-20251001"
_SLUG_WORDS: Final = tuple(
    "linked soaring radiant floating quiet brisk amber hidden lunar matsumoto music "
    "harbor meadow falcon ember willow cobalt zephyr".split()
)

# --------------------------------------------------------------------------------------------
# Fixed corpus.  Built once from a constant seed so that a session's seed only chooses *where*
# to cut, which is what makes multi-KB outputs cheap.
# --------------------------------------------------------------------------------------------

_NOUNS: Final = tuple(
    "session transcript index cursor buffer parser entry token cache worker query record "
    "schema payload snapshot offset reader writer handler request response config event "
    "queue batch chunk hook agent tool result digest view panel node edge tree span frame".split()
)
_VERBS: Final = tuple(
    "load parse build render flush read write merge split index resolve collect emit "
    "fetch update compute validate encode decode scan open close sync refresh reset apply "
    "filter group sort link".split()
)
_MODULES: Final = tuple(
    "os re sys json time pathlib typing logging itertools functools dataclasses "
    "collections asyncio hashlib sqlite3 duckdb orjson".split()
)
_TYPES: Final = ("str", "int", "bytes", "Path", "dict[str, Any]", "list[str]", "float", "bool")
_ERRS: Final = ("ValueError", "KeyError", "RuntimeError", "TypeError", "FileNotFoundError")
_UNICODE_BITS: Final = ("naïve", "café", "日本語", "🚀", "✓", "→", "Ünïcödé", "Ωmega", "😀")

_SPICY_PROMPTS: Final = (
    "The transcript preview renders tool output verbatim: `<script>alert(1)</script>` runs and "
    "`<img src=x onerror=alert(1)>` fires. Escape it in {file}. The log line "
    "\x1b[31mERROR\x1b[0m also keeps its colour codes, and a title with a raw\u2028line separator "
    "breaks the list. (naïve café 日本語 🚀)",
    "Bug: a Bash result containing \x1b[1;33mwarning\x1b[0m and "
    "<img src=x onerror=alert(1)> shows up unescaped in the hover for {fn}. Also this prompt has a"
    " \u2028 in it on purpose — make sure <script>alert(1)</script> is shown as text. ✓",
    "Please check {file}: the session title `<script>alert(1)</script>\u2028second line` and the "
    "ANSI-coloured \x1b[32mPASSED\x1b[0m output should be rendered as plain text, never HTML "
    "(<img src=x onerror=alert(1)>). Ünïcödé 😀",
)
_PROMPTS: Final = (
    "Can you {verb} the {noun} {noun2} in {file}? It breaks when the {noun3} is empty.",
    "Run the tests and fix whatever fails.",
    "Why is `{fn}` so slow on large files?",
    "Add a test for `{fn}` covering the empty {noun} case.",
    "Refactor {file} so the {noun} logic lives in one place.",
    "The {noun} {noun2} is wrong after a restart, look into {file}.",
    "Implement `{fn}` in {file} and wire it into the {noun} {noun2}.",
    "Commit this with a sensible message.",
    "What does `{fn}` return when the {noun} is missing?",
    "ok, now do the same for the {noun} {noun2}",
    "Rename `{fn}` to `{fn2}` everywhere.",
    "Please review {file} for error handling problems.",
)
_SENTENCES: Final = (
    "Let me check how `{fn}` handles the {noun} case.",
    "The {noun} is built in `{file}` but never flushed.",
    "I'll update `{fn}` to {verb} the {noun} before returning.",
    "Tests pass now: {n} passed, 0 failed.",
    "That failure comes from the {noun} {noun2} being `None` when the {noun3} is empty.",
    "Next I need to {verb} the {noun} {noun2}.",
    "Good, the change is in place.",
    "Now let me run the tests to confirm.",
    "I found the problem: `{fn}` reads the {noun} twice.",
    "Let me look at the existing tests for the {noun} {noun2} first.",
    "The {noun} lookup is O(n) per call, which explains the slowdown on {n} entries.",
    "I'll keep the public signature of `{fn}` unchanged so callers don't break.",
    "This matches the pattern already used in `{file}`.",
    "Done — `{fn}` now validates the {noun} up front.",
)
_THOUGHTS: Final = (
    "The user wants me to {verb} the {noun} {noun2}. I should read `{file}` first.",
    "Hmm, `{fn}` is called from two places; changing it affects the {noun} path too.",
    "Maybe the {noun3} is stale because the {noun} is cached across calls.",
    "I need to be careful not to break the {noun} ordering.",
    "Let me think about edge cases: empty {noun}, huge {noun2}, unicode in the {noun3}.",
)
_HOOK_COMMANDS: Final = (
    "/home/dev/.claude/hooks/tmux-waiting.sh clear",
    "${CLAUDE_PLUGIN_ROOT}/scripts/pre-tool-capture.sh",
    "cd ${CLAUDE_PLUGIN_ROOT}/hooks && bun run ./dist/on-stop-test.js",
    "${CLAUDE_PLUGIN_ROOT}/hooks/stop-hook.sh",
    "python3 ~/.claude/hooks/lint_on_edit.py",
)


def _fill(r: random.Random, template: str, files: Sequence[str]) -> str:
    return template.format(
        verb=r.choice(_VERBS),
        noun=r.choice(_NOUNS),
        noun2=r.choice(_NOUNS),
        noun3=r.choice(_NOUNS),
        fn=f"{r.choice(_VERBS)}_{r.choice(_NOUNS)}",
        fn2=f"{r.choice(_VERBS)}_{r.choice(_NOUNS)}",
        file=r.choice(files),
        n=r.randint(3, 900),
    )


def _code_block(r: random.Random) -> list[str]:
    kind = r.random()
    noun, verb = r.choice(_NOUNS), r.choice(_VERBS)
    if kind < 0.08:
        return [f"import {r.choice(_MODULES)}" for _ in range(r.randint(1, 4))] + [
            f"from {r.choice(_MODULES)} import {r.choice(_NOUNS)}_{r.choice(_VERBS)}",
            "",
        ]
    if kind < 0.14:
        return [
            f'<div class="{noun}-panel" data-{verb}="{r.randint(1, 99)}">',
            f"  <h2>{noun.title()} {r.choice(_UNICODE_BITS)}</h2>",
            "  <script>alert(1)</script>",
            "  <img src=x onerror=alert(1)>",
            f"  <p>{{{{ {noun}.{verb}|safe }}}}</p>",
            "</div>",
            "",
        ]
    if kind < 0.20:
        return [
            f"export function {verb}{noun.title()}(el: HTMLElement, value: string): void {{",
            "  el.innerHTML = `<span>${value}</span>`;",
            f"  console.log('\\x1b[32m{verb}\\x1b[0m', value);",
            "}",
            "",
        ]
    if kind < 0.32:
        cls = f"{noun.title()}{r.choice(_VERBS).title()}er"
        return [
            "@dataclass(slots=True)",
            f"class {cls}:",
            f'    """{noun.title()} state kept between {verb} calls."""',
            "",
            f"    {noun}: {r.choice(_TYPES)}",
            f"    {r.choice(_NOUNS)}_count: int = 0",
            "",
        ]
    arg, typ = r.choice(_NOUNS), r.choice(_TYPES)
    lines = [
        f"def {verb}_{noun}({arg}: {typ}, *, strict: bool = False) -> {r.choice(_TYPES)}:",
        f'    """{verb.title()} the {noun} from a {arg}."""',
    ]
    for _ in range(r.randint(2, 10)):
        v = r.choice(_NOUNS)
        lines.append(
            r.choice(
                (
                    f"    {v} = {r.choice(_VERBS)}_{r.choice(_NOUNS)}({arg})",
                    f"    if {v} is None:",
                    f'        raise {r.choice(_ERRS)}(f"{noun} {{{v}!r}} not found")',
                    f"    for {v} in {arg}.{r.choice(_NOUNS)}s:",
                    f"        {r.choice(_NOUNS)}.append({v})",
                    f"    # TODO: {r.choice(_VERBS)} the {v} lazily ({r.choice(_UNICODE_BITS)})",
                    f"    log.debug('{verb} %s', {v})",
                )
            )
        )
    lines += [f"    return {arg}", ""]
    return lines


def _log_line(r: random.Random) -> str:
    noun, verb = r.choice(_NOUNS), r.choice(_VERBS)
    k = r.random()
    if k < 0.25:
        ok = r.random() < 0.85
        status = "\x1b[32mPASSED\x1b[0m" if ok else "\x1b[31mFAILED\x1b[0m"
        return f"tests/test_{noun}.py::test_{verb}_{noun}_{r.randint(1, 40)} {status}"
    if k < 0.35:
        return f'  File "src/app/{noun}.py", line {r.randint(1, 900)}, in {verb}_{noun}'
    if k < 0.45:
        return f"{''.join(r.choices(_HEX, k=7))} {verb.title()} {noun} {r.choice(_NOUNS)} handling"
    if k < 0.58:
        size = r.randint(96, 99999)
        day, minute = r.randint(1, 9), r.randint(10, 59)
        return f"-rw-r--r--  1 dev dev {size:>6} Feb  {day} 10:{minute} {noun}.py"
    if k < 0.68:
        return f"\x1b[1m\x1b[33mwarning\x1b[0m: unused variable `{noun}` in {verb}_{noun}"
    if k < 0.76:
        return f" {r.randint(1, 999):>4} │     {verb}_{noun}({r.choice(_NOUNS)})"
    if k < 0.84:
        return f"src/app/{noun}.py:{r.randint(1, 500)}:{r.randint(1, 80)}: E501 line too long"
    if k < 0.90:
        return f"✓ {verb} {noun} in {r.randint(1, 999)}ms {r.choice(_UNICODE_BITS)}"
    return f"  modified:   src/app/{noun}.py"


@dataclass(frozen=True)
class _Corpus:
    code: tuple[str, ...]
    log: tuple[str, ...]
    blob: str  # the code joined by "\n", ASCII-heavy, for large outputs


@functools.cache
def _corpus() -> _Corpus:
    r = random.Random(0x5EED_C0DE)
    code: list[str] = []
    while len(code) < 6000:
        code.extend(_code_block(r))
    log = [_log_line(r) for _ in range(3000)]
    return _Corpus(tuple(code), tuple(log), "\n".join(code))


def _take(r: random.Random, lines: Sequence[str], n: int) -> list[str]:
    total = len(lines)
    start = r.randrange(total)
    if start + n <= total:
        return list(lines[start : start + n])
    out = list(lines[start:])
    while len(out) < n:
        out.extend(lines[: n - len(out)])
    return out


def _big_text(r: random.Random, nbytes: int) -> str:
    blob = _corpus().blob
    start = r.randrange(len(blob))
    reps = nbytes // len(blob) + 2
    return (blob * reps)[start : start + nbytes]


def _size_lines(r: random.Random) -> int:
    x = r.random()
    if x < 0.70:
        return r.randint(15, 120)
    if x < 0.96:
        return r.randint(120, 500)
    return r.randint(500, 1500)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def _iso(ms: int) -> str:
    sec, milli = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + f".{milli:03d}Z"


def _parse_iso_ms(ts: str) -> int:
    dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return int(dt.timestamp() * 1000 + 0.5)


def _to_ms(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def _uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def _b62(r: random.Random, n: int) -> str:
    return "".join(r.choices(_B62, k=n))


def encode_cwd(cwd: str) -> str:
    """Project folder name for a cwd, exactly as the CLI derives it (FORMAT.md §1.1).

    JS replaces per UTF-16 unit, so a non-BMP character becomes two dashes; long names get a
    Java-style hash suffix.
    """
    out: list[str] = []
    for ch in cwd:
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        else:
            out.append("--" if ord(ch) > 0xFFFF else "-")
    name = "".join(out)
    if len(name) <= 200:
        return name
    h = 0
    raw = cwd.encode("utf-16-le")
    for i in range(0, len(raw), 2):
        h = (h * 31 + (raw[i] | raw[i + 1] << 8)) & 0xFFFFFFFF
    if h >= 0x80000000:
        h -= 0x100000000
    return name[:200] + "-" + _base36(abs(h))


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    out = []
    while n:
        n, d = divmod(n, 36)
        out.append(digits[d])
    return "".join(reversed(out))


def _project_files(r: random.Random, cwd: str) -> list[str]:
    pkg = r.choice(("app", "core", "tracer", "service", "lib"))
    files = [
        "README.md",
        "pyproject.toml",
        "web/static/app.ts",
        "web/templates/index.html",
        f"src/{pkg}/__init__.py",
    ]
    for _ in range(r.randint(15, 40)):
        noun = r.choice(_NOUNS)
        files.append(
            r.choice((f"src/{pkg}/{noun}.py", f"tests/test_{noun}.py", f"src/{pkg}/{noun}s/io.py"))
        )
    seen: dict[str, None] = dict.fromkeys(files)  # ordered de-dup, deterministic
    return [f"{cwd.rstrip('/')}/{rel}" for rel in seen]


# --------------------------------------------------------------------------------------------
# Public result type
# --------------------------------------------------------------------------------------------


@dataclass
class GeneratedSession:
    """What a generated transcript contains, so tests can assert against ground truth."""

    path: Path
    session_id: str
    message_lines: int
    malformed_lines: int
    subagent_ids: list[str]
    tool_use_count: int
    error_count: int
    bytes: int
    #: True when the file ends in a half-written record without "\n" (only when malformed > 0).
    torn_tail: bool = False
    first_timestamp: str = ""
    last_timestamp: str = ""
    subagent_paths: list[Path] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# The conversation engine
# --------------------------------------------------------------------------------------------


@dataclass
class _Call:
    tool: str
    tool_id: str
    input: Json
    assistant_uuid: str
    big: bool = False
    error: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


class _Convo:
    """Writes one transcript file line by line against an exact line budget.

    The budget (``target``) is spent by mandatory lines (prompt, tool_use, tool_result, final
    text) that are reserved up front, and optional lines (thinking, progress, system, attachments)
    that only use what is spare — that is how the file lands on exactly ``messages`` lines while
    every tool_use still gets its tool_result.
    """

    def __init__(
        self,
        r: random.Random,
        fh: IO[bytes],
        *,
        session_id: str,
        cwd: str,
        version: str,
        branch: str,
        slug: str,
        model: str,
        clock_ms: int,
        target: int,
        progress_ratio: float,
        files: list[str],
        sidechain: bool = False,
        agent_id: str | None = None,
        subagent_dir: Path | None = None,
    ) -> None:
        self.r = r
        self.fh = fh
        self.sid = session_id
        self.cwd = cwd
        self.version = version
        self.branch = branch
        self.slug = slug
        self.model = model
        self.ms = clock_ms
        self.first_ms = -1
        self.last_tick = clock_ms
        self.last_valid_ms = -1  # newest timestamp on a line that parses
        self.target = target
        self.ratio = min(max(progress_ratio, 0.0), 0.95)
        self.files = files
        self.sidechain = sidechain
        self.agent_id = agent_id
        self.subagent_dir = subagent_dir
        # Task was renamed Agent during 2.1.x; the exact release is not known, 2.1.60 is a guess.
        parts = tuple(int(x) for x in version.split(".") if x.isdigit())
        self.task_tool = "Task" if parts < (2, 1, 60) else "Agent"

        self.count = 0
        self.reserved = 0
        self.progress = 0
        self.last_uuid: str | None = None
        self.slug_on = False
        self.tool_uses = 0
        self.errors = 0
        self.context = r.randint(8000, 20000)
        self.capture: list[Json] | None = None

        # scheduled features (main session only)
        self.subagents_total = 0
        self.subagents_left = 0
        self.subagent_ids: list[str] = []
        self.subagent_paths: list[Path] = []
        self.big_total = 0
        self.big_left = 0
        self.big_bytes = 0
        self.damage_at: list[int] = []
        self.damage_i = 0
        self.damage_written = 0
        self.malformed_written = 0
        # intact records inside damaged lines: a reader recovers them (FORMAT.md §9.4)
        self.recovered = 0
        self.compacted = False
        self.custom_titled = False
        self.queued = False
        self.turns = 0
        self.edited: list[str] = []
        self.last_prompt: str | None = None
        self.in_damage = False
        self.in_turn = False
        self.queue_ops = 0

    # -- budget --------------------------------------------------------------------------------
    def left(self) -> int:
        return self.target - self.count

    def spare(self) -> int:
        # lines still owed to scheduled subagents / big results (tool_use + tool_result each)
        # are held back too, so optional noise can never crowd them out of the budget
        pending = self.subagents_left + self.big_left
        owed = 2 * pending + (2 if pending and not self.in_turn else 0)  # + a turn to host them
        return self.target - self.count - self.reserved - owed

    # -- low level -----------------------------------------------------------------------------
    def tick(self, lo: int, hi: int) -> str:
        self.ms += self.r.randint(lo, hi)
        if self.first_ms < 0:
            self.first_ms = self.ms
        self.last_tick = self.ms
        return _iso(self.ms)

    def env(self, parent: str | None) -> Json:
        # Damage goes in before the next counted line is *built*, so that the throwaway
        # records inside damaged lines also get earlier timestamps than what follows.
        if self.damage_i < len(self.damage_at) and not self.in_damage:
            while (
                self.damage_i < len(self.damage_at) and self.damage_at[self.damage_i] <= self.count
            ):
                self.damage_i += 1
                self.write_damage()
        d: Json = {
            "parentUuid": parent,
            "isSidechain": self.sidechain,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.sid,
            "version": self.version,
            "gitBranch": self.branch,
        }
        if self.agent_id is not None:
            d["agentId"] = self.agent_id
        if self.slug_on:
            d["slug"] = self.slug
        return d

    def put(self, obj: Json, *, counted: bool = True, mandatory: bool = False) -> None:
        self.last_valid_ms = self.last_tick
        if counted:
            self.count += 1
            if mandatory:
                self.reserved -= 1
            if self.capture is not None and len(self.capture) < 12:
                self.capture.append(obj)
        self.fh.write(orjson.dumps(obj) + b"\n")

    def chain(self, obj: Json, *, mandatory: bool = False) -> str:
        """Emit a DAG entry that continues the chain from the previous one."""
        u: str = obj["uuid"]
        self.put(obj, mandatory=mandatory)
        self.last_uuid = u
        return u

    # -- damage --------------------------------------------------------------------------------
    def throwaway(self) -> bytes:
        """A plausible record that is only ever written inside a damaged line."""
        d = self.env(self.last_uuid)
        d["type"] = "progress"
        d["data"] = {
            "type": "hook_progress",
            "hookEvent": "PostToolUse",
            "hookName": "PostToolUse:Bash",
            "command": self.r.choice(_HOOK_COMMANDS),
        }
        tid = "toolu_01" + _b62(self.r, 22)
        d["parentToolUseID"] = tid
        d["toolUseID"] = tid
        d["timestamp"] = self.tick(1, 20)
        d["uuid"] = _uuid(self.r)
        return orjson.dumps(d)

    def ascii_cut(self, rec: bytes, lo: float, hi: float) -> bytes:
        cut = int(len(rec) * self.r.uniform(lo, hi))
        while cut > 1 and rec[cut - 1] >= 0x80:  # never split a UTF-8 sequence
            cut -= 1
        return rec[:cut]

    def write_damage(self) -> None:
        kind = self.damage_written % 5
        self.damage_written += 1
        # what a reader must recover from each kind, and whether bytes are left unexplained
        self.recovered += (0, 2, 1, 0, 1)[kind]
        self.malformed_written += (1, 0, 1, 1, 1)[kind]
        self.in_damage = True
        rec = self.throwaway()
        if kind == 0:  # truncated record (crash mid-write), then the writer moved on
            line = self.ascii_cut(rec, 0.2, 0.8)
        elif kind == 1:  # two records on one line: missing newline
            line = rec + self.throwaway()
        elif kind == 2:  # run of NUL bytes (preallocated block) before a record
            line = b"\x00" * self.r.randint(16, 4096) + rec
        elif kind == 3:  # plain garbage
            line = self.r.choice(
                (
                    b"Error: ENOSPC: no space left on device, write",
                    b"<<<<<<< HEAD",
                    b"\x1b[2K\r" + _b62(self.r, 40).encode(),
                    b"undefined",
                    b"]}",
                )
            )
        else:  # truncated splice: a record cut mid-string, the next one starts on the same line
            line = self.ascii_cut(rec, 0.3, 0.7) + self.throwaway()
        self.in_damage = False
        self.fh.write(line + b"\n")

    # -- building blocks -----------------------------------------------------------------------
    def sentences(self, k: int) -> str:
        return " ".join(_fill(self.r, self.r.choice(_SENTENCES), self.files) for _ in range(k))

    def new_usage(self) -> Json:
        created = self.r.randint(0, 6000)
        read = self.context
        self.context += created + self.r.randint(50, 2000)
        if self.context > 180_000:
            self.context = self.r.randint(20000, 40000)
        return {
            "input_tokens": self.r.randint(1, 12),
            "cache_creation_input_tokens": created,
            "cache_read_input_tokens": read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": created,
                "ephemeral_1h_input_tokens": 0,
            },
            "output_tokens": self.r.randint(1, 30),
            "service_tier": "standard",
            "inference_geo": "global" if not self.sidechain else "not_available",
        }

    def assistant(
        self, msg_id: str, req_id: str, usage: Json, block: Json, *, mandatory: bool
    ) -> str:
        """One line of a split API response: one content block, usage repeated (grown)."""
        usage["output_tokens"] += self.r.randint(5, 400)  # grows over the response's lines
        usage = dict(usage)
        d = self.env(self.last_uuid)
        d["message"] = {
            "model": self.model,
            "id": msg_id,
            "type": "message",
            "role": "assistant",
            "content": [block],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        d["requestId"] = req_id
        d["type"] = "assistant"
        d["uuid"] = _uuid(self.r)
        d["timestamp"] = self.tick(150, 2500)
        return self.chain(d, mandatory=mandatory)

    def response_ids(self) -> tuple[str, str, Json]:
        return "msg_01" + _b62(self.r, 22), "req_011C" + _b62(self.r, 20), self.new_usage()

    def thinking_block(self) -> Json:
        r = self.r
        text = " ".join(_fill(r, r.choice(_THOUGHTS), self.files) for _ in range(r.randint(1, 5)))
        sig = base64.b64encode(r.randbytes(r.randint(120, 480))).decode()
        return {"type": "thinking", "thinking": text, "signature": sig}

    def text_block(self, k: int) -> Json:
        r = self.r
        text = self.sentences(k)
        x = r.random()
        if x < 0.15:
            code = "\n".join(_take(r, _corpus().code, r.randint(4, 30)))
            text += f"\n\n```python\n{code}\n```\n"
        elif x < 0.25:
            items = "\n".join(f"- {self.sentences(1)}" for _ in range(r.randint(2, 6)))
            text = f"## Summary\n\n{items}\n\n{text}"
        elif x < 0.28:
            text += " The preview used to show `<script>alert(1)</script>` raw \u2028 — fixed."
        return {"type": "text", "text": text}

    def progress_line(self, data: Json, tool_use_id: str, parent_tool_use_id: str) -> None:
        d = self.env(self.last_uuid)
        d["type"] = "progress"
        d["data"] = data
        d["parentToolUseID"] = parent_tool_use_id
        d["toolUseID"] = tool_use_id
        d["timestamp"] = self.tick(3, 60)
        d["uuid"] = _uuid(self.r)
        self.progress += 1
        self.chain(d)

    def progress_due(self, cap: int) -> int:
        if self.ratio <= 0 or cap <= 0:
            return 0
        want = (self.ratio * self.count - self.progress) / (1 - self.ratio)
        n = int(want + self.r.random())
        return max(0, min(n, self.r.randint(1, cap), self.spare()))

    def hooks(
        self, event: str, name: str, tool_use_id: str | None, cap: int, at_least: int = 0
    ) -> None:
        n = self.progress_due(cap)
        if self.ratio > 0:
            n = min(max(n, at_least), self.spare())
        if n == 0:
            return
        tid = tool_use_id or _uuid(self.r)
        for i in range(n):
            cmd = _HOOK_COMMANDS[(i + len(event)) % len(_HOOK_COMMANDS)]
            data = {
                "type": "hook_progress",
                "hookEvent": event,
                "hookName": name,
                "command": cmd,
            }
            self.progress_line(data, tid, tid)

    # -- metadata lines (not messages) ---------------------------------------------------------
    def snapshot(self, message_id: str, update: bool) -> None:
        ts = self.tick(1, 30)
        backups: Json = {}
        for i, p in enumerate(self.edited[-8:]):
            rel = p[len(self.cwd) + 1 :] if p.startswith(self.cwd) else p
            backups[rel] = {
                "backupFileName": "".join(self.r.choices(_HEX, k=16)) + f"@v{i % 3 + 1}",
                "version": i % 3 + 1,
                "backupTime": ts,
            }
        obj = {
            "type": "file-history-snapshot",
            "messageId": message_id,
            "snapshot": {"messageId": message_id, "trackedFileBackups": backups, "timestamp": ts},
            "isSnapshotUpdate": update,
        }
        self.put(obj, counted=False)

    def title(self, kind: str) -> None:
        words = [self.r.choice(_VERBS).title(), self.r.choice(_NOUNS), self.r.choice(_NOUNS)]
        text = " ".join(words)
        if kind == "ai-title":
            self.put({"type": "ai-title", "sessionId": self.sid, "aiTitle": text}, counted=False)
        else:
            text = f"{text} {self.r.choice(_UNICODE_BITS)} <b>wip</b>"
            self.put(
                {"type": "custom-title", "customTitle": text, "sessionId": self.sid}, counted=False
            )

    def queue(self, operation: str) -> None:
        obj: Json = {
            "type": "queue-operation",
            "operation": operation,
            "timestamp": self.tick(1, 30),
            "sessionId": self.sid,
        }
        self.queue_ops += 1
        if operation == "enqueue":
            obj["content"] = _fill(self.r, self.r.choice(_PROMPTS), self.files)
        self.put(obj, counted=False)

    # -- tools ---------------------------------------------------------------------------------
    def plan_tools(self) -> list[tuple[str, bool, bool]]:
        """Tools for one API response as (tool, big output, scheduled feature)."""
        r = self.r
        k = r.choices((1, 2, 3), weights=(70, 20, 10))[0]
        names = (
            ("Read", "Grep", "Glob", "Bash")
            if self.sidechain
            else ("Read", "Bash", "Edit", "Grep", "Glob", "Write", "MultiEdit")
        )
        weights = (40, 25, 20, 15) if self.sidechain else (30, 25, 15, 10, 6, 6, 4)
        tools = [(r.choices(names, weights=weights)[0], False, False) for _ in range(k)]
        late = self.spare() <= 6
        if self.subagents_left > 0:
            done = self.subagents_total - self.subagents_left
            due = (done + 1) * self.target // (self.subagents_total + 1)
            if self.count >= due or late:
                tools[0] = ("Task", False, True)
        if self.big_left > 0:
            done = self.big_total - self.big_left
            due = (2 * done + 1) * self.target // (2 * self.big_total)
            if (self.count >= due or late) and (len(tools) > 1 or tools[0][0] != "Task"):
                tools[-1] = (r.choice(("Bash", "Read")), True, True)
        return tools

    def tool_input(self, tool: str) -> tuple[Json, dict[str, Any]]:
        r = self.r
        path = r.choice(self.files)
        corpus = _corpus()
        if tool == "Read":
            inp: Json = {"file_path": path}
            if r.random() < 0.2:
                inp["offset"] = r.randint(1, 400)
                inp["limit"] = r.randint(50, 300)
            return inp, {}
        if tool == "Bash":
            noun = r.choice(_NOUNS)
            cmd, desc = r.choice(
                (
                    (f"pytest -q tests/test_{noun}.py", f"Run {noun} tests"),
                    ("git status --short", "Show working tree status"),
                    ("git diff --stat", "Show diff summary"),
                    ("git log --oneline -n 20", "Show recent commits"),
                    ("ruff check src && mypy src", "Lint and type-check"),
                    (f"ls -la src/{noun}", f"List {noun} directory"),
                    (f"rg -n '{r.choice(_VERBS)}_{noun}' src", f"Find {noun} usages"),
                    ("npm run build 2>&1 | tail -40", "Build the frontend"),
                )
            )
            inp = {"command": cmd, "description": desc}
            if r.random() < 0.2:
                inp["timeout"] = 120000
            return inp, {}
        if tool == "Edit":
            lines = _take(r, corpus.code, r.randint(40, 500))
            i = r.randrange(3, len(lines) - 8)
            k = r.randint(1, 4)
            old = lines[i : i + k]
            new = [ln + f"  # {r.choice(_VERBS)} {r.choice(_NOUNS)}" for ln in old]
            if r.random() < 0.4:
                new.append(f"    log.debug('{r.choice(_VERBS)} %s', {r.choice(_NOUNS)})")
            inp = {
                "file_path": path,
                "old_string": "\n".join(old),
                "new_string": "\n".join(new),
                "replace_all": False,
            }
            patch = {
                "oldStart": i - 2,
                "oldLines": k + 5,
                "newStart": i - 2,
                "newLines": len(new) + 5,
                "lines": [" " + x for x in lines[i - 3 : i]]
                + ["-" + x for x in old]
                + ["+" + x for x in new]
                + [" " + x for x in lines[i + k : i + k + 2]],
            }
            return inp, {"original": "\n".join(lines), "patch": patch}
        if tool == "MultiEdit":
            lines = _take(r, corpus.code, r.randint(40, 400))
            edits = []
            for _ in range(r.randint(2, 4)):
                j = r.randrange(len(lines))
                edits.append(
                    {
                        "old_string": lines[j],
                        "new_string": lines[j] + f"  # {r.choice(_NOUNS)}",
                    }
                )
            return {"file_path": path, "edits": edits}, {"original": "\n".join(lines)}
        if tool == "Write":
            content = "\n".join(_take(r, corpus.code, r.randint(10, 200)))
            return {"file_path": path, "content": content}, {}
        if tool == "Grep":
            inp = {"pattern": f"{r.choice(_VERBS)}_{r.choice(_NOUNS)}", "path": self.cwd}
            inp["output_mode"] = r.choice(("content", "files_with_matches"))
            if inp["output_mode"] == "content":
                inp["-n"] = True
            return inp, {}
        if tool == "Glob":
            return {
                "pattern": r.choice(("**/*.py", "src/**/*.ts", "tests/**/test_*.py", "*.md"))
            }, {}
        # Task / Agent
        noun = r.choice(_NOUNS)
        desc = f"Explore {noun} {r.choice(_NOUNS)} handling"
        prompt = (
            f"Explore the codebase to understand how the {noun} is handled. I need to know:\n\n"
            + "\n".join(
                f"{i + 1}. `{r.choice(self.files)}` — {self.sentences(1)}"
                for i in range(r.randint(2, 6))
            )
            + "\n\nRead the files and give a concise summary."
        )
        subtype = r.choice(("Explore", "general-purpose", "Plan"))
        return {"description": desc, "prompt": prompt, "subagent_type": subtype}, {}

    def tool_output(self, call: _Call) -> tuple[Any, Any, bool | None]:
        """Returns (tool_result content, toolUseResult, is_error) for a call."""
        r = self.r
        corpus = _corpus()
        inp = call.input
        tool = call.tool
        if call.error:
            if tool == "Bash":
                code = r.choice((1, 2, 127, 128))
                body = "\n".join(_take(r, corpus.log, r.randint(2, 40)))
                text = f"Exit code {code}\n{body}"
                return text, "Error: " + text, True
            msg = r.choice(
                (
                    "String to replace not found in file.",
                    "File does not exist.",
                    "File has not been read yet. Read it first before writing to it.",
                    "[Request interrupted by user for tool use]",
                )
            )
            if msg.startswith("["):
                return msg, "Error: " + msg, True
            return f"<tool_use_error>{msg}</tool_use_error>", "Error: " + msg, True
        if tool == "Read":
            if call.big:
                text = _big_text(r, self.big_bytes)
                lines = text.split("\n")
            else:
                lines = _take(r, corpus.code, _size_lines(r))
                text = "\n".join(lines)
            start = int(inp.get("offset", 1))
            numbered = "\n".join(f"{start + i:>6}→{ln}" for i, ln in enumerate(lines))
            result: Json = {
                "type": "text",
                "file": {
                    "filePath": inp["file_path"],
                    "content": text,
                    "numLines": len(lines),
                    "startLine": start,
                    "totalLines": start - 1 + len(lines) + r.randint(0, 300),
                },
            }
            return numbered, result, None
        if tool == "Bash":
            if call.big:
                out = _big_text(r, self.big_bytes)
            else:
                out = "\n".join(_take(r, corpus.log, _size_lines(r) // 2 or 1))
            stderr = "" if r.random() < 0.9 else "\x1b[33mwarning\x1b[0m: deprecated flag"
            result = {
                "stdout": out,
                "stderr": stderr,
                "interrupted": False,
                "isImage": False,
                "noOutputExpected": False,
            }
            return (out + ("\n" + stderr if stderr else "")), result, False
        if tool == "Edit":
            path = inp["file_path"]
            self.edited.append(path)
            result = {
                "filePath": path,
                "oldString": inp["old_string"],
                "newString": inp["new_string"],
                "originalFile": call.extra["original"],
                "structuredPatch": [call.extra["patch"]],
                "userModified": False,
                "replaceAll": False,
            }
            return f"The file {path} has been updated successfully.", result, None
        if tool == "MultiEdit":
            path = inp["file_path"]
            self.edited.append(path)
            edits = [dict(e, replace_all=False) for e in inp["edits"]]
            summary = "\n".join(
                f'{i + 1}. Replaced "{e["old_string"][:40]}" with "{e["new_string"][:40]}"'
                for i, e in enumerate(edits)
            )
            result = {
                "filePath": path,
                "edits": edits,
                "originalFileContents": call.extra["original"],
                "structuredPatch": [
                    {
                        "oldStart": 1 + i * 10,
                        "oldLines": 1,
                        "newStart": 1 + i * 10,
                        "newLines": 1,
                        "lines": ["-" + e["old_string"], "+" + e["new_string"]],
                    }
                    for i, e in enumerate(edits)
                ],
                "userModified": False,
            }
            return f"Applied {len(edits)} edits to {path}:\n{summary}", result, None
        if tool == "Write":
            path = inp["file_path"]
            self.edited.append(path)
            result = {
                "type": "create",
                "filePath": path,
                "content": inp["content"],
                "structuredPatch": [],
                "originalFile": None,
            }
            return f"File created successfully at: {path}", result, None
        if tool == "Grep":
            if inp["output_mode"] == "content":
                hits = [
                    f"{r.choice(self.files)}:{r.randint(1, 900)}:{ln}"
                    for ln in _take(r, corpus.code, r.randint(1, 60))
                ]
                content = "\n".join(hits)
                result = {
                    "mode": "content",
                    "numFiles": 0,
                    "filenames": [],
                    "content": content,
                    "numLines": len(hits),
                }
                return content, result, None
            names = [r.choice(self.files) for _ in range(r.randint(1, 12))]
            result = {"mode": "files_with_matches", "filenames": names, "numFiles": len(names)}
            return f"Found {len(names)} files\n" + "\n".join(names), result, None
        if tool == "Glob":
            names = [r.choice(self.files) for _ in range(r.randint(1, 40))]
            result = {
                "filenames": names,
                "durationMs": r.randint(3, 400),
                "numFiles": len(names),
                "truncated": False,
            }
            return "\n".join(names), result, None
        raise AssertionError(tool)  # Task is handled by run_subagent

    # -- subagents -----------------------------------------------------------------------------
    def run_subagent(self, call: _Call) -> tuple[Any, Any]:
        assert self.subagent_dir is not None
        r = self.r
        agent_id = "a" + "".join(r.choices(_HEX, k=6))
        while agent_id in self.subagent_ids:
            agent_id = "a" + "".join(r.choices(_HEX, k=6))
        self.subagent_dir.mkdir(parents=True, exist_ok=True)
        path = self.subagent_dir / f"agent-{agent_id}.jsonl"
        start_ms = self.ms
        with path.open("wb", buffering=1 << 20) as fh:
            sub = _Convo(
                r,
                fh,
                session_id=self.sid,
                cwd=self.cwd,
                version=self.version,
                branch=self.branch,
                slug=self.slug,
                model=_SUB_MODEL,
                clock_ms=self.ms,
                target=r.randint(6, 40),
                progress_ratio=0.0,
                files=self.files,
                sidechain=True,
                agent_id=agent_id,
            )
            sub.slug_on = self.slug_on
            sub.capture = []
            final = sub.subagent_turn(call.input["prompt"])
        meta = {
            "agentType": call.input["subagent_type"],
            "description": call.input["description"],
            "toolUseId": call.tool_id,
        }
        (self.subagent_dir / f"agent-{agent_id}.meta.json").write_bytes(orjson.dumps(meta))
        self.subagent_ids.append(agent_id)
        self.subagent_paths.append(path)
        self.ms = max(self.ms, sub.ms)

        # heartbeats in the parent that mirror what the agent did
        n = self.progress_due(10)
        captured = sub.capture or []
        for i in range(n):
            e = captured[i % len(captured)] if captured else None
            data: Json = {
                "message": (
                    {
                        "type": e["type"],
                        "message": e["message"],
                        "uuid": e["uuid"],
                        "timestamp": e["timestamp"],
                    }
                    if e is not None and "message" in e
                    else None
                ),
                "normalizedMessages": [],
                "type": "agent_progress",
                "prompt": call.input["prompt"],
                "agentId": agent_id,
            }
            self.progress_line(data, "agent_msg_01" + _b62(r, 22), call.tool_id)

        duration = max(1, sub.ms - start_ms)
        tokens = sub.context + r.randint(500, 6000)
        usage = sub.new_usage()
        trailer = (
            f"agentId: {agent_id} (for resuming to continue this agent's work if needed)\n"
            f"<usage>total_tokens: {tokens}\ntool_uses: {sub.tool_uses}\n"
            f"duration_ms: {duration}</usage>"
        )
        content = [{"type": "text", "text": final}, {"type": "text", "text": trailer}]
        result = {
            "status": "completed",
            "prompt": call.input["prompt"],
            "agentId": agent_id,
            "content": [{"type": "text", "text": final}],
            "totalDurationMs": duration,
            "totalTokens": tokens,
            "totalToolUseCount": sub.tool_uses,
            "usage": usage,
        }
        return content, result

    def subagent_turn(self, prompt: str) -> str:
        d = self.env(None)
        d["type"] = "user"
        d["message"] = {"role": "user", "content": prompt}
        d["uuid"] = _uuid(self.r)
        d["timestamp"] = self.tick(5, 80)
        self.reserved += 2  # prompt + final text
        self.chain(d, mandatory=True)
        while self.tool_round():
            pass
        return self.final_response()

    # -- turn structure ------------------------------------------------------------------------
    def tool_round(self) -> bool:
        r = self.r
        tools = self.plan_tools()
        forced = [t for t in tools if t[2]]
        # a scheduled feature's lines are already held back by spare(); placing it releases them
        avail = self.spare() + 2 * len(forced)
        if avail < 2 * len(tools):
            tools = forced or tools[:1]
            if avail < 2 * len(tools):
                return False
        for tool, big, _ in forced:
            if tool == "Task":
                self.subagents_left -= 1
            if big:
                self.big_left -= 1
        self.reserved += 2 * len(tools)
        msg_id, req_id, usage = self.response_ids()
        if self.spare() >= 1 and r.random() < 0.4:
            self.assistant(msg_id, req_id, usage, self.thinking_block(), mandatory=False)
        if self.spare() >= 1 and r.random() < 0.6:
            self.assistant(msg_id, req_id, usage, self.text_block(r.randint(1, 2)), mandatory=False)
        calls: list[_Call] = []
        for tool, big, _ in tools:
            inp, extra = self.tool_input(tool)
            tool_id = "toolu_01" + _b62(r, 22)
            name = self.task_tool if tool == "Task" else tool
            block = {
                "type": "tool_use",
                "id": tool_id,
                "name": name,
                "input": inp,
                "caller": {"type": "direct"},
            }
            auuid = self.assistant(msg_id, req_id, usage, block, mandatory=True)
            error = not big and tool != "Task" and r.random() < 0.07
            calls.append(_Call(tool, tool_id, inp, auuid, big=big, error=error, extra=extra))
            self.tool_uses += 1
        for call in calls:
            shown = self.task_tool if call.tool == "Task" else call.tool
            self.hooks("PreToolUse", f"PreToolUse:{shown}", call.tool_id, 5)
            if call.tool == "Task":
                content, result = self.run_subagent(call)
                is_error: bool | None = None
            else:
                if call.tool == "Bash":
                    for i in range(self.progress_due(6)):
                        out = _take(r, _corpus().log, 12)
                        data = {
                            "type": "bash_progress",
                            "output": "\n".join(out[-4:]),
                            "fullOutput": "\n".join(out),
                            "elapsedTimeSeconds": i + 2,
                            "totalLines": 12 * (i + 1),
                            "timeoutMs": 120000,
                        }
                        self.progress_line(data, f"bash-progress-{i}", call.tool_id)
                self.ms += r.randint(30, 20000 if call.tool == "Bash" else 1500)
                content, result, is_error = self.tool_output(call)
            if is_error:
                self.errors += 1
            self.tool_result(call, content, result, is_error)
            self.hooks("PostToolUse", f"PostToolUse:{shown}", call.tool_id, 3)
            if self.spare() >= 1 and r.random() < 0.08:
                self.attachment(call)
        if not self.sidechain and self.edited and r.random() < 0.1 and self.last_prompt:
            self.snapshot(self.last_prompt, True)
        return True

    def tool_result(self, call: _Call, content: Any, result: Any, is_error: bool | None) -> None:
        block: Json = {"tool_use_id": call.tool_id, "type": "tool_result", "content": content}
        if is_error is not None:
            block["is_error"] = is_error
        d = self.env(call.assistant_uuid)
        d["type"] = "user"
        d["message"] = {"role": "user", "content": [block]}
        d["uuid"] = _uuid(self.r)
        d["timestamp"] = self.tick(5, 400)
        if not self.sidechain:
            d["toolUseResult"] = result
        d["sourceToolAssistantUUID"] = call.assistant_uuid
        self.chain(d, mandatory=True)

    def attachment(self, call: _Call) -> None:
        r = self.r
        d = self.env(self.last_uuid)
        d["type"] = "attachment"
        if r.random() < 0.5:
            att: Json = {
                "type": "hook_success",
                "hookName": f"PostToolUse:{call.tool}",
                "toolUseID": call.tool_id,
                "hookEvent": "PostToolUse",
                "content": "",
                "stdout": "\x1b[32m✓\x1b[0m formatted 1 file",
                "stderr": "",
                "exitCode": 0,
            }
        else:
            att = {
                "type": "hook_additional_context",
                "content": [f"[LINT]\n{_log_line(r)}"],
                "hookName": f"PostToolUse:{call.tool}",
                "toolUseID": call.tool_id,
                "hookEvent": "PostToolUse",
            }
        d["attachment"] = att
        d["uuid"] = _uuid(r)
        d["timestamp"] = self.tick(2, 50)
        self.chain(d)

    def final_response(self) -> str:
        """The closing text of a turn (its line was reserved when the turn started)."""
        msg_id, req_id, usage = self.response_ids()
        if self.spare() >= 1 and self.r.random() < 0.3:
            self.assistant(msg_id, req_id, usage, self.thinking_block(), mandatory=False)
        block = self.text_block(self.r.randint(1, 6))
        self.assistant(msg_id, req_id, usage, block, mandatory=True)
        text: str = block["text"]
        return text

    def system(self, subtype: str, **fields: Any) -> None:
        d = self.env(self.last_uuid)
        d["type"] = "system"
        d["subtype"] = subtype
        d.update(fields)
        d["timestamp"] = self.tick(2, 60)
        d["uuid"] = _uuid(self.r)
        self.chain(d)

    def turn(self, first: bool) -> None:
        r = self.r
        if self.left() <= 0:
            return
        prompt_uuid = _uuid(r)
        self.last_prompt = prompt_uuid
        self.ms += r.randint(3000, 600000) if not first else r.randint(0, 2000)
        if self.queued:
            self.queue("dequeue")
            self.queued = False
        self.snapshot(prompt_uuid, False)
        closing = self.left() >= 2
        self.reserved += 2 if closing else 1  # the prompt and the closing text
        self.in_turn = True
        if first:
            self.last_uuid = None
            # real 2.1.x files open with SessionStart hook progress as the DAG root
            self.hooks(
                "SessionStart", "SessionStart:startup", None, 4, at_least=self.r.randint(1, 4)
            )
        self.hooks("UserPromptSubmit", "UserPromptSubmit", None, 2)
        if not first and self.spare() >= 1 and r.random() < 0.03:
            self.meta_user()
        d = self.env(self.last_uuid)
        d["type"] = "user"
        if first or r.random() < 0.06:
            text = _fill(r, r.choice(_SPICY_PROMPTS), self.files)
        elif r.random() < 0.04:
            text = (
                "<command-name>/review</command-name>\n<command-message>review</command-message>\n"
                f"<command-args>{r.choice(self.files)}</command-args>"
            )
        else:
            text = _fill(r, r.choice(_PROMPTS), self.files)
        d["message"] = {"role": "user", "content": text}
        d["uuid"] = prompt_uuid
        d["timestamp"] = self.tick(5, 200)
        d["thinkingMetadata"] = {"maxThinkingTokens": 31999}
        d["todos"] = []
        d["permissionMode"] = "bypassPermissions"
        self.chain(d, mandatory=True)
        turn_start = self.ms
        self.turns += 1
        if first:
            self.title("ai-title")
        self.slug_on = True
        if not closing:
            self.in_turn = False
            return
        rounds = r.choices((0, 1, 2, 3, 5, 8), weights=(12, 25, 20, 15, 18, 10))[0]
        pending = self.subagents_left + self.big_left
        if pending:
            rounds = max(rounds, pending if self.spare() <= 6 else 1)
        for _ in range(rounds):
            if not self.tool_round():
                break
        steer = r.random() < 0.05 or (self.turns == 2 and not self.sidechain and not self.queue_ops)
        if not self.queued and steer:  # a prompt typed while Claude works, picked up next turn
            self.queue("enqueue")
            self.queued = True
        self.final_response()
        self.in_turn = False
        self.hooks("Stop", "Stop", None, 3)
        if self.spare() >= 1 and r.random() < 0.3:
            hook_infos = [{"command": c} for c in _HOOK_COMMANDS[:3]]
            self.system(
                "stop_hook_summary",
                hookCount=len(hook_infos),
                hookInfos=hook_infos,
                hookErrors=[],
                preventedContinuation=False,
                stopReason="",
                hasOutput=True,
                level="suggestion",
                toolUseID=_uuid(r),
            )
        if self.spare() >= 1 and r.random() < 0.8:
            self.system("turn_duration", durationMs=self.ms - turn_start, isMeta=False)

    def meta_user(self) -> None:
        d = self.env(self.last_uuid)
        d["type"] = "user"
        d["message"] = {
            "role": "user",
            "content": "<system-reminder>\nPostToolUse:Edit hook additional context: [LINT]\n"
            f"{_log_line(self.r)}\n</system-reminder>",
        }
        d["isMeta"] = True
        d["uuid"] = _uuid(self.r)
        d["timestamp"] = self.tick(2, 50)
        self.chain(d)

    def compaction(self) -> None:
        r = self.r
        logical = self.last_uuid
        d: Json = {"parentUuid": None, "logicalParentUuid": logical}
        d.update((k, v) for k, v in self.env(None).items() if k != "parentUuid")
        d["type"] = "system"
        d["subtype"] = "compact_boundary"
        d["content"] = "Conversation compacted"
        d["isMeta"] = False
        d["timestamp"] = self.tick(20000, 90000)
        d["uuid"] = _uuid(r)
        d["level"] = "info"
        d["compactMetadata"] = {"trigger": r.choice(("auto", "manual")), "preTokens": self.context}
        self.chain(d)
        s = self.env(self.last_uuid)
        s["type"] = "user"
        summary = "\n".join(
            f"{i + 1}. {self.sentences(r.randint(1, 3))}" for i in range(r.randint(4, 12))
        )
        s["message"] = {
            "role": "user",
            "content": "This session is being continued from a previous conversation that ran out "
            "of context. The summary below covers the earlier portion of the conversation.\n\n"
            f"Analysis:\n{summary}",
        }
        s["isVisibleInTranscriptOnly"] = True
        s["isCompactSummary"] = True
        s["uuid"] = _uuid(r)
        s["timestamp"] = self.tick(5, 100)
        self.chain(s)
        self.context = r.randint(15000, 30000)
        self.compacted = True

    def between_turns(self) -> None:
        if (
            not self.compacted
            and self.target >= 60
            and self.count >= self.target * 0.55
            and self.spare() >= 6
        ):
            self.compaction()
            self.title("ai-title")
        if not self.custom_titled and self.count >= self.target * 0.7 and self.turns > 0:
            self.title("custom-title")
            self.custom_titled = True

    def run_main(self) -> None:
        first = True
        while self.left() > 0:
            if not first:
                self.between_turns()
            self.turn(first)
            first = False
        guard = 0
        while (self.subagents_left > 0 or self.big_left > 0) and self.target > 0 and guard < 1000:
            # the budget was too small for what was asked: extend it just enough
            guard += 1
            self.target = self.count + 2 * (self.subagents_left + self.big_left) + 2
            self.turn(first)
            first = False
        if not self.custom_titled and self.turns > 0:
            self.title("custom-title")
            self.custom_titled = True
        while self.damage_i < len(self.damage_at):
            self.damage_i += 1
            self.write_damage()


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def _resolve_target(path: Path, session_id: str) -> Path:
    if path.is_dir() or path.suffix != ".jsonl":
        path.mkdir(parents=True, exist_ok=True)
        return path / f"{session_id}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def generate_session(
    path: Path,
    *,
    messages: int,
    seed: int = 0,
    session_id: str | None = None,
    cwd: str = "/home/dev/project",
    start: datetime | None = None,
    subagents: int = 0,
    malformed: int = 0,
    big_results: int = 0,
    big_result_bytes: int = 1_000_000,
    progress_ratio: float = 0.3,
) -> GeneratedSession:
    """Write one synthetic session transcript (plus its subagent files) and describe it.

    The report is the ground truth tests compare a reader against, so ``message_lines`` is exact:
    it equals ``messages`` unless the requested subagents/big results cannot fit, in which case
    it is ``2 + 2 * (subagents + big_results)`` (one turn hosting them all); ``messages=0`` writes
    no conversation at all.  Damaged lines and metadata lines (snapshots, titles, queue
    operations) come on top.  A big result's text is ``big_result_bytes`` long, and like the real
    CLI the line stores it twice (tool_result content and ``toolUseResult``).
    ``path`` is either the ``.jsonl`` file or a directory to put ``<sessionId>.jsonl`` in; a file
    whose stem is a UUID lends it as the session id.
    """
    path = Path(path)
    r = random.Random(seed)
    drawn_id = _uuid(r)
    if session_id is None:
        session_id = drawn_id
        if path.suffix == ".jsonl" and not path.is_dir():
            try:
                session_id = str(uuid.UUID(path.stem))
            except ValueError:
                pass
    target = _resolve_target(path, session_id)
    version = r.choice(_VERSIONS)
    model = r.choice(_MAIN_MODELS)
    branch = r.choice(
        ("main", "main", "HEAD", "", f"feature/{r.choice(_NOUNS)}-{r.choice(_VERBS)}")
    )
    slug = "-".join(r.sample(_SLUG_WORDS, 3))
    files = _project_files(r, cwd)
    start_ms = _to_ms(start or _DEFAULT_START)

    with target.open("wb", buffering=1 << 20) as fh:
        c = _Convo(
            r,
            fh,
            session_id=session_id,
            cwd=cwd,
            version=version,
            branch=branch,
            slug=slug,
            model=model,
            clock_ms=start_ms,
            target=max(0, messages),
            progress_ratio=progress_ratio,
            files=files,
            subagent_dir=target.parent / session_id / "subagents",
        )
        c.subagents_total = c.subagents_left = max(0, subagents)
        c.big_total = c.big_left = max(0, big_results)
        c.big_bytes = max(1, big_result_bytes)
        if c.target > 0 and c.subagents_left + c.big_left > 0:
            # one prompt + closing text, plus a tool_use and a tool_result per scheduled feature
            c.target = max(c.target, 2 + 2 * (c.subagents_left + c.big_left))
        if malformed > 0:
            span = max(1, c.target)
            c.damage_at = sorted(
                min(span - 1, max(1, int((i + r.uniform(0.2, 0.8)) * span / malformed)))
                for i in range(malformed)
            )
        c.run_main()
        torn = False
        if malformed > 0:
            rec = c.throwaway()
            fh.write(c.ascii_cut(rec, 0.3, 0.7))
            torn = True
    return GeneratedSession(
        path=target,
        session_id=session_id,
        message_lines=c.count + c.recovered,
        malformed_lines=c.malformed_written,
        subagent_ids=list(c.subagent_ids),
        tool_use_count=c.tool_uses,
        error_count=c.errors,
        bytes=target.stat().st_size,
        torn_tail=torn,
        first_timestamp=_iso(c.first_ms) if c.first_ms >= 0 else "",
        last_timestamp=_iso(c.last_valid_ms) if c.last_valid_ms >= 0 else "",
        subagent_paths=list(c.subagent_paths),
    )


@dataclass
class _TailState:
    session_id: str
    cwd: str
    version: str
    branch: str
    slug: str | None
    model: str | None
    last_uuid: str | None
    last_ms: int
    size: int
    ends_with_newline: bool


def _tail_state(path: Path) -> _TailState:
    """Recover what is needed to continue a session from the end of its file.

    Reads backwards in growing chunks because the last complete lines can be megabytes long.
    """
    size = path.stat().st_size
    chunk = 256 * 1024
    with path.open("rb") as fh:
        while True:
            off = max(0, size - chunk)
            fh.seek(off)
            data = fh.read(size - off)
            lines = data.split(b"\n")
            if off > 0:
                lines = lines[1:]  # first piece may be a partial line
            last_ms = -1
            found: Json | None = None
            model: str | None = None
            for raw in reversed(lines):
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    continue
                if not isinstance(obj, dict):
                    continue
                ts = obj.get("timestamp") or (obj.get("snapshot") or {}).get("timestamp")
                if isinstance(ts, str):
                    last_ms = max(last_ms, _parse_iso_ms(ts))
                if model is None and obj.get("type") == "assistant":
                    model = (obj.get("message") or {}).get("model")
                if found is None and isinstance(obj.get("uuid"), str) and "sessionId" in obj:
                    found = obj
                if found is not None and model is not None:
                    break
            if found is not None or off == 0:
                break
            chunk *= 4
    if found is None:
        raise ValueError(f"{path}: no complete transcript entry to continue from")
    found_ms = _parse_iso_ms(found["timestamp"])
    return _TailState(
        session_id=found["sessionId"],
        cwd=found.get("cwd") or "/home/dev/project",
        version=found.get("version") or _VERSIONS[0],
        branch=found.get("gitBranch") or "",
        slug=found.get("slug"),
        model=model,
        last_uuid=found["uuid"],
        last_ms=max(last_ms, found_ms),
        size=size,
        ends_with_newline=data.endswith(b"\n"),
    )


def append_lines(path: Path, n: int, *, seed: int) -> int:
    """Continue a session as a live CLI would: n more message lines, chained and later in time.

    The random stream is keyed on the file's current end as well as ``seed`` so that repeated
    appends with the same seed still produce fresh uuids.  A torn last line is terminated first,
    like a CLI restart after a crash leaves it behind.
    """
    path = Path(path)
    state = _tail_state(path)
    r = random.Random(f"append:{seed}:{state.last_uuid}:{state.size}")
    files = _project_files(r, state.cwd)
    with path.open("ab", buffering=1 << 20) as fh:
        if state.size and not state.ends_with_newline:
            fh.write(b"\n")
        c = _Convo(
            r,
            fh,
            session_id=state.session_id,
            cwd=state.cwd,
            version=state.version,
            branch=state.branch,
            slug=state.slug or "-".join(r.sample(_SLUG_WORDS, 3)),
            model=state.model or _MAIN_MODELS[0],
            clock_ms=state.last_ms,
            target=max(0, n),
            progress_ratio=0.3,
            files=files,
        )
        c.last_uuid = state.last_uuid
        c.slug_on = state.slug is not None
        c.turns = 1
        while c.left() > 0:
            c.turn(False)
    return c.count


_PROJECT_NAMES: Final = (
    "/home/dev/src/claude-code-tracer",
    "/home/dev/work/my_app",
    "/home/dev/work/api.server",
    "/home/dev/Projects/Übung 1",
    "/home/dev/.worktrees/feature-x",
    "/home/dev/code/web-frontend",
    "/Users/chip/dev/ai-music",
    "/home/dev/src/data pipeline",
    "/srv/repos/infra_terraform",
    "/home/dev/src/日本語-notes",
)


def _project_cwds(r: random.Random, n: int) -> list[str]:
    out: list[str] = []
    used: dict[str, None] = {}
    i = 0
    while len(out) < n:
        if i < len(_PROJECT_NAMES):
            base = _PROJECT_NAMES[i]
        else:
            group = r.choice(("src", "work", "code"))
            base = f"/home/dev/{group}/{r.choice(_NOUNS)}-{r.choice(_VERBS)}-{i}"
        i += 1
        enc = encode_cwd(base)
        if enc in used:
            continue
        used[enc] = None
        out.append(base)
    return out


def generate_archive(
    root: Path,
    *,
    sessions: int,
    messages_per_session: int | tuple[int, int] = (20, 400),
    projects: int = 20,
    seed: int = 0,
) -> list[GeneratedSession]:
    """Write a ``projects/<encoded-cwd>/<sid>.jsonl`` tree like ``~/.claude`` has.

    Project sizes are skewed (a few busy projects, a long tail) and some sessions spawn
    subagents; file mtimes are set to each session's last timestamp so mtime-based discovery
    sees a believable history.
    """
    root = Path(root)
    r = random.Random(f"archive:{seed}")
    cwds = _project_cwds(r, max(1, projects))
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(cwds))]
    base_ms = _to_ms(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    out: list[GeneratedSession] = []
    for i in range(sessions):
        cwd = cwds[i] if i < len(cwds) else r.choices(cwds, weights=weights)[0]
        if isinstance(messages_per_session, int):
            n = messages_per_session
        else:
            lo, hi = messages_per_session
            n = r.randint(min(lo, hi), max(lo, hi))
        start_ms = base_ms + r.randint(0, 45 * 24 * 3600 * 1000)
        sub = r.choice((1, 2)) if r.random() < 0.08 else 0
        directory = root / "projects" / encode_cwd(cwd)
        gs = generate_session(
            directory,
            messages=n,
            seed=r.getrandbits(48),
            cwd=cwd,
            start=datetime.fromtimestamp(start_ms / 1000, tz=UTC),
            subagents=sub,
            progress_ratio=r.uniform(0.15, 0.6),
        )
        if gs.last_timestamp:
            mtime_ns = _parse_iso_ms(gs.last_timestamp) * 1_000_000
            for p in (gs.path, *gs.subagent_paths):
                os.utime(p, ns=(mtime_ns, mtime_ns))
        out.append(gs)
    return out


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _range_arg(text: str) -> int | tuple[int, int]:
    if "-" in text:
        lo, hi = text.split("-", 1)
        return int(lo), int(hi)
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m claude_code_tracer.synthetic",
        description="Generate seeded synthetic Claude Code transcripts.",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("session", help="write one session transcript")
    s.add_argument("out", type=Path, help="a .jsonl file or a directory")
    s.add_argument("--messages", type=int, default=1000)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--session-id")
    s.add_argument("--cwd", default="/home/dev/project")
    s.add_argument("--subagents", type=int, default=0)
    s.add_argument("--malformed", type=int, default=0)
    s.add_argument("--big-results", type=int, default=0)
    s.add_argument("--big-result-bytes", type=int, default=1_000_000)
    s.add_argument("--progress-ratio", type=float, default=0.3)

    a = sub.add_parser("archive", help="write a projects/ tree of many sessions")
    a.add_argument("root", type=Path)
    a.add_argument("--sessions", type=int, default=100)
    a.add_argument(
        "--messages",
        "--messages-per-session",
        dest="messages",
        type=_range_arg,
        default=(20, 400),
        help="N or LO-HI messages per session",
    )
    a.add_argument("--projects", type=int, default=20)
    a.add_argument("--seed", type=int, default=0)

    p = sub.add_parser("append", help="append live lines to an existing session")
    p.add_argument("path", type=Path)
    p.add_argument("--lines", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)

    ns = parser.parse_args(argv)
    t0 = time.perf_counter()
    if ns.cmd == "session":
        gs = generate_session(
            ns.out,
            messages=ns.messages,
            seed=ns.seed,
            session_id=ns.session_id,
            cwd=ns.cwd,
            subagents=ns.subagents,
            malformed=ns.malformed,
            big_results=ns.big_results,
            big_result_bytes=ns.big_result_bytes,
            progress_ratio=ns.progress_ratio,
        )
        report: Json = {
            "path": str(gs.path),
            "session_id": gs.session_id,
            "message_lines": gs.message_lines,
            "malformed_lines": gs.malformed_lines,
            "subagents": len(gs.subagent_ids),
            "tool_uses": gs.tool_use_count,
            "errors": gs.error_count,
            "bytes": gs.bytes,
        }
    elif ns.cmd == "archive":
        out = generate_archive(
            ns.root,
            sessions=ns.sessions,
            messages_per_session=ns.messages,
            projects=ns.projects,
            seed=ns.seed,
        )
        report = {
            "root": str(ns.root),
            "sessions": len(out),
            "message_lines": sum(g.message_lines for g in out),
            "subagents": sum(len(g.subagent_ids) for g in out),
            "bytes": sum(g.bytes for g in out),
        }
    else:
        report = {"path": str(ns.path), "appended": append_lines(ns.path, ns.lines, seed=ns.seed)}
    report["seconds"] = round(time.perf_counter() - t0, 3)
    sys.stdout.write(orjson.dumps(report).decode() + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
