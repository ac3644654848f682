"""The watcher is set up on a thread of its own, and its batches reach the event loop.

Setting up inotify watches walks the whole projects tree; done on the event loop (as
``watchfiles.awatch`` does), it held every request of a server that had just started.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.lsp import watching


async def test_the_watcher_is_set_up_off_the_loop_and_reports_a_new_transcript(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made_on_loop_thread: list[bool] = []
    real = watching.RustNotify

    def spy(*args: Any) -> Any:
        made_on_loop_thread.append(threading.current_thread() is threading.main_thread())
        return real(*args)

    batches: list[watching.Batch] = []
    reported = asyncio.Event()

    async def handle(server: Any, batch: watching.Batch) -> None:
        batches.append(batch)
        reported.set()

    monkeypatch.setattr(watching, "RustNotify", spy)
    monkeypatch.setattr(watching, "_handle_batch", handle)
    (tmp_path / "-p").mkdir()
    stop, ready = asyncio.Event(), asyncio.Event()
    task = asyncio.ensure_future(watching._watch_loop(None, [tmp_path], stop, ready.set))  # type: ignore[arg-type]
    await asyncio.wait_for(ready.wait(), 30)
    (tmp_path / "-p" / "s.jsonl").write_text("{}\n")
    (tmp_path / "-p" / "notes.txt").write_text("not a transcript\n")
    await asyncio.wait_for(reported.wait(), 30)
    stop.set()
    await asyncio.wait_for(task, 30)
    assert made_on_loop_thread == [False]
    paths = {path for batch in batches for _, path in batch}
    assert str(tmp_path / "-p" / "s.jsonl") in paths
    assert not any(p.endswith("notes.txt") for p in paths)
    assert not any(t.name == "watcher" for t in threading.enumerate() if t.is_alive())
