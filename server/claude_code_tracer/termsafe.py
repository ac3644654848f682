"""Transcript text on a terminal: made visible, never interpreted.

A transcript is untrusted: a line can hold ESC sequences (colours, cursor moves, OSC 8 links,
window titles, clipboard writes through OSC 52), BEL, NUL, the 8-bit CSI (U+009B), line and
paragraph separators (U+2028/2029), and bidi controls that reorder what is shown (U+202A-202E,
U+2066-2069, U+200E/200F, U+061C: "Trojan Source"). Every byte the CLI writes to a terminal goes
through ``clean`` (text) or ``json_text`` (``--json``), in this one place, so no command and no
error line can forget it. Newlines and tabs are kept: they are the layout.
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

# C0 but \t and \n, DEL, C1, the separators and the bidi controls.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
# What json.dumps(ensure_ascii=False) leaves raw that a terminal or a JSON-in-JS consumer may
# still act on (json.dumps already escapes C0).
_UNSAFE_IN_JSON = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def clean(text: str) -> str:
    """``text`` with every control and bidi character replaced by a visible escape."""
    return _UNSAFE.sub(_visible, text)


def json_text(value: Any, **kwargs: Any) -> str:
    """JSON of ``value`` (readable UTF-8) with the characters a terminal may act on written as
    ``\\uXXXX`` escapes: the same JSON value, safe to print."""
    return _UNSAFE_IN_JSON.sub(_json_escape, json.dumps(value, ensure_ascii=False, **kwargs))


class CleanFormatter(logging.Formatter):
    """Log lines that quote file names or transcript text, made safe for a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return clean(super().format(record))


__all__ = ["CleanFormatter", "clean", "json_text"]
