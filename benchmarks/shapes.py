"""Benchmarks on real archive shapes (issue #10): what surrounds a session, and sheer size.

    python benchmarks/shapes.py            # full: 620 nested subagent files on 20K messages,
                                           # 2,000 flat agent files, a 1 GB session, the samples
    python benchmarks/shapes.py --quick    # CI: small sizes, same shapes, asserts nothing on times
    python benchmarks/shapes.py --big-mb 200 --out /tmp/shapes.md

Each shape is measured for three sides, each in a process of its own (its peak RSS is its own):
- core: this project in-process (``Tracer``): cold first page (a fresh tracer, the request that
  parses), the whole parse (MB/s), warm pages at depth 1 and 10, and the same warm page of the
  same main file alone in an empty folder (the cost of what surrounds the session);
- naive: DuckDB ``read_json_auto`` + ``OFFSET`` over the main file per request (bench/naive.py);
- floor: orjson over every line of every file of the session (bench/floor.py): no reader that
  builds rows from these files can parse them faster.
Data is generated (seeded) with ``tests.synthetic`` into benchmarks/.work/shapes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE.parent / "server"))
sys.path.insert(2, str(HERE.parent))  # tests.synthetic, the seeded generator

from bench.common import child_env, log, read_json, rss_mb, write_json  # noqa: E402

SAMPLE_ROOTS = [
    HERE.parent / "server" / "claude_code_tracer" / "samples" / "projects",
    HERE.parent / "tests" / "samples" / "projects",
]
PAGE = 50


# -- data ------------------------------------------------------------------------------------------
def _flat_agent(path: Path, session_id: str, n: int) -> None:
    import orjson

    with path.open("wb") as fh:
        for i in range(n):
            line = {
                "type": "user" if i % 2 == 0 else "assistant",
                "sessionId": session_id,
                "uuid": str(uuid.UUID(int=hash((path.name, i)) & ((1 << 128) - 1))),
                "isSidechain": True,
                "agentId": path.name[6:-6],
                "timestamp": f"2025-09-01T00:00:{i % 60:02d}.000Z",
                "message": {"role": "user", "content": f"subagent line {i}"},
            }
            fh.write(orjson.dumps(line) + b"\n")


def prepare(work: Path, quick: bool, big_mb: float) -> dict[str, Any]:
    """Generate the shapes once (a manifest says what is there); return the manifest."""
    from tests.synthetic import generate_session

    manifest_path = work / "manifest.json"
    want = {"quick": quick, "big_mb": big_mb, "v": 1}
    if manifest_path.exists():
        manifest: dict[str, Any] = read_json(manifest_path)
        if manifest.get("want") == want:
            return manifest
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    shapes: dict[str, Any] = {}

    # 2.1.x: one session with 620 subagent files under <sid>/subagents/.
    root = work / "nested" / "projects"
    g = generate_session(
        root / "-home-dev-nested", messages=2_000 if quick else 20_000, seed=10, subagents=620
    )
    shapes["nested-620"] = {"root": str(root), "sid": g.session_id, "project": "-home-dev-nested"}

    # 2.0.x: a session beside 2,000 flat agent files of other sessions (and 3 of its own).
    root = work / "flat" / "projects"
    proj = root / "-home-dev-flat"
    g = generate_session(proj, messages=500 if quick else 2_000, seed=11, subagents=3)
    for p in sorted((proj / g.session_id / "subagents").glob("agent-*.jsonl")):
        p.rename(proj / p.name)
    shutil.rmtree(proj / g.session_id, ignore_errors=True)
    for i in range(300 if quick else 2_000):
        _flat_agent(proj / f"agent-o{i:05d}.jsonl", str(uuid.UUID(int=i + 1)), 4)
    shapes["flat-2000"] = {"root": str(root), "sid": g.session_id, "project": "-home-dev-flat"}

    # One big session, grown to big_mb by messages (about 2 KB each in this generator).
    root = work / "big" / "projects"
    probe = generate_session(work / "probe", messages=2_000, seed=12)
    per_msg = probe.bytes / 2_000
    shutil.rmtree(work / "probe")
    g = generate_session(
        root / "-home-dev-big", messages=max(1_000, int(big_mb * 2**20 / per_msg)), seed=12
    )
    shapes[f"big-{big_mb:g}MB"] = {
        "root": str(root),
        "sid": g.session_id,
        "project": "-home-dev-big",
    }
    manifest = {"want": want, "shapes": shapes}
    write_json(manifest_path, manifest)
    return manifest


def session_files(root: Path, project: str, sid: str) -> list[Path]:
    from claude_code_tracer.agents import SessionLocator

    files = SessionLocator().resolve([root], sid, project)
    return list(files.all_files)


def alone_copy(work: Path, shape: dict[str, Any]) -> Path:
    """The shape's main file alone in a folder of its own: the page a session costs by itself."""
    root = work / "alone" / shape["sid"] / "projects"
    target = root / shape["project"] / f"{shape['sid']}.jsonl"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(Path(shape["root"]) / shape["project"] / f"{shape['sid']}.jsonl", target)
    return root


