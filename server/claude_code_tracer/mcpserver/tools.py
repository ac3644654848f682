"""The seven tools: each validates its arguments (params.py), calls one ``Tracer`` method, and
returns its answer twice, as structured content (the core's models seen through results.py's
views) and as readable text, both cut to ``maxChars`` and saying where to continue. Transcript
strings go through ``render.Quoter``; ``Answer`` is the one shape every tool fills: a header
line or two, then items that each go in whole (both renderings within the bound) or end the
result as cut."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import InvalidRequest, TracerError
from ..models import (
    BlameParams,
    MessageDetail,
    MessageGetParams,
    MessageSummary,
    Model,
    SearchParams,
    SessionRef,
    SessionsListParams,
    UsageParams,
)
from ..tracer import ProgressFn, Tracer
from . import params as p
from . import results as r
from .render import Budget, Quoter, json_len

# Caps on single strings: a title, a prompt shown by blame, a search snippet.
TITLE_CHARS = 200
PROMPT_CHARS = 1_500
SNIPPET_CHARS = 600
PATH_CHARS = 600
# The prose of the core's models, and its caps, by view.
SESSION_TEXT = {"title": TITLE_CHARS, "first_prompt": PROMPT_CHARS // 3, "cwd": PATH_CHARS,
                "git_branch": TITLE_CHARS, "tag": TITLE_CHARS}  # fmt: skip
TOUCH_TEXT = {"prompt": PROMPT_CHARS, "session_title": TITLE_CHARS}
SUBAGENT_TEXT = {"description": TITLE_CHARS, "agent_type": TITLE_CHARS}


@dataclass
class ToolContext:
    """What a tool may use besides the tracer: the server's workspace and the progress hook."""

    workspace: str | None = None
    progress: ProgressFn | None = None
    rendered: RenderedCache = field(default_factory=lambda: RenderedCache())


class RenderedCache:
    """get_message renders and masks a message once; its next slices (offset) reuse it."""

    def __init__(self, entries: int = 8) -> None:
        self._data: OrderedDict[tuple[Any, ...], tuple[str, dict[str, int]]] = OrderedDict()
        self._lock = threading.Lock()
        self._entries = entries

    def get(self, key: tuple[Any, ...]) -> tuple[str, dict[str, int]] | None:
        with self._lock:
            hit = self._data.get(key)
            if hit is not None:
                self._data.move_to_end(key)
            return hit

    def put(self, key: tuple[Any, ...], value: tuple[str, dict[str, int]]) -> None:
        with self._lock:
            self._data[key] = value
            while len(self._data) > self._entries:
                self._data.popitem(last=False)


def _when(ts: datetime | None) -> str:
    return ts.strftime("%Y-%m-%d %H:%M:%S UTC") if ts else "unknown time"


def _citation(session_id: str, uuid: str | None) -> str | None:
    return f"{session_id}#{uuid}" if uuid else None


class Answer:
    """One result being filled: its quoter (one nonce, one count of secrets), its budget, and
    its text lines."""

    def __init__(self, a: p.ToolParams, reserve: int = 800) -> None:
        self.q = Quoter(a.redact)
        self.budget = Budget(a.max_chars, reserve)
        self.lines: list[str] = []

    def add(self, result: r.Bounded, into: list[Any], item: Any, text: str) -> bool:
        """``item`` into ``into`` and ``text`` into the lines, if both fit; otherwise the result
        is cut (``truncated``) and nothing goes in."""
        if not self.budget.take(text, item):
            result.truncated = True
            return False
        into.append(item)
        self.lines.append(text)
        return True

    def finish(self, result: r.Bounded) -> tuple[r.Bounded, str]:
        result.redactions = dict(self.q.counts)
        if result.note:
            self.lines += ["", result.note]
        return result, "\n".join([self.q.header(), "", *self.lines])


