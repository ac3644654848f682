"""Domain errors of the core. The faces map them: InvalidRequest -> JSON-RPC InvalidParams (-32602),
SourceUnavailable -> RequestFailed (-32803); the CLI prints the message and exits non-zero.
A request's params refused by their pydantic model are told the same way on every face
(``describe_validation_error``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import ValidationError


class TracerError(Exception):
    """Base of every error the core raises on purpose; its message is meant for a person."""


class InvalidRequest(TracerError):
    """The request cannot be answered as asked: unknown session, bad cursor, outside the root."""


class SessionNotFound(InvalidRequest):
    pass


class InvalidCursor(InvalidRequest):
    pass


class OutsideRoot(InvalidRequest):
    pass


class SourceUnavailable(TracerError):
    """Reading a transcript failed for a reason outside the request (I/O error, file vanished)."""


class StaleRow(SourceUnavailable):
    """A line read again from disk is not the one its row was parsed from: the file was rewritten
    in place. The session's tables were dropped; asking again reloads them."""


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_validation_error(
    where: str, error: ValidationError, noun: str = "parameter", nouns: str = "params"
) -> str:
    """One sentence a person (or an agent) can act on, naming each bad field by its wire
    (camelCase) name, without pydantic's URLs; ``where`` is the method or tool, ``noun`` and
    ``nouns`` what the face calls one field and all of them (the language server's JSON-RPC
    "params"; an MCP tool's "arguments")."""
    from .models import SAFE_NAME

    parts: list[str] = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in item["loc"])
        kind = item["type"]
        value = item.get("input")
        where_ = f"{loc}: " if loc else ""
        if kind == "extra_forbidden":
            parts.append(f"unknown {noun} '{loc}'")
        elif kind == "missing":
            parts.append(f"'{loc}' is required")
        elif (
            kind == "string_pattern_mismatch"
            and (item.get("ctx") or {}).get("pattern") == SAFE_NAME
        ):
            parts.append(
                f"{loc} must be a plain name (one path segment: no '/', not '.' or '..'), "
                f"got {_short(value)}"
            )
        elif kind == "model_type" and not loc:
            parts.append(f"{nouns} must be an object, got {type(value).__name__}")
        elif kind == "value_error":  # a model validator's own sentence
            parts.append(where_ + str(item["msg"]).removeprefix("Value error, "))
        else:
            parts.append(f"{where_}{item['msg']} (got {_short(value)})")
    if len(parts) > 5:
        parts = [*parts[:5], f"and {len(parts) - 5} more"]
    return f"{where}: invalid {nouns}: " + "; ".join(parts) + "."
