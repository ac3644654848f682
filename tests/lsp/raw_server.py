"""The real server process driven with raw bytes on its stdin (what pytest-lsp cannot send).

``RawServer.send`` writes any bytes; ``frame`` builds a well-formed message; ``wait_for(id)``
reads framed responses from stdout until the one with that id, within a bound (a deaf server
fails the test instead of hanging it).
"""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from .lsp_support import init_params, server_env

BOUND = 20.0  # seconds: far above any answer's latency


def frame(message: dict[str, Any] | bytes, header: str = "Content-Length") -> bytes:
    body = message if isinstance(message, bytes) else json.dumps(message).encode()
    return f"{header}: {len(body)}\r\n\r\n".encode() + body


def request(msg_id: int | str, method: str, params: Any = None) -> bytes:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": msg_id, "method": method}
    if params is not None:
        msg["params"] = params
    return frame(msg)


class RawServer:
    def __init__(self) -> None:
        # a file, not a pipe: a server that logs much must never block on a full pipe
        self._stderr = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "claude_code_tracer", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=server_env(),
        )
        self._buf = b""
        self.messages: list[dict[str, Any]] = []

    def send(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def initialize(self, projects: Path, cache: Path) -> None:
        params = init_params(projects, cache)
        opts = params.initialization_options
        self.send(request(0, "initialize", {"capabilities": {}, "initializationOptions": opts}))
        assert "result" in self.wait_for(0)
        self.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))

    def _read_some(self, deadline: float) -> bool:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], left)
        if not ready:
            return False
        chunk = os.read(fd, 65536)
        if not chunk:
            return False
        self._buf += chunk
        return True

    def _next_message(self, deadline: float) -> dict[str, Any] | None:
        while True:
            head, sep, rest = self._buf.partition(b"\r\n\r\n")
            if sep:
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                if len(rest) >= length:
                    self._buf = rest[length:]
                    msg: dict[str, Any] = json.loads(rest[:length])
                    self.messages.append(msg)
                    return msg
            if not self._read_some(deadline):
                return None

    def wait_for(self, msg_id: int | str | None, bound: float = BOUND) -> dict[str, Any]:
        """The response with this id (``None``: the next error response without an id)."""
        deadline = time.monotonic() + bound
        while True:
            msg = self._next_message(deadline)
            assert msg is not None, (
                f"no answer to {msg_id!r} within {bound} s; alive={self.proc.poll() is None}"
            )
            if "method" in msg:
                continue  # a notification or a request from the server
            if msg.get("id") == msg_id:
                return msg

    def client_log(self) -> str:
        """The window/logMessage texts the server sent: where its records go while a client
        listens (stderr does not repeat them)."""
        return "\n".join(
            str(m["params"]["message"])
            for m in self.messages
            if m.get("method") == "window/logMessage"
        )

    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> tuple[int | None, str]:
        """End the process (stdin closed first, as a client that goes away); its exit code and
        stderr."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.close()
        except BrokenPipeError:
            pass
        code: int | None
        try:
            code = self.proc.wait(timeout=BOUND)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = None
        if self.proc.stdout is not None:
            # what the server wrote before it ended (its last logMessages) is still to be read
            while self._next_message(time.monotonic() + 1.0) is not None:
                pass
            self.proc.stdout.close()
        self._stderr.seek(0)
        err = self._stderr.read().decode(errors="replace")
        self._stderr.close()
        return code, err
