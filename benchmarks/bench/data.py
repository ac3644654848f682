"""The data set: sized sessions, a ~100 MB session and an archive, from the project's generator.

Everything is seeded, so a data set is identified by its parameters and the generator's source;
a data set already on disk with the same identity is reused.
"""

from __future__ import annotations

import hashlib
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .common import log, now, read_json, write_json

MB = 1_000_000


@dataclass
class SessionSpec:
    label: str
    session_id: str
    project: str
    path: str
    messages: int
    bytes: int
    subagents: int = 0
    first_timestamp: str = ""
    last_timestamp: str = ""

    @property
    def mb(self) -> float:
        return self.bytes / MB


@dataclass
class DataSet:
    root: str  # a projects root holding the sized sessions and the ~100 MB one
    sessions: list[SessionSpec]
    big: SessionSpec
    archive_root: str  # a projects root holding the archive
    archive: list[SessionSpec] = field(default_factory=list)
    archive_bytes: int = 0
    identity: str = ""
    generate_seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DataSet:
        return cls(
            root=data["root"],
            sessions=[SessionSpec(**s) for s in data["sessions"]],
            big=SessionSpec(**data["big"]),
            archive_root=data["archive_root"],
            archive=[SessionSpec(**s) for s in data["archive"]],
            archive_bytes=data["archive_bytes"],
            identity=data["identity"],
            generate_seconds=data.get("generate_seconds", 0.0),
        )

    def by_label(self, label: str) -> SessionSpec:
        for s in [*self.sessions, self.big]:
            if s.label == label:
                return s
        raise KeyError(label)


def label_of(messages: int) -> str:
    if messages >= 1000 and messages % 1000 == 0:
        return f"{messages // 1000}K"
    return str(messages)


def _identity(sizes: list[int], big_mb: float, archive_sessions: int) -> str:
    import tests.synthetic

    h = hashlib.sha256()
    for source in sorted(Path(tests.synthetic.__file__).parent.glob("*.py")):
        h.update(source.read_bytes())
    h.update(repr((sizes, big_mb, archive_sessions, 4)).encode())
    return h.hexdigest()[:16]


def _spec(label: str, gs: Any) -> SessionSpec:
    return SessionSpec(
        label=label,
        session_id=gs.session_id,
        project=Path(gs.path).parent.name,
        path=str(gs.path),
        messages=gs.message_lines,
        bytes=gs.bytes,
        subagents=len(gs.subagent_ids),
        first_timestamp=gs.first_timestamp,
        last_timestamp=gs.last_timestamp,
    )


def _session(directory: Path, label: str, messages: int, seed: int) -> SessionSpec:
    from tests.synthetic import generate_session

    gs = generate_session(
        directory,
        messages=messages,
        seed=seed,
        cwd="/home/dev/src/bench-" + label.lower(),
        subagents=3,
        malformed=3,
        big_results=1 + messages // 20_000,
    )
    return _spec(label, gs)


def data_dir(work: Path, quick: bool) -> Path:
    """The quick data set lives apart, so that a quick run does not replace the full one."""
    return work / ("data-quick" if quick else "data")


def prepare(work: Path, sizes: list[int], big_mb: float, archive_sessions: int,
            quick: bool = False) -> DataSet:
    """Generate (or reuse) the data set under ``work/data`` (``work/data-quick``)."""
    ident = _identity(sizes, big_mb, archive_sessions)
    base = data_dir(work, quick)
    manifest = base / "manifest.json"
    if manifest.exists():
        try:
            ds = DataSet.from_json(read_json(manifest))
            files = [Path(s.path) for s in [*ds.sessions, ds.big, *ds.archive]]
            if ds.identity == ident and all(p.exists() for p in files):
                log(f"reusing the data set in {base} ({ident})")
                return ds
        except (KeyError, TypeError, ValueError):
            pass
    if base.exists():
        shutil.rmtree(base)
    t0 = now()
    from tests.synthetic import generate_archive

    root = base / "sessions" / "projects"
    sessions: list[SessionSpec] = []
    for i, n in enumerate(sizes):
        label = label_of(n)
        log(f"generating the {label}-message session")
        sessions.append(_session(root / f"-home-dev-src-bench-{label.lower()}", label, n, 1000 + i))
    # The ~100 MB session of the refresh and memory targets: sized from the largest session's
    # density, then corrected once from what came out.
    ref = max(sessions, key=lambda x: x.messages)
    big_messages = max(500, round(big_mb * MB * ref.messages / max(1, ref.bytes)))
    big_dir = root / "-home-dev-src-bench-big"
    for attempt in (1, 2):
        log(f"generating the ~{big_mb:g} MB session ({big_messages} messages)")
        if big_dir.exists():
            shutil.rmtree(big_dir)
        big = _session(big_dir, "big", big_messages, 4242)
        if attempt == 2 or abs(big.mb - big_mb) <= 0.1 * big_mb:
            break
        big_messages = max(500, round(big_messages * big_mb / max(0.001, big.mb)))
    big.label = f"{big.mb:.0f}MB"
    log(f"generating an archive of {archive_sessions} sessions")
    gen = generate_archive(base / "archive", sessions=archive_sessions, seed=7)
    archive = [_spec(f"a{i}", g) for i, g in enumerate(gen)]
    ds = DataSet(
        root=str(root),
        sessions=sessions,
        big=big,
        archive_root=str(base / "archive" / "projects"),
        archive=archive,
        archive_bytes=sum(a.bytes for a in archive),
        identity=ident,
        generate_seconds=round(now() - t0, 1),
    )
    write_json(manifest, ds.to_json())
    log(f"data set ready in {ds.generate_seconds:.1f} s")
    return ds
