"""The core's one entry point: what the LSP handlers and the CLI commands call.

Each public method takes a validated params model and returns a model; nothing here knows about
JSON-RPC or terminals. Errors are raised as ``errors.TracerError`` subclasses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .models import (
    FilterOptions,
    MessageDetail,
    MessageGetParams,
    MessagesPage,
    MessagesPageParams,
    SessionChange,
    SessionMetrics,
    SessionRef,
    SessionsListParams,
    SessionsPage,
    SessionSubagents,
    SessionTools,
)

# progress(done, total): bytes parsed so far out of the bytes to parse.
ProgressFn = Callable[[int, int], None]


@dataclass
class TracerOptions:
    projects_roots: list[Path] = field(default_factory=list)
    cache_dir: Path | None = None
    session_ttl_seconds: float = 300.0
    max_loaded_bytes: int = 1024 * 1024 * 1024
    persistent_catalog: bool = True


class Tracer:
    def __init__(self, options: TracerOptions) -> None:
        raise NotImplementedError

    @property
    def roots(self) -> list[Path]:
        raise NotImplementedError

    def list_sessions(
        self, params: SessionsListParams, progress: ProgressFn | None = None
    ) -> SessionsPage:
        raise NotImplementedError

    def ensure_loaded(self, ref: SessionRef, progress: ProgressFn | None = None) -> bool:
        """Load or refresh the session's tables; True when a parse had to happen."""
        raise NotImplementedError

    def page(self, params: MessagesPageParams) -> MessagesPage:
        raise NotImplementedError

    def stream_pages(self, params: MessagesPageParams, batch_size: int) -> Iterator[MessagesPage]:
        """Yield the page in batches; the last yielded page carries nextCursor/hasMore/total."""
        raise NotImplementedError

    def get_message(self, params: MessageGetParams) -> MessageDetail:
        raise NotImplementedError

    def metrics(self, ref: SessionRef) -> SessionMetrics:
        raise NotImplementedError

    def tools(self, ref: SessionRef) -> SessionTools:
        raise NotImplementedError

    def subagents(self, ref: SessionRef) -> SessionSubagents:
        raise NotImplementedError

    def filters(self, ref: SessionRef) -> FilterOptions:
        raise NotImplementedError

    def changes_for(self, paths: dict[Path, str]) -> list[SessionChange]:
        """Map changed files (path -> 'added'|'modified'|'deleted') to session changes."""
        raise NotImplementedError

    def sweep(self) -> int:
        """Drop session tables idle past the TTL; returns how many were dropped."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError
