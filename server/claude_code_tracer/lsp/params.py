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

from ..errors import InvalidRequest, SourceUnavailable, TracerError, describe_validation_error
from ..models import METHOD_PARAMS, Params

log = logging.getLogger(__name__)

# LSP's RequestFailed: the request was valid but the server could not do it (I/O trouble).
REQUEST_FAILED = types.LSPErrorCodes.RequestFailed.value


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
