"""How long a CLI command takes, the whole process (issue #19, item 4).

    python benchmarks/startup.py                 # 2,000 generated sessions, 15 rounds
    python benchmarks/startup.py --quick         # 300 sessions, 5 rounds (CI: asserts nothing)
    python benchmarks/startup.py --server /tmp/old/server   # the same, on another checkout's core

Each round runs, one after the other (interleaved, so a load spike hits every command alike):
``python -c pass`` and ``python -c "import duckdb"`` (the floors), ``claude-code-tracer --help``,
an argument error (``sessions --limit x``), ``sessions --limit 20`` on a warm catalog of the
generated archive (the catalog is built once before the rounds: nothing changed, so the kept
answer is served, see ``listcache``), and the same listing after one transcript changed (its
mtime touched before each run: the full path, DuckDB and a refresh). Reported: median and min
wall time per command, and which heavy modules each command imported. Targets: ``--help`` <=
150 ms, ``sessions --limit 20`` <= 400 ms.

The server's modules are compiled to bytecode first, as ``pip install`` does: without cached
bytecode (``PYTHONDONTWRITEBYTECODE`` set, a source checkout) every command compiles ~20,000
lines first, which measured as half of a listing's time on a loaded 2-core machine.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE.parent))  # tests.synthetic, the seeded generator

HEAVY = ("duckdb", "pyarrow", "tantivy", "pygls", "pydantic", "zstandard")
# The CLI's entry point, run the same way for this checkout and another (--server): the console
# script does exactly this. The heavy modules it ended with are printed to stderr on request.
RUNNER = (
    "import sys, os\n"
    "from claude_code_tracer.cli import main\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    "if os.environ.get('STARTUP_MODULES'):\n"
    f"    print('MODULES', [m for m in {HEAVY!r} if m in sys.modules], file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def prepare(work: Path, sessions: int) -> Path:
    root = work / f"archive-{sessions}" / "projects"
    stamp = root.parent / "done"
    if not stamp.exists():
        from tests.synthetic import generate_archive

        print(f"generating {sessions} sessions in {root.parent}", file=sys.stderr)
        generate_archive(root.parent, sessions=sessions, messages_per_session=(5, 40), seed=19)
        stamp.write_text("ok")
    return root


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    return (time.perf_counter() - t0) * 1000, proc.returncode, proc.stderr


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sessions", type=int, default=None)
    ap.add_argument("--rounds", type=int, default=None)
    ap.add_argument("--server", help="the server/ folder of another checkout to measure")
    ap.add_argument("--work", default=str(HERE / ".work" / "startup"))
    args = ap.parse_args()
    sessions = args.sessions or (300 if args.quick else 2_000)
    rounds = args.rounds or (5 if args.quick else 15)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    root = prepare(work, sessions)
    server = Path(args.server) if args.server else HERE.parent / "server"
    compileall.compile_dir(str(server), quiet=1)  # what an installed package runs from
    env = {**os.environ, "PYTHONPATH": str(server)}
    cache = work / f"cache-{'other' if args.server else 'this'}"
    py = sys.executable
    cli = [py, "-c", RUNNER]
    list_cmd = [*cli, "sessions", "--limit", "20", "--root", str(root), "--cache-dir", str(cache)]
    # a warm catalog (and archive) first, then the timed rounds
    ms, code, err = run(list_cmd, env)
    if code != 0:
        print(err, file=sys.stderr)
        return 1
    print(f"catalog of {sessions} sessions built in {ms:.0f} ms", file=sys.stderr)
    commands = {
        "python -c pass": [py, "-c", "pass"],
        'python -c "import duckdb"': [py, "-c", "import duckdb"],
        "claude-code-tracer --help": [*cli, "--help"],
        "argument error (sessions --limit x)": [*cli, "sessions", "--limit", "x"],
        f"sessions --limit 20 (warm catalog, {sessions:,} sessions)": list_cmd,
        f"sessions --limit 20 (one of {sessions:,} sessions changed)": list_cmd,
    }
    touched = next(p for p in sorted(root.glob("*/*.jsonl")) if not p.name.startswith("agent-"))
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(rounds):
        for name, cmd in commands.items():
            if "changed" in name:
                os.utime(touched)  # a new mtime: the stat loop sees a change
            times[name].append(run(cmd, env)[0])
    modules: dict[str, str] = {}
    for name, cmd in commands.items():
        if "changed" in name:
            os.utime(touched)
        if cmd[:2] == [py, "-c"] and cmd[2] == RUNNER:
            _, _, err = run(cmd, {**env, "STARTUP_MODULES": "1"})
            line = next((x for x in err.splitlines() if x.startswith("MODULES")), "")
            modules[name] = line.removeprefix("MODULES ").strip()
    load = os.getloadavg()[0]
    print(f"\n{rounds} rounds, server {server}, load average {load:.1f}\n")
    print("| command | median ms | min ms | heavy modules imported |")
    print("|---|---|---|---|")
    for name, values in times.items():
        print(
            f"| {name} | {statistics.median(values):.0f} | {min(values):.0f} "
            f"| {modules.get(name, '-')} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