# -- sides (each in its own process) ---------------------------------------------------------------
def _median_ms(fn: Any, reps: int) -> float:
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times) * 1000, 2)


def _warm(root: Path, shape: dict[str, Any], reps: int, tracer: Any = None) -> dict[str, float]:
    from claude_code_tracer.models import MessagesPageParams
    from claude_code_tracer.tracer import Tracer, TracerOptions

    mine = tracer is None
    if tracer is None:
        tracer = Tracer(TracerOptions(projects_roots=[root], persistent_catalog=False))
    ref = {"session_id": shape["sid"], "project": shape["project"]}
    first = MessagesPageParams(**ref, limit=PAGE)
    tracer.ensure_loaded(first)
    cursor = None
    for _ in range(9):
        cursor = tracer.page(MessagesPageParams(**ref, limit=PAGE, cursor=cursor)).next_cursor
    tenth = MessagesPageParams(**ref, limit=PAGE, cursor=cursor)
    out = {
        "warm_page_ms": _median_ms(lambda: tracer.page(first), reps),
        "warm_page10_ms": _median_ms(lambda: tracer.page(tenth), reps),
    }
    if mine:
        tracer.close()
    return out


def _stream(tracer: Any, shape: dict[str, Any]) -> dict[str, Any]:
    """A whole-session stream (every message, sidechains too) of the loaded session, in batches
    of 500 summaries: when its first batch is ready, how long it all takes, and how much the
    process's peak RSS grew over the page case."""
    from claude_code_tracer.models import MessageFilter, MessagesStreamParams

    before = rss_mb()["peak_rss_mb"]
    params = MessagesStreamParams(
        session_id=shape["sid"],
        project=shape["project"],
        filter=MessageFilter(include_sidechains=True),
    )
    t0 = time.perf_counter()
    pages = tracer.stream_pages(params, 500)
    first = next(pages)
    first_ms = (time.perf_counter() - t0) * 1000
    n = len(first.messages)
    for page in pages:
        n += len(page.messages)
    return {
        "stream_messages": n,
        "stream_first_batch_ms": round(first_ms, 1),
        "stream_all_s": round(time.perf_counter() - t0, 2),
        "stream_peak_rss_growth_mb": round(rss_mb()["peak_rss_mb"] - before, 1),
    }


