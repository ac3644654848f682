"""The language server's `team` option, as two calls for lsp/server.py: what the tracer reads
(``team_options``: the pulled authors' folders and the annotation of their rows) and the
background sync (``start_team_sync``). Both use one ``TeamCache`` per cache folder, so the rows'
authors follow what the sync pulls."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..catalog import default_cache_dir
from ..models import ServerOptions
from .background import TeamSync
from .pull import TeamCache

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


def _cache_dir(options: ServerOptions) -> Path:
    return Path(options.cache_dir).expanduser() if options.cache_dir else default_cache_dir()


def team_options(options: ServerOptions) -> TeamView:
    """The authors' folders pulled so far and the annotation hook (no network: the sync pulls);
    nothing without the option, or without psycopg (logged by the sync's start)."""
    if options.team is None:
        return TeamView()
    try:
        cache = shared_cache(_cache_dir(options), options.team.url)
    except Exception:
        return TeamView()
    return TeamView(list(cache.roots()), cache.annotate, cache.aliases)


def start_team_sync(
    tracer: Any, options: ServerOptions, on_pulled: Callable[[list[Path]], None]
) -> TeamSync | None:
    team = options.team
    if team is None:
        return None
    try:
        cache = shared_cache(_cache_dir(options), team.url)
    except Exception as exc:
        import logging

        logging.getLogger(__name__).warning("the team option is off: %s", exc)
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
