"""Masking secrets in transcript bytes before they leave the machine.

The rule set is the export's (``sessionexport.redact``); this module applies it to JSONL without
breaking a line. Each line is masked on its raw text (a pattern may span JSON structure, like
``"password": "x"``) and, when its text holds JSON escapes, also on its decoded strings (a secret
written inside an escaped string, like ``{\\"password\\": \\"x\\"}`` in a tool's input, only
matches once unescaped). A line that is no longer JSON after masking is masked string by string
instead, so every line that was JSON stays JSON. Lines are never joined or split: a pattern that
spans lines (a private key block) is matched within a line only.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from typing import Any

import orjson

from ..sessionexport import redact


def _walk(value: Any, counts: Counter[str]) -> Any:
    if isinstance(value, str):
        text, c = redact(value)
        counts.update(c)
        return text
    if isinstance(value, list):
        return [_walk(v, counts) for v in value]
    if isinstance(value, dict):
        return {_walk(k, counts): _walk(v, counts) for k, v in value.items()}
    return value


def _loads(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return _INVALID


_INVALID = object()
_NEWLINE = re.compile(b"\n")


def _unescaped_view(line: str) -> str:
    """A cheap approximation of the line's decoded strings, only to ask whether decoding would
    reveal a secret the raw text hides (then the line is decoded for real)."""
    return line.replace('\\"', '"').replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")


def redact_line(line: str, counts: Counter[str]) -> str:
    """One JSONL line (without its newline) with its secrets masked; counts updated."""
    masked, c = redact(line)
    found = sum(c.values())
    deep = False
    if "\\" in line:
        _, c2 = redact(_unescaped_view(line))
        deep = sum(c2.values()) > found
    if not found and not deep:
        return line
    if not deep:
        if _loads(masked) is not _INVALID or _loads(line) is _INVALID:
            counts.update(c)
            return masked
    # decode, mask every string (after the raw pass, which caught what spans structure)
    obj = _loads(masked)
    if obj is _INVALID:
        obj = _loads(line)
        if obj is _INVALID:  # not JSON at all: the raw pass is all there is
            counts.update(c)
            return masked
        c = Counter()
    else:
        counts.update(c)
    return orjson.dumps(_walk(obj, counts)).decode()


def _hints() -> tuple[str, ...] | None:
    """The lower-case strings one of which a text must hold for any rule to apply: every rule's
    keywords (``redaction.Rule.keywords``), when each rule declares some; else None."""
    from ..redaction import rules

    hints: set[str] = set()
    for rule in rules():
        if not rule.keywords:
            return None
        hints.update(str(h).lower() for h in rule.keywords)
    return tuple(sorted(hints)) or None


def _hinted_lines(data: bytes) -> set[int] | None:
    """The numbers of the lines holding a hint (see ``_hints``): the only ones ``redact`` could
    change. Found on the bytes (ASCII lower-casing, a few C-speed scans of the chunk), where
    asking ``redact`` line by line costs a Unicode lower-casing and a dozen scans per line.
    None: every line is asked (no hints declared, or a Kelvin sign, the one non-ASCII letter
    whose lower case is an ASCII hint letter)."""
    hints = _hints()
    if hints is None or b"\xe2\x84\xaa" in data:
        return None
    low = data.lower()
    starts: list[int] = []
    # a hint holding another is found by it: scan for the shortest only
    hints = tuple(h for h in hints if not any(o != h and o in h for o in hints))
    for h in hints:
        hb = h.encode()
        at = low.find(hb)
        while at >= 0:
            starts.append(at)
            at = low.find(hb, at + 1)
    if not starts:
        return set()
    newlines = [m.start() for m in _NEWLINE.finditer(data)]
    return {bisect.bisect_left(newlines, at) for at in starts}


def redact_jsonl(data: bytes) -> tuple[bytes, dict[str, int]]:
    """Complete JSONL lines with every secret masked, and how many of each kind were."""
    hinted = _hinted_lines(data)
    if hinted is not None and not hinted:
        return data, {}
    lines = data.split(b"\n")
    counts: Counter[str] = Counter()
    for i in range(len(lines)) if hinted is None else sorted(hinted):
        if i < len(lines) and lines[i]:
            line = lines[i].decode("utf-8", errors="replace")
            masked = redact_line(line, counts)
            if masked is not line:
                lines[i] = masked.encode()
    if not counts:
        return data, {}
    return b"\n".join(lines), dict(counts)