def side_core(work: Path, shape: dict[str, Any], reps: int) -> dict[str, Any]:
    from claude_code_tracer.models import MessagesPageParams, SessionRef
    from claude_code_tracer.tracer import Tracer, TracerOptions

    root = Path(shape["root"])
    files = session_files(root, shape["project"], shape["sid"])
    mb = sum(p.stat().st_size for p in files) / 2**20
    tracer = Tracer(TracerOptions(projects_roots=[root], persistent_catalog=False))
    t0 = time.perf_counter()
    page = tracer.page(MessagesPageParams(session_id=shape["sid"], project=shape["project"]))
    cold = time.perf_counter() - t0
    tracer.ensure_loaded(SessionRef(session_id=shape["sid"], project=shape["project"]))
    parsed = time.perf_counter() - t0
    loaded_rss = rss_mb()
    out: dict[str, Any] = {
        "files": len(files),
        "mb": round(mb, 1),
        "cold_first_page_ms": round(cold * 1000, 1),
        "first_page_complete": page.complete,
        "parse_s": round(parsed, 2),
        "parse_mb_s": round(mb / parsed, 1),
        # The peak up to here: one session parsed and open (what the RSS targets are about).
        "peak_rss_mb": loaded_rss["peak_rss_mb"],
        "rss_mb": loaded_rss["rss_mb"],
    }
    out.update(_warm(root, shape, reps, tracer))
    out.update(_stream(tracer, shape))
    out.update(_compare(work, shape, files, tracer, reps))
    tracer.close()
    return out


def _compare(
    work: Path, shape: dict[str, Any], files: list[Path], tracer: Any, reps: int
) -> dict[str, Any]:
    """The first page as the core serves it alone, with the watcher on (as the language server
    runs: subagent files are stat'ed when reported), and the same main file alone in a folder:
    interleaved, so that a busy machine weighs on all three alike."""
    from claude_code_tracer.models import MessagesPageParams, SessionRef
    from claude_code_tracer.tracer import Tracer, TracerOptions

    first = MessagesPageParams(session_id=shape["sid"], project=shape["project"], limit=PAGE)
    watched = Tracer(TracerOptions(projects_roots=[Path(shape["root"])], persistent_catalog=False))
    watched.set_watched(True)
    sides: dict[str, Any] = {"warm_page_ms": tracer, "watched_warm_page_ms": watched}
    if len(files) > 1:
        root = alone_copy(work, shape)
        sides["alone_warm_page_ms"] = Tracer(
            TracerOptions(projects_roots=[root], persistent_catalog=False)
        )
    times: dict[str, list[float]] = {k: [] for k in sides}
    ref = SessionRef(session_id=shape["sid"], project=shape["project"])
    for t in sides.values():
        t.page(first)
        # a session of 16 MB or more (all its files) answers its first page from its head and
        # parses the rest on a thread: warm pages are timed once every side holds the whole
        # session (else they time the GIL shared with that parse)
        t.ensure_loaded(ref)
    for _ in range(reps * 3):
        for key, t in sides.items():
            t0 = time.perf_counter()
            t.page(first)
            times[key].append(time.perf_counter() - t0)
    for t in sides.values():
        if t is not tracer:
            t.close()
    return {k: round(statistics.median(v) * 1000, 2) for k, v in times.items()}


def side_naive(work: Path, shape: dict[str, Any], reps: int) -> dict[str, Any]:
    from bench.naive import NaiveReader

    main = Path(shape["root"]) / shape["project"] / f"{shape['sid']}.jsonl"
    reader = NaiveReader(str(main))
    t0 = time.perf_counter()
    reader.page(0, PAGE)
    cold = time.perf_counter() - t0
    out: dict[str, Any] = {"cold_first_page_ms": round(cold * 1000, 1)}
    if cold < 5:
        out["warm_page_ms"] = _median_ms(lambda: reader.page(0, PAGE), min(reps, 3))
        out["warm_page10_ms"] = _median_ms(lambda: reader.page(9 * PAGE, PAGE), min(reps, 3))
    else:  # every naive request is a cold one
        out["warm_page_ms"] = out["warm_page10_ms"] = out["cold_first_page_ms"]
    out.update(rss_mb())
    return out


def side_floor(work: Path, shape: dict[str, Any], reps: int) -> dict[str, Any]:
    from bench.floor import parse_lines

    files = session_files(Path(shape["root"]), shape["project"], shape["sid"])
    mb = sum(p.stat().st_size for p in files) / 2**20
    t0 = time.perf_counter()
    for p in files:
        parse_lines(str(p))
    seconds = time.perf_counter() - t0
    return {"parse_s": round(seconds, 4), "parse_mb_s": round(mb / seconds, 1), **rss_mb()}


