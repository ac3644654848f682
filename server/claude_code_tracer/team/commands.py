"""The CLI's ``team`` commands and its ``--team URL`` option: glue between argparse and the
team modules (schema, push, pull), so cli.py keeps one hook for each. Imports what a command
needs when it runs: building the parser (every CLI start, ``--help``) stays light."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..termsafe import clean, json_text
from .db import (
    TEAM_URL_ENV,
    TeamUnavailable,
    _parts,
    connect,
    display_url,
    init_schema,
    resolve_url,
    role_sql,
)

if TYPE_CHECKING:
    # push and pull (the catalog, the models) are imported by the action that runs
    from .pull import TeamCache

log = logging.getLogger("claude_code_tracer.team")


def _out(text: str) -> None:
    sys.stdout.write(clean(text))


def cmd_team(args: argparse.Namespace, tracer: Any) -> None:
    from .pull import TeamCache, pull
    from .push import CHUNK_BYTES, default_author, push_sessions

    if args.chunk_bytes is None:
        args.chunk_bytes = CHUNK_BYTES
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
        for problem in report.problems:
            log.warning("not pushed: %s", problem)
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
    from ..catalog import default_cache_dir

    return Path(args.cache_dir) if getattr(args, "cache_dir", None) else default_cache_dir()


def open_team(args: argparse.Namespace) -> TeamCache:
    """``--team URL`` of a reading command: bring the local copy up to date (everyone's sessions
    but this machine's own author's) and return it. A database that cannot be reached costs one
    warning: the sessions pulled before are still read."""
    from .pull import TeamCache, pull
    from .push import default_author

    url = args.team
    cache = TeamCache.for_url(_cache_dir(args), url)
    try:
        pull(cache, url, exclude_author=default_author())
    except TeamUnavailable as exc:
        log.warning("%s; reading the team's sessions as last pulled", exc)
    return cache


def mcp_team_options(args: argparse.Namespace) -> Any:
    """``mcp --team URL`` (or $CLAUDE_CODE_TRACER_TEAM_URL) as the ``TeamOptions`` the language
    server takes; None without either. A ``--team`` that cannot work (not a connection string,
    psycopg missing) is the command's error; from the environment, one warning and no team."""
    import os

    from ..models import TeamOptions

    url = args.team or os.environ.get(TEAM_URL_ENV, "").strip() or None
    if url is None:
        return None
    try:
        _parts(url)  # says what is wrong with it, without connecting
    except TeamUnavailable as exc:
        if args.team:
            raise
        log.warning("$%s is ignored: %s", TEAM_URL_ENV, exc)
        return None
    return TeamOptions(url=url, author=args.team_author, push=args.team_push)
