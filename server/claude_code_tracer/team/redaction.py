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


def redact_jsonl(data: bytes) -> tuple[bytes, dict[str, int]]:
    """Complete JSONL lines with every secret masked, and how many of each kind were."""
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    counts: Counter[str] = Counter()
    out = [redact_line(line, counts) if line else line for line in lines]
    if not counts:
        return data, {}
    return "\n".join(out).encode(), dict(counts)
