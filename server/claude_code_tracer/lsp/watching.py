"""The watcher: ``watchfiles`` over the projects roots, each debounced batch of transcript
changes mapped by the core to the sessions it touches and sent as ``sessions/didChange``."""

from __future__ import annotations

import asyncio
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from watchfiles import Change, awatch

from ..models import Method, SessionsDidChange

if TYPE_CHECKING:
    from .server import TracerServer

log = logging.getLogger(__name__)

WATCH_DEBOUNCE_MS = 200
WATCH_STEP_MS = 50
_NAMES = {Change.added: "added", Change.modified: "modified", Change.deleted: "deleted"}


async def watch(server: TracerServer, stop: asyncio.Event) -> None:
    """Watch the current tracer's roots until ``stop`` is set (or the task is cancelled)."""
    tracer = server.acquire("watcher")
    try:
        roots = [root for root in tracer.roots if root.is_dir()]
    finally:
        server.release(tracer)
    if not roots:
        log.info("not watching for changes: no projects root exists yet")
        return
    # awatch sets up its inotify watches synchronously when first iterated, so a callback
    # queued now runs once they exist: clients (and tests) may rely on "watching" meaning it.
    asyncio.get_running_loop().call_soon(
        log.info, "watching %s", ", ".join(str(root) for root in roots)
    )
    tracer.set_watched(True)  # subagent files are then stat'ed when reported (perf, #10)
    try:
        await _watch_loop(server, roots, stop)
    finally:
        tracer.set_watched(False)


async def _watch_loop(server: TracerServer, roots: list[Path], stop: asyncio.Event) -> None:
    async for batch in awatch(
        *roots,
        watch_filter=_is_transcript_change,
        debounce=WATCH_DEBOUNCE_MS,
        step=WATCH_STEP_MS,
        stop_event=stop,
        recursive=True,
        ignore_permission_denied=True,
    ):
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
            continue
        try:
            await _publish_changes(server, seen)
        except Exception as exc:
            log.warning("could not map file changes to sessions: %s", exc)


async def _publish_changes(server: TracerServer, seen: dict[Path, set[str]]) -> None:
    paths = {path: _change_kind(path, kinds) for path, kinds in seen.items()}
    changes = await server.call("watcher", lambda tracer: tracer.changes_for(paths))
    if changes and not server._shut_down:
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
