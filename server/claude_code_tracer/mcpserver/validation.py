"""Arguments refused in one sentence an agent can act on, each naming the bad argument by its
camelCase name (pydantic's own messages, without its URLs or tracebacks)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_validation_error(tool: str, error: ValidationError) -> str:
    parts: list[str] = []
    for item in error.errors(include_url=False):
        loc = ".".join(str(part) for part in item["loc"])
        kind = item["type"]
        value = item.get("input")
        if kind == "extra_forbidden":
            parts.append(f"unknown argument '{loc}'")
        elif kind == "missing":
            parts.append(f"'{loc}' is required")
        elif kind == "string_pattern_mismatch":
            parts.append(
                f"{loc} must be a plain name (letters, digits, '.', '_' or '-'; no '/' and not "
                f"'..'), got {_short(value)}"
            )
        elif kind == "value_error" and not loc:
            parts.append(str(item["msg"]).removeprefix("Value error, "))
        else:
            where = f"{loc}: " if loc else ""
            parts.append(f"{where}{item['msg']} (got {_short(value)})")
    if len(parts) > 5:
        parts = [*parts[:5], f"and {len(parts) - 5} more"]
    return f"{tool}: invalid arguments: " + "; ".join(parts) + "."
