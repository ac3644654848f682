"""Params in, errors out: strict validation of the client's JSON and the mapping of the core's
and pydantic's exceptions to JSON-RPC errors (InvalidParams for the client's fault,
RequestFailed for I/O trouble, InternalError, logged, for the rest)."""

from __future__ import annotations

import json
import logging
from typing import Any

from lsprotocol import types
from pydantic import ValidationError
from pygls import uris
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams

from ..errors import InvalidRequest, SourceUnavailable, TracerError
from ..models import METHOD_PARAMS, SAFE_NAME, Params

log = logging.getLogger(__name__)

# LSP's RequestFailed: the request was valid but the server could not do it (I/O trouble).
REQUEST_FAILED = types.LSPErrorCodes.RequestFailed.value


def describe_validation_error(method: str, error: ValidationError) -> str:
    """One sentence a person can act on, naming each bad parameter by its wire (camelCase) name."""
    parts: list[str] = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in item["loc"])
        kind = item["type"]
        value = item.get("input")
        if kind == "extra_forbidden":
            parts.append(f"unknown parameter '{loc}'")
        elif (
            kind == "string_pattern_mismatch"
            and (item.get("ctx") or {}).get("pattern") == SAFE_NAME
        ):
            parts.append(
                f"{loc} must be a plain name (one path segment: no '/', not '.' or '..'), "
                f"got {_short(value)}"
            )
        elif kind == "model_type" and not loc:
            parts.append(f"params must be an object, got {type(value).__name__}")
        else:
            where = f"{loc}: " if loc else ""
            parts.append(f"{where}{item['msg']} (got {_short(value)})")
    if len(parts) > 5:
        parts = [*parts[:5], f"and {len(parts) - 5} more"]
    return f"{method}: invalid params: " + "; ".join(parts)


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def to_rpc_error(method: str, exc: BaseException) -> JsonRpcException:
    """Map the core's and pydantic's errors to JSON-RPC errors (see errors.py)."""
    if isinstance(exc, JsonRpcException):
        return exc
    if isinstance(exc, ValidationError):
        data = exc.errors(include_url=False, include_context=False, include_input=False)
        return JsonRpcInvalidParams(describe_validation_error(method, exc), data=data)
    if isinstance(exc, InvalidRequest):
        return JsonRpcInvalidParams(f"{method}: {exc}")
    if isinstance(exc, SourceUnavailable | OSError):
        return JsonRpcException(message=f"{method}: {exc}", code=REQUEST_FAILED)
    if isinstance(exc, TracerError):
        return JsonRpcException(message=f"{method}: {exc}", code=REQUEST_FAILED)
    log.error("%s failed", method, exc_info=(type(exc), exc, exc.__traceback__))
    return JsonRpcInternalError(f"{method}: internal error: {type(exc).__name__}: {exc}")


def parse_params(method: str, raw: Any) -> Params:
    """The params, validated strictly as the JSON they arrived as: ``"10"`` or ``true`` is not a
    number, ``1`` is not a boolean (pydantic's strict JSON mode still reads ISO timestamps and
    enum values, which its strict Python mode would refuse)."""
    model = METHOD_PARAMS[method]
    if raw is None:
        raw = {}
    try:
        return model.model_validate_json(json.dumps(raw), strict=True)
    except ValidationError as exc:
        raise to_rpc_error(method, exc) from None


def path_from_uri(method: str, value: str) -> str:
    """LSP clients name files and folders by URI; the core wants a path."""
    if not value.startswith("file:"):
        return value
    try:
        path = uris.to_fs_path(value)
    except ValueError:  # urllib refuses it (e.g. an unclosed IPv6 host: file://[::1/x)
        path = None
    if not path:
        raise JsonRpcInvalidParams(f"{method}: {value!r} is not a file: URI the server can read")
    return path
