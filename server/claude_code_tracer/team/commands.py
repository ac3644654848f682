"""The CLI's ``team`` commands and its ``--team URL`` option: glue between argparse and the
team modules (schema, push, pull), so cli.py keeps one hook for each."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from ..catalog import default_cache_dir
from ..termsafe import clean, json_text
from .db import TeamUnavailable, connect, display_url, init_schema, resolve_url, role_sql
from .pull import TeamCache, pull
from .push import CHUNK_BYTES, default_author, push_sessions

log = logging.getLogger("claude_code_tracer.team")


def add_team_parser(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "team",
        parents=[common],
        help="a team archive on PostgreSQL: init the schema, push this machine's sessions",
        description="URL: a libpq connection string or postgresql:// URI (default: "
        "$CLAUDE_CODE_TRACER_TEAM_URL). Give the password through PGPASSWORD, ~/.pgpass or a "
        "service file: it is never printed nor kept.",
    )
    p.add_argument("action", choices=["init", "push", "pull"])
    p.add_argument("--url", help="the team database")
    p.add_argument("--author", help="who pushes (default: user@host)")
    p.add_argument(
        "--project",
        action="append",
        default=[],
        metavar="GLOB",
        help="push only sessions whose project folder or cwd matches (repeatable)",
    )
    p.add_argument(
        "--no-redact", action="store_true", help="send secrets as they are (masked by default)"
    )
    p.add_argument(
        "--chunk-bytes",
        type=int,
        default=CHUNK_BYTES,
        help="source bytes per stored chunk, each its own transaction (default 4 MiB)",
    )
    p.add_argument("--pusher", default="alice", help="init: the pusher role of the printed SQL")
    p.add_argument("--reader", default="bob", help="init: the reader role of the printed SQL")
    p.set_defaults(run=cmd_team)


def _out(text: str) -> None:
    sys.stdout.write(clean(text))


def cmd_team(args: argparse.Namespace, tracer: Any) -> None:
    url = resolve_url(args.url)
    if args.action == "init":
        version, applied = init_schema(url)
        with connect(url) as con:
            statements = role_sql(
                con, args.pusher, args.author or f"{args.pusher}@laptop", args.reader
            )
        if args.json:
            payload = {"version": version, "applied": applied, "roleSql": statements}
            sys.stdout.write(json_text(payload) + "\n")
            return
        what = f"applied {applied}" if applied else "already up to date"
        _out(f"team schema {version} in {display_url(url)} ({what})\n\n")
        _out("\n".join(s if s.startswith("--") else s + ";" for s in statements) + "\n")
        return
    if args.action == "push":
        if args.chunk_bytes < 1024:
            raise TeamUnavailable("--chunk-bytes must be at least 1024")
        author = args.author or default_author()
        report = push_sessions(
            tracer, url, author, args.project, not args.no_redact, args.chunk_bytes
        )
        if args.json:
            sys.stdout.write(json_text({"author": author, **report.__dict__}) + "\n")
            return
        masked = sum(report.redactions.values())
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(report.redactions.items()))
        _out(
            f"pushed as {author} to {display_url(url)}: {report.sessions} sessions "
            f"({report.sessions_sent} rows updated), {report.files} files, "
            f"{report.source_bytes:,} new bytes in {report.chunks} chunks "
            f"({report.stored_bytes:,} stored); masked {masked} secrets"
            + (f" ({kinds})" if kinds else "")
            + "\n"
        )
        return
    cache = TeamCache.for_url(_cache_dir(args), url)
    pulled = pull(cache, url, exclude_author=None)
    if args.json:
        sys.stdout.write(json_text({**pulled.__dict__, "changed": len(pulled.changed)}) + "\n")
        return
    _out(
        f"pulled {pulled.bytes:,} bytes in {pulled.chunks} chunks of {pulled.files} files "
        f"from {display_url(url)} into {cache.directory}\n"
    )


def _cache_dir(args: argparse.Namespace) -> Path:
    return Path(args.cache_dir) if getattr(args, "cache_dir", None) else default_cache_dir()


def open_team(args: argparse.Namespace) -> TeamCache:
    """``--team URL`` of a reading command: bring the local copy up to date (everyone's sessions
    but this machine's own author's) and return it. A database that cannot be reached costs one
    warning: the sessions pulled before are still read."""
    url = args.team
    cache = TeamCache.for_url(_cache_dir(args), url)
    try:
        pull(cache, url, exclude_author=default_author())
    except TeamUnavailable as exc:
        log.warning("%s; reading the team's sessions as last pulled", exc)
    return cache
