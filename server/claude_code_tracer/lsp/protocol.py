"""The raw-dict protocol: custom methods get their params as the JSON the client sent.

pygls turns unknown methods' params into namedtuples (keys renamed, nested objects echoed back
as arrays). And when a standard method's params fail to structure, pygls logs and drops the
message, leaving the client waiting forever; here such a request is answered InvalidParams.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any

import attrs
import orjson
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol
from pygls.protocol.json_rpc import JsonRPCResponseMessage

from ..models import METHOD_PARAMS

# Custom request methods whose params reach the handlers as the raw JSON (dicts), not namedtuples.
RAW_METHODS = frozenset(METHOD_PARAMS)
log = logging.getLogger(__name__)
# Writes of an async writer still in flight (a task must be referenced until it is done).
_WRITES: set[asyncio.Future[Any]] = set()

# Internal method a request is rerouted to when pygls cannot even structure it.
_MALFORMED = "$/claudeCodeTracer/malformed"


@attrs.define
class RawRequest:
    """A request whose params stay the JSON the client sent (pygls would make namedtuples)."""

    id: int | str
    method: str
    jsonrpc: str
    params: Any = None


@attrs.define
class RawNotification:
    method: str
    jsonrpc: str
    params: Any = None


class TracerProtocol(LanguageServerProtocol):
    """Hands the custom methods their params as dicts, and answers requests pygls cannot parse."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        method = data.get("method") if "jsonrpc" in data else None
        if isinstance(method, str) and method in RAW_METHODS:
            if "id" in data:
                return RawRequest(
                    id=data["id"], method=method, jsonrpc=data["jsonrpc"], params=data.get("params")
                )
            return RawNotification(
                method=method, jsonrpc=data["jsonrpc"], params=data.get("params")
            )
        try:
            return super().structure_message(data)
        except JsonRpcException as exc:
            if isinstance(method, str) and isinstance(data.get("id"), int | str):
                cause = exc.__cause__ or exc
                return RawRequest(
                    id=data["id"],
                    method=_MALFORMED,
                    jsonrpc=str(data.get("jsonrpc")),
                    params={"method": method, "error": _first_line(str(cause))},
                )
            # A nested object that merely looks like a message (or a broken notification): keep
            # the dict; the outer message, if any, goes on being parsed.
            return data

    def handle_message(self, message: Any) -> None:
        # A second `initialize` would re-root pygls' workspace under the running server: refused.
        if getattr(message, "method", None) == types.INITIALIZE and hasattr(message, "id"):
            if getattr(self, "_initialize_seen", False):
                error = JsonRpcInvalidRequest("initialize: the server is already initialized")
                self._send_response(message.id, error=error.to_response_error())
                return
            self._initialize_seen = True
        # pygls drops requests after `shutdown` without an answer; the spec wants InvalidRequest.
        if self._shutdown and hasattr(message, "id") and hasattr(message, "method"):
            if message.method != types.EXIT:
                error = JsonRpcInvalidRequest(f"{message.method}: the server has been shut down")
                self._send_response(message.id, error=error.to_response_error())
                return
        super().handle_message(message)

    def _handle_request(self, msg_id: Any, method_name: str, params: Any) -> None:
        if method_name == _MALFORMED:
            error = JsonRpcInvalidParams(
                f"{params['method']}: the params do not match the LSP specification "
                f"({params['error']})"
            )
            self._send_response(msg_id, error=error.to_response_error())
            return
        super()._handle_request(msg_id, method_name, params)

    def _send_data(self, data: Any) -> None:
        """Answers of the custom methods are JSON already (the models' ``dump``): orjson writes
        them in one call. pygls would walk every value of the result with cattrs and then
        ``json.dumps`` it: 1-2 ms of a warm page, ~90 ms of a 2,000-session listing. Anything
        else (lsprotocol types, text orjson refuses such as lone surrogates) goes pygls' way."""
        body = _plain_response_body(data)
        if body is None or self.writer is None:
            super()._send_data(data)
            return
        header = (
            f"Content-Length: {len(body)}\r\n"
            f"Content-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n"
        ).encode("ascii")
        try:
            res = self.writer.write(header + body if self._include_headers else body)
            if inspect.isawaitable(res):
                task = asyncio.ensure_future(res)
                _WRITES.add(task)
                task.add_done_callback(_WRITES.discard)
        except BrokenPipeError:
            log.exception("Error sending data. BrokenPipeError")
            raise
        except Exception:
            log.exception("Error sending data")


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "unreadable params"
    return line[:limit]


def _plain_response_body(data: Any) -> bytes | None:
    """The wire form of a response whose result is plain JSON, or None."""
    if type(data) is not JsonRPCResponseMessage or not isinstance(data.result, dict | list):
        return None
    try:
        return orjson.dumps({"jsonrpc": data.jsonrpc, "id": data.id, "result": data.result})
    except TypeError:  # an attrs value, a lone surrogate: pygls' path copes
        return None
