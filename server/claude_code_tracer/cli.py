"""The command line face of the core: list and read sessions from a terminal or a script.

Each command validates its input with the same pydantic models as the language server, calls one
``Tracer`` method and prints the result: a readable table by default, JSON with ``--json``. Bad
input ends with one line on stderr and exit code 2, never a traceback. Transcript text is
untrusted: control characters (ANSI escapes included) are made visible before printing.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import logging
import os
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import InvalidRequest, SourceUnavailable, TracerError
from .ingest import DEFAULT_MAX_LINE_BYTES, MAX_LINE_ENV, parse_line_bound
from .sqllimits import DEFAULT_MEMORY_LIMIT, DEFAULT_TIMEOUT
from .termsafe import CleanFormatter, clean, json_text

if TYPE_CHECKING:
    # The core is imported by the command that needs it, never at start: ``--help`` and an
    # argument error cost the interpreter and argparse, not DuckDB, pyarrow, tantivy or pydantic
    # (the whole stack took 1.5-2.6 s to import on a loaded 2-core machine).
    from .models import MessageDetail, Model, PriceOverride, SearchPage, SessionCost
    from .team.attach import TeamView
    from .tracer import Tracer

SAMPLES = Path(__file__).parent / "samples" / "projects"


def out(text: str) -> None:
    """Everything the CLI prints as text goes through here (see termsafe)."""
    sys.stdout.write(clean(text))


def err(text: str) -> None:
    sys.stderr.write(clean(text))


def _width() -> int:
    return shutil.get_terminal_size((160, 24)).columns


def _ago(ts: datetime | None) -> str:
    if ts is None:
        return "-"
    return ts.strftime("%Y-%m-%d %H:%M")


def _short(text: str | None, n: int) -> str:
    text = clean(" ".join((text or "").split()))
    return text if len(text) <= n else text[: max(0, n - 1)] + "…"


def _table(
    headers: list[str], rows: list[list[str]], flex: int, caps: dict[int, int] | None = None
) -> str:
    """Columns sized to their content (at most ``caps[i]``); column ``flex`` takes the rest."""
    widths = [
        max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)
    ]
    for i, cap in (caps or {}).items():
        widths[i] = min(widths[i], cap)
    fixed = sum(w for i, w in enumerate(widths) if i != flex) + 2 * (len(headers) - 1)
    widths[flex] = max(10, min(widths[flex], _width() - fixed))
    out = ["  ".join(h.ljust(widths[i]) for i, h in enumerate(headers)).rstrip()]
    for r in rows:
        out.append(
            "  ".join(_short(c, widths[i]).ljust(widths[i]) for i, c in enumerate(r)).rstrip()
        )
    return "\n".join(out)


class ProgressBar:
    """Progress of a first indexing on stderr, only when stderr is a terminal."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.enabled = sys.stderr.isatty()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled or total <= 0:
            return
        frac = min(1.0, done / total)
        bar = "#" * int(frac * 30)
        sys.stderr.write(f"\r{self.label} [{bar:<30}] {frac:4.0%}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\r" + " " * 60 + "\r")
            sys.stderr.flush()


def _emit(args: argparse.Namespace, model: Model, render: Callable[[], str]) -> None:
    if args.json:
        sys.stdout.write(json_text(model.dump()) + "\n")
    else:
        out(render() + "\n")


PRICES_ENV = "CLAUDE_CODE_TRACER_PRICES"