# --- search ---------------------------------------------------------------------------------------
def search(tracer: Tracer, a: p.SearchArgs, ctx: ToolContext) -> tuple[r.Bounded, str]:
    page = tracer.search(a.core(SearchParams), ctx.progress)
    ans = Answer(a)
    q = ans.q
    out = r.SearchResult(
        query=a.query, total=page.total, indexing=page.indexing, has_more=page.has_more
    )
    ans.lines.append(f"{page.total} matching message(s) for the query (showing up to {a.limit}).")
    if page.indexing:
        ans.lines.append("The index is still being built: results cover part of the archive.")
    all_hits = [(g, h) for g in page.groups for h in g.hits]
    for group, hit in all_hits:
        item = q.view(
            r.Hit, hit, {"snippet": SNIPPET_CHARS},
            session_id=group.session_id, project=group.project,
            title=q.opt(group.title, TITLE_CHARS), citation=_citation(group.session_id, hit.uuid),
        )  # fmt: skip
        if item.snippet != hit.snippet:  # the ranges hold while masking left the snippet as it was
            item.highlights = []
        tools = f" · {', '.join(item.tool_names)}" if item.tool_names else ""
        text = (
            f"{len(out.hits) + 1}. session {group.session_id} · {hit.kind.value}{tools} · "
            f"{_when(hit.timestamp)} · citation {item.citation}\n"
            + q.block(f"title: {item.title or '-'}\n{item.snippet}")
        )
        if not ans.add(out, out.hits, item, text):
            break
    out.has_more = page.has_more or out.truncated
    if out.has_more:
        out.next_cursor = page.next_cursor
    if out.truncated:
        out.note = (
            f"Cut to maxChars after {len(out.hits)} of {len(all_hits)} hits on this page: ask "
            f"again with a lower limit or a higher maxChars to see the rest."
        )
    elif page.has_more:
        out.note = "More hits: call search again with this nextCursor: " + str(page.next_cursor)
    return ans.finish(out)


# --- list_sessions --------------------------------------------------------------------------------
def _cost(tracer: Tracer, s: Any) -> float | None:
    try:
        return tracer.cost(SessionRef(session_id=s.session_id, project=s.project)).cost_usd
    except TracerError:
        return None  # gone since the listing, and not archived


def list_sessions(tracer: Tracer, a: p.ListSessionsArgs, ctx: ToolContext) -> tuple[r.Bounded, str]:
    page = tracer.list_sessions(a.core(SessionsListParams), ctx.progress)
    ans = Answer(a)
    q = ans.q
    out = r.SessionList(next_cursor=page.next_cursor, has_more=page.has_more)
    ans.lines.append(f"{len(page.sessions)} session(s), newest first.")
    for s in page.sessions:
        readable = a.with_cost and not (s.deleted and not s.archived)
        row = q.view(r.SessionRow, s, SESSION_TEXT, cost_usd=_cost(tracer, s) if readable else None)
        dollars = f" · ${row.cost_usd:.2f}" if row.cost_usd is not None else ""
        gone = " · deleted" + (" (archived)" if s.archived else "") if s.deleted else ""
        if not s.complete:
            gone += " · its archived copy is damaged: only these messages can be read"
        text = (
            f"- {s.session_id} · project {s.project} · {_when(s.last_timestamp)} · "
            f"{s.message_count} messages · {s.tokens.total:,} tokens{dollars}{gone}\n"
            + q.fields(title=row.title, cwd=row.cwd, first_prompt=row.first_prompt)
        )
        if not ans.add(out, out.sessions, row, text):
            break
    if out.truncated:
        out.has_more = True
        out.next_cursor = None
        out.note = (
            f"Cut to maxChars after {len(out.sessions)} sessions: ask again with limit="
            f"{max(1, len(out.sessions))} (then its nextCursor), or a higher maxChars."
        )
    elif page.has_more:
        out.note = "More sessions: call list_sessions again with this nextCursor."
    return ans.finish(out)


# --- read_session ---------------------------------------------------------------------------------
def _block_text(block: Any) -> str:
    """What a content block says, as text (tool calls are taken apart by the caller)."""
    if isinstance(block, str):
        return block
    if not isinstance(block, dict):
        return json.dumps(block, ensure_ascii=False, default=str)
    kind = block.get("type")
    if kind == "text" and isinstance(block.get("text"), str):
        return str(block["text"])
    if kind == "thinking" and isinstance(block.get("thinking"), str):
        return "(thinking) " + str(block["thinking"])
    if kind == "tool_result":
        content = block.get("content")
        if isinstance(content, list):
            return "\n".join(_block_text(b) for b in content)
        return content if isinstance(content, str) else json.dumps(content, default=str)
    if kind == "image":
        return "[image]"
    return json.dumps(block, ensure_ascii=False, default=str)


