"""The language server's ``team`` option, as two calls for lsp/server.py (``attach`` does the
work for every long-running face)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..models import ServerOptions
from .attach import TeamView, start_sync, team_view
from .background import TeamSync


def _cache_dir(options: ServerOptions) -> Path | None:
    return Path(options.cache_dir).expanduser() if options.cache_dir else None


def team_options(options: ServerOptions) -> TeamView:
    """The pulled authors' folders and the annotation hooks (no network: the sync pulls)."""
    return team_view(_cache_dir(options), options.team)


def start_team_sync(
    tracer: Any, options: ServerOptions, on_pulled: Callable[[list[Path]], None]
) -> TeamSync | None:
    return start_sync(tracer, _cache_dir(options), options.team, on_pulled)
