"""Fixtures: a copy of the real sample archive and a pytest-lsp client on the real server."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import pytest_lsp

from .lsp_support import CONFIG, SAMPLES, TracerClient, init_params


@pytest.fixture
def projects(tmp_path: Path) -> Path:
    """A copy of the bundled real transcripts, free to damage."""
    target = tmp_path / "projects"
    shutil.copytree(SAMPLES, target)
    return target


@pytest_lsp.fixture(config=CONFIG)
async def client(lsp_client: TracerClient, projects: Path, tmp_path: Path):
    await lsp_client.initialize_session(init_params(projects, tmp_path / "cache"))
    yield
    await lsp_client.shutdown_session()