def _line_bound(text: str) -> int:
    try:
        return parse_line_bound(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _max_line_bytes(args: argparse.Namespace) -> int:
    """``--max-line-bytes``, else ``$CLAUDE_CODE_TRACER_MAX_LINE_BYTES``, else the default."""
    given = getattr(args, "max_line_bytes", None)
    if given is not None:
        return int(given)
    env = os.environ.get(MAX_LINE_ENV)
    if not env:
        return DEFAULT_MAX_LINE_BYTES
    try:
        return parse_line_bound(env)
    except ValueError as exc:
        raise InvalidRequest(f"${MAX_LINE_ENV}: {exc}") from None


def _prices(args: argparse.Namespace) -> dict[str, PriceOverride]:
    """The user's own prices: ``--prices FILE.json``, else the file ``$CLAUDE_CODE_TRACER_PRICES``
    names. A bad file stops the command (InvalidRequest) rather than print a wrong cost."""
    path = getattr(args, "prices", None) or os.environ.get(PRICES_ENV)
    if not path:
        return {}
    from .pricing import load_overrides

    return load_overrides(Path(path).expanduser())


def _tracer(
    args: argparse.Namespace,
    prices: dict[str, PriceOverride] | None = None,
    team: TeamView | None = None,
) -> Tracer:
    """The tracer every command opens. ``team``: the team's sessions as last pulled (the MCP
    server, whose background sync pulls); else ``--team`` pulls before a reading command."""
    from .tracer import Tracer, TracerOptions

    roots = [Path(args.root)] if args.root else []
    team_roots: list[Path] = []
    annotate = aliases = None
    if team is not None:
        from .transcripts import default_roots

        team_roots = list(team.roots)
        if team_roots:
            roots = (roots or default_roots()) + team_roots
        annotate, aliases = team.annotate, team.aliases
    elif getattr(args, "team", None):
        # the team's sessions, pulled into the cache, are read beside this machine's own
        from .team.commands import open_team
        from .transcripts import default_roots

        args.team_cache = open_team(args)
        team_roots = list(args.team_cache.roots())
        roots = (roots or default_roots()) + team_roots
        annotate, aliases = args.team_cache.annotate, args.team_cache.aliases
    return Tracer(
        TracerOptions(
            projects_roots=roots,
            unarchived_roots=team_roots,
            annotate=annotate,
            path_aliases=aliases,
            cache_dir=Path(args.cache_dir) if args.cache_dir else None,
            persistent_catalog=not args.no_cache,
            archive=not args.no_archive,
            archive_dir=Path(args.archive_dir) if args.archive_dir else None,
            prices=prices or {},
            max_line_bytes=_max_line_bytes(args),
        )
    )


def _filter(args: argparse.Namespace) -> dict[str, Any]:
    flt: dict[str, Any] = {}
    if args.kind:
        flt["kinds"] = args.kind
    if args.tool:
        flt["tools"] = args.tool
    if args.errors:
        flt["errorsOnly"] = True
    if args.search:
        flt["text"] = args.search
    if args.sidechains:
        flt["includeSidechains"] = True
    if args.agent:
        flt["agentId"] = args.agent
    return flt


# --- commands -------------------------------------------------------------------------------------
def cmd_sessions(args: argparse.Namespace, tracer: Tracer) -> None:
    from .models import SessionRef, SessionsListParams

    params = SessionsListParams.model_validate(
        {
            "limit": args.limit,
            "cursor": args.cursor,
            "query": args.query,
            "project": args.project,
            "workspace": args.workspace,
            "includeDeleted": args.deleted,
        }
    )
    bar = ProgressBar("indexing sessions")
    try:
        page = tracer.list_sessions(params, bar, keep_answer=_plain_listing(args))
    finally:
        bar.close()
    team = getattr(args, "team_cache", None)
    # The catalog keeps a session's tokens, not its tokens per model and cache lifetime: a cost
    # reads each listed session (pricing.session_cost), so it is asked for, not a default.
    costs: dict[str, SessionCost | None] = {}
    if args.cost:
        for s in page.sessions:
            ref = SessionRef(session_id=s.session_id, project=s.project)
            try:
                costs[s.path] = tracer.cost(ref)
            except TracerError:  # gone since the listing, and not archived: no cost, the rest stand
                costs[s.path] = None
    # printed as the kept answer is (``_answer_from_cache``): one printer
    payload = page.dump()
    if args.json and args.cost:
        for s, row in zip(page.sessions, payload["sessions"], strict=True):
            cost = costs[s.path]
            # per response belongs to one session's view (stats --json), not to a list
            row["cost"] = (
                cost.model_dump(mode="json", by_alias=True, exclude={"response_costs"})
                if cost
                else None
            )
    cells = [_dollars(costs[s.path]) for s in page.sessions] if args.cost else None
    note = args.cost and any(c is None or not c.complete for c in costs.values())
    _print_sessions(args, payload, tracer.roots, cells, team is not None, note)


def _plain_listing(args: argparse.Namespace) -> bool:
    """``sessions`` with no filter, cursor, team, cost or prices: the listing whose answer is
    kept (``listcache``) and served while nothing changed."""
    return (
        args.command == "sessions"
        and not (args.cursor or args.query or args.project or args.workspace or args.deleted)
        and not (args.cost or args.team or args.no_cache or args.prices)
        and not os.environ.get(PRICES_ENV)
        and 1 <= args.limit <= 1000
    )


def _answer_from_cache(args: argparse.Namespace) -> bool:
    """Print the plainest listing from its kept answer when no transcript changed since
    (``listcache``): the stat loop only, no DuckDB, no pydantic. False: take the full path."""
    from . import listcache
    from .discovery import default_cache_dir, default_roots

    roots = [Path(args.root)] if args.root else default_roots()
    cache = Path(args.cache_dir) if args.cache_dir else default_cache_dir()
    page = listcache.answer(cache, roots, args.limit)
    if page is None:
        return False
    _print_sessions(args, page, roots)
    return True


def _print_sessions(
    args: argparse.Namespace,
    page: dict[str, Any],
    roots: list[Path],
    costs: list[str] | None = None,
    authors: bool = False,
    cost_note: bool = False,
) -> None:
    """A page of sessions in its wire form (``SessionsPage.dump``), as JSON or as the table: the
    one printer of both paths (the kept answer's and the full one), so they print alike.
    ``costs``: a dollars cell per row (``--cost``); ``authors``: a team's AUTHOR column."""
    if args.json:
        sys.stdout.write(json_text(page) + "\n")
        return
    rows = []
    for i, s in enumerate(page["sessions"]):
        ts = s.get("lastTimestamp")
        tokens = s.get("tokens") or {}
        folder = s.get("remote") or s.get("cwd") or s.get("project") or ""
        rows.append(
            [
                s["sessionId"],
                ts[:16].replace("T", " ") if isinstance(ts, str) else "-",
                str(s.get("messageCount", 0)) + ("" if s.get("complete", True) else "!"),
                f"{sum(int(v) for v in tokens.values()):,}",
                *([costs[i]] if costs is not None else []),
                *([s.get("author") or "(this machine)"] if authors else []),
                folder + (" (deleted)" if s.get("deleted") else ""),
                (f"[{s['tag']}] " if s.get("tag") else "") + (s.get("title") or ""),
            ]
        )
    headers = ["SESSION", "LAST ACTIVITY", "MSGS", "TOKENS"]
    headers += ["COST"] * (costs is not None) + ["AUTHOR"] * authors + ["FOLDER", "TITLE"]
    text = _table(headers, rows, len(headers) - 1, caps={len(headers) - 2: 30})
    if page.get("nextCursor"):
        text += f"\nmore: --cursor {page['nextCursor']}"
    if any(not s.get("complete", True) for s in page["sessions"]):
        text += "\n!: its archived copy is damaged; the messages that can still be read"
    if cost_note:
        text += "\n+: a model without a price (its tokens are not in the dollars); ?: unread"
    out((text if rows else "no sessions found under " + ", ".join(map(str, roots))) + "\n")


def _dollars(cost: SessionCost | None) -> str:
    """A session's dollars for a table cell: "-" with no price at all, "+" when some are missing."""
    if cost is None:
        return "?"
    if not any(m.cost_usd is not None for m in cost.by_model):
        return "-"
    return f"${cost.cost_usd:,.2f}" + ("" if cost.complete else "+")


def cmd_messages(args: argparse.Namespace, tracer: Tracer) -> None:
    from .models import MessagesPageParams

    params = MessagesPageParams.model_validate(
        {
            "sessionId": args.session,
            "project": args.project,
            "cursor": args.cursor,
            "limit": args.limit,
            "filter": _filter(args),
            "expand": args.expand,
        }
    )
    bar = ProgressBar("reading session")
    try:
        tracer.ensure_loaded(params, bar)
    finally:
        bar.close()
    page = tracer.page(params)

    def render() -> str:
        rows = [
            [
                m.timestamp.strftime("%H:%M:%S") if m.timestamp else "-",
                m.kind.value + ("!" if m.is_error else ""),
                ",".join(n for n in m.tool_names if n),
                m.uuid,
                m.preview,
            ]
            for m in page.messages
        ]
        text = _table(["TIME", "KIND", "TOOLS", "UUID", "PREVIEW"], rows, 4)
        head = f"{page.total} messages\n" if page.total is not None else ""
        tail = f"\nmore: --cursor {page.next_cursor}" if page.has_more else ""
        return head + text + tail

    _emit(args, page, render)


def _render_detail(d: MessageDetail, indent: str = "") -> str:
    lines = [f"{indent}{d.kind.value}  {d.timestamp}  {d.uuid}"]
    if d.model:
        lines.append(f"{indent}model: {d.model}")
    for block in d.content or []:
        if not isinstance(block, dict):
            lines.append(indent + clean(str(block)))
            continue
        btype = block.get("type")
        if btype == "text":
            body = str(block.get("text", ""))
        elif btype == "thinking":
            body = "(thinking) " + str(block.get("thinking", ""))
        elif btype == "tool_use":
            body = f"[tool_use {block.get('name')} {block.get('id')}]\n" + json.dumps(
                block.get("input"), indent=2, ensure_ascii=False
            )
        elif btype == "tool_result":
            content = block.get("content")
            if isinstance(content, list):
                content = "\n".join(
                    str(c.get("text", f"[{c.get('type')}]")) if isinstance(c, dict) else str(c)
                    for c in content
                )
            err = " (error)" if block.get("is_error") else ""
            body = f"[tool_result {block.get('tool_use_id')}{err}]\n{content}"
        else:
            body = json.dumps(block, ensure_ascii=False)[:2000]
        lines.extend(indent + clean(line) for line in body.splitlines() or [""])
    for result in d.tool_results:
        lines.append(f"{indent}  ->")
        lines.append(_render_detail(result, indent + "    "))
    return "\n".join(lines)


def cmd_show(args: argparse.Namespace, tracer: Tracer) -> None:
    from .models import MessageGetParams

    params = MessageGetParams.model_validate(
        {"sessionId": args.session, "project": args.project, "uuid": args.uuid}
    )
    detail = tracer.get_message(params)
    _emit(args, detail, lambda: _render_detail(detail))


def cmd_stats(args: argparse.Namespace, tracer: Tracer) -> None:
    from .models import SessionRef

    ref = SessionRef.model_validate({"sessionId": args.session, "project": args.project})
    metrics = tracer.metrics(ref)
    tools = tracer.tools(ref)
    cost = tracer.cost(ref)
    if args.json:
        payload = {"metrics": metrics.dump(), "tools": tools.dump()["tools"], "cost": cost.dump()}
        sys.stdout.write(json_text(payload) + "\n")
        return
    m = metrics
    lines = [
        f"session   {m.session_id}",
        f"messages  {m.message_count} (+{m.subagent_message_count} in subagents)",
        "by kind   " + ", ".join(f"{k.kind.value} {k.count}" for k in m.by_kind),
        f"tokens    in {m.tokens.input:,}  out {m.tokens.output:,}  cache read "
        f"{m.tokens.cache_read:,}  cache write {m.tokens.cache_creation:,}",
        f"api calls {m.api_calls}   tool calls {m.tool_calls}   errors {m.errors}",
        f"models    {', '.join(m.models) or '-'}",
        f"cost      {_cost_line(cost)}",
        f"span      {_ago(m.first_timestamp)} .. {_ago(m.last_timestamp)}",
        f"malformed lines skipped: {m.malformed_lines}",
        "",
        _table(
            ["TOOL", "CALLS", "ERRORS"],
            [[t.name, str(t.calls), str(t.errors)] for t in tools.tools],
            0,
        ),
    ]
    out("\n".join(lines) + "\n")


def _cost_line(cost: SessionCost) -> str:
    """Dollars of the priced models; models the price table lacks are named, never priced."""
    priced = [m for m in cost.by_model if m.cost_usd is not None]
    text = f"${cost.cost_usd:,.2f}" if priced else "-"
    if cost.unpriced_models:
        text += f" (no price for {clean(', '.join(cost.unpriced_models))}: not in the total)"
    if cost.overridden_models:
        text += f" (your prices for {clean(', '.join(cost.overridden_models))})"
    return f"{text}  [prices of {cost.prices_as_of}]"


def cmd_demo(args: argparse.Namespace, tracer: Tracer) -> None:
    from .models import SessionsListParams

    out(f"projects root: {', '.join(map(str, tracer.roots))}\n\n")
    args.limit, args.cursor, args.query, args.project, args.workspace, args.deleted = (
        10,
        None,
        None,
        None,
        None,
        False,
    )
    args.cost = False
    page = tracer.list_sessions(SessionsListParams(limit=10), ProgressBar("indexing sessions"))
    cmd_sessions(args, tracer)
    if not page.sessions:
        return
    first = page.sessions[0]
    out(f"\nfirst page of {first.session_id} ({first.title or 'untitled'}):\n")
    args.session, args.project, args.limit = first.session_id, first.project, 15
    args.kind, args.tool, args.errors, args.search = (
        ["user", "assistant", "tool_result"],
        [],
        False,
        None,
    )
    args.sidechains, args.agent, args.expand = False, None, False
    cmd_messages(args, tracer)


def _export_dir(args: argparse.Namespace, tracer: Tracer) -> Path:
    if getattr(args, "export_dir", None):
        return Path(args.export_dir)
    from .catalog import default_cache_dir

    return (tracer.options.cache_dir or default_cache_dir()) / "parquet"


def cmd_export(args: argparse.Namespace, tracer: Tracer) -> None:
    from .models import SessionExportParams
    from .sessionexport import export_session

    params = SessionExportParams.model_validate(
        {
            "sessionId": args.session,
            "project": args.project,
            "format": args.format,
            "redact": args.redact,
            "includeProgress": args.include_progress,
        }
    )
    result = export_session(tracer, params)
    total = sum(result.redactions.values())
    if args.output:
        try:
            Path(args.output).write_text(result.content, encoding="utf-8")
        except OSError as exc:
            raise InvalidRequest(f"cannot write {args.output}: {exc.strerror or exc}") from None
    elif args.json:
        sys.stdout.write(json_text(result.dump()) + "\n")
        return
    else:
        # The content is transcript text: to a terminal or a pipe alike, through out().
        out(result.content)
    if args.redact:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(result.redactions.items()))
        err(f"masked {total} secrets" + (f" ({kinds})" if kinds else "") + "\n")
    if args.output:
        err(f"wrote {args.output}\n")


