"""Cold load of sessions against the orjson floor, in one process (issue #19, items 1-2).

    python benchmarks/load.py                     # the real samples, 3 repetitions
    python benchmarks/load.py --root R --session S [--project P]   # one session (a shape)
    python benchmarks/load.py --server /tmp/old/server             # another checkout's core

For each session: a fresh ``Tracer`` (catalog in memory, no archive) loads it (``ensure_loaded``:
every file parsed into the store), and, in the same process right after, the floor reads and
parses every line of the same files with orjson. Each is repeated and the minimum kept (the least
disturbed run on a shared machine); the ratio load / floor is what compares across runs. Also
counted: the DuckDB statements a load executes (a wrapper around the cursor's execute).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SAMPLES = [
    HERE.parent / "server" / "claude_code_tracer" / "samples" / "projects",
    HERE.parent / "tests" / "samples" / "projects",
]

WORKER = r"""
import gc, json, sys, time
from pathlib import Path
import orjson
from claude_code_tracer.models import SessionRef
from claude_code_tracer.tracer import Tracer, TracerOptions

spec = json.loads(sys.argv[1])
out = []
for root, project, sid in spec["sessions"]:
    best_load = best_floor = None
    statements = 0
    size = 0
    for _ in range(spec["reps"]):
        tracer = Tracer(TracerOptions(projects_roots=[Path(root)], persistent_catalog=False,
                                      archive=False))
        ref = SessionRef(session_id=sid, project=project)
        files = tracer._files(ref)
        tracer.db  # the in-memory database opened before the clock starts
        counted = [0]
        cursor = tracer.db.cursor
        class Counting:
            def __init__(self, cur): self.cur = cur
            def execute(self, *a, **k):
                counted[0] += 1
                return self.cur.execute(*a, **k)
            def __getattr__(self, name): return getattr(self.cur, name)
        tracer.db.cursor = lambda: Counting(cursor())
        gc.collect()
        t0 = time.perf_counter()
        tracer.ensure_loaded(ref)
        load = time.perf_counter() - t0
        statements = counted[0]
        tracer.close()
        size = sum(p.stat().st_size for p in files.all_files)
        t0 = time.perf_counter()
        for p in files.all_files:
            with open(p, "rb") as fh:
                for line in fh:
                    if line.strip():
                        try:
                            orjson.loads(line)
                        except orjson.JSONDecodeError:
                            pass
        floor = time.perf_counter() - t0
        best_load = load if best_load is None else min(best_load, load)
        best_floor = floor if best_floor is None else min(best_floor, floor)
    out.append({"session": sid, "bytes": size, "load": best_load, "floor": best_floor,
                "files": len(files.all_files), "statements": statements})
print(json.dumps(out))
"""


def sessions_under(roots: list[Path]) -> list[tuple[str, str, str]]:
    found = []
    for root in roots:
        for path in sorted(root.glob("*/*.jsonl")):
            if not path.name.startswith("agent-"):
                found.append((str(root), path.parent.name, path.stem))
    return found


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, action="append")
    ap.add_argument("--session")
    ap.add_argument("--project")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--server", help="the server/ folder of another checkout to measure")
    args = ap.parse_args()
    if args.session:
        assert args.root, "--session needs --root"
        project = args.project or next(
            p.parent.name for p in args.root[0].glob(f"*/{args.session}.jsonl")
        )
        sessions = [(str(args.root[0]), project, args.session)]
    else:
        sessions = sessions_under(args.root or SAMPLES)
    server = Path(args.server) if args.server else HERE.parent / "server"
    import json

    proc = subprocess.run(
        [sys.executable, "-c", WORKER, json.dumps({"sessions": sessions, "reps": args.reps})],
        env={**os.environ, "PYTHONPATH": str(server)},
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        print(proc.stderr, file=sys.stderr)
        return 1
    rows = json.loads(proc.stdout)
    mb = sum(r["bytes"] for r in rows) / 1e6
    load = sum(r["load"] for r in rows)
    floor = sum(r["floor"] for r in rows)
    stmts = sum(r["statements"] for r in rows)
    print(
        f"server {server}: {len(rows)} sessions, {sum(r['files'] for r in rows)} files, "
        f"{mb:.1f} MB, load average {os.getloadavg()[0]:.1f}, {time.strftime('%H:%M:%S')}"
    )
    print(
        f"  load {load * 1000:.0f} ms = {mb / load:.1f} MB/s; orjson floor {floor * 1000:.0f} ms "
        f"= {mb / floor:.1f} MB/s; load / floor {load / floor:.2f}x; "
        f"{stmts} DuckDB statements ({stmts / len(rows):.1f} per session)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
