"""The MCP server's speed (issue #20) on its own, at full size or quick.

    python benchmarks/mcpspeed.py --full    # run.py's full data set (2,000 sessions, ~970 MB;
                                            # the 100K-message session) and a 1 GB session
    python benchmarks/mcpspeed.py --quick   # run.py's quick data set (CI-sized)
    python benchmarks/mcpspeed.py --full --reps 500 --work /tmp/cct-bench --out /tmp/MCP.md

The data is generated (seeded, with ``tests.synthetic``) into ``--work`` once and reused while
its parameters and the generator are unchanged: the archive and the sized sessions are run.py's
own data set (``<work>/data`` or ``<work>/data-quick``, shared with run.py), the 1 GB session
lives in ``<work>/mcp-big-<MB>MB``. What is measured is ``bench/mcp.py``'s (the same code as
run.py's ``mcp`` side). Writes MCP.md and MCP.json side by side (default benchmarks/MCP.md, or
``<work>/mcp-quick/MCP.md`` with --quick).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE.parent / "server"))
sys.path.insert(2, str(HERE.parent))  # tests.synthetic, the seeded generator

from bench import mcp as side  # noqa: E402
from bench.common import log, now, read_json, write_json  # noqa: E402
from bench.data import MB, DataSet, SessionSpec, _session, prepare  # noqa: E402


def big_session(work: Path, mb: float, like: SessionSpec) -> SessionSpec:
    """A session of about ``mb`` MB, as dense as ``like`` (generated once, then reused)."""
    import tests.synthetic

    messages = max(1_000, round(mb * MB * like.messages / max(1, like.bytes)))
    h = hashlib.sha256(repr((mb, messages, 1)).encode())
    for source in sorted(Path(tests.synthetic.__file__).parent.glob("*.py")):
        h.update(source.read_bytes())
    ident = h.hexdigest()[:16]
    base = work / f"mcp-big-{mb:g}MB"
    manifest = base / "manifest.json"
    if manifest.exists():
        spec = SessionSpec(**read_json(manifest)["session"])
        if read_json(manifest).get("identity") == ident and Path(spec.path).exists():
            log(f"reusing the {mb:g} MB session in {base}")
            return spec
    t0 = now()
    folder = base / "projects" / "-home-dev-src-bench-huge"
    for attempt in (1, 2):  # sized from the density of ``like``, then corrected once
        log(f"generating the ~{mb:g} MB session ({messages} messages)")
        shutil.rmtree(base, ignore_errors=True)
        spec = _session(folder, f"{mb:g}MB", messages, 5151)
        if attempt == 2 or abs(spec.mb - mb) <= 0.1 * mb:
            break
        messages = max(1_000, round(messages * mb / max(0.001, spec.mb)))
    write_json(manifest, {"identity": ident, "session": spec.__dict__})
    log(f"the {spec.mb:.0f} MB session is ready in {now() - t0:.0f} s")
    return spec


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--full", action="store_true", help="the issue's sizes")
    size.add_argument("--quick", action="store_true", help="run.py's quick data set")
    ap.add_argument("--work", type=Path, default=HERE / ".work",
                    help="where the data is generated and kept (default benchmarks/.work)")
    ap.add_argument("--reps", type=int, default=None,
                    help="paired repetitions per call (default 300 full, 30 quick)")
    ap.add_argument("--big-mb", type=float, default=None,
                    help="the big session's size (default 1024 with --full; with --quick, "
                    "run.py's quick big session unless given)")
    ap.add_argument("--big-rounds", type=int, default=None,
                    help="fresh servers asked for the big session's first page (default 3 / 1)")
    ap.add_argument("--out", type=Path, default=None, help="MCP.md (MCP.json beside it)")
    args = ap.parse_args(argv)  # fmt: skip
    work = args.work.resolve()
    started = time.time()
    t0 = now()
    if args.full:  # run.py's full data set: its sizes, big session and archive
        ds: DataSet = prepare(work, [1000, 10000, 100000], 100.0, 2000, quick=False)
        big = big_session(work, args.big_mb or 1024.0, max(ds.sessions, key=lambda s: s.messages))
    else:
        ds = prepare(work, [1000], 10.0, 100, quick=True)
        big = big_session(work, args.big_mb, ds.sessions[0]) if args.big_mb else ds.big
    plan = side.plan_of(
        ds,
        work=work / ("mcp-full" if args.full else "mcp-quick") / "tmp",
        quick=not args.full,
        budget_s=600.0 if args.full else 60.0,
        big=big,
        reps=args.reps or (300 if args.full else 30),
        big_rounds=args.big_rounds or (3 if args.full else 1),
    )
    load = os.getloadavg()[0]
    got = side.measure(plan)
    rows = [r.to_json() for r in side.results(plan, got)]
    out = args.out or (HERE / "MCP.md" if args.full else work / "mcp-quick" / "MCP.md")
    out.parent.mkdir(parents=True, exist_ok=True)
    meta: dict[str, Any] = {
        "command": " ".join(["python", "benchmarks/mcpspeed.py", *(argv or sys.argv[1:])]),
        "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(started)),
        "seconds": round(now() - t0, 1),
        "loadavg": [round(load, 2), round(os.getloadavg()[0], 2)],
        "cpus": os.cpu_count(),
    }
    write_json(out.with_suffix(".json"), {"meta": meta, "results": rows})
    by = {r["scenario"]: r for r in rows}
    lines = [
        "# The MCP server's speed (issue #20)",
        "",
        f"`{meta['command']}`, {meta['started']}, {meta['seconds']:.0f} s on {meta['cpus']} "
        f"CPUs (1-minute load average {meta['loadavg'][0]} at the start, "
        f"{meta['loadavg'][1]} at the end). Archive: {plan.archive_sessions} sessions, "
        f"{plan.archive_bytes / 1e6:.0f} MB; the deep session: {plan.deep_messages} messages; "
        f"the big session: {plan.big_mb:.0f} MB.",
        "",
        *side.table(by.get("mcp.search"), by.get("mcp.read_around"), by.get("mcp.read_first_big")),
    ]
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    log(f"wrote {out} and {out.with_suffix('.json')} in {meta['seconds']:.0f} s")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
