"""One session exported to Markdown or to one self-contained HTML file, secrets optionally masked.

Both formats are rendered from the same list of ``Entry``/``Part`` values so that they carry the
same text: a reader of the HTML sees what a reader of the Markdown sees. The HTML is meant to be
mailed or attached to a ticket and opened anywhere, so it holds no script at all (no ``<script>``,
no event attributes, no ``javascript:`` URL), only inline CSS, and every piece of transcript text
goes through ``html.escape``. Prompts and answers are rendered as markdown by markdown-it-py with
the webview's rules: raw HTML off (a ``<script>`` in a prompt stays text), images off (nothing is
loaded from the network), and links kept only when they are http(s) or mailto (``javascript:``,
``data:``, ``file:`` and the rest stay text). Tool calls keep their per-tool rendering (``$ cmd``,
a diff, the file written), thinking is folded, and hook and progress lines are left out unless
``include_progress`` asks for them: they are harness noise to a reader of the conversation.

Transcript text may hold terminal escapes and bidi controls; both formats write them as visible
escapes (``termsafe.clean``) so neither a terminal showing the Markdown nor a browser showing the
HTML acts on them. ``redact`` (``redaction.py``) masks secrets after that, with a count per kind.
"""

from __future__ import annotations

import base64
import binascii
import difflib
import html
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from markdown_it import MarkdownIt

from .models import (
    Kind,
    MessageSummary,
    SessionExport,
    SessionExportParams,
    SessionRef,
    SessionsListParams,
)
from .redaction import redact
from .termsafe import clean
from .tracer import Tracer


# --- secrets --------------------------------------------------------------------------------------
@dataclass
class Redactor:
    """Masks secrets in every string handed to it (when enabled) and counts them by kind; the
    rules are ``redaction.py``'s, shared with every other face."""

    enabled: bool
    counts: Counter[str] = field(default_factory=Counter)

    def __call__(self, text: str) -> str:
        if not self.enabled or not text:
            return text
        masked, counts = redact(text)
        self.counts.update(counts)
        return masked


# --- the format-neutral document ------------------------------------------------------------------
PartKind = Literal["text", "code", "thinking", "image", "note"]
# Images a browser shows from a data: URI without running anything (no SVG: it can hold script).
IMAGE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


@dataclass
class Part:
    kind: PartKind
    text: str = ""
    label: str = ""
    lang: str = ""
    media_type: str = ""
    data: str = ""


@dataclass
class Entry:
    heading: str
    subagent: str | None
    error: bool
    css: str
    parts: list[Part]


@dataclass
class Document:
    title: str
    facts: list[str]
    entries: list[Entry]


_HEADINGS = {
    Kind.USER: "User",
    Kind.ASSISTANT: "Assistant",
    Kind.TOOL_RESULT: "Tool result",
    Kind.SYSTEM: "System",
    Kind.PROGRESS: "Progress",
    Kind.ATTACHMENT: "Attachment",
    Kind.UNKNOWN: "Entry",
}