def message_parts(content: list[Any] | None) -> tuple[str, list[tuple[str | None, str, str]]]:
    """(text, [(tool_use_id, name, input as JSON)]) of a message's content blocks."""
    texts: list[str] = []
    calls: list[tuple[str | None, str, str]] = []
    for block in content or []:
        if isinstance(block, dict) and block.get("type") == "tool_use":
            inp = json.dumps(block.get("input"), ensure_ascii=False, default=str)
            bid = block.get("id")
            calls.append((bid if isinstance(bid, str) else None, str(block.get("name")), inp))
        else:
            texts.append(_block_text(block))
    return "\n".join(t for t in texts if t), calls


def _head(m: MessageSummary | r.Message | r.MessageText, where: str = "") -> str:
    """A message's first line: its kind, uuid and time, and what it says of itself."""
    return (
        f"[{m.kind.value}] {m.uuid}{where} · {_when(m.timestamp)}"
        + (f" · {m.model}" if m.model else "")
        + (" · error" if m.is_error else "")
        + (f" · subagent {m.agent_id}" if m.agent_id else "")
    )


def _message(q: Quoter, sid: str, m: MessageSummary, cap: int) -> tuple[r.Message, str]:
    text, calls = message_parts(m.content)
    if m.content is None:
        text = m.preview
    share = cap // (1 + len(calls)) if calls else cap
    shown, cut = q.s(text, share)
    tool_calls = []
    for bid, name, inp in calls:
        shown_inp, inp_cut = q.s(inp, max(20, share))
        cut = cut or inp_cut
        tool_calls.append(
            r.ToolCall(id=bid, name=q.name(name), input=shown_inp, input_chars=len(inp))
        )
    item = q.view(
        r.Message, m, {},
        text=shown, text_chars=len(text), tool_calls=tool_calls, cut=cut,
        citation=f"{sid}#{m.uuid}",
    )  # fmt: skip
    body = [_head(item)]
    if shown:
        body.append(q.block(shown))
    for call in tool_calls:
        body.append(f"tool call {call.name} ({call.id}):")
        body.append(q.block(call.input, "input"))
    if cut:
        body.append(
            f"(cut: {len(text):,} characters of text"
            + (f" and {len(calls)} tool input(s)" if calls else "")
            + f" in all; get_message sessionId={sid} uuid={m.uuid} has it whole)"
        )
    return item, "\n".join(body)


