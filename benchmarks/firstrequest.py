"""What a fresh language server's first requests pay that later ones do not (issue #19, item 5).

    python benchmarks/firstrequest.py [--rounds 5] [--pause 0.5]

Each round starts a server over stdio on a folder holding two byte-identical copies of a real
session under two ids (so their cold loads cost the same), sends ``initialize``/``initialized``,
waits ``--pause`` seconds (an editor's user does not click in the first millisecond; 0 measures
a client that asks at once), then: ``sessions/list`` twice, the first page of copy A (cold: it
parses), the first page of copy B (cold too, but not the first). Reported: medians over the
rounds of list #1, list #2, page A, page B; page A - page B is the first-use cost of a page.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(1, str(HERE.parent / "server"))

from bench.lspclient import LspServer  # noqa: E402

SAMPLE = HERE.parent / "tests" / "samples" / "projects" / (
    "irr-13-multi-day-tool-heavy-session-2026-05-18-00-07-58"
)
IDS = ("aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000002")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--pause", type=float, default=0.5)
    args = ap.parse_args()
    src = next(p for p in sorted(SAMPLE.parent.glob("irr-13-*/*.jsonl")))
    times: dict[str, list[float]] = {"list 1": [], "list 2": [], "page A": [], "page B": []}
    with tempfile.TemporaryDirectory(prefix="firstreq-") as tmp:
        root = Path(tmp) / "projects" / "-home-dev-first"
        root.mkdir(parents=True)
        for sid in IDS:
            data = src.read_bytes().replace(src.stem.encode(), sid.encode())
            (root / f"{sid}.jsonl").write_bytes(data)
        for i in range(args.rounds):
            cache = Path(tmp) / f"cache{i}"
            with LspServer(Path(tmp) / f"stderr{i}.log") as server:
                server.initialize(
                    {"projectsRoot": str(root.parent), "cacheDir": str(cache), "watch": False}
                )
                time.sleep(args.pause)
                times["list 1"].append(server.request("sessions/list", {"limit": 50}).ms)
                times["list 2"].append(server.request("sessions/list", {"limit": 50}).ms)
                for label, sid in zip(("page A", "page B"), IDS, strict=True):
                    reply = server.request("messages/page", {"sessionId": sid, "limit": 50})
                    reply.ok()
                    times[label].append(reply.ms)
            shutil.rmtree(cache, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"{args.rounds} rounds, pause {args.pause:g} s, {src.stat().st_size / 1e6:.2f} MB session:"
        f" list 1 {med['list 1']:.1f} ms, list 2 {med['list 2']:.1f} ms,"
        f" page A (first) {med['page A']:.1f} ms, page B (second) {med['page B']:.1f} ms,"
        f" first-use cost of a page {med['page A'] - med['page B']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
