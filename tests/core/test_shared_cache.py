"""Many processes on one fresh cache (two editor windows opening after install, a CLI beside
them): one builds the search index, the others wait for it or search what it has committed, a
builder that dies is taken over, and every process finds every hit (issue 18.2).

Expected hits are counted by the brute-force oracle from the raw lines."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from claude_code_tracer.textindex import BuilderLock

from .search_oracle import read_archive
from .test_real_transcripts import sample_dirs

WORD = "error"


def _archive(tmp_path: Path) -> tuple[Path, int]:
    root = tmp_path / "projects"
    for src in sample_dirs():
        shutil.copytree(src, root / src.name)
    expected = sum(1 for m in read_archive(root) if WORD in m.words)
    assert expected > 20
    return root, expected


def _search(root: Path, cache: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "claude_code_tracer", "search", WORD, "--json",
            "--all-projects", "--limit", "1", "--root", str(root), "--cache-dir", str(cache),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip


def test_twenty_processes_on_a_fresh_cache_each_find_every_hit(tmp_path: Path) -> None:
    root, expected = _archive(tmp_path)
    cache = tmp_path / "cache"
    procs = [_search(root, cache) for _ in range(20)]
    totals = []
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
        page = json.loads(out)
        totals.append((page["total"], page.get("indexing")))
    assert totals == [(expected, False)] * 20


def test_a_builder_that_died_is_taken_over(tmp_path: Path) -> None:
    """A build killed half way (SIGKILL: no cleanup at all) leaves its lock to the OS, and the
    next process takes over and completes the index."""
    root, expected = _archive(tmp_path)
    cache = tmp_path / "cache"
    first = _search(root, cache)
    lock = BuilderLock(cache / "textindex.lock")
    # wait until the first process holds the builder lock (it is building), then kill it
    deadline = time.monotonic() + 120
    while not (cache / "textindex.lock").exists() or lock.try_acquire():
        lock.release()
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline
        try:
            first.wait(timeout=0.02)
        except subprocess.TimeoutExpired:
            pass
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    second = _search(root, cache)
    out, err = second.communicate(timeout=600)
    assert second.returncode == 0, err
    assert json.loads(out)["total"] == expected


def test_an_editor_beside_a_build_searches_what_is_committed_and_says_indexing(
    tmp_path: Path,
) -> None:
    """A process that finds the builder lock taken answers at once (wait=0, the server's way)
    with indexing: true, and finds every hit once the build is done."""
    from claude_code_tracer.models import SearchParams
    from claude_code_tracer.tracer import Tracer, TracerOptions

    root, expected = _archive(tmp_path)
    cache = tmp_path / "cache"
    holder = BuilderLock(cache / "textindex.lock")
    cache.mkdir()
    assert holder.try_acquire()  # another process's build, as far as the tracer can tell
    tracer = Tracer(TracerOptions(projects_roots=[root], cache_dir=cache))
    try:
        params = SearchParams.model_validate({"query": WORD, "limit": 1})
        busy = tracer.search(params)
        assert busy.indexing and (busy.total or 0) < expected
        holder.release()
        tracer._index_fresh_until = 0.0
        done = tracer.search(params)
        assert not done.indexing and done.total == expected
    finally:
        tracer.close()