class _Builder:
    """Turns content blocks into parts, every string cleaned and (maybe) redacted on the way."""

    def __init__(self, redactor: Redactor) -> None:
        self.redactor = redactor
        self.tool_names: dict[str, str] = {}

    def s(self, value: Any) -> str:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=2)
        return self.redactor(clean(text))

    def parts(self, msg: MessageSummary) -> list[Part]:
        out: list[Part] = []
        for block in msg.content or []:
            out.extend(self.block(block))
        return out

    def block(self, block: Any) -> Iterator[Part]:
        if not isinstance(block, dict):
            yield Part("text", self.s(block))
            return
        btype = block.get("type")
        if btype == "text":
            yield Part("text", self.s(block.get("text", "")))
        elif btype == "thinking":
            yield Part("thinking", self.s(block.get("thinking", "")))
        elif btype == "redacted_thinking":
            yield Part("note", "thinking (redacted by the API)")
        elif btype == "tool_use":
            yield self.tool_use(block)
        elif btype == "tool_result":
            yield from self.tool_result(block)
        elif btype == "image":
            yield self.image(block)
        elif btype == "saved_output":  # a tool output Claude Code saved outside the transcript
            label = f"saved output {self.s(block.get('file', ''))}"
            if block.get("missing"):
                yield Part("note", self.s(block.get("text", "")))
            else:
                yield Part("code", self.s(block.get("text", "")), label=label, lang="")
        else:
            label = self.s(str(btype or "entry"))
            yield Part("code", self.s(block), label=label, lang="json")

    def tool_use(self, block: dict[str, Any]) -> Part:
        name = str(block.get("name") or "tool")
        if isinstance(block.get("id"), str):
            self.tool_names[block["id"]] = name
        raw = block.get("input")
        inp: dict[str, Any] = raw if isinstance(raw, dict) else {}
        label = self.s(name)
        path = inp.get("file_path") or inp.get("notebook_path") or inp.get("path")
        if name == "Bash" and isinstance(inp.get("command"), str):
            desc = inp.get("description")
            if isinstance(desc, str) and desc:
                label += f": {self.s(desc)}"
            return Part("code", "$ " + self.s(inp["command"]), label=label, lang="sh")
        if name in ("Edit", "MultiEdit") and isinstance(path, str):
            edits = inp.get("edits") if name == "MultiEdit" else [inp]
            diff = []
            for edit in edits if isinstance(edits, list) else []:
                if isinstance(edit, dict):
                    diff.append(_diff(path, edit.get("old_string"), edit.get("new_string")))
            return Part(
                "code", self.s("\n".join(diff)), label=f"{label} {self.s(path)}", lang="diff"
            )
        if name == "Write" and isinstance(path, str) and isinstance(inp.get("content"), str):
            return Part("code", self.s(inp["content"]), label=f"{label} {self.s(path)}")
        if name == "Read" and isinstance(path, str):
            where = path
            if isinstance(inp.get("offset"), int) or isinstance(inp.get("limit"), int):
                start = inp.get("offset") or 1
                where += f":{start}" + (
                    f"+{inp['limit']}" if isinstance(inp.get("limit"), int) else ""
                )
            return Part("note", f"{label} {self.s(where)}")
        return Part("code", self.s(inp if inp or raw is None else raw), label=label, lang="json")

    def tool_result(self, block: dict[str, Any]) -> Iterator[Part]:
        tid = block.get("tool_use_id")
        name = self.tool_names.get(tid, "tool") if isinstance(tid, str) else "tool"
        label = f"{self.s(name)} result" + (" (error)" if block.get("is_error") else "")
        content = block.get("content")
        if isinstance(content, str) or content is None:
            yield Part("code", self.s(content or ""), label=label)
            return
        if not isinstance(content, list):
            yield Part("code", self.s(content), label=label, lang="json")
            return
        texts = [
            c.get("text", "") for c in content if isinstance(c, dict) and c.get("type") == "text"
        ]
        yield Part("code", self.s("\n".join(t for t in texts if isinstance(t, str))), label=label)
        for c in content:
            if isinstance(c, dict) and c.get("type") == "image":
                yield self.image(c)

    def image(self, block: dict[str, Any]) -> Part:
        src = block.get("source")
        if isinstance(src, dict) and src.get("type") == "base64":
            media, data = src.get("media_type"), src.get("data")
            if media in IMAGE_TYPES and isinstance(data, str):
                try:
                    size = len(base64.b64decode(data, validate=True))
                except (binascii.Error, ValueError):
                    size = -1
                if size >= 0:
                    return Part("image", f"{media}, {size:,} bytes", media_type=media, data=data)
        return Part("note", "image (not embedded: not a base64 PNG, JPEG, GIF or WebP)")


def _diff(path: str, old: Any, new: Any) -> str:
    a = old.splitlines(keepends=False) if isinstance(old, str) else []
    b = new.splitlines(keepends=False) if isinstance(new, str) else []
    return "\n".join(difflib.unified_diff(a, b, path, path, lineterm=""))


