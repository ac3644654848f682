"""Where the server's log records go: the client's window/logMessage (INFO and up) and stderr
(warnings, or the level in $CLAUDE_CODE_TRACER_LOG), without pygls' routine tracebacks. A
record goes one way only: while a client gets the package's records, stderr does not repeat them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from typing import TYPE_CHECKING

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcRequestCancelled

if TYPE_CHECKING:
    from .host import Host


class ClientLogHandler(logging.Handler):
    """Forwards the package's log records to the client as window/logMessage."""

    LEVELS = (
        (logging.ERROR, types.MessageType.Error),
        (logging.WARNING, types.MessageType.Warning),
        (logging.INFO, types.MessageType.Info),
    )

    def __init__(self, server: Host) -> None:
        super().__init__(logging.INFO)
        self.server = server
        self.setFormatter(logging.Formatter("%(message)s"))

    @property
    def forwarding(self) -> bool:
        """The client gets what this handler emits (else stderr must keep it)."""
        loop = self.server.loop
        return loop is not None and not loop.is_closed() and not self.server.closing

    def emit(self, record: logging.LogRecord) -> None:
        loop = self.server.loop
        if loop is None or loop.is_closed():
            return
        kind = next(
            (t for level, t in self.LEVELS if record.levelno >= level), types.MessageType.Log
        )
        try:
            params = types.LogMessageParams(type=kind, message=self.format(record))
        except Exception:
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            self._send(params)
        else:
            loop.call_soon_threadsafe(self._send, params)

    def _send(self, params: types.LogMessageParams) -> None:
        if self.server.closing and params.type != types.MessageType.Error:
            return
        with contextlib.suppress(Exception):
            self.server.window_log_message(params)


class _QuietExpectedErrors(logging.Filter):
    """pygls logs a traceback for every error response; InvalidParams and cancels are routine."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "pygls.protocol.json_rpc" and str(record.msg).startswith(
            "Unable to deserialize message"
        ):
            # pygls logs a traceback for params it cannot structure; TracerProtocol answers
            # them InvalidParams, so one line is enough.
            record.msg = "params that do not match the LSP specification: answered InvalidParams"
            record.args = ()
            return True
        if record.exc_info and record.exc_info[0] is not None:
            return not issubclass(
                record.exc_info[0], JsonRpcInvalidParams | JsonRpcRequestCancelled
            )
        return True


class _NotForwarded(logging.Filter):
    """Leaves out of stderr what the client already gets as window/logMessage.

    The client writes the server's stderr into the same log as its logMessages (VS Code's
    language client, at level error): a record sent both ways showed up twice, once as an
    error. Records of other libraries (pygls), and the package's while no client listens
    (before initialize, after shutdown), still go to stderr."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO or not record.name.startswith("claude_code_tracer"):
            return True
        handlers = logging.getLogger("claude_code_tracer").handlers
        return not any(isinstance(h, ClientLogHandler) and h.forwarding for h in handlers)


def log_to_stderr() -> None:
    """stderr gets warnings (or $CLAUDE_CODE_TRACER_LOG); the client gets INFO via logMessage."""
    name = os.environ.get("CLAUDE_CODE_TRACER_LOG", "WARNING").upper()
    level = logging.getLevelNamesMapping().get(name, logging.WARNING)
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setLevel(level)
    stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    stderr.addFilter(_QuietExpectedErrors())
    stderr.addFilter(_NotForwarded())
    root = logging.getLogger()
    root.addHandler(stderr)
    root.setLevel(level)
    logging.getLogger("claude_code_tracer").setLevel(min(level, logging.INFO))
