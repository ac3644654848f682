"""What lenses and hovers say: relative times, the open-trace command and the hover's markdown.

Transcript text is untrusted: a title or tool is escaped character by character (no link, HTML,
emphasis or autolink can form); a prompt goes in a fence longer than any backtick run in it.
"""

from __future__ import annotations

import json
import re
import string
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from ..models import FileTouch
from ..termsafe import clean

# The client-side command code lenses and hover links run (the extension implements it).
OPEN_TRACE_COMMAND = "claudeCodeTracer.openTrace"
# How much of the prompt a hover quotes.
HOVER_PROMPT_CHARS = 800
HOVER_PROMPT_LINES = 12
HOVER_TITLE_CHARS = 120

_MD_SPECIAL = re.compile("([" + re.escape(string.punctuation) + "])")
_BLANKS = re.compile(r"\s+")


def trace_args(touch: FileTouch) -> dict[str, str]:
    """The argument of ``claudeCodeTracer.openTrace``: the message holding the tool call."""
    return {
        "sessionId": touch.session_id,
        "project": touch.project,
        "uuid": touch.uuid,
        "toolUseId": touch.tool_use_id,
    }


def _utc(when: datetime) -> datetime:
    # The catalog stores naive UTC timestamps.
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def ago(when: datetime, now: datetime) -> str:
    """``5 min ago``, ``2 h ago``, ``3 d ago``...; a time in the future (clock skew) is now."""
    seconds = (now - _utc(when)).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size, limit in (
        ("min", 60, 60),
        ("h", 3600, 48),
        ("d", 86400, 60),
        ("mo", 30 * 86400, 24),
    ):
        if seconds < size * limit:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds // (365 * 86400))} y ago"


def md_text(text: str) -> str:
    """Untrusted text as one line of literal markdown: every ASCII punctuation is escaped (no
    link, image, HTML, autolink or emphasis can form), whitespace runs become one space."""
    return _MD_SPECIAL.sub(r"\\\1", _BLANKS.sub(" ", text).strip())


def md_code_block(text: str) -> str:
    """Untrusted text as a fenced code block: the fence is longer than any backtick run in it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def _clip(text: str, chars: int, lines: int | None = None) -> str:
    clipped = text.strip()
    if lines is not None:
        parts = clipped.splitlines()
        if len(parts) > lines:
            clipped = "\n".join(parts[:lines]) + "\n…"
    if len(clipped) > chars:
        clipped = clipped[: chars - 1].rstrip() + "…"
    return clipped


def command_uri(command: str, args: list[Any]) -> str:
    return f"command:{command}?{quote(json.dumps(args), safe='')}"


def render_hover(touch: FileTouch, now: datetime, markdown: bool) -> str:
    """The hover of a written line: session, when, tool, the prompt, a link to the trace."""
    # bidi overrides (U+202E), controls and separators as visible escapes: a hover must show
    # the text as written, not reordered ("Trojan Source"), in markdown and plain text alike
    title = clean(_clip(touch.session_title or f"session {touch.session_id}", HOVER_TITLE_CHARS))
    if touch.timestamp is not None:
        when = f"{_utc(touch.timestamp):%Y-%m-%d %H:%M} UTC ({ago(touch.timestamp, now)})"
    else:
        when = "at an unknown time"
    prompt = clean(_clip(touch.prompt or "", HOVER_PROMPT_CHARS, HOVER_PROMPT_LINES))
    by = f" by {_BLANKS.sub(' ', clean(touch.author))}" if touch.author else ""
    if not markdown:
        tool = clean(touch.tool)
        out = [f"Claude Code wrote this ({tool}) in: {_BLANKS.sub(' ', title)}{by}", when]
        if prompt:
            out += ["", "Prompt:", prompt]
        return "\n".join(out)
    link = command_uri(OPEN_TRACE_COMMAND, [trace_args(touch)])
    out = [
        f"**Claude Code** wrote this ({md_text(clean(touch.tool))}) in *{md_text(title)}*"
        + (f" by {md_text(clean(touch.author))}" if touch.author else ""),
        "",
        when,  # made here: digits, '-', ':', '(', ')' and words
    ]
    if prompt:
        out += ["", "Prompt:", "", md_code_block(prompt)]
    out += ["", f'[Open trace]({link} "Open the session at this tool call")']
    return "\n".join(out)