def cmd_export_parquet(args: argparse.Namespace, tracer: Tracer) -> None:
    from .export import export_parquet

    since = _since(args.since)
    bar = ProgressBar("exporting sessions")
    try:
        report = export_parquet(tracer, Path(args.dir), since, bar)
    finally:
        bar.close()
    if args.json:
        sys.stdout.write(json_text(report.__dict__) + "\n")
        return
    out(
        f"{report.sessions} sessions: {report.written} written ({report.files} files, "
        f"{report.rows:,} rows), {report.unchanged} unchanged, in {args.dir}\n"
    )


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(f"--since takes a date like 2026-01-31, not {value!r}") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


INDEX_WAIT_SECONDS = 600.0


def cmd_sql(args: argparse.Namespace, tracer: Tracer) -> None:
    from .export import export_parquet
    from .sqlquery import check_read_only, run_sql

    check_read_only(args.query)  # refuse before any work
    where = _export_dir(args, tracer)
    if not args.no_refresh:
        bar = ProgressBar("exporting sessions")
        try:
            export_parquet(tracer, where, None, bar)
        finally:
            bar.close()
    result = run_sql(where, args.query, timeout=args.timeout, memory_limit=args.memory_limit)
    for warning in result.warnings:
        err(f"claude-code-tracer: warning: {clean(warning)}\n")
    if args.json:
        records = [dict(zip(result.columns, r, strict=True)) for r in result.rows]
        sys.stdout.write(json_text(records, default=str) + "\n")
    elif args.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow([clean(c) for c in result.columns])
        writer.writerows([clean("" if v is None else str(v)) for v in r] for r in result.rows)
    else:
        cells = [[clean("" if v is None else str(v)) for v in r] for r in result.rows]
        flex = max(0, len(result.columns) - 1)
        out(_table([clean(c) for c in result.columns], cells, flex) + "\n")


