"""``python -m tests.synthetic``: generate sessions, archives and appends from the shell."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import orjson

from .archives import generate_archive
from .common import Json
from .sessions import append_lines, generate_session


def _range_arg(text: str) -> int | tuple[int, int]:
    if "-" in text:
        lo, hi = text.split("-", 1)
        return int(lo), int(hi)
    return int(text)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.synthetic",
        description="Generate seeded synthetic Claude Code transcripts.",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)

    s = sub.add_parser("session", help="write one session transcript")
    s.add_argument("out", type=Path, help="a .jsonl file or a directory")
    s.add_argument("--messages", type=int, default=1000)
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--session-id")
    s.add_argument("--cwd", default="/home/dev/project")
    s.add_argument("--subagents", type=int, default=0)
    s.add_argument("--malformed", type=int, default=0)
    s.add_argument("--big-results", type=int, default=0)
    s.add_argument("--big-result-bytes", type=int, default=1_000_000)
    s.add_argument("--progress-ratio", type=float, default=0.3)

    a = sub.add_parser("archive", help="write a projects/ tree of many sessions")
    a.add_argument("root", type=Path)
    a.add_argument("--sessions", type=int, default=100)
    a.add_argument(
        "--messages",
        "--messages-per-session",
        dest="messages",
        type=_range_arg,
        default=(20, 400),
        help="N or LO-HI messages per session",
    )
    a.add_argument("--projects", type=int, default=20)
    a.add_argument("--seed", type=int, default=0)

    p = sub.add_parser("append", help="append live lines to an existing session")
    p.add_argument("path", type=Path)
    p.add_argument("--lines", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)

    ns = parser.parse_args(argv)
    t0 = time.perf_counter()
    if ns.cmd == "session":
        gs = generate_session(
            ns.out,
            messages=ns.messages,
            seed=ns.seed,
            session_id=ns.session_id,
            cwd=ns.cwd,
            subagents=ns.subagents,
            malformed=ns.malformed,
            big_results=ns.big_results,
            big_result_bytes=ns.big_result_bytes,
            progress_ratio=ns.progress_ratio,
        )
        report: Json = {
            "path": str(gs.path),
            "session_id": gs.session_id,
            "message_lines": gs.message_lines,
            "malformed_lines": gs.malformed_lines,
            "subagents": len(gs.subagent_ids),
            "tool_uses": gs.tool_use_count,
            "errors": gs.error_count,
            "bytes": gs.bytes,
        }
    elif ns.cmd == "archive":
        out = generate_archive(
            ns.root,
            sessions=ns.sessions,
            messages_per_session=ns.messages,
            projects=ns.projects,
            seed=ns.seed,
        )
        report = {
            "root": str(ns.root),
            "sessions": len(out),
            "message_lines": sum(g.message_lines for g in out),
            "subagents": sum(len(g.subagent_ids) for g in out),
            "bytes": sum(g.bytes for g in out),
        }
    else:
        report = {"path": str(ns.path), "appended": append_lines(ns.path, ns.lines, seed=ns.seed)}
    report["seconds"] = round(time.perf_counter() - t0, 3)
    sys.stdout.write(orjson.dumps(report).decode() + "\n")
    return 0