def side_samples(work: Path, shape: dict[str, Any], reps: int) -> dict[str, Any]:
    """Every real sample session: the core's whole parse against orjson's, in MB/s."""
    from bench.floor import parse_lines
    from claude_code_tracer.models import SessionRef
    from claude_code_tracer.tracer import Tracer, TracerOptions
    from claude_code_tracer.transcripts import iter_session_files

    core_s = floor_s = 0.0
    mb = 0.0
    sessions = 0
    for root in SAMPLE_ROOTS:
        tracer = Tracer(TracerOptions(projects_roots=[root], persistent_catalog=False))
        for project, path, _st in iter_session_files(root):
            sid = Path(path).name[:-6]
            files = session_files(root, project, sid)
            mb += sum(p.stat().st_size for p in files) / 2**20
            t0 = time.perf_counter()
            for p in files:
                parse_lines(str(p))
            floor_s += time.perf_counter() - t0
            t0 = time.perf_counter()
            tracer.ensure_loaded(SessionRef(session_id=sid, project=project))
            core_s += time.perf_counter() - t0
            sessions += 1
        tracer.close()
    return {
        "sessions": sessions,
        "mb": round(mb, 1),
        "core_parse_s": round(core_s, 2),
        "core_parse_mb_s": round(mb / core_s, 1),
        "floor_parse_s": round(floor_s, 2),
        "floor_parse_mb_s": round(mb / floor_s, 1),
        **rss_mb(),
    }


SIDES = {"core": side_core, "naive": side_naive, "floor": side_floor, "samples": side_samples}


def run_child(side: str, work: Path, name: str, shape: dict[str, Any], reps: int) -> dict[str, Any]:
    out = work / "results" / f"{name}.{side}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", side, "--work", str(work),
           "--shape", name, "--reps", str(reps), "--result", str(out)]
    log(f"{name}: {side}")
    proc = subprocess.run(cmd, env=child_env(), check=False, timeout=3600)
    if proc.returncode != 0 or not out.exists():
        return {"error": f"exit {proc.returncode}"}
    result: dict[str, Any] = read_json(out)
    return result


# -- report ----------------------------------------------------------------------------------------
def _ratio(a: Any, b: Any) -> str:
    try:
        return f"{float(a) / float(b):.2f}x"
    except (TypeError, ValueError, ZeroDivisionError):
        return "-"


