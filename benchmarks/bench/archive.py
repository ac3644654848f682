"""The archive (issue #14), in-process: what keeping every transcript costs.

- build: a catalog refresh of the whole generated archive with the archive on, against the same
  refresh with it off in the same run (the difference is what archiving costs), MB/s of
  transcript bytes archived; the archive's size over the transcript bytes;
- the same size share on the real sample transcripts (bundled and test samples);
- appends: one line appended to a large session, the refresh that archives it (ms).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson

from .common import Appended, Config, Result, log, now, timed, titled_section
from .data import DataSet

SIDE = "archive"
REPO = Path(__file__).resolve().parents[2]
REAL = [
    REPO / "server" / "claude_code_tracer" / "samples" / "projects",
    REPO / "tests" / "samples" / "projects",
]


def _transcript_bytes(roots: list[Path]) -> int:
    return sum(p.stat().st_size for r in roots for p in r.rglob("*.jsonl") if p.is_file())


def _refresh_ms(roots: list[Path], cache: Path, archive: bool) -> tuple[float, Any]:
    from claude_code_tracer.archive import Archive
    from claude_code_tracer.catalog import Catalog

    shutil.rmtree(cache, ignore_errors=True)
    store = Archive(cache / "archive") if archive else None
    catalog = Catalog(cache, persistent=True, archive=store)
    try:
        ms, _ = timed(lambda: catalog.refresh(roots))
    finally:
        catalog.close()
    return ms, store


def run(ds: DataSet, cfg: Config) -> list[Result]:
    out: list[Result] = []
    work = Path(cfg.scratch) / "archive"
    roots = [Path(ds.archive_root)]
    nbytes = _transcript_bytes(roots)
    params = {"sessions": len(ds.archive), "mb": round(nbytes / 1e6, 1)}
    log(f"archive: refreshing {params['mb']} MB with and without the archive")
    plain_ms, _ = _refresh_ms(roots, work / "plain", archive=False)
    ms, store = _refresh_ms(roots, work / "kept", archive=True)
    assert store is not None
    st = store.status()
    cost_s = max(1e-6, (ms - plain_ms) / 1000)
    out.append(
        Result(
            "archive.build",
            SIDE,
            params,
            [ms],
            extra={
                "plain_ms": round(plain_ms, 1),
                "archive_mb_per_s": round(nbytes / 1e6 / cost_s, 1),
                "archived_bytes": st.archived_bytes,
                "stored_bytes": st.stored_bytes,
                "share": round(st.stored_bytes / max(1, st.archived_bytes), 4),
            },
        ).finish()
    )

    real = [r for r in REAL if r.is_dir()]
    real_bytes = _transcript_bytes(real)
    _, real_store = _refresh_ms(real, work / "real", archive=True)
    assert real_store is not None
    rst = real_store.status()
    out.append(
        Result(
            "archive.real",
            SIDE,
            {"mb": round(real_bytes / 1e6, 1)},
            [],
            extra={
                "archived_bytes": rst.archived_bytes,
                "stored_bytes": rst.stored_bytes,
                "share": round(rst.stored_bytes / max(1, rst.archived_bytes), 4),
            },
        )
    )

    from claude_code_tracer.archive import Archive
    from claude_code_tracer.catalog import Catalog

    target = max(ds.archive, key=lambda a: a.bytes)
    cache = work / "kept"
    catalog = Catalog(cache, persistent=True, archive=Archive(cache / "archive"))
    samples: list[float] = []
    try:
        with Appended(Path(target.path)):
            for i in range(3 if cfg.quick else 20):
                line = {
                    "type": "user",
                    "uuid": f"bench-archive-{i}",
                    "sessionId": target.session_id,
                    "timestamp": "2026-12-01T00:00:00Z",
                    "message": {"role": "user", "content": f"appended {i}"},
                }
                with open(target.path, "ab") as fh:
                    fh.write(orjson.dumps(line) + b"\n")
                t0 = now()
                catalog.refresh(roots)
                samples.append((now() - t0) * 1000)
    finally:
        catalog.close()
        shutil.rmtree(work, ignore_errors=True)
    out.append(Result("archive.append", SIDE, params, samples).finish())
    return out


def section(ix: Any) -> list[str]:
    """The RESULTS.md section (called by report.markdown)."""
    title = "## The archive (issue #14)"
    return titled_section(ix, title, "archive.build", SIDE, _body)


def _body(ix: Any, build: dict[str, Any]) -> list[str]:
    e = build["extra"]
    L = [
        f"A first refresh of the generated archive ({build['params']['sessions']} sessions, "
        f"{build['params']['mb']} MB) takes {build['samples_ms'][0] / 1000:.1f} s with the "
        f"archive on and {e['plain_ms'] / 1000:.1f} s with it off: archiving runs at "
        f"**{e['archive_mb_per_s']} MB/s**, and the archive takes "
        f"{e['stored_bytes'] / 1e6:.1f} MB, "
        f"**{100 * e['share']:.1f}%** of the transcript bytes."
    ]
    real = ix.find("archive.real", SIDE)
    if real is not None:
        r = real["extra"]
        L.append(
            f"On the real sample transcripts ({real['params']['mb']} MB): "
            f"{r['stored_bytes'] / 1e6:.2f} MB, **{100 * r['share']:.1f}%**."
        )
    app = ix.find("archive.append", SIDE)
    if app and app.get("stats"):
        L.append(
            f"A line appended to the largest session is archived by the next refresh: p50 "
            f"{app['stats']['median_ms']:.1f} ms (catalog refresh included)."
        )
    L.append("")
    return L
