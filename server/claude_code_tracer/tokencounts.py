"""What a token count in a transcript may be: a non-negative integer below ``MAX_TOKENS``.

Transcript numbers are untrusted input. One ``output_tokens`` of 2^63 (or 1e308, or 1e400, which
orjson refuses as infinite) used to overflow the int64 columns of the session tables, the catalog
and the Parquet export on every restart, so ``sessions``, ``stats``, ``sql`` and the server's
``sessions/list`` failed for every session. A count is checked once, where it is read, and one
that is not a count (negative, a float, a bool, a string, too large) makes that line's usage
invalid: the line is still served, without tokens, and counted (``invalid_numbers``).

``MAX_TOKENS`` is 2^40 (about 1.1e12), not int64's 2^63: a real API call reports at most a few
million tokens, and a bound this far below 2^63 keeps every *sum* of counts (a session, a
project, a month of ``usage`` rows: up to 8 million calls at the bound) inside int64 too.
"""

from __future__ import annotations

from typing import Any

MAX_TOKENS = 1 << 40

#: The counts of a transcript's ``message.usage``, in the order the session tables keep them.
USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)


def token_count(value: Any) -> int | None:
    """``value`` as a token count, or None when it is not one (bools are not numbers here)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < MAX_TOKENS:
        return value
    return None


def usage_counts(usage: dict[str, Any], keys: tuple[str, ...]) -> tuple[tuple[int, ...], bool]:
    """The counts under ``keys`` (a missing key or null is 0, as older transcripts lack the cache
    fields) and whether every present one was valid."""
    out: list[int] = []
    valid = True
    for key in keys:
        raw = usage.get(key)
        if raw is None:
            out.append(0)
            continue
        n = token_count(raw)
        if n is None:
            valid = False
            out.append(0)
        else:
            out.append(n)
    return tuple(out), valid


__all__ = ["MAX_TOKENS", "USAGE_KEYS", "token_count", "usage_counts"]
