"""A tracer closed while a catalog refresh is under way on another thread (a server whose
client quit during its first build) waits for it, and leaves the catalog whole: a refresh that
finds its connections closed under it must not take the file for damaged and set it aside."""

from __future__ import annotations

import threading
from pathlib import Path

from claude_code_tracer.models import SessionsListParams
from claude_code_tracer.tracer import Tracer, TracerOptions

from ..synthetic import generate_archive


def test_close_waits_for_the_refresh_and_keeps_the_catalog(tmp_path: Path) -> None:
    generate_archive(tmp_path, sessions=8, messages_per_session=(50, 120), seed=3)
    cache = tmp_path / "cache"
    tracer = Tracer(TracerOptions(projects_roots=[tmp_path / "projects"], cache_dir=cache))
    midway, go = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def progress(done: int, total: int) -> None:
        if 0 < done < total and not midway.is_set():
            midway.set()
            go.wait(30)  # held here, mid-refresh, until close() has been called

    def refresh() -> None:
        try:
            tracer.list_sessions(SessionsListParams(limit=1), progress)
        except Exception as exc:
            errors.append(exc)

    worker = threading.Thread(target=refresh)
    worker.start()
    assert midway.wait(30)
    closer = threading.Thread(target=tracer.close)
    closer.start()
    closer.join(1.0)  # time for close() to begin: it must wait, not tear things down
    assert closer.is_alive()  # waiting for the refresh held mid-way
    go.set()
    worker.join(60)
    closer.join(60)
    assert not closer.is_alive() and not worker.is_alive()
    assert not list(cache.glob("*.damaged"))
    # the listing after the refresh may find the tracer closed: said so, and nothing else
    assert all("closed" in str(e) for e in errors), errors
    reopened = Tracer(TracerOptions(projects_roots=[tmp_path / "projects"], cache_dir=cache))
    try:
        assert len(reopened.list_sessions(SessionsListParams()).sessions) == 8
    finally:
        reopened.close()
