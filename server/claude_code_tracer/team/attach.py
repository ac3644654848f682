"""The ``team`` option of a long-running face (the language server, the MCP server), as two
calls: what the tracer reads (``team_view``: the pulled authors' folders, the annotation of
their rows with author and remote, and the path aliases that match a teammate's clone of the
same repository) and the background sync (``start_sync``: pull, and with ``push`` the
``sink.TeamSink`` fed by the tracer's own refresh). One ``TeamCache`` per cache folder and
database in a process, so the rows' authors follow what the sync pulls. Nothing here touches
the network: the sync does, on its thread."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import default_cache_dir
from ..models import TeamOptions
from .background import TeamSync
from .pull import TeamCache

log = logging.getLogger(__name__)

_lock = threading.Lock()
_caches: dict[Path, TeamCache] = {}


def shared_cache(cache_dir: Path, url: str) -> TeamCache:
    """The one ``TeamCache`` of this process for a database (the sync writes its state, the
    listings read it)."""
    fresh = TeamCache.for_url(cache_dir, url)
    with _lock:
        return _caches.setdefault(fresh.directory, fresh)


@dataclass
class TeamView:
    roots: list[Path] = field(default_factory=list)
    annotate: Callable[[Sequence[Any]], None] | None = None
    aliases: Callable[[str], list[str]] | None = None


def team_view(cache_dir: Path | None, team: TeamOptions | None) -> TeamView:
    """The authors' folders pulled so far and the annotation hooks; nothing without the option
    (or without psycopg, which the sync's start says)."""
    if team is None:
        return TeamView()
    try:
        cache = shared_cache(cache_dir or default_cache_dir(), team.url)
    except Exception:
        return TeamView()
    return TeamView(list(cache.roots()), cache.annotate, cache.aliases)


def start_sync(
    tracer: Any,
    cache_dir: Path | None,
    team: TeamOptions | None,
    on_pulled: Callable[[list[Path]], None] | None = None,
) -> TeamSync | None:
    """Start the background pull (and push) for ``tracer``; None without the option, or when
    it cannot work here (logged once)."""
    if team is None:
        return None
    try:
        cache = shared_cache(cache_dir or default_cache_dir(), team.url)
    except Exception as exc:
        log.warning("the team option is off: %s", exc)
        return None
    sync = TeamSync(
        tracer,
        cache,
        team.url,
        author=team.author,
        push=team.push,
        interval=team.interval_seconds,
        on_pulled=on_pulled,
    )
    sync.start()
    return sync
