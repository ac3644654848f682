"""Archives: a ``projects/<encoded-cwd>/<sid>.jsonl`` tree of many sessions, like ``~/.claude``."""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from .common import _parse_iso_ms, _to_ms, encode_cwd
from .sessions import GeneratedSession, generate_session
from .text import _NOUNS, _VERBS

_PROJECT_NAMES: Final = (
    "/home/dev/src/claude-code-tracer",
    "/home/dev/work/my_app",
    "/home/dev/work/api.server",
    "/home/dev/Projects/Übung 1",
    "/home/dev/.worktrees/feature-x",
    "/home/dev/code/web-frontend",
    "/Users/chip/dev/ai-music",
    "/home/dev/src/data pipeline",
    "/srv/repos/infra_terraform",
    "/home/dev/src/日本語-notes",
)


def _project_cwds(r: random.Random, n: int) -> list[str]:
    out: list[str] = []
    used: dict[str, None] = {}
    i = 0
    while len(out) < n:
        if i < len(_PROJECT_NAMES):
            base = _PROJECT_NAMES[i]
        else:
            group = r.choice(("src", "work", "code"))
            base = f"/home/dev/{group}/{r.choice(_NOUNS)}-{r.choice(_VERBS)}-{i}"
        i += 1
        enc = encode_cwd(base)
        if enc in used:
            continue
        used[enc] = None
        out.append(base)
    return out


def generate_archive(
    root: Path,
    *,
    sessions: int,
    messages_per_session: int | tuple[int, int] = (20, 400),
    projects: int = 20,
    seed: int = 0,
) -> list[GeneratedSession]:
    """Write a ``projects/<encoded-cwd>/<sid>.jsonl`` tree like ``~/.claude`` has.

    Project sizes are skewed (a few busy projects, a long tail) and some sessions spawn
    subagents; file mtimes are set to each session's last timestamp so mtime-based discovery
    sees a believable history.
    """
    root = Path(root)
    r = random.Random(f"archive:{seed}")
    cwds = _project_cwds(r, max(1, projects))
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(cwds))]
    base_ms = _to_ms(datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    out: list[GeneratedSession] = []
    for i in range(sessions):
        cwd = cwds[i] if i < len(cwds) else r.choices(cwds, weights=weights)[0]
        if isinstance(messages_per_session, int):
            n = messages_per_session
        else:
            lo, hi = messages_per_session
            n = r.randint(min(lo, hi), max(lo, hi))
        start_ms = base_ms + r.randint(0, 45 * 24 * 3600 * 1000)
        sub = r.choice((1, 2)) if r.random() < 0.08 else 0
        directory = root / "projects" / encode_cwd(cwd)
        gs = generate_session(
            directory,
            messages=n,
            seed=r.getrandbits(48),
            cwd=cwd,
            start=datetime.fromtimestamp(start_ms / 1000, tz=UTC),
            subagents=sub,
            progress_ratio=r.uniform(0.15, 0.6),
        )
        if gs.last_timestamp:
            mtime_ns = _parse_iso_ms(gs.last_timestamp) * 1_000_000
            for p in (gs.path, *gs.subagent_paths):
                os.utime(p, ns=(mtime_ns, mtime_ns))
        out.append(gs)
    return out
