"""Reading JSON-RPC messages from stdin: a bad frame costs one message, never the connection.

pygls' reader (``pygls.io_.run_async``) matches ``Content-Length: (\\d+)`` exactly: a lowercase
header name, a value of ``abc`` or ``-5`` leave it waiting for a header that never comes (the
server stays alive but deaf), and a length of 10^20 ends the process (OverflowError,
MemoryError). This reader, plugged in by ``serve_stdio`` in place of pygls' loop (same protocol,
writer and thread pool as ``LanguageServer.start_io``), instead:

- reads header names case-insensitively (RFC 7230: header names are), lines ending in CRLF or LF;
- bounds every header line (``MAX_HEADER_LINE``) and the number of header lines;
- refuses a ``Content-Length`` that is not a plain decimal, logs it and resynchronises on the next
  ``Content-Length`` header, even one glued to the end of the unreadable body (a body that
  itself quotes such a header could be misread: the cost of resynchronising at all);
- caps the length (``MAX_CONTENT_LENGTH``): a longer message is skipped like a malformed one
  (read line by line in bounded pieces up to the next header, never held whole), so an absurd
  length costs the time of the bytes actually sent, never the memory of the bytes announced;
- answers a body that is not JSON with a Parse error (-32700) and one that is not a JSON-RPC
  message object, is nested too deeply to read, or has an object, array or boolean ``id`` with
  Invalid Request (-32600, id null, no traceback), then goes on reading.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, BinaryIO

from pygls.io_ import StdoutWriter
from pygls.protocol import JsonRPCProtocol
from pygls.server import JsonRPCServer

log = logging.getLogger(__name__)

# Far above any real message (the largest the extension sends is a few KB; a didOpen of a big
# file is a few MB), far below what would exhaust memory.
MAX_CONTENT_LENGTH = 64 * 1024 * 1024
MAX_HEADER_LINE = 8 * 1024
MAX_HEADER_LINES = 64
_CONTENT_LENGTH = re.compile(rb"content-length[ \t]*:", re.IGNORECASE)
_DIGITS = re.compile(rb"[0-9]+")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600


class BoundedStdinReader:
    """stdin read on a worker thread, each line bounded (pygls' reader reads lines unbounded)."""

    def __init__(self, stdin: BinaryIO, executor: ThreadPoolExecutor | None) -> None:
        self.stdin = stdin
        self.executor = executor

    async def readline(self, limit: int) -> bytes:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.executor, self.stdin.readline, limit)

    async def read(self, n: int) -> bytes:
        """Exactly ``n`` bytes, fewer only at end of input."""
        loop = asyncio.get_running_loop()
        chunks: list[bytes] = []
        remaining = n
        while remaining > 0:
            chunk = await loop.run_in_executor(self.executor, self.stdin.read, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)


def _show(raw: bytes, limit: int = 60) -> str:
    text = raw.decode("utf-8", "replace").strip()
    text = text if len(text) <= limit else text[:limit] + "..."
    return ascii(text)


async def read_frame_length(reader: BoundedStdinReader, max_length: int) -> int | None:
    """The Content-Length of the next well-formed message (its headers read, its body next);
    None at the end of input. Anything else is skipped up to the next Content-Length header,
    with one warning when skipping starts and one when reading resumes."""
    length: int | None = None
    header_lines = 0
    skipped = 0
    reason: str | None = None

    def skip(n: int, why: str) -> None:
        nonlocal skipped, reason
        skipped += n
        if reason is None:
            reason = why
            log.warning("skipping input: %s", why)

    while True:
        line = await reader.readline(MAX_HEADER_LINE)
        if not line:
            if skipped:
                log.warning("input ended after %d skipped bytes", skipped)
            return None
        if not line.endswith(b"\n"):
            skip(len(line), f"a line of more than {MAX_HEADER_LINE} bytes in the headers")
            length, header_lines = None, 0
            continue
        if not line.strip():
            if length is not None:
                if skipped:
                    log.warning("reading again after skipping %d bytes", skipped)
                return length
            if header_lines:
                skip(len(line), "a message without a valid Content-Length header")
            header_lines = 0
            continue
        match = _CONTENT_LENGTH.search(line)
        if match is None:
            header_lines += 1
            if b":" not in line or header_lines > MAX_HEADER_LINES:
                # not a header (the rest of a body that could not be framed), or too many
                skip(len(line), f"bytes that are not a message header: {_show(line)}")
                length, header_lines = None, 0
            continue
        if match.start() > 0:
            # a body without a usable length ran into this header: start again from it
            skip(match.start(), f"bytes before a Content-Length header: {_show(line)}")
            header_lines = 0
        header_lines += 1
        value = line[match.end() :].strip()
        if not _DIGITS.fullmatch(value):
            skip(len(line), f"an invalid Content-Length {_show(value)}")
            length = None
            continue
        length = int(value)
        if length > max_length:
            skip(
                len(line),
                f"a message of {length} bytes, over the limit of {max_length} bytes",
            )
            length = None