def report(results: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks on real shapes",
        "",
        f"`{meta['cmd']}`, {meta['when']}, {meta['seconds']} s, load average at start "
        f"{meta['load']}, {os.cpu_count()} CPUs (shared). Times are medians, ms unless "
        "said; generated by benchmarks/shapes.py.",
        "",
        "| shape | files | MB | core cold first page | floor parse (orjson) | cold / floor "
        "| core parse MB/s | floor MB/s | core warm p1 / p10 | p1 watched | alone warm p1 "
        "| crowded (watched) / alone "
        "| naive p1 / p10 | naive / core (p10) | peak RSS core / naive MB "
        "| stream: messages, first batch ms, all s, RSS growth MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in results.items():
        if name == "samples":
            continue
        c, n, f = r.get("core", {}), r.get("naive", {}), r.get("floor", {})
        cold = c.get("cold_first_page_ms", "-")
        if c.get("first_page_complete") is False:
            cold = f"{cold} (head)"
        floor_ms = f.get("parse_s", 0) * 1000
        lines.append(
            f"| {name} | {c.get('files', '-')} | {c.get('mb', '-')} | {cold} "
            f"| {floor_ms:.1f} | {_ratio(c.get('cold_first_page_ms'), floor_ms)} "
            f"| {c.get('parse_mb_s', '-')} | {f.get('parse_mb_s', '-')} "
            f"| {c.get('warm_page_ms', '-')} / {c.get('warm_page10_ms', '-')} "
            f"| {c.get('watched_warm_page_ms', '-')} | {c.get('alone_warm_page_ms', '-')} "
            f"| {_ratio(c.get('warm_page_ms'), c.get('alone_warm_page_ms'))} "
            f"({_ratio(c.get('watched_warm_page_ms'), c.get('alone_warm_page_ms'))}) "
            f"| {n.get('warm_page_ms', '-')} / {n.get('warm_page10_ms', '-')} "
            f"| {_ratio(n.get('warm_page10_ms'), c.get('warm_page10_ms'))} "
            f"| {c.get('peak_rss_mb', '-')} / {n.get('peak_rss_mb', '-')} "
            f"| {c.get('stream_messages', '-')}, {c.get('stream_first_batch_ms', '-')}, "
            f"{c.get('stream_all_s', '-')}, {c.get('stream_peak_rss_growth_mb', '-')} |"
        )
    s = results.get("samples", {}).get("samples", {})
    if s:
        lines += [
            "",
            f"Real samples ({s.get('sessions')} sessions, {s.get('mb')} MB, Claude Code "
            f"1.0.98-2.1.235): core parse {s.get('core_parse_mb_s')} MB/s "
            f"({s.get('core_parse_s')} s), orjson floor {s.get('floor_parse_mb_s')} MB/s "
            f"({s.get('floor_parse_s')} s), peak RSS {s.get('peak_rss_mb')} MB.",
        ]
    lines += [
        "",
        "cold first page: a fresh tracer's first `messages/page` (it parses the session; a "
        "session of 16 MB or more, all its files, answers with its head, marked `(head)`). "
        "core parse: until the whole session is in its tables. crowded / alone: the warm page "
        "of the session with its surroundings against the same main file alone in a folder "
        "(its subagent rows are then absent too, so a nested shape also pays for scanning "
        "them; p1, watched and alone are measured interleaved in one process); watched: with "
        "`Tracer.set_watched(True)`, as the language server runs with its watcher on (a warm "
        "request stats the main file only). peak RSS core: after "
        "the session is parsed and open. stream: a whole-session `messages/stream` (sidechains "
        "too, batches of 500) of the loaded session, in-process.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--quick", action="store_true", help="small sizes, for CI")
    p.add_argument("--big-mb", type=float, default=None, help="the big session (1024; 20 quick)")
    p.add_argument("--reps", type=int, default=None, help="repetitions of warm pages")
    p.add_argument("--out", type=Path, default=None, help="report (default benchmarks/SHAPES.md)")
    p.add_argument("--work", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--worker", choices=SIDES, help=argparse.SUPPRESS)
    p.add_argument("--shape", help=argparse.SUPPRESS)
    p.add_argument("--result", type=Path, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    work = args.work or HERE / ".work" / ("shapes-quick" if args.quick else "shapes")
    reps = args.reps or (5 if args.quick else 30)
    if args.worker:
        manifest = read_json(work / "manifest.json")
        shape = manifest["shapes"].get(args.shape, {})
        write_json(args.result, SIDES[args.worker](work, shape, reps))
        return 0
    started = time.time()
    load = os.getloadavg()[0]
    big = args.big_mb if args.big_mb is not None else (20.0 if args.quick else 1024.0)
    log(f"generating shapes in {work}")
    manifest = prepare(work, args.quick, big)
    results: dict[str, dict[str, Any]] = {}
    for name, shape in manifest["shapes"].items():
        results[name] = {side: run_child(side, work, name, shape, reps)
                         for side in ("floor", "core", "naive")}
    results["samples"] = {"samples": run_child("samples", work, "samples", {}, reps)}
    given = argv if argv is not None else sys.argv[1:]
    meta = {
        "cmd": " ".join(["python benchmarks/shapes.py", *given]),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started)),
        "seconds": round(time.time() - started),
        "load": round(load, 2),
    }
    out = args.out or (work / "SHAPES.md" if args.quick else HERE / "SHAPES.md")
    out.write_text(report(results, meta))
    write_json(out.with_suffix(".json"), {"meta": meta, "results": results})
    log(f"wrote {out}")
    failed = [f"{n}.{s}" for n, r in results.items() for s, v in r.items() if "error" in v]
    if failed:
        log(f"failed: {', '.join(failed)}")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
