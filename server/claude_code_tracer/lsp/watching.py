"""The watcher: ``watchfiles`` over the projects roots, each debounced batch of transcript
changes mapped by the core to the sessions it touches and sent as ``sessions/didChange``.

The Rust watcher runs on a thread of its own, set up there too: setting up its inotify watches
walks the whole tree (50 ms for 2,000 sessions, seconds for a heavy user's archive), and
``awatch`` does that on the event loop, so the first requests after a start waited for it. The
thread releases the GIL while it walks and waits; batches reach the loop through a queue."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchfiles import Change
from watchfiles._rust_notify import RustNotify

from ..models import Method, SessionsDidChange

if TYPE_CHECKING:
    from .host import Host

log = logging.getLogger(__name__)

WATCH_DEBOUNCE_MS = 200
WATCH_STEP_MS = 50
_NAMES = {Change.added: "added", Change.modified: "modified", Change.deleted: "deleted"}


async def watch(server: Host, stop: asyncio.Event) -> None:
    """Watch the current tracer's roots until ``stop`` is set (or the task is cancelled)."""
    tracer = server.acquire("watcher")
    try:
        roots = [root for root in tracer.roots if root.is_dir()]
    finally:
        server.release(tracer)
    if not roots:
        log.info("not watching for changes: no projects root exists yet")
        return

    def ready() -> None:
        log.info("watching %s", ", ".join(str(root) for root in roots))
        tracer.set_watched(True)  # subagent files are then stat'ed when reported (perf, #10)

    try:
        await _watch_loop(server, roots, stop, ready)
    finally:
        tracer.set_watched(False)


Batch = set[tuple[Change, str]]


def _watch_thread(
    roots: list[Path],
    loop: asyncio.AbstractEventLoop,
    queue: asyncio.Queue[Batch | BaseException | None],
    halt: threading.Event,
    ready: Callable[[], None],
) -> None:
    """Set up the Rust watcher and hand each debounced batch of transcript changes to the loop;
    None when it stops. ``ready`` runs on the loop once the watches exist: "watching" is logged
    then, and clients (and tests) may rely on a change made after it being seen."""

    def put(item: Batch | BaseException | None) -> None:
        try:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        except RuntimeError:  # the loop is closed: the server is gone
            halt.set()

    try:
        with RustNotify([str(r) for r in roots], False, False, 300, True, True) as watcher:
            loop.call_soon_threadsafe(ready)
            while not halt.is_set():
                raw = watcher.watch(WATCH_DEBOUNCE_MS, WATCH_STEP_MS, 5_000, halt)
                if raw in ("stop", "signal"):
                    break
                if isinstance(raw, str):  # "timeout": nothing happened
                    continue
                batch = {
                    (Change(change), path)
                    for change, path in raw
                    if _is_transcript_change(Change(change), path)
                }
                if batch:
                    put(batch)
    except BaseException as exc:
        put(exc)
    finally:
        put(None)


async def _watch_loop(
    server: Host, roots: list[Path], stop: asyncio.Event, ready: Callable[[], None]
) -> None:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[Batch | BaseException | None] = asyncio.Queue()
    halt = threading.Event()
    thread = threading.Thread(
        target=_watch_thread, args=(roots, loop, queue, halt, ready), name="watcher", daemon=True
    )
    thread.start()
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while True:
            getting = asyncio.ensure_future(queue.get())
            await asyncio.wait({getting, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not getting.done():
                getting.cancel()
                return
            item = getting.result()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            await _handle_batch(server, item)
    finally:
        stopping.cancel()
        halt.set()  # the thread sees it within one step and ends: wait for it, off the loop
        await asyncio.shield(loop.run_in_executor(None, thread.join, 5))


async def _handle_batch(server: Host, batch: Batch) -> None:
    seen: dict[Path, set[str]] = {}
    for change, path in batch:
        if path.endswith(".jsonl"):
            seen.setdefault(Path(path), set()).add(_NAMES.get(change, "modified"))
        elif change == Change.added:
            # A new folder is watched only from when its creation is seen; files written
            # into it before that raise no event of their own, so look for them.
            for found in await server.run(_transcripts_under, Path(path)):
                seen.setdefault(found, set()).add("added")
    if not seen:
        return
    try:
        await publish_changes(server, seen)
    except Exception as exc:
        log.warning("could not map file changes to sessions: %s", exc)


async def publish_changes(server: Host, seen: dict[Path, set[str]]) -> None:
    paths = {path: _change_kind(path, kinds) for path, kinds in seen.items()}
    if server.team_sync is not None:
        server.team_sync.kick()  # one more consumer of the change: the team's copy
    changes = await server.call("watcher", lambda tracer: tracer.changes_for(paths))
    if changes and not server.closing:
        note = SessionsDidChange(changes=changes).dump()
        server.protocol.notify(Method.SESSIONS_DID_CHANGE, note)
        server.editor.request_lens_refresh()


def _is_transcript_change(change: Any, path: str) -> bool:
    return path.endswith(".jsonl") or (change == Change.added and os.path.isdir(path))


def _transcripts_under(folder: Path) -> list[Path]:
    try:
        return [path for path in folder.rglob("*.jsonl") if path.is_file()]
    except OSError:
        return []


def _change_kind(path: Path, kinds: set[str]) -> str:
    """One kind per path for a debounced batch (a set, so the events' order is lost)."""
    if not path.exists():
        return "deleted"
    return "added" if "added" in kinds else "modified"
