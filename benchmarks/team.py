"""Benchmark of the team archive (issue #23) on a real PostgreSQL started for the run.

    python benchmarks/team.py            # full: the real samples copied 10 times (125 MB),
                                         # 2,000 small sessions for the idle push, 3 authors
    python benchmarks/team.py --quick    # small sizes, same measures; asserts nothing on times
    python benchmarks/team.py --copies 20 --idle-sessions 5000 --out /tmp/team.md

One run gives the ratios the issue asks for:
- push: a first push of an archive against the local first listing that parses and archives it;
- idle push: a push with nothing new, over many small sessions;
- three authors' copies in one database: a reader's first listing page (after its pulls), a page
  of a teammate's big session against the same page of a local copy, search p50.
PostgreSQL runs on a Unix socket (tests/team/pgserver.py): there is no network round trip here;
add yours to the database-bound numbers (push, pull).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE.parent / "server"))
sys.path.insert(2, str(HERE.parent))

from tests.team.pgserver import running_server  # noqa: E402

from claude_code_tracer.models import (  # noqa: E402
    MessagesPageParams,
    SearchParams,
    SessionsListParams,
)
from claude_code_tracer.team.db import init_schema  # noqa: E402
from claude_code_tracer.team.pull import TeamCache, pull  # noqa: E402
from claude_code_tracer.team.push import push_sessions  # noqa: E402
from claude_code_tracer.tracer import Tracer, TracerOptions  # noqa: E402

SAMPLE_ROOTS = [
    HERE.parent / "server" / "claude_code_tracer" / "samples" / "projects",
    HERE.parent / "tests" / "samples" / "projects",
]
BIG = ("-home-USER-projects-spotter-worktrees-spotter-a0y", "fa812bfe-b295-4cca-9c2f-fdf01028cb46")
QUERIES = ["spotter", "TODO app", "error", "CLAUDE.md", "bead", "router session", "mix test"]


def timed(fn: Callable[[], Any]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def copies_of_samples(root: Path, copies: int) -> int:
    for i in range(copies):
        for src in SAMPLE_ROOTS:
            for proj in sorted(src.iterdir()):
                suffix = "" if i == 0 else f"-c{i}"
                shutil.copytree(proj, root / f"{proj.name}{suffix}")
    return sum(p.stat().st_size for p in root.rglob("*.jsonl"))


def small_sessions(root: Path, n: int) -> None:
    src = next((SAMPLE_ROOTS[1] / "irr-1-4_session-resume-2026-05-17-23-49-01").glob("*.jsonl"))
    for i in range(n):
        d = root / f"-proj-{i % 50}"
        d.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, d / f"{uuid.UUID(int=i + 1)}.jsonl")


def tracer(roots: list[Path], cache: Path, copied: list[Path] | None = None) -> Tracer:
    return Tracer(
        TracerOptions(projects_roots=roots, cache_dir=cache, unarchived_roots=copied or [])
    )


def page_ms(t: Tracer, sid: str, reps: int) -> float:
    """p50 of a warm 50-message page at depth 10 (the session wholly parsed first)."""
    params = MessagesPageParams(session_id=sid, limit=50)
    t.ensure_loaded(params)
    cursor = None
    for _ in range(10):
        page = t.page(MessagesPageParams(session_id=sid, limit=50, cursor=cursor))
        cursor = page.next_cursor
    deep = MessagesPageParams(session_id=sid, limit=50, cursor=cursor)
    return statistics.median(timed(lambda: t.page(deep)) for _ in range(reps)) * 1000


def run(copies: int, idle_sessions: int, reps: int) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    work = Path(tempfile.mkdtemp(prefix="cct-team-bench-"))
    try:
        with running_server() as pg:
            import psycopg

            with psycopg.connect(pg.url(), autocommit=True) as con:
                con.execute("CREATE DATABASE bench")
            url = pg.url("bench")
            init_schema(url)

            # 1. a first push against the local first listing (parse + archive)
            root = work / "a" / "projects"
            size = copies_of_samples(root, copies)
            a = tracer([root], work / "a" / "cache")
            local = timed(lambda: a.list_sessions(SessionsListParams(limit=50)))
            report: dict[str, Any] = {}
            first = timed(lambda: report.setdefault("r", push_sessions(a, url, "alice@a")))
            stored = report["r"].stored_bytes
            rows.append(
                (
                    "archive",
                    f"{size / 1e6:.0f} MB, {len(list(root.iterdir()))} folders",
                    f"local first listing (parse + archive) {local:.2f} s",
                )
            )
            rows.append(
                (
                    "first push",
                    f"{first:.2f} s",
                    f"{first / local:.2f}x the local first "
                    f"listing (issue: <= 2x); {stored / 1e6:.1f} MB stored",
                )
            )

            # 2. an idle push over many small sessions
            sroot = work / "s" / "projects"
            small_sessions(sroot, idle_sessions)
            s = tracer([sroot], work / "s" / "cache")
            s.list_sessions(SessionsListParams(limit=1))
            push_sessions(s, url, "sam@s")
            idle = statistics.median(
                timed(lambda: push_sessions(s, url, "sam@s")) for _ in range(3)
            )
            rows.append(
                (
                    "idle push",
                    f"{idle:.2f} s",
                    f"{idle_sessions} sessions, nothing new (issue: <= 1 s for 2,000)",
                )
            )
            s.close()

            # 3. three authors' copies; a reader pulls and reads them beside nothing of its own
            for author in ("bob@b", "carol@c"):
                push_sessions(a, url, author)
            cache = TeamCache.for_url(work / "r" / "cache", url)
            pulled = timed(lambda: pull(cache, url, exclude_author="sam@s"))
            roots = list(cache.roots())
            r = tracer(roots, work / "r" / "cache", roots)
            cold = timed(lambda: r.list_sessions(SessionsListParams(limit=50)))
            warm = statistics.median(
                timed(lambda: r.list_sessions(SessionsListParams(limit=50))) for _ in range(reps)
            )
            rows.append(
                (
                    "pull",
                    f"{pulled:.2f} s",
                    f"3 authors' copies, {3 * size / 1e6:.0f} MB, first pull",
                )
            )
            idle_pull = statistics.median(
                timed(lambda: pull(cache, url, exclude_author="sam@s")) for _ in range(3)
            )
            rows.append(("idle pull", f"{idle_pull * 1000:.0f} ms", "nothing new"))
            rows.append(
                (
                    "team list, first page",
                    f"{warm * 1000:.0f} ms",
                    f"warm (issue: <= 300 ms); {cold:.2f} s when the pulled bytes are first parsed",
                )
            )
            _project, sid = BIG
            local_page = page_ms(a, sid, reps)
            team_page = page_ms(r, sid, reps)
            rows.append(
                (
                    "teammate's page",
                    f"{team_page:.1f} ms",
                    f"local warm page {local_page:.1f}"
                    f" ms: {team_page / local_page:.2f}x (issue: <= 2x + round trip)",
                )
            )
            r.search(SearchParams(query="spotter"))  # builds the index over the pulled copies
            times = [
                timed(lambda q=q: r.search(SearchParams(query=q, limit=50)))
                for q in QUERIES * max(1, reps // 3)
            ]
            rows.append(
                (
                    "team search",
                    f"p50 {statistics.median(times) * 1000:.0f} ms",
                    f"{len(times)} queries over 3 authors' copies (issue: p50 <= 100 ms)",
                )
            )
            a.close()
            r.close()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes (CI)")
    p.add_argument("--copies", type=int, default=None, help="copies of the samples (default 10)")
    p.add_argument("--idle-sessions", type=int, default=None, help="default 2000")
    p.add_argument("--out", type=Path, default=None, help="write the table here too")
    args = p.parse_args(argv)
    copies = args.copies or (1 if args.quick else 10)
    idle = args.idle_sessions or (200 if args.quick else 2000)
    rows = run(copies, idle, 5 if args.quick else 15)
    table = ["| measure | value | context |", "|---|---|---|"]
    table += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(table) + "\n"
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
