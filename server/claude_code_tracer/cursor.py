"""Opaque keyset cursors.

A cursor is base64url of a small JSON object holding the sort key of the last row served, the
scope it belongs to (a session, or the session list) and a fingerprint of the filter it was made
for. Reusing it with another filter or session would silently skip or repeat rows, so it is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from .errors import InvalidCursor

VERSION = 1


@dataclass(frozen=True)
class PageKey:
    """Where a page ended: rows strictly after this key come next."""

    ts: datetime
    uuid: str
    seq: int


def fingerprint(value: Any) -> str:
    """Stable short hash of a JSON-able value (a filter, a list query)."""
    blob = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(blob, digest_size=8).hexdigest()


def encode(scope: str, filter_fp: str, key: PageKey) -> str:
    payload = {
        "v": VERSION,
        "s": scope,
        "f": filter_fp,
        "t": key.ts.isoformat(),
        "u": key.uuid,
        "q": key.seq,
    }
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


def decode(token: str, scope: str, filter_fp: str) -> PageKey:
    try:
        padded = token + "=" * (-len(token) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(payload, dict) or payload.get("v") != VERSION:
            raise ValueError("not a cursor of this version")
        key = PageKey(
            datetime.fromisoformat(str(payload["t"])), str(payload["u"]), int(payload["q"])
        )
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeError) as exc:
        raise InvalidCursor("the cursor is malformed; start again from the first page") from exc
    if payload.get("s") != scope:
        raise InvalidCursor("the cursor belongs to another session or listing")
    if payload.get("f") != filter_fp:
        raise InvalidCursor(
            "the cursor was made for another filter; start again from the first page"
        )
    return key