def cmd_archive(args: argparse.Namespace, tracer: Tracer) -> None:
    from .models import SessionsListParams

    tracer.list_sessions(SessionsListParams(limit=1), ProgressBar("indexing sessions"))
    st = tracer.archive_status()
    ratio = st.stored_bytes / st.archived_bytes if st.archived_bytes else 0.0
    if args.json:
        sys.stdout.write(json_text({**st.__dict__, "ratio": round(ratio, 4)}) + "\n")
        return
    where = tracer.archive.directory if tracer.archive else "-"
    out(
        f"archive   {where}\n"
        f"sessions  {st.sessions}   files {st.files}   segments {st.segments}\n"
        f"bytes     {st.archived_bytes:,} of transcript in {st.stored_bytes:,} "
        f"({ratio:.1%})\n"
    )


def cmd_search(args: argparse.Namespace, tracer: Tracer) -> None:
    from .models import SearchParams

    workspace = None
    if not args.all_projects and not args.project:
        workspace = args.workspace or os.getcwd()
    params = SearchParams.model_validate(
        {
            "query": args.query,
            "limit": args.limit,
            "cursor": args.cursor,
            "sort": "newest" if args.newest else "relevance",
            "project": args.project,
            "workspace": workspace,
            "includeDeleted": args.deleted,
        }
    )
    bar = ProgressBar("indexing messages")
    try:
        # another process (an editor window) may be building the index: wait for it, bounded
        page = tracer.search(params, bar, wait=INDEX_WAIT_SECONDS)
    finally:
        bar.close()
    _emit(args, page, lambda: render_search(page, workspace))


