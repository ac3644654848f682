from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from claude_code_tracer.tracer import Tracer, TracerOptions

SAMPLES = Path(__file__).resolve().parents[2] / "server" / "claude_code_tracer" / "samples"


@pytest.fixture
def samples_root(tmp_path: Path) -> Path:
    """A writable copy of the bundled real transcripts, laid out like ~/.claude/projects."""
    root = tmp_path / "projects"
    shutil.copytree(SAMPLES / "projects", root)
    return root


@pytest.fixture
def make_tracer(tmp_path: Path) -> Iterator[Callable[..., Tracer]]:
    made: list[Tracer] = []

    def make(root: Path, **kw: object) -> Tracer:
        opts = TracerOptions(projects_roots=[root], cache_dir=tmp_path / "cache")
        for k, v in kw.items():
            setattr(opts, k, v)
        t = Tracer(opts)
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()