def read_session(tracer: Tracer, a: p.ReadSessionArgs, ctx: ToolContext) -> tuple[r.Bounded, str]:
    params = a.window()
    session_id, around = params.session_id, params.around
    window = tracer.window(params)
    ans = Answer(a)
    q = ans.q
    cap = max(100, (a.max_chars - 800) // max(1, len(window.messages)) - p.MESSAGE_OVERHEAD)
    out = r.SessionWindow(
        **window.model_dump(exclude={"messages"}), session_id=session_id, project=a.project
    )
    where = f"around {around}" if around else ("from the cursor" if a.cursor else "from the start")
    ans.lines.append(
        f"Session {session_id}: {len(window.messages)} message(s) {where}"
        + (f" of {window.total}" if window.total is not None else "")
        + ("" if window.complete else " (still being read: more will come)")
        + "."
    )
    if window.anchor_found is False:
        ans.lines.append(
            f"Message {around} does not pass the filter: the window is where it stands."
        )
    for m in window.messages:
        item, text = _message(q, session_id, m, cap)
        # The first message always goes in, cut smaller until it fits (escapes in its JSON can
        # outgrow the share): a window never comes back empty for want of room.
        smaller = cap
        while not out.messages and not ans.budget.fits(text, item) and smaller > 20:
            smaller //= 2
            item, text = _message(q, session_id, m, smaller)
        if not ans.add(out, out.messages, item, text):
            out.continue_around = m.uuid
            out.next_cursor = None
            out.has_more = True
            break
    notes = []
    if out.truncated:
        notes.append(
            f"Cut to maxChars: read on with read_session around={out.continue_around} before=0."
        )
    elif out.next_cursor:
        notes.append("Later messages: read_session with cursor=<nextCursor>.")
    if out.prev_cursor:
        notes.append("Earlier messages: read_session with cursor=<prevCursor>.")
    if notes:
        out.note = " ".join(notes)
        if out.next_cursor:
            ans.lines.append(f"nextCursor: {out.next_cursor}")
        if out.prev_cursor:
            ans.lines.append(f"prevCursor: {out.prev_cursor}")
    return ans.finish(out)


# --- get_message ----------------------------------------------------------------------------------
def fit_json(piece: str, room: int) -> str:
    """``piece`` cut until its JSON string (quotes, backslashes, newlines escaped) fits."""
    while True:
        excess = len(json.dumps(piece, ensure_ascii=False)) - 2 - room
        if excess <= 0:
            return piece
        piece = piece[: max(0, len(piece) - max(excess, 1))]


def render_detail(d: MessageDetail) -> str:
    """A message and its tool results as one text (sliced by get_message)."""
    text, calls = message_parts(d.content)
    parts = [text] if text else []
    for bid, name, inp in calls:
        parts.append(f"--- tool call {name} ({bid}) input:\n{inp}")
    for res in d.tool_results:
        body, _ = message_parts(res.content)
        err = " (error)" if res.is_error else ""
        parts.append(f"--- tool result{err} {res.uuid} for {', '.join(res.tool_use_ids)}:\n{body}")
    return "\n".join(parts)


def get_message(tracer: Tracer, a: p.GetMessageArgs, ctx: ToolContext) -> tuple[r.Bounded, str]:
    sid, cited_uuid = a.cited()
    session_id = a.session_id or sid
    uuid = a.uuid or cited_uuid
    assert session_id is not None and uuid is not None
    detail = tracer.get_message(
        MessageGetParams(session_id=session_id, project=a.project, uuid=uuid)
    )
    key = (session_id, a.project, uuid, a.redact, detail.file, detail.line)
    cached = ctx.rendered.get(key)
    if cached is None:
        q0 = Quoter(a.redact)
        raw = render_detail(detail)
        whole, _ = q0.s(raw, len(raw))
        cached = (whole, dict(q0.counts))
        ctx.rendered.put(key, cached)
    whole, counts = cached
    if a.offset > len(whole):
        raise InvalidRequest(f"offset {a.offset} is past the message's {len(whole)} characters")
    ans = Answer(a)
    ans.q.counts.update(counts)
    out = ans.q.view(
        r.MessageText, detail, {},
        session_id=session_id, text="", offset=a.offset, total_chars=len(whole),
        next_offset=a.offset,
    )  # fmt: skip
    # what the slice leaves room for: the result's other fields, its header and note (~200)
    head = _head(out, f" of session {session_id}") + " · characters {:,}-{:,} of {:,}"
    text_room = a.max_chars - len(ans.q.header()) - len(head) - 260
    json_room = a.max_chars - json_len(out) - 260 - 40 * len(counts)
    piece = fit_json(whole[a.offset : a.offset + min(text_room, json_room)], json_room)
    end = a.offset + len(piece)
    out.text = piece
    out.next_offset = end if end < len(whole) else None
    ans.lines += [head.format(a.offset, end, len(whole)), ans.q.block(piece)]
    if out.next_offset is not None:
        out.truncated = True
        out.note = f"More of this message: get_message with offset={out.next_offset}."
    return ans.finish(out)


# --- blame ----------------------------------------------------------------------------------------
def blame(tracer: Tracer, a: p.BlameArgs, ctx: ToolContext) -> tuple[r.Bounded, str]:
    found = tracer.blame(a.core(BlameParams, workspace=a.workspace or ctx.workspace))
    ans = Answer(a)
    q = ans.q
    out = q.view(r.BlameResult, found, {}, runs=[], sessions=[])
    ans.lines.append(
        f"{found.path}: lines {found.start_line}-{found.end_line} of {found.line_count}; "
        f"{found.attributed_lines} written by a session as they stand now."
    )
    for run in found.runs:
        t = q.view(type(run.touch), run.touch, TOUCH_TEXT)
        item = r.CitedRun(
            start_line=run.start_line, end_line=run.end_line, touch=t,
            citation=f"{t.session_id}#{t.uuid}",
        )  # fmt: skip
        text = (
            f"lines {run.start_line}-{run.end_line}: {t.tool} in session {t.session_id} at "
            f"{_when(t.timestamp)} · citation {item.citation}\n"
            + q.fields(title=t.session_title, prompt=t.prompt)
        )
        if not ans.add(out, out.runs, item, text):
            out.next_start_line = run.start_line
            break
    if not found.runs:
        ans.lines.append("No line of this range stands as a session wrote it.")
    ans.lines += ["", f"{len(found.sessions)} session(s) read, searched or wrote this file:"]
    for s in found.sessions:
        s_item = q.view(type(s), s, {"title": TITLE_CHARS})
        tools = ", ".join(f"{k} {v}" for k, v in sorted(s_item.by_tool.items()))
        text = (
            f"- {s.session_id} · {_when(s.last_timestamp)} · {tools}"
            + (" · deleted" if s.deleted else "")
            + "\n"
            + q.fields(title=s_item.title)
        )
        if not ans.add(out, out.sessions, s_item, text):
            break
    if out.truncated:
        more = f" (blame again with startLine={out.next_start_line})" if out.next_start_line else ""
        out.note = f"Cut to maxChars{more}; a narrower line range or a higher maxChars shows all."
    return ans.finish(out)


# --- session_summary ------------------------------------------------------------------------------
def session_summary(
    tracer: Tracer, a: p.SessionSummaryArgs, ctx: ToolContext
) -> tuple[r.Bounded, str]:
    s = tracer.session_summary(a.core(SessionRef), ctx.progress)
    ans = Answer(a, reserve=2000)
    q = ans.q
    out = q.view(
        r.SummaryResult, s, {**SESSION_TEXT, "resume_command": PATH_CHARS + 100},
        tools=[], subagents=[], files_written=[], files_read=[],
    )  # fmt: skip
    dur = f"{s.duration_seconds / 60:.1f} min" if s.duration_seconds is not None else "unknown"
    ans.lines += [
        f"Session {s.session_id} (project {s.project})",
        q.fields(title=out.title, cwd=out.cwd, branch=out.git_branch),
        f"from {_when(s.first_timestamp)} to {_when(s.last_timestamp)} ({dur})",
        f"{s.message_count} messages, {s.tool_calls} tool calls, {s.errors} errors",
        f"tokens {s.tokens.total:,} (subagents {s.subagent_tokens.total:,}); "
        f"cost ${s.cost_usd:.2f} (subagents ${s.subagent_cost_usd:.2f})"
        + ("" if s.cost_complete else f"; unpriced: {', '.join(out.unpriced_models)}"),
        f"models: {', '.join(out.models) or '-'}",
        "resume: " + q.block(out.resume_command),
    ]
    if s.deleted:
        ans.lines.append(
            "its transcript is deleted" + (" (read from the archive)" if s.archived else "")
        )
    items: list[tuple[list[Any], Model, str]] = []
    for stat in s.tools:
        shown = q.view(type(stat), stat, {})
        items.append(
            (out.tools, shown, f"tool {shown.name}: {stat.calls} calls, {stat.errors} errors")
        )
    for agent in s.subagents:
        sub = q.view(type(agent), agent, SUBAGENT_TEXT)
        items.append(
            (
                out.subagents,
                sub,
                f"subagent {agent.agent_id}: {agent.message_count} "
                f"messages\n" + q.block(f"{sub.agent_type or '-'}: {sub.description or '-'}"),
            )
        )
    for label, files, into in (
        ("written", s.files_written, out.files_written),
        ("read", s.files_read, out.files_read),
    ):
        for f in files:
            shown_f = f.model_copy(update={"path": q.s(f.path, PATH_CHARS)[0]})
            items.append((into, shown_f, f"{label} {f.count}x: " + q.block(shown_f.path)))
    for into, item, text in items:
        if not ans.add(out, into, item, text):
            break
    if out.truncated:
        out.note = "Lists cut to maxChars (tools, subagents, files): a higher maxChars shows more."
    return ans.finish(out)


# --- usage ----------------------------------------------------------------------------------------
def usage(tracer: Tracer, a: p.UsageArgs, ctx: ToolContext) -> tuple[r.Bounded, str]:
    report = tracer.usage(a.core(UsageParams), ctx.progress)
    ans = Answer(a)
    q = ans.q
    out = q.view(r.UsageResult, report, {}, rows=[])
    period = f"{_when(report.since) if report.since else 'the start'} to " + (
        _when(report.until) if report.until else "now"
    )
    ans.lines.append(
        f"Usage by {report.group_by} from {period}: {report.total.api_calls:,} API calls in "
        f"{report.sessions} session(s), {report.total.tokens.total:,} tokens, "
        f"${report.total.cost_usd:.2f} (prices as of {report.prices_as_of})"
    )
    if out.unpriced_models:
        ans.lines.append(f"unpriced models (no dollars): {', '.join(out.unpriced_models)}")
    for row in report.rows:
        shown = row.model_copy(update={"key": q.s(row.key, TITLE_CHARS)[0]})
        text = (
            f"{shown.key}: ${row.cost_usd:.2f} · {row.api_calls:,} calls · "
            f"{row.tokens.total:,} tokens (in {row.tokens.input:,}, out {row.tokens.output:,}, "
            f"cache read {row.tokens.cache_read:,}, cache write {row.tokens.cache_creation:,}) · "
            f"{row.sessions} session(s)"
        )
        if not ans.add(out, out.rows, shown, text):
            break
    if out.truncated:
        out.note = (
            f"Cut to maxChars after {len(out.rows)} of {len(report.rows)} rows: a shorter period "
            "or a higher maxChars shows the rest."
        )
    return ans.finish(out)


@dataclass(frozen=True)
class ToolSpec:
    name: str
    title: str
    description: str
    args: type[p.ToolParams]
    result: type[Model]
    run: Callable[[Tracer, Any, ToolContext], tuple[r.Bounded, str]]
    # a first call may build the search index or read many sessions: progress is reported
    long: bool = False


TOOLS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "search",
        "Search past sessions",
        "Search every past Claude Code session's messages (prompts, replies, tool calls and "
        "their output). Returns hits with a snippet and a citation '<sessionId>#<uuid>' to pass "
        'to read_session (around it) or get_message. Query: words, "phrases", -excluded, '
        "prefix*, tool:NAME kind:user|assistant|tool_result project: session: model: "
        "after:YYYY-MM-DD before:YYYY-MM-DD errors.",
        p.SearchArgs,
        r.SearchResult,
        search,
        long=True,
    ),
    ToolSpec(
        "list_sessions",
        "List past sessions",
        "List past Claude Code sessions, newest first, with title, first prompt, times, message "
        "count, tokens and cost; filter by text in the title or first prompt, project, "
        "workspace folder, since/until.",
        p.ListSessionsArgs,
        r.SessionList,
        list_sessions,
        long=True,
    ),
    ToolSpec(
        "read_session",
        "Read a session",
        "Read a window of a past session in order: from its start, from a cursor (nextCursor or "
        "prevCursor), or around a message uuid / citation (`before` messages before it). Long "
        "texts and tool inputs are cut; each cut names the get_message call that has it whole.",
        p.ReadSessionArgs,
        r.SessionWindow,
        read_session,
    ),
    ToolSpec(
        "get_message",
        "Get one message in full",
        "One message of a past session in full: its text, tool calls and their results, in "
        "slices of maxChars (offset = the previous nextOffset to continue).",
        p.GetMessageArgs,
        r.MessageText,
        get_message,
    ),
    ToolSpec(
        "blame",
        "Which session wrote these lines",
        "For a file as it stands now: each run of lines whose current text a past Claude Code "
        "session wrote, with the session, the tool call, the time and the user's prompt that "
        "led to it; and every session that read or edited the file. Use it to learn why code "
        "is the way it is.",
        p.BlameArgs,
        r.BlameResult,
        blame,
    ),
    ToolSpec(
        "session_summary",
        "Summarise a session",
        "A past session in one answer: title, folder, branch, times, counts, tokens and cost "
        "(the subagents' share apart), models, tools, files written and read, subagents, and "
        "the command that resumes it.",
        p.SessionSummaryArgs,
        r.SummaryResult,
        session_summary,
        long=True,
    ),
    ToolSpec(
        "usage",
        "Tokens and cost over time",
        "Tokens and dollars of past Claude Code sessions over a period (since/until), grouped "
        "by day, model or project.",
        p.UsageArgs,
        r.UsageResult,
        usage,
        long=True,
    ),
)
TOOLS_BY_NAME = {t.name: t for t in TOOLS}