def _marked(text: str, ranges: list[tuple[int, int]], bold: bool) -> str:
    """Snippet text made safe for a terminal, matches in bold when printing to one."""
    if not bold:
        return clean(text)
    out: list[str] = []
    at = 0
    for start, end in ranges:
        out.append(clean(text[at:start]))
        out.append("\x1b[1m" + clean(text[start:end]) + "\x1b[0m")
        at = end
    out.append(clean(text[at:]))
    return "".join(out)


def render_search(page: SearchPage, workspace: str | None) -> str:
    bold = sys.stdout.isatty()
    lines: list[str] = []
    for g in page.groups:
        where = clean(g.cwd or g.project) + (" (deleted)" if g.deleted else "")
        lines.append(f"{g.session_id}  {where}")
        for h in g.hits:
            when = h.timestamp.strftime("%Y-%m-%d %H:%M") if h.timestamp else "-"
            kind = h.kind.value + ("!" if h.is_error else "")
            tools = f" {clean(','.join(h.tool_names))}" if h.tool_names else ""
            snippet = _marked(h.snippet, [(r.start, r.end) for r in h.highlights], bold)
            lines.append(f"  {when}  {kind}{tools}  {h.uuid or '-'}")
            lines.append(f"    {snippet}")
    if not page.groups:
        scope = ""
        if workspace:
            scope = f" in sessions under {clean(workspace)} (--all-projects for every one)"
        lines.append("no matches" + scope)
    else:
        lines.append(f"{page.total} matching messages" + (" (still indexing)" * page.indexing))
    if page.next_cursor:
        lines.append(f"more: --cursor {page.next_cursor}")
    return "\n".join(lines)