def _messages(tracer: Tracer, params: SessionExportParams) -> Iterator[MessageSummary]:
    ref = SessionRef(session_id=params.session_id, project=params.project)
    return tracer.all_messages(ref, expand=True)


def is_progress_noise(msg: MessageSummary) -> bool:
    """Hook and progress lines: what the harness logged around the conversation (hook runs,
    streaming progress of tools and subagents), not what was said or done."""
    if msg.kind == Kind.PROGRESS:
        return True
    return msg.kind in (Kind.SYSTEM, Kind.ATTACHMENT) and "hook" in (msg.subtype or "").lower()


def _session_facts(tracer: Tracer, params: SessionExportParams) -> tuple[str | None, str | None]:
    """The session's title (as the sessions tree shows it) and its folder, from the catalog."""
    page = tracer.list_sessions(
        SessionsListParams(query=params.session_id, project=params.project, limit=5)
    )
    for info in page.sessions:
        if info.session_id == params.session_id:
            return info.title or info.first_prompt, info.cwd
    return None, None


def build_document(tracer: Tracer, params: SessionExportParams, redactor: Redactor) -> Document:
    b = _Builder(redactor)
    entries: list[Entry] = []
    left_out = 0
    for msg in _messages(tracer, params):
        if not params.include_progress and is_progress_noise(msg):
            left_out += 1
            continue
        when = msg.timestamp.strftime("%Y-%m-%d %H:%M:%S UTC") if msg.timestamp else "no time"
        heading = f"{_HEADINGS[msg.kind]} · {when}"
        if msg.model and msg.kind == Kind.ASSISTANT:
            heading += f" · {b.s(msg.model)}"
            if msg.effort:
                heading += f" (effort {b.s(msg.effort)})"
        sub = b.s(msg.agent_id) if msg.agent_id else ("sidechain" if msg.is_sidechain else None)
        entries.append(
            Entry(
                heading, sub, msg.is_error, msg.kind.value, b.parts(msg) or [Part("note", "empty")]
            )
        )
    title, cwd = _session_facts(tracer, params)
    # The title repeats the first prompt: masked like it, but its secrets are counted once.
    quiet = _Builder(Redactor(redactor.enabled))
    facts = []
    if cwd:
        facts.append(f"Folder: {quiet.s(cwd)}")
    facts.append(f"Session: {params.session_id}")
    if params.project:
        facts.append(f"Project: {params.project}")
    facts.append(f"Messages: {len(entries)}")
    if left_out:
        facts.append(f"Hook and progress lines left out: {left_out}")
    flat = " ".join(quiet.s(title).split()) if title else ""
    heading = flat[:117] + "…" if len(flat) > 120 else flat
    heading = heading or f"Claude Code session {params.session_id}"
    return Document(heading, facts, entries)


