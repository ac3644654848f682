"""Benchmarks of claude-code-tracer against the naive way, the upstream 0.1.4 and the floor.

    python benchmarks/run.py          # full: sessions of 1K, 10K, 100K messages; 2,000 sessions
    python benchmarks/run.py --quick  # CI: the smallest size; asserts nothing on times
    python benchmarks/run.py --sizes 1000,10000 --sides core,lsp --out /tmp/r.md

Data is generated (seeded) into benchmarks/.work/ (gitignored) with tests.synthetic,
and every measured side runs in its own subprocess so that its peak RSS is its own. RESULTS.md
and RESULTS.json are written side by side. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE.parent / "server"))
sys.path.insert(2, str(HERE.parent))  # tests.synthetic, the seeded generator

from bench import report  # noqa: E402
from bench.common import (  # noqa: E402
    Config,
    Result,
    child_env,
    cpu_ticks,
    log,
    now,
    other_cpu_share,
    read_json,
    rss_mb,
    write_json,
)
from bench.data import DataSet, data_dir  # noqa: E402

SIDES = ("floor", "naive", "core", "lsp", "upstream", "search", "archive", "mcp")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sizes", default=None,
                   help="messages per session, comma-separated (default 1000,10000,100000)")
    p.add_argument("--archive-sessions", type=int, default=None,
                   help="sessions in the archive (default 2000; 100 with --quick)")
    p.add_argument("--big-mb", type=float, default=None,
                   help="size of the refresh/memory session in MB (default 100; 10 with --quick)")
    p.add_argument("--quick", action="store_true",
                   help="smallest size, few repetitions: for CI (< 2 minutes)")
    p.add_argument("--sides", default=",".join(SIDES),
                   help=f"which sides to measure (default {','.join(SIDES)})")
    p.add_argument("--out", type=Path, default=None,
                   help="RESULTS.md path; RESULTS.json goes beside it "
                   "(default benchmarks/RESULTS.md, or benchmarks/.work/quick/RESULTS.md "
                   "with --quick)")
    p.add_argument("--work", type=Path, default=HERE / ".work",
                   help="scratch folder for data, venvs, caches (default benchmarks/.work)")
    p.add_argument("--reps", type=int, default=None, help="repetitions of fast requests")
    p.add_argument("--slow-reps", type=int, default=None, help="repetitions of slow requests")
    p.add_argument("--budget", type=float, default=None,
                   help="seconds per scenario and side before repetitions stop")
    p.add_argument("--report-only", action="store_true",
                   help="rewrite RESULTS.md/.json from the last results in the work folder")
    p.add_argument("--list-deadline", type=float, default=None,
                   help="seconds allowed to the upstream server for one session listing")
    # Internal: run one side in this process.
    p.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    p.add_argument("--config", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    return p.parse_args(argv)


def make_config(args: argparse.Namespace) -> tuple[Config, list[int], int, float]:
    if args.quick:
        cfg = Config(work=str(args.work), quick=True, reps=5, slow_reps=2, budget_s=5.0,
                     depths=[1, 2, 10], list_deadline_s=30.0, request_timeout_s=60.0,
                     ttl_s=2.0)
        sizes, archive, big = [1000], 100, 10.0
    else:
        cfg = Config(work=str(args.work))
        sizes, archive, big = [1000, 10000, 100000], 2000, 100.0
    if args.sizes:
        sizes = [int(x) for x in args.sizes.split(",") if x.strip()]
    if args.archive_sessions is not None:
        archive = args.archive_sessions
    if args.big_mb is not None:
        big = args.big_mb
    if args.reps is not None:
        cfg.reps = args.reps
    if args.slow_reps is not None:
        cfg.slow_reps = args.slow_reps
    if args.budget is not None:
        cfg.budget_s = args.budget
    if args.list_deadline is not None:
        cfg.list_deadline_s = args.list_deadline
    return cfg, sizes, archive, big


def worker(args: argparse.Namespace) -> int:
    """One side, in its own process: run its scenarios, write its results and its own RSS."""
    cfg = Config.from_json(read_json(args.config))
    ds = DataSet.from_json(read_json(args.data))
    module = importlib.import_module(f"bench.{args.worker}")
    load_before = os.getloadavg()
    ticks = cpu_ticks()
    t0 = now()
    results: list[Result] = module.run(ds, cfg)
    seconds = now() - t0
    write_json(args.result, {
        "side": args.worker,
        "seconds": round(seconds, 1),
        # CPU used by other processes on the machine while this side ran (not ours, not our
        # servers'): the machine is shared, so this says how quiet it was.
        "other_cpu": round(other_cpu_share(ticks, cpu_ticks(), seconds), 3),
        "process": rss_mb(),
        # The 1-minute load average when the side started and ended: other work on the machine.
        "loadavg": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "results": [r.to_json() for r in results],
    })
    return 0


def run_side(side: str, cfg: Config, cfg_path: Path, data_path: Path,
             results: Path) -> dict[str, Any]:
    result_path = results / f"{side}.json"
    result_path.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", side,
           "--config", str(cfg_path), "--data", str(data_path), "--result", str(result_path)]
    t0 = now()
    log(f"side {side}: starting")
    timeout = 600 if cfg.quick else 2400
    try:
        proc = subprocess.run(cmd, env=child_env(), timeout=timeout, stdout=subprocess.PIPE,
                              stderr=None, text=True)
        code: int | str = proc.returncode
    except subprocess.TimeoutExpired:
        code = f"timed out after {timeout} s"
    seconds = round(now() - t0, 1)
    if code == 0 and result_path.exists():
        data: dict[str, Any] = read_json(result_path)
        data["wall_seconds"] = seconds
        log(f"side {side}: done in {seconds} s")
        return data
    log(f"side {side}: FAILED ({code})")
    err = Result("error", side, {}, note=f"the {side} worker failed: exit {code}")
    return {"side": side, "seconds": seconds, "wall_seconds": seconds, "process": {},
            "results": [err.to_json()], "failed": True}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(args)
    started = time.time()
    at_start = report.tree_state()
    t0 = now()
    cfg, sizes, archive, big = make_config(args)
    work = Path(cfg.work).resolve()
    cfg.work = str(work)
    work.mkdir(parents=True, exist_ok=True)
    out = args.out or (work / "quick" / "RESULTS.md" if args.quick else HERE / "RESULTS.md")
    sides = [s for s in args.sides.split(",") if s]
    unknown = set(sides) - set(SIDES)
    if unknown:
        raise SystemExit(f"unknown sides: {', '.join(sorted(unknown))}")

    # Data generation runs in a child too, so that this process stays small.
    data_path = data_dir(work, cfg.quick) / "manifest.json"
    gen = subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
         "from bench.data import prepare; "
         "prepare(Path(sys.argv[2]), [int(x) for x in sys.argv[3].split(',')], "
         "float(sys.argv[4]), int(sys.argv[5]), sys.argv[6] == '1')",
         str(HERE), str(work), ",".join(map(str, sizes)), str(big), str(archive),
         "1" if cfg.quick else "0"],
        env=child_env(), check=False,
    )
    if gen.returncode != 0:
        raise SystemExit("generating the data set failed")
    ds = DataSet.from_json(read_json(data_path))
    run_dir = work / ("quick" if cfg.quick else "full")
    results = run_dir / "results"
    cfg.scratch = str(run_dir)
    if not args.report_only:
        shutil.rmtree(run_dir / "tmp", ignore_errors=True)
        shutil.rmtree(run_dir / "upstream", ignore_errors=True)
    cfg_path = run_dir / "config.json"
    write_json(cfg_path, asdict(cfg))

    if args.report_only:
        runs = [read_json(results / f"{side}.json") for side in sides
                if (results / f"{side}.json").exists()]
    else:
        runs = [run_side(side, cfg, cfg_path, data_path, results) for side in sides]
    meta = report.meta(args_line=" ".join(["python", "benchmarks/run.py",
                                            *(argv if argv is not None else sys.argv[1:])]),
                       started=started, seconds=round(now() - t0, 1), cfg=cfg,
                       at_start=at_start)
    report.write(out, meta, ds, runs)
    log(f"wrote {out} and {out.with_suffix('.json')} in {meta['duration_s']} s")
    failed = [r["side"] for r in runs if r.get("failed")]
    if failed:
        log(f"failed sides: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
