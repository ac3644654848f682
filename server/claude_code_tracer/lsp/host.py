"""What the handler modules may use of the language server: a small interface.

``server.py`` builds the server and registers the handlers of ``lifecycle``, ``editor``,
``sessions``, ``watching``, ``logs`` and ``progress``; those modules depend on the protocols
here, never on ``server.py``, so the import graph has no cycle and a handler's reach is written
down in one place. ``TracerServer`` satisfies ``Host`` structurally (mypy checks it where
``create_server`` registers the handlers).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from lsprotocol import types

if TYPE_CHECKING:
    from pygls.progress import Progress
    from pygls.protocol import LanguageServerProtocol
    from pygls.workspace import Workspace

    from ..models import ServerOptions
    from ..team.background import TeamSync
    from ..tracer import Tracer, TracerOptions

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


class LensRefresher(Protocol):
    """The editor state as the rest of the server sees it: ask for lenses again, stop."""

    def request_lens_refresh(self) -> None: ...

    def stop(self) -> None: ...


class DocumentHost(Protocol):
    """What the open documents' state needs: the client's documents and capabilities, a way
    to start a background task, and the lens refresh request."""

    @property
    def workspace(self) -> Workspace: ...

    @property
    def client_capabilities(self) -> types.ClientCapabilities: ...

    @property
    def closing(self) -> bool:
        """The client asked the server to shut down: no new work, no new notifications."""
        ...

    def spawn(self, coro: Any, name: str) -> asyncio.Task[Any]: ...

    async def workspace_code_lens_refresh_async(self, params: None) -> None: ...


class Host(DocumentHost, Protocol):
    """Everything a handler module reaches on the server."""

    options: ServerOptions
    executor: ThreadPoolExecutor
    loop: asyncio.AbstractEventLoop | None
    team_sync: TeamSync | None

    @property
    def editor(self) -> LensRefresher: ...

    @property
    def protocol(self) -> LanguageServerProtocol: ...

    @property
    def work_done_progress(self) -> Progress: ...

    @property
    def tracer(self) -> Tracer | None:
        """The tracer serving now, not counted as in use (``acquire`` counts)."""
        ...

    def feature(self, feature_name: str, options: Any | None = None) -> Callable[[F], F]: ...

    # the tracer's lifetime
    def tracer_options(self, options: ServerOptions) -> TracerOptions: ...

    def open_failed(self, exc: Exception) -> None: ...

    def install_tracer(self, tracer: Tracer, options: ServerOptions) -> None: ...

    async def apply_options(self, options: ServerOptions) -> None: ...

    def mark_initialized(self) -> None: ...

    def restart_background(self) -> None: ...

    async def shut_down(self) -> None: ...

    # running the core's blocking work
    def acquire(self, method: str) -> Tracer: ...

    def release(self, tracer: Tracer) -> None: ...

    def release_threadsafe(self, tracer: Tracer) -> None: ...

    async def run(self, fn: Callable[..., T], *args: Any) -> T: ...

    async def call(self, method: str, fn: Callable[[Tracer], T]) -> T: ...

    # the client
    def show_error(self, message: str) -> None: ...

    def client_supports_work_done(self) -> bool: ...

    def install_log_handler(self) -> None: ...

    def remove_log_handler(self) -> None: ...

    def progress(self, params: types.ProgressParams) -> None: ...

    def window_log_message(self, params: types.LogMessageParams) -> None: ...

    async def workspace_configuration_async(
        self, params: types.ConfigurationParams
    ) -> Sequence[Any | None]: ...
