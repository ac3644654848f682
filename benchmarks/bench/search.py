"""Search across sessions (issue #12): the text index's build and queries, in-process.

- build: ``TextIndex.refresh`` over the whole archive into an empty cache folder, MB/s of
  transcript bytes; the index's size on disk over the transcript bytes. Since #19 the index is
  a sink of the catalog's pass: this one read builds the catalog, the archive and the index
  together (compare with the index build alone before #19);
- queries: ``Tracer.search`` (what the LSP handler calls: parse, index query, snippets read from
  disk, grouped page of 50) for one word, two words, a phrase and a filtered query, p50 and p99;
  the index is refreshed (a stat per file) at most every 3 s, and those searches are counted;
- an appended line: the time from appending one line with a new word to the search that finds it
  (the search refreshes the index first).
"""

from __future__ import annotations

import itertools
import math
import shutil
from pathlib import Path
from typing import Any

import orjson

from .common import Appended, Config, Result, log, measure, now, timed, titled_section
from .data import DataSet

SIDE = "search"


def _du(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _transcript_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*.jsonl") if p.is_file())


def p99(samples: list[float]) -> float:
    s = sorted(samples)
    return s[max(1, math.ceil(0.99 * len(s))) - 1]


def _pick_words(index: Any) -> tuple[str, str]:
    """Two words each in about 1% of the messages, from the index itself, so the queries fit
    any generated archive."""
    searcher = index.index.searcher()
    docs = max(1, searcher.num_docs)
    terms = searcher.terms_with_prefix("text", "", limit=None)
    words = [(t, n) for t, n in terms if t.isalpha() and len(t) > 4]
    words.sort(key=lambda tn: (abs(tn[1] - docs * 0.01), tn[0]))
    return words[0][0], words[1][0]


def _phrase_after(tracer: Any, index: Any, word: str) -> str:
    """``"word next"``: the word and the one after it in a message that holds it."""
    from claude_code_tracer.models import SearchParams

    page = tracer.search(SearchParams(query=word, limit=20))
    for group in page.groups:
        for hit in group.hits:
            found, _ = index.analyze(hit.snippet)
            for a, b in itertools.pairwise(found):
                if a == word:
                    return f'"{a} {b}"'
    return f'"{word}"'


def run(ds: DataSet, cfg: Config) -> list[Result]:
    from claude_code_tracer.archive import Archive
    from claude_code_tracer.catalog import Catalog
    from claude_code_tracer.models import SearchParams
    from claude_code_tracer.textindex import INDEX_DIR, TextIndex
    from claude_code_tracer.tracer import Tracer, TracerOptions

    out: list[Result] = []
    root = Path(ds.archive_root)
    work = Path(cfg.scratch) / "search"
    shutil.rmtree(work, ignore_errors=True)
    nbytes = _transcript_bytes(root)
    params = {"sessions": len(ds.archive), "mb": round(nbytes / 1e6, 1)}

    log(f"search: building the index of {params['mb']} MB")
    index = TextIndex(work / "cache")
    catalog = Catalog(work / "cache", archive=Archive(work / "cache" / "archive"))
    ms, _ = timed(lambda: index.refresh(catalog, [root]))
    catalog.close()
    size = _du(work / "cache" / INDEX_DIR)
    docs = index.index.searcher().num_docs
    out.append(
        Result(
            "search.build",
            SIDE,
            params,
            [ms],
            extra={
                "mb_per_s": round(nbytes / 1e6 / (ms / 1000), 1),
                "index_bytes": size,
                "transcript_bytes": nbytes,
                "index_share": round(size / nbytes, 3),
                "documents": docs,
                "with": "catalog + archive in the same pass",
            },
        ).finish()
    )
    one, two = _pick_words(index)
    index.close()

    tracer = Tracer(TracerOptions(projects_roots=[root], cache_dir=work / "cache"))
    try:
        tracer.search(SearchParams(query=one))  # refresh: nothing left to index
        first = tracer.search(SearchParams(query=one, limit=1)).groups[0].hits[0]
        day = first.timestamp.date().isoformat() if first.timestamp else "2026-01-01"
        filtered = f"kind:{first.kind.value} after:{day} {one}"
        queries = {
            "one word": one,
            "two words": f"{one} {two}",
            "phrase": _phrase_after(tracer, tracer.text_index, one),
            "filtered": filtered,
            "newest first": one,
        }
        reps = 30 if cfg.quick else 300
        for label, query in queries.items():
            sort = "newest" if label == "newest first" else "relevance"
            p = SearchParams(query=query, limit=50, sort=sort)
            total = tracer.search(p).total
            # the first page asks the index to refresh (a stat per file) at most every few
            # seconds; a page with a cursor never does: measure both
            samples = measure(lambda p=p: tracer.search(p), reps, cfg.budget_s, warmup=2)
            out.append(
                Result(
                    "search.query",
                    SIDE,
                    {**params, "query": label},
                    samples,
                    extra={"text": query, "total": total, "p99_ms": round(p99(samples), 2)},
                ).finish()
            )

        target = max(ds.archive, key=lambda a: a.bytes)
        samples = []
        with Appended(Path(target.path)):  # puts the file back afterwards
            for i in range(3 if cfg.quick else 10):
                word = f"zqxappended{i}"
                with open(target.path, "a", encoding="utf-8") as fh:
                    line = {
                        "type": "user",
                        "uuid": f"bench-append-{i}",
                        "timestamp": "2026-12-01T00:00:00Z",
                        "message": {"role": "user", "content": word},
                    }
                    fh.write(orjson.dumps(line).decode() + "\n")
                tracer.changes_for({Path(target.path): "modified"})  # what the watcher does
                t0 = now()
                found = tracer.search(SearchParams(query=word)).total
                samples.append((now() - t0) * 1000)
                assert found == 1, f"the appended line is not found ({found})"
        out.append(Result("search.append", SIDE, params, samples).finish())
    finally:
        tracer.close()
        shutil.rmtree(work, ignore_errors=True)
    return out


def section(ix: Any) -> list[str]:
    """The RESULTS.md section (called by report.markdown)."""
    title = "## Search across sessions (issue #12)"
    return titled_section(ix, title, "search.build", SIDE, _body)


def _body(ix: Any, build: dict[str, Any]) -> list[str]:
    e = build["extra"]
    L = [
        "Index build over the archive, in the one pass that also builds the catalog and the "
        f"archive ({build['params']['sessions']} sessions, "
        f"{build['params']['mb']} MB of transcripts): {build['samples_ms'][0] / 1000:.1f} s, "
        f"**{e['mb_per_s']} MB/s**; {e['documents']:,} messages; the index takes "
        f"{e['index_bytes'] / 1e6:.1f} MB, **{100 * e['index_share']:.0f}%** of the transcript "
        "bytes (target: ≥ 50 MB/s, ≤ 50%).",
        "",
    ]
    L.append("| query | text | matches | p50 ms | p99 ms |")
    L.append("|---|---|---|---|---|")
    for r in ix.rows:
        if r["scenario"] != "search.query" or r["side"] != SIDE or not r.get("stats"):
            continue
        x = r["extra"]
        L.append(
            f"| {r['params']['query']} | `{x['text']}` | {x['total']:,} | "
            f"{r['stats']['median_ms']:.1f} | {x['p99_ms']:.1f} |"
        )
    L.append("")
    app = ix.find("search.append", SIDE)
    if app and app.get("stats"):
        L.append(
            f"An appended line is found by the next search (which refreshes the index): p50 "
            f"{app['stats']['median_ms']:.0f} ms, slowest {app['stats']['max_ms']:.0f} ms "
            "(target ≤ 1 s)."
        )
        L.append("")
    return L
