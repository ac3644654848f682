"""A small JSON-RPC client for the language server over stdio, built for measuring.

It frames messages with Content-Length like any LSP client, answers the server's own requests,
records when each response arrived (as soon as its bytes are read, before it is decoded) and
how many bytes it had, and keeps ``$/progress`` notifications per token with their arrival time.
"""

from __future__ import annotations

import itertools
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

from .common import child_env, now, proc_status


class LspError(RuntimeError):
    pass


@dataclass
class Reply:
    result: Any
    error: Any
    ms: float  # from the request's bytes written to the response's bytes read
    nbytes: int  # the response body on the wire

    def ok(self) -> Any:
        if self.error is not None:
            raise LspError(str(self.error))
        return self.result


@dataclass
class _Pending:
    sent: float
    event: threading.Event = field(default_factory=threading.Event)
    message: dict[str, Any] | None = None
    received: float = 0.0
    nbytes: int = 0


@dataclass
class ProgressNote:
    at: float
    nbytes: int
    value: Any


class LspServer:
    """One server process: ``python -m claude_code_tracer serve``."""

    def __init__(self, stderr_path: Path, cwd: Path | None = None) -> None:
        stderr_path.parent.mkdir(parents=True, exist_ok=True)
        self._stderr: IO[bytes] = stderr_path.open("ab")
        self.started = now()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "claude_code_tracer", "serve"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            env=child_env(),
            cwd=str(cwd) if cwd else None,
        )
        self._ids = itertools.count(1)
        self._write_lock = threading.Lock()
        self._pending: dict[int, _Pending] = {}
        self._lock = threading.Lock()
        self.progress: dict[Any, list[ProgressNote]] = {}
        self.notifications: list[tuple[float, str, Any]] = []
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read_loop, daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        return self.proc.pid

    def memory(self) -> dict[str, float]:
        st = proc_status(self.pid)
        return {
            "rss_mb": round(st.get("VmRSS", 0) / 2**20, 1),
            "peak_rss_mb": round(st.get("VmHWM", 0) / 2**20, 1),
        }

    # -- wire --------------------------------------------------------------------------------------
    def _write(self, msg: dict[str, Any]) -> float:
        body = orjson.dumps(msg)
        data = b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        stdin = self.proc.stdin
        assert stdin is not None
        with self._write_lock:
            stdin.write(data)
            stdin.flush()
            return now()

    def _read_loop(self) -> None:
        out = self.proc.stdout
        assert out is not None
        try:
            while True:
                length = -1
                while True:
                    line = out.readline()
                    if not line:
                        return
                    line = line.strip()
                    if not line:
                        break
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                if length < 0:
                    continue
                body = out.read(length)
                at = now()
                msg = orjson.loads(body)
                self._dispatch(msg, at, len(body))
        finally:
            self._closed.set()
            with self._lock:
                for p in self._pending.values():
                    p.event.set()

    def _dispatch(self, msg: dict[str, Any], at: float, nbytes: int) -> None:
        method = msg.get("method")
        if method is None:
            with self._lock:
                pending = self._pending.get(msg.get("id"))  # type: ignore[arg-type]
            if pending is not None:
                pending.message, pending.received, pending.nbytes = msg, at, nbytes
                pending.event.set()
            return
        if "id" in msg:  # a request from the server: answer it like a minimal editor would
            result: Any = None
            if method == "workspace/configuration":
                items = (msg.get("params") or {}).get("items") or []
                result = [None] * len(items)
            self._write({"jsonrpc": "2.0", "id": msg["id"], "result": result})
            return
        params = msg.get("params")
        if method == "$/progress" and isinstance(params, dict):
            self.progress.setdefault(params.get("token"), []).append(
                ProgressNote(at, nbytes, params.get("value"))
            )
        else:
            self.notifications.append((at, method, params))

    # -- requests ----------------------------------------------------------------------------------
    def send(self, method: str, params: Any) -> int:
        rid = next(self._ids)
        pending = _Pending(sent=0.0)
        with self._lock:
            self._pending[rid] = pending
        pending.sent = self._write({"jsonrpc": "2.0", "id": rid, "method": method,
                                    "params": params})
        return rid

    def wait(self, rid: int, timeout: float = 300.0) -> Reply:
        with self._lock:
            pending = self._pending[rid]
        if not pending.event.wait(timeout):
            raise LspError(f"no response to request {rid} within {timeout} s")
        with self._lock:
            self._pending.pop(rid, None)
        if pending.message is None:
            raise LspError(f"the server exited before answering request {rid}")
        return Reply(
            result=pending.message.get("result"),
            error=pending.message.get("error"),
            ms=(pending.received - pending.sent) * 1000,
            nbytes=pending.nbytes,
        )

    def request(self, method: str, params: Any, timeout: float = 300.0) -> Reply:
        return self.wait(self.send(method, params), timeout)

    def call(self, method: str, params: Any, timeout: float = 300.0) -> Any:
        return self.request(method, params, timeout).ok()

    def notify(self, method: str, params: Any) -> None:
        self._write({"jsonrpc": "2.0", "method": method, "params": params})

    def initialize(self, options: dict[str, Any]) -> Reply:
        reply = self.request(
            "initialize",
            {
                "processId": None,
                "rootUri": None,
                "capabilities": {},
                "initializationOptions": options,
            },
            timeout=120,
        )
        reply.ok()
        self.notify("initialized", {})
        return reply

    def close(self, timeout: float = 20.0) -> None:
        if self.proc.poll() is None:
            try:
                self.request("shutdown", None, timeout=timeout)
                self.notify("exit", None)
            except (LspError, OSError, ValueError):
                pass
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        for stream in (self.proc.stdin, self.proc.stdout):
            if stream is not None:
                try:
                    stream.close()
                except OSError:
                    pass
        self._stderr.close()

    def __enter__(self) -> LspServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
