"""Sessions: write one transcript (with its subagent files) and describe it, or continue one
as a live CLI would."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import orjson

from .common import (
    _DEFAULT_START,
    _MAIN_MODELS,
    _SLUG_WORDS,
    _VERSIONS,
    Json,
    _iso,
    _parse_iso_ms,
    _project_files,
    _to_ms,
    _uuid,
)
from .conversation import _Convo
from .text import _NOUNS, _VERBS


@dataclass
class GeneratedSession:
    """What a generated transcript contains, so tests can assert against ground truth."""

    path: Path
    session_id: str
    message_lines: int
    malformed_lines: int
    subagent_ids: list[str]
    tool_use_count: int
    error_count: int
    bytes: int
    #: True when the file ends in a half-written record without "\n" (only when malformed > 0).
    torn_tail: bool = False
    first_timestamp: str = ""
    last_timestamp: str = ""
    subagent_paths: list[Path] = field(default_factory=list)


def _resolve_target(path: Path, session_id: str) -> Path:
    if path.is_dir() or path.suffix != ".jsonl":
        path.mkdir(parents=True, exist_ok=True)
        return path / f"{session_id}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def generate_session(
    path: Path,
    *,
    messages: int,
    seed: int = 0,
    session_id: str | None = None,
    cwd: str = "/home/dev/project",
    start: datetime | None = None,
    subagents: int = 0,
    malformed: int = 0,
    big_results: int = 0,
    big_result_bytes: int = 1_000_000,
    progress_ratio: float = 0.3,
) -> GeneratedSession:
    """Write one synthetic session transcript (plus its subagent files) and describe it.

    The report is the ground truth tests compare a reader against, so ``message_lines`` is exact:
    it equals ``messages`` unless the requested subagents/big results cannot fit, in which case
    it is ``2 + 2 * (subagents + big_results)`` (one turn hosting them all); ``messages=0`` writes
    no conversation at all.  Damaged lines and metadata lines (snapshots, titles, queue
    operations) come on top.  A big result's text is ``big_result_bytes`` long, and like the real
    CLI the line stores it twice (tool_result content and ``toolUseResult``).
    ``path`` is either the ``.jsonl`` file or a directory to put ``<sessionId>.jsonl`` in; a file
    whose stem is a UUID lends it as the session id.
    """
    path = Path(path)
    r = random.Random(seed)
    drawn_id = _uuid(r)
    if session_id is None:
        session_id = drawn_id
        if path.suffix == ".jsonl" and not path.is_dir():
            try:
                session_id = str(uuid.UUID(path.stem))
            except ValueError:
                pass
    target = _resolve_target(path, session_id)
    version = r.choice(_VERSIONS)
    model = r.choice(_MAIN_MODELS)
    branch = r.choice(
        ("main", "main", "HEAD", "", f"feature/{r.choice(_NOUNS)}-{r.choice(_VERBS)}")
    )
    slug = "-".join(r.sample(_SLUG_WORDS, 3))
    files = _project_files(r, cwd)
    start_ms = _to_ms(start or _DEFAULT_START)

    with target.open("wb", buffering=1 << 20) as fh:
        c = _Convo(
            r,
            fh,
            session_id=session_id,
            cwd=cwd,
            version=version,
            branch=branch,
            slug=slug,
            model=model,
            clock_ms=start_ms,
            target=max(0, messages),
            progress_ratio=progress_ratio,
            files=files,
            subagent_dir=target.parent / session_id / "subagents",
        )
        c.subagents_total = c.subagents_left = max(0, subagents)
        c.big_total = c.big_left = max(0, big_results)
        c.big_bytes = max(1, big_result_bytes)
        if c.target > 0 and c.subagents_left + c.big_left > 0:
            # one prompt + closing text, plus a tool_use and a tool_result per scheduled feature
            c.target = max(c.target, 2 + 2 * (c.subagents_left + c.big_left))
        if malformed > 0:
            span = max(1, c.target)
            c.damage_at = sorted(
                min(span - 1, max(1, int((i + r.uniform(0.2, 0.8)) * span / malformed)))
                for i in range(malformed)
            )
        c.run_main()
        torn = False
        if malformed > 0:
            rec = c.throwaway()
            fh.write(c.ascii_cut(rec, 0.3, 0.7))
            torn = True
    return GeneratedSession(
        path=target,
        session_id=session_id,
        message_lines=c.count + c.recovered,
        malformed_lines=c.malformed_written,
        subagent_ids=list(c.subagent_ids),
        tool_use_count=c.tool_uses,
        error_count=c.errors,
        bytes=target.stat().st_size,
        torn_tail=torn,
        first_timestamp=_iso(c.first_ms) if c.first_ms >= 0 else "",
        last_timestamp=_iso(c.last_valid_ms) if c.last_valid_ms >= 0 else "",
        subagent_paths=list(c.subagent_paths),
    )


@dataclass
class _TailState:
    session_id: str
    cwd: str
    version: str
    branch: str
    slug: str | None
    model: str | None
    last_uuid: str | None
    last_ms: int
    size: int
    ends_with_newline: bool


def _tail_state(path: Path) -> _TailState:
    """Recover what is needed to continue a session from the end of its file.

    Reads backwards in growing chunks because the last complete lines can be megabytes long.
    """
    size = path.stat().st_size
    chunk = 256 * 1024
    with path.open("rb") as fh:
        while True:
            off = max(0, size - chunk)
            fh.seek(off)
            data = fh.read(size - off)
            lines = data.split(b"\n")
            if off > 0:
                lines = lines[1:]  # first piece may be a partial line
            last_ms = -1
            found: Json | None = None
            model: str | None = None
            for raw in reversed(lines):
                try:
                    obj = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    continue
                if not isinstance(obj, dict):
                    continue
                ts = obj.get("timestamp") or (obj.get("snapshot") or {}).get("timestamp")
                if isinstance(ts, str):
                    last_ms = max(last_ms, _parse_iso_ms(ts))
                if model is None and obj.get("type") == "assistant":
                    model = (obj.get("message") or {}).get("model")
                if found is None and isinstance(obj.get("uuid"), str) and "sessionId" in obj:
                    found = obj
                if found is not None and model is not None:
                    break
            if found is not None or off == 0:
                break
            chunk *= 4
    if found is None:
        raise ValueError(f"{path}: no complete transcript entry to continue from")
    found_ms = _parse_iso_ms(found["timestamp"])
    return _TailState(
        session_id=found["sessionId"],
        cwd=found.get("cwd") or "/home/dev/project",
        version=found.get("version") or _VERSIONS[0],
        branch=found.get("gitBranch") or "",
        slug=found.get("slug"),
        model=model,
        last_uuid=found["uuid"],
        last_ms=max(last_ms, found_ms),
        size=size,
        ends_with_newline=data.endswith(b"\n"),
    )


def append_lines(path: Path, n: int, *, seed: int) -> int:
    """Continue a session as a live CLI would: n more message lines, chained and later in time.

    The random stream is keyed on the file's current end as well as ``seed`` so that repeated
    appends with the same seed still produce fresh uuids.  A torn last line is terminated first,
    like a CLI restart after a crash leaves it behind.
    """
    path = Path(path)
    state = _tail_state(path)
    r = random.Random(f"append:{seed}:{state.last_uuid}:{state.size}")
    files = _project_files(r, state.cwd)
    with path.open("ab", buffering=1 << 20) as fh:
        if state.size and not state.ends_with_newline:
            fh.write(b"\n")
        c = _Convo(
            r,
            fh,
            session_id=state.session_id,
            cwd=state.cwd,
            version=state.version,
            branch=state.branch,
            slug=state.slug or "-".join(r.sample(_SLUG_WORDS, 3)),
            model=state.model or _MAIN_MODELS[0],
            clock_ms=state.last_ms,
            target=max(0, n),
            progress_ratio=0.3,
            files=files,
        )
        c.last_uuid = state.last_uuid
        c.slug_on = state.slug is not None
        c.turns = 1
        while c.left() > 0:
            c.turn(False)
    return c.count
