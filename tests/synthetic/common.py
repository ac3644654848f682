"""What every part of the generator shares: the JSON type, ids, timestamps, the version and
model names it draws from, and where a project's files and folder name come from."""

from __future__ import annotations

import random
import time
import uuid
from datetime import UTC, datetime
from typing import Any, Final

from .text import _NOUNS

Json = dict[str, Any]

#: Entry types that count as conversation lines ("messages") in every report of this module.
MESSAGE_TYPES: Final = frozenset({"user", "assistant", "system", "progress", "attachment"})

_DEFAULT_START: Final = datetime(2026, 2, 2, 9, 0, 0, tzinfo=UTC)
_B62: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_VERSIONS: Final = ("2.1.39", "2.1.41", "2.1.59", "2.1.74", "2.1.139")
_MAIN_MODELS: Final = ("claude-opus-4-6", "claude-sonnet-4-5-20250929")
_SUB_MODEL: Final = "claude-haiku-4-5-20251001"
_SLUG_WORDS: Final = tuple(
    "linked soaring radiant floating quiet brisk amber hidden lunar matsumoto music "
    "harbor meadow falcon ember willow cobalt zephyr".split()
)


def _iso(ms: int) -> str:
    sec, milli = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(sec)) + f".{milli:03d}Z"


def _parse_iso_ms(ts: str) -> int:
    dt = datetime.fromisoformat(ts.replace("Z", "+00:00"))
    return int(dt.timestamp() * 1000 + 0.5)


def _to_ms(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return int(dt.timestamp() * 1000)


def _uuid(r: random.Random) -> str:
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def _b62(r: random.Random, n: int) -> str:
    return "".join(r.choices(_B62, k=n))


def encode_cwd(cwd: str) -> str:
    """Project folder name for a cwd, exactly as the CLI derives it (FORMAT.md §1.1).

    JS replaces per UTF-16 unit, so a non-BMP character becomes two dashes; long names get a
    Java-style hash suffix.
    """
    out: list[str] = []
    for ch in cwd:
        if ch.isascii() and ch.isalnum():
            out.append(ch)
        else:
            out.append("--" if ord(ch) > 0xFFFF else "-")
    name = "".join(out)
    if len(name) <= 200:
        return name
    h = 0
    raw = cwd.encode("utf-16-le")
    for i in range(0, len(raw), 2):
        h = (h * 31 + (raw[i] | raw[i + 1] << 8)) & 0xFFFFFFFF
    if h >= 0x80000000:
        h -= 0x100000000
    return name[:200] + "-" + _base36(abs(h))


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    if n == 0:
        return "0"
    out = []
    while n:
        n, d = divmod(n, 36)
        out.append(digits[d])
    return "".join(reversed(out))


def _project_files(r: random.Random, cwd: str) -> list[str]:
    pkg = r.choice(("app", "core", "tracer", "service", "lib"))
    files = [
        "README.md",
        "pyproject.toml",
        "web/static/app.ts",
        "web/templates/index.html",
        f"src/{pkg}/__init__.py",
    ]
    for _ in range(r.randint(15, 40)):
        noun = r.choice(_NOUNS)
        files.append(
            r.choice((f"src/{pkg}/{noun}.py", f"tests/test_{noun}.py", f"src/{pkg}/{noun}s/io.py"))
        )
    seen: dict[str, None] = dict.fromkeys(files)  # ordered de-dup, deterministic
    return [f"{cwd.rstrip('/')}/{rel}" for rel in seen]