def _is_message(obj: Any) -> bool:
    return hasattr(obj, "jsonrpc")


def _reply_error(protocol: JsonRPCProtocol, msg_id: Any, code: int, message: str) -> None:
    protocol._send_data(
        {"jsonrpc": "2.0", "id": msg_id, "error": {"code": code, "message": message}}
    )


async def run_framed(
    stop_event: threading.Event,
    reader: BoundedStdinReader,
    protocol: JsonRPCProtocol,
    max_length: int = MAX_CONTENT_LENGTH,
) -> None:
    """pygls' message loop, with the framing above."""
    while not stop_event.is_set():
        length = await read_frame_length(reader, max_length)
        if length is None:
            return
        body = await reader.read(length)
        if len(body) < length:
            log.warning("input ended inside a message (%d of %d bytes)", len(body), length)
            return
        try:
            message = json.loads(body, object_hook=protocol.structure_message)
        except ValueError as exc:  # JSONDecodeError, UnicodeDecodeError
            log.warning("answering a message that is not JSON with a parse error: %s", exc)
            _reply_error(protocol, None, PARSE_ERROR, f"Parse error: {exc}")
            continue
        except RecursionError:
            # (valid JSON nested past Python's stack: 100,000 brackets) an answer, not silence
            log.warning("answering a message nested too deeply to read (%d bytes)", len(body))
            _reply_error(protocol, None, INVALID_REQUEST, "Invalid Request: nested too deeply")
            continue
        except Exception:
            log.exception("Unable to read a message")
            continue
        if not _is_message(message):
            msg_id = message.get("id") if isinstance(message, dict) else None
            if not isinstance(msg_id, int | str) or isinstance(msg_id, bool):
                msg_id = None
            log.warning("answering a body that is not a JSON-RPC message: %s", _show(body))
            _reply_error(
                protocol, msg_id, INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message"
            )
            continue
        msg_id = getattr(message, "id", None)
        if msg_id is not None and (not isinstance(msg_id, int | str) or isinstance(msg_id, bool)):
            # JSON-RPC ids are strings or numbers: pygls would fail on an object or array id
            # (unhashable) and answer -32603 with its traceback in ``data``
            log.warning("answering a request whose id is %s", type(msg_id).__name__)
            _reply_error(
                protocol, None, INVALID_REQUEST, "Invalid Request: id must be a string or a number"
            )
            continue
        try:
            protocol.handle_message(message)
        except Exception:
            log.exception("Unable to handle message")


def serve_stdio(
    server: JsonRPCServer, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None
) -> None:
    """What ``start_io`` does, with ``run_framed`` as the loop."""
    server._stop_event = stop_event = threading.Event()
    reader = BoundedStdinReader(stdin or sys.stdin.buffer, server.thread_pool)
    server.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
    try:
        asyncio.run(run_framed(stop_event, reader, server.protocol))
    except BrokenPipeError:
        log.error("Connection to the client is lost! Shutting down the server.")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.shutdown()


__all__ = ["MAX_CONTENT_LENGTH", "read_frame_length", "run_framed", "serve_stdio"]
