"""The raw-dict protocol: custom methods get their params as the JSON the client sent.

pygls turns unknown methods' params into namedtuples (keys renamed, nested objects echoed back
as arrays). And when a standard method's params fail to structure, pygls logs and drops the
message, leaving the client waiting forever; here such a request is answered InvalidParams.
"""

from __future__ import annotations

from typing import Any

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidParams, JsonRpcInvalidRequest
from pygls.protocol import LanguageServerProtocol

from ..models import METHOD_PARAMS

# Custom request methods whose params reach the handlers as the raw JSON (dicts), not namedtuples.
RAW_METHODS = frozenset(METHOD_PARAMS)
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


def _first_line(text: str, limit: int = 300) -> str:
    line = text.strip().splitlines()[0] if text.strip() else "unreadable params"
    return line[:limit]