# --- Markdown -------------------------------------------------------------------------------------
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)[^`]*?\1")


# A link whose destination runs script or smuggles content: javascript:, vbscript:, data:, file:
_BAD_SCHEME = r"\s*<?\s*(?i:javascript|vbscript|data|file)\s*:"
_BAD_INLINE_LINK = re.compile(r"\]\((?=" + _BAD_SCHEME + ")")
_BAD_REFERENCE = re.compile(r"^( {0,3})\[(?=[^\]]*\]:" + _BAD_SCHEME + ")")


def _inert_prose(piece: str) -> str:
    piece = piece.replace("<", "\\<")
    # ``[x](javascript:…)`` and ``[x]: javascript:…`` stay text: the link syntax is escaped
    piece = _BAD_INLINE_LINK.sub("]\\\\(", piece)
    return _BAD_REFERENCE.sub(r"\1\\[", piece)


def _inert_markdown(text: str) -> str:
    """Prose as the author wrote it, but a ``<`` outside code is written ``\\<``: a Markdown
    viewer that renders raw HTML shows the tag as text instead of building it; and a link to a
    ``javascript:`` (``vbscript:``, ``data:``, ``file:``) destination is not a link."""
    lines, fence = [], ""
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if m and (not fence or m.group(1).startswith(fence)):
            fence = "" if fence else m.group(1)[:3]
            lines.append(line)
        elif fence:
            lines.append(line)
        else:
            pieces, at = [], 0
            for span in _CODE_SPAN.finditer(line):
                pieces.append(_inert_prose(line[at : span.start()]))
                pieces.append(span.group(0))
                at = span.end()
            pieces.append(_inert_prose(line[at:]))
            lines.append("".join(pieces))
    return "\n".join(lines)


def _fence_for(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _quote(text: str) -> str:
    return "\n".join(("> " + line).rstrip() for line in text.split("\n"))


def to_markdown(doc: Document, redactions: dict[str, int]) -> str:
    md = _inert_markdown
    out = [f"# {md(doc.title)}", ""]
    out += [f"- {md(fact)}" for fact in doc.facts]
    if redactions:
        out.append(f"- Redacted: {_redaction_summary(redactions)}")
    for e in doc.entries:
        out += ["", "---", "", f"### {md(e.heading)}" + (" (error)" if e.error else "")]
        if e.subagent:
            out.append(f"*subagent: {md(e.subagent)}*")
        for p in e.parts:
            out.append("")
            if p.kind == "text":
                out.append(md(p.text))
            elif p.kind == "thinking":
                out += ["> *Thinking*", ">", _quote(md(p.text))]
            elif p.kind == "note":
                out.append(f"*{md(p.text)}*")
            elif p.kind == "image":
                out.append(f"*(image omitted: {p.text})*")
            else:
                if p.label:
                    out += [f"**{md(p.label)}**", ""]
                fence = _fence_for(p.text)
                out += [fence + p.lang, p.text, fence]
    return "\n".join(out) + "\n"


# --- HTML -----------------------------------------------------------------------------------------
_CSS = """
body{font:14px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
color:#1f2328;background:#fff}
@media (prefers-color-scheme:dark){body{color:#e6edf3;background:#0d1117}
pre,.tool{background:#161b22!important}section{border-color:#30363d!important}}
h1{font-size:1.4rem}section{border-top:1px solid #d0d7de;padding:.5rem 0}
section.subagent{margin-left:1.5rem;padding-left:.75rem;border-left:3px solid #8250df}
h3{font-size:.9rem;margin:.25rem 0;color:#656d76}.error h3{color:#cf222e}
.sub{font-size:.8rem;color:#8250df;margin:0}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:.5rem 0}
.tool{background:#f6f8fa;border-radius:6px;padding:.25rem .5rem;margin:.5rem 0}
.label{font-weight:600;font-size:.85rem}
pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:.25rem 0;font-size:12px}
.add{color:#1a7f37}.del{color:#cf222e}.hunk{color:#8250df}
.note{font-style:italic;color:#656d76}details{margin:.5rem 0;color:#656d76}
img{max-width:100%}figcaption{font-size:.8rem;color:#656d76}
.md{overflow-wrap:anywhere;margin:.5rem 0}
.md>:first-child{margin-top:0}.md>:last-child{margin-bottom:0}
.md pre{background:#f6f8fa;padding:.5rem;border-radius:6px}.md code{font-size:12px}
.md h4{font-size:1.2rem;margin:.75rem 0 .4rem}.md h5{font-size:1.08rem;margin:.6rem 0 .3rem}
.md h6{font-size:1rem;margin:.5rem 0 .25rem}
.md table{border-collapse:collapse}.md th,.md td{border:1px solid #d0d7de;padding:.2rem .5rem}
.md blockquote{margin:.5rem 0;padding-left:.75rem;border-left:3px solid #d0d7de;color:#656d76}
"""

# The webview's rules (src/webview/render/markdown.ts): CommonMark with tables and strikethrough,
# raw HTML off, images off; links vetted by ``_safe_link``. The renderer escapes every text node.
_MD = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).disable("image")
_SAFE_LINK = re.compile(r"^(?:https?:|mailto:|#)", re.IGNORECASE)


def _safe_link(url: str) -> bool:
    """Only links a reader can follow without running anything: http(s), mailto, anchors.
    ``javascript:``, ``data:``, ``file:``, ``vscode:`` and relative paths stay text."""
    return bool(_SAFE_LINK.match(url.strip()))


_MD.validateLink = _safe_link  # type: ignore[method-assign]


def render_markdown(text: str) -> str:
    """Transcript prose as HTML: markdown rendered, raw HTML shown as text, unsafe links dropped.
    Its headings go three levels down (``#`` is an ``<h4>``): the page's ``<h1>`` is the session's
    title and each message is under an ``<h3>``."""
    tokens = _MD.parse(text)
    for t in tokens:
        if t.type in ("heading_open", "heading_close"):
            t.tag = f"h{min(6, int(t.tag[1:]) + 3)}"
    return _MD.renderer.render(tokens, _MD.options, {})


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _diff_html(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        cls = ""
        if line.startswith(("+++", "---")):
            cls = "hunk"
        elif line.startswith("+"):
            cls = "add"
        elif line.startswith("-"):
            cls = "del"
        elif line.startswith("@@"):
            cls = "hunk"
        lines.append(f'<span class="{cls}">{_e(line)}</span>' if cls else _e(line))
    return "\n".join(lines)


def to_html(doc: Document, redactions: dict[str, int]) -> str:
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        # No script may run even if a later edit let one in; images only from data: URIs.
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(doc.title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(doc.title)}</h1><ul>",
    ]
    out += [f"<li>{_e(fact)}</li>" for fact in doc.facts]
    if redactions:
        out.append(f"<li>Redacted: {_e(_redaction_summary(redactions))}</li>")
    out.append("</ul>")
    for e in doc.entries:
        classes = " ".join(
            c for c in (e.css, "subagent" if e.subagent else "", "error" if e.error else "") if c
        )
        out.append(f'<section class="{_e(classes)}">')
        out.append(f"<h3>{_e(e.heading)}{' (error)' if e.error else ''}</h3>")
        if e.subagent:
            out.append(f'<p class="sub">subagent: {_e(e.subagent)}</p>')
        for p in e.parts:
            if p.kind == "text":
                out.append(f'<div class="md">{render_markdown(p.text)}</div>')
            elif p.kind == "thinking":
                out.append(
                    f'<details><summary>Thinking</summary><div class="md">'
                    f"{render_markdown(p.text)}</div></details>"
                )
            elif p.kind == "note":
                out.append(f'<p class="note">{_e(p.text)}</p>')
            elif p.kind == "image":
                # media_type is one of IMAGE_TYPES and data decoded as strict base64 (builder)
                out.append(
                    f'<figure><img alt="image" src="data:{_e(p.media_type)};base64,{_e(p.data)}">'
                    f"<figcaption>{_e(p.text)}</figcaption></figure>"
                )
            else:
                body = _diff_html(p.text) if p.lang == "diff" else _e(p.text)
                label = f'<div class="label">{_e(p.label)}</div>' if p.label else ""
                out.append(f'<div class="tool">{label}<pre>{body}</pre></div>')
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _redaction_summary(redactions: dict[str, int]) -> str:
    total = sum(redactions.values())
    return (
        f"{total} secrets masked ("
        + ", ".join(f"{kind} {n}" for kind, n in sorted(redactions.items()))
        + ")"
    )


def export_session(tracer: Tracer, params: SessionExportParams) -> SessionExport:
    """The whole session (subagents' messages included, marked) in the format asked for."""
    redactor = Redactor(params.redact)
    doc = build_document(tracer, params, redactor)
    redactions = dict(redactor.counts)
    render = to_html if params.format == "html" else to_markdown
    return SessionExport(content=render(doc, redactions), redactions=redactions)


__all__ = [
    "Redactor",
    "export_session",
    "is_progress_noise",
    "redact",
    "render_markdown",
    "to_html",
    "to_markdown",
]
