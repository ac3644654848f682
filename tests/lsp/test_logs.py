"""A server log record reaches the client's log once (issue 22.11).

VS Code's language client writes the server's stderr into the same output channel as its
window/logMessage notifications, at level error: a warning sent both ways read twice, once as
``[error]``. These tests route real records through the handlers the server installs
(``log_to_stderr`` and ``ClientLogHandler``) with stderr captured.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Iterator
from typing import Any, cast

import pytest
from lsprotocol import types

from claude_code_tracer.lsp.host import Host
from claude_code_tracer.lsp.logs import ClientLogHandler, log_to_stderr


class _Server:
    """What ClientLogHandler uses of lsp/host.py's Host: its loop, closing, logMessage."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.closing = False
        self.sent: list[types.LogMessageParams] = []

    def window_log_message(self, params: types.LogMessageParams) -> None:
        self.sent.append(params)


@pytest.fixture
def stderr(monkeypatch: pytest.MonkeyPatch) -> Iterator[io.StringIO]:
    """log_to_stderr's handler writing into a buffer; the logging tree restored after."""
    buf = io.StringIO()
    monkeypatch.setattr("sys.stderr", buf)
    root = logging.getLogger()
    pkg = logging.getLogger("claude_code_tracer")
    saved: dict[str, Any] = {
        "root": (list(root.handlers), root.level),
        "pkg": (list(pkg.handlers), pkg.level),
    }
    monkeypatch.delenv("CLAUDE_CODE_TRACER_LOG", raising=False)
    log_to_stderr()
    yield buf
    root.handlers[:], root.level = saved["root"]
    pkg.handlers[:], pkg.level = saved["pkg"]


def _client_handler(server: _Server) -> ClientLogHandler:
    handler = ClientLogHandler(cast(Host, server))
    logging.getLogger("claude_code_tracer").addHandler(handler)
    return handler


async def test_a_warning_goes_to_the_client_and_not_again_to_stderr(stderr: io.StringIO) -> None:
    server = _Server(asyncio.get_running_loop())
    handler = _client_handler(server)
    try:
        logging.getLogger("claude_code_tracer.lsp.sessions").warning("the archive is full")
    finally:
        logging.getLogger("claude_code_tracer").removeHandler(handler)
    assert [(p.type, p.message) for p in server.sent] == [
        (types.MessageType.Warning, "the archive is full")
    ]
    assert "the archive is full" not in stderr.getvalue()


async def test_without_a_client_the_warning_still_reaches_stderr(stderr: io.StringIO) -> None:
    logging.getLogger("claude_code_tracer.lsp.sessions").warning("before initialize")
    assert "before initialize" in stderr.getvalue()


async def test_after_shutdown_stderr_takes_the_records_again(stderr: io.StringIO) -> None:
    server = _Server(asyncio.get_running_loop())
    server.closing = True
    handler = _client_handler(server)
    try:
        logging.getLogger("claude_code_tracer.lsp.lifecycle").warning("stopping late")
    finally:
        logging.getLogger("claude_code_tracer").removeHandler(handler)
    assert server.sent == []
    assert "stopping late" in stderr.getvalue()


async def test_other_libraries_records_stay_on_stderr(stderr: io.StringIO) -> None:
    server = _Server(asyncio.get_running_loop())
    handler = _client_handler(server)
    try:
        logging.getLogger("pygls.protocol").warning("a pygls warning")
    finally:
        logging.getLogger("claude_code_tracer").removeHandler(handler)
    assert server.sent == []
    assert "a pygls warning" in stderr.getvalue()
