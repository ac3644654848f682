"""Pushing "machines" for the team tests: each its own projects folder, cache and author, and
the CLI run in-process (or as a real process for the kill tests)."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from claude_code_tracer import cli

REPO = Path(__file__).resolve().parents[2]
SERVER_SAMPLES = REPO / "server" / "claude_code_tracer" / "samples" / "projects"
MORE_SAMPLES = REPO / "tests" / "samples" / "projects"

# which real sample projects each machine has
PROJECTS_A = ["-path-to-Demo", "-home-USER-projects-spotter-worktrees-spotter-a0y"]
PROJECTS_B = [
    "-home-marco-projects-spotter",
    "-home-USER-projects-spotter-worktrees-spotter-dov",
    "irr-07-tool-denial-and-esc-db57d2ab-2026-04-08-21-35-20",
    "irr-1-4_session-resume-2026-05-17-23-49-01",
]


def _source(project: str) -> Path:
    p = SERVER_SAMPLES / project
    return p if p.is_dir() else MORE_SAMPLES / project


@dataclass
class Machine:
    name: str
    home: Path
    author: str

    @property
    def root(self) -> Path:
        return self.home / "projects"

    @property
    def cache(self) -> Path:
        return self.home / "cache"

    def common(self) -> list[str]:
        return ["--root", str(self.root), "--cache-dir", str(self.cache)]

    def run(self, *argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = cli.main([*argv, *self.common()])
        return code, out.getvalue(), err.getvalue()

    def json(self, *argv: str) -> Any:
        code, out, err = self.run(*argv, "--json")
        assert code == 0, err
        return json.loads(out)

    def push(self, url: str, *extra: str) -> dict[str, Any]:
        result: dict[str, Any] = self.json(
            "team", "push", "--url", url, "--author", self.author, *extra
        )
        return result

    def push_process(self, url: str, *extra: str) -> subprocess.Popen[bytes]:
        """A push as its own process (to be killed)."""
        argv = [sys.executable, "-m", "claude_code_tracer", "team", "push", "--url", url]
        argv += ["--author", self.author, *extra, *self.common()]
        return subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(REPO / "server")},
        )


def make_machine(tmp: Path, name: str, author: str, projects: list[str]) -> Machine:
    m = Machine(name, tmp / name, author)
    m.root.mkdir(parents=True)
    for p in projects:
        shutil.copytree(_source(p), m.root / p)
    return m


def trunk_files(root: Path) -> dict[str, Path]:
    """session id -> main transcript, from the folder itself (not the core)."""
    return {p.stem: p for p in root.glob("*/*.jsonl") if not p.name.startswith("agent-")}