def _has_sessions(roots: list[Path]) -> bool:
    from .transcripts import iter_session_files

    return any(next(iter_session_files(r), None) is not None for r in roots)


# --- entry point ----------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="claude-code-tracer",
        description="Browse Claude Code session transcripts from the terminal.",
    )
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root",
        help="projects folder (default: $CLAUDE_CONFIG_DIR/projects or ~/.claude/projects)",
    )
    common.add_argument("--cache-dir", help="where the session catalog is kept")
    common.add_argument("--no-cache", action="store_true", help="keep the catalog in memory")
    common.add_argument(
        "--no-archive", action="store_true", help="do not keep copies of the transcripts read"
    )
    common.add_argument("--archive-dir", help="where the archive is kept (default: the cache)")
    common.add_argument("--json", action="store_true", help="print JSON for machines")
    common.add_argument(
        "--max-line-bytes",
        type=_line_bound,
        metavar="N",
        help="a transcript line longer than this is shown cut, with a marker, not parsed "
        f"(default {DEFAULT_MAX_LINE_BYTES:,}, or ${MAX_LINE_ENV})",
    )
    common.add_argument(
        "--prices",
        metavar="FILE.json",
        help="your own prices over the shipped table, dollars per million tokens: "
        '{"claude-opus-4-6": {"input": 5, "output": 25, "cacheRead": 0.5, '
        '"cacheWrite5m": 6.25, "cacheWrite1h": 10}} (default: $' + PRICES_ENV + ")",
    )
    # reading commands may add a team's sessions (team/): its own parent, so `team push` cannot
    # take teammates' sessions for this machine's
    reading = argparse.ArgumentParser(add_help=False, parents=[common])
    reading.add_argument(
        "--team",
        metavar="URL",
        help="also read the sessions pushed to this team database (see `team`)",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("sessions", parents=[reading], help="list sessions, newest first")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--cursor")
    p.add_argument("--query", help="text in the title, first prompt or tag")
    p.add_argument("--project", help="project folder name under the root")
    p.add_argument("--workspace", help="only sessions whose cwd is this folder or below")
    p.add_argument("--deleted", action="store_true", help="include sessions whose file is gone")
    p.add_argument(
        "--cost",
        action="store_true",
        help="a COST column (dollars): reads each listed session, so it takes longer",
    )
    p.set_defaults(run=cmd_sessions)

    p = sub.add_parser("messages", parents=[reading], help="one page of a session's messages")
    p.add_argument("session")
    p.add_argument("--project")
    p.add_argument("--cursor")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument(
        "--kind",
        action="append",
        help="user, assistant, tool_result, system, progress, attachment, unknown (repeatable)",
    )
    p.add_argument("--tool", action="append", help="tool name (repeatable)")
    p.add_argument("--errors", action="store_true", help="only errors")
    p.add_argument("--search", help="text to look for")
    p.add_argument("--sidechains", action="store_true", help="include subagent messages")
    p.add_argument("--agent", help="only this subagent's messages")
    p.add_argument("--expand", action="store_true", help="include full content (with --json)")
    p.set_defaults(run=cmd_messages)

    p = sub.add_parser("show", parents=[reading], help="one message in full")
    p.add_argument("session")
    p.add_argument("uuid")
    p.add_argument("--project")
    p.set_defaults(run=cmd_show)

    p = sub.add_parser("stats", parents=[reading], help="a session's metrics and tool use")
    p.add_argument("session")
    p.add_argument("--project")
    p.set_defaults(run=cmd_stats)

    p = sub.add_parser(
        "demo",
        parents=[common],
        help="list sessions and print one page "
        "(on the bundled samples when this machine has no transcripts)",
    )
    p.set_defaults(run=cmd_demo)

    p = sub.add_parser(
        "export",
        parents=[reading],
        help="one session as Markdown or one self-contained HTML file (no script)",
    )
    p.add_argument("session")
    p.add_argument("--project")
    p.add_argument("--format", choices=("md", "html"), default="md")
    p.add_argument("--redact", action="store_true", help="mask API keys, tokens and passwords")
    p.add_argument(
        "--include-progress",
        action="store_true",
        help="keep hook and progress lines (left out by default: they are harness noise)",
    )
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser(
        "export-parquet",
        parents=[common],
        help="write every session as Parquet tables, hive-partitioned by project and month",
    )
    p.add_argument("dir", help="the export folder (a second run writes only what changed)")
    p.add_argument("--since", help="only sessions active on or after this date (2026-01-31)")
    p.set_defaults(run=cmd_export_parquet)

    p = sub.add_parser(
        "sql",
        parents=[common],
        help="a read-only SQL query over sessions, messages, tool_calls, file_touches, usage",
    )
    p.add_argument("query", help='one SELECT statement, e.g. "SELECT count(*) FROM sessions"')
    p.add_argument("--csv", action="store_true", help="print CSV")
    p.add_argument("--export-dir", help="the Parquet export to query (default: in the cache)")
    p.add_argument(
        "--no-refresh", action="store_true", help="query the export as it is, without updating"
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"stop a query that runs longer than this many seconds (default {DEFAULT_TIMEOUT:g})",
    )
    p.add_argument(
        "--memory-limit",
        default=DEFAULT_MEMORY_LIMIT,
        help=f"the query's memory bound, e.g. 500MB or 4GB (default {DEFAULT_MEMORY_LIMIT})",
    )
    p.set_defaults(run=cmd_sql)

    p = sub.add_parser(
        "archive",
        parents=[common],
        help="the archive of transcripts that outlives Claude Code's cleanup",
    )
    p.add_argument("action", choices=["status"])
    p.set_defaults(run=cmd_archive)

    p = sub.add_parser(
        "search",
        parents=[reading],
        help="search every session's messages",
        description='QUERY: words (all must match), "exact phrases", -excluded, prefix*, '
        "filters tool:Bash kind:user project:NAME session:ID model:NAME after:2026-01-01 "
        "before:2026-02-01 and errors. By default only sessions started in the current "
        "folder or below are searched.",
    )
    p.add_argument("query")
    p.add_argument("--limit", type=int, default=20, help="matching messages per page")
    p.add_argument("--cursor")
    p.add_argument("--newest", action="store_true", help="newest first instead of best first")
    p.add_argument("--project", help="project folder name under the root")
    p.add_argument("--workspace", help="sessions whose cwd is this folder or below")
    p.add_argument("--all-projects", action="store_true", help="search every project")
    p.add_argument("--deleted", action="store_true", help="include sessions whose file is gone")
    p.set_defaults(run=cmd_search)

    from .team.cliargs import add_team_parser

    add_team_parser(sub, common)
    sub.add_parser("serve", help="run the language server on stdio")

    p = sub.add_parser(
        "mcp",
        parents=[common],
        help="run the MCP server on stdio (read-only tools for agents)",
        description="An MCP server on stdin/stdout: search, list_sessions, read_session, "
        "get_message, blame, session_summary, usage. Add it to Claude Code with: "
        "claude mcp add claude-code-tracer -- claude-code-tracer mcp",
    )
    p.add_argument(
        "--workspace",
        help="the folder blame's relative paths are read against and must stay inside "
        "(default: the current folder)",
    )
    from .team.cliargs import add_mcp_team_options

    add_mcp_team_options(p)
    return parser


def _join_dash_values(argv: Sequence[str]) -> list[str]:
    """``--project -Users-chip-dev-app`` as ``--project=-Users-chip-dev-app``: encoded project
    folders start with '-', which argparse would otherwise take for an option."""
    out: list[str] = []
    items = list(argv)
    i = 0
    while i < len(items):
        arg = items[i]
        if arg in _VALUE_OPTIONS and i + 1 < len(items) and items[i + 1].startswith("-"):
            out.append(f"{arg}={items[i + 1]}")
            i += 2
            continue
        out.append(arg)
        i += 1
    return out


# Options whose values may start with '-' (an encoded project folder, a path).
_VALUE_OPTIONS = frozenset({"--project", "--root", "--workspace", "--cache-dir", "--prices"})



def _log_to_stderr() -> None:
    """Warnings (a skipped file, a catalog kept in memory) as one clean line each on stderr."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(CleanFormatter("claude-code-tracer: %(message)s"))
    logging.getLogger("claude_code_tracer").addHandler(handler)


def _serve_mcp(args: argparse.Namespace) -> int:
    from .mcpserver import McpOptions, run_stdio
    from .team.commands import mcp_team_options

    try:
        prices = _prices(args)
        team = mcp_team_options(args)
        _max_line_bytes(args)  # checked before the server starts: a bad value is exit 2
    except TracerError as exc:
        err(f"claude-code-tracer: {exc}\n")
        return 2
    for name in ("root", "cache_dir", "archive_dir"):  # "~" from a JSON config is not expanded
        if getattr(args, name, None):
            setattr(args, name, os.path.expanduser(getattr(args, name)))

    def open_tracer() -> Tracer:
        from .team.attach import team_view

        cache = Path(args.cache_dir) if args.cache_dir else None
        return _tracer(args, prices, team_view(cache, team) if team is not None else None)

    run_stdio(
        McpOptions(
            open_tracer=open_tracer,
            workspace=os.path.abspath(args.workspace) if args.workspace else None,
            team=team,
        )
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except KeyboardInterrupt:
        # Ctrl-C (anywhere: a query, the first indexing, closing): one line and the shell's
        # code for SIGINT, never a traceback
        with contextlib.suppress(Exception):
            err("claude-code-tracer: interrupted\n")
        return 130


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(_join_dash_values(sys.argv[1:] if argv is None else argv))
    if args.command == "serve":
        from .lsp import run_stdio

        run_stdio()
        return 0
    if args.command == "mcp":
        return _serve_mcp(args)
    if args.command == "sessions" and _plain_listing(args):
        try:
            if _answer_from_cache(args):
                return 0
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
    from pydantic import ValidationError

    from .transcripts import default_roots

    _log_to_stderr()
    if args.command == "demo" and not args.root and not _has_sessions(default_roots()):
        out("no transcripts on this machine: using the bundled samples\n")
        args.root = str(SAMPLES)
        args.no_cache = True
    try:
        prices = _prices(args)
    except TracerError as exc:
        err(f"claude-code-tracer: {exc}\n")
        return 2
    try:
        tracer = _tracer(args, prices)
    except TracerError as exc:  # a bad --team URL, say
        err(f"claude-code-tracer: {exc}\n")
        return 2
    except Exception as exc:
        err(f"claude-code-tracer: cannot open the archive: {exc}\n")
        return 2
    try:
        args.run(args, tracer)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        err(f"claude-code-tracer: invalid {where or 'input'}: {first['msg']}\n")
        return 2
    except SourceUnavailable as exc:
        err(f"claude-code-tracer: {exc}\n")
        return 1
    except TracerError as exc:
        err(f"claude-code-tracer: {exc}\n")
        return 2
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        err(f"claude-code-tracer: {exc}\n")
        return 1
    except Exception as exc:
        # Never a traceback on a terminal: one line, and the way to get the details.
        if os.environ.get("CLAUDE_CODE_TRACER_DEBUG"):
            raise
        err(
            f"claude-code-tracer: internal error: {type(exc).__name__}: {exc} "
            "(set CLAUDE_CODE_TRACER_DEBUG=1 for the traceback)\n"
        )
        return 2
    finally:
        with contextlib.suppress(Exception):
            tracer.close()
    return 0


__all__ = ["main"]
