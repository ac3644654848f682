"""The ``team`` command's arguments, apart from its work (``commands``): building the CLI's parser
must import nothing heavy (no DuckDB, psycopg or the catalog) so that ``--help`` starts at once."""

from __future__ import annotations

import argparse
from typing import Any

# source bytes per stored chunk (push.py stores each in a transaction of its own)
CHUNK_BYTES = 4 << 20


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
    p.set_defaults(run=_run_team)



def _run_team(args: argparse.Namespace, tracer: Any) -> None:
    from .commands import cmd_team

    cmd_team(args, tracer)


def add_mcp_team_options(p: argparse.ArgumentParser) -> None:
    """The MCP server's ``team`` option (the language server's ``team: {url, author, push}``)."""
    p.add_argument(
        "--team",
        metavar="URL",
        help="also read the sessions pushed to this team database, pulled in the background "
        "(default: $CLAUDE_CODE_TRACER_TEAM_URL when set)",
    )
    p.add_argument("--team-author", help="this machine's author in the team (default: user@host)")
    p.add_argument(
        "--team-push",
        action="store_true",
        help="also push this machine's new lines after each refresh (masked)",
    )
