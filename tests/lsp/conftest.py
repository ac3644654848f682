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


@pytest.fixture(scope="module")
def shared_projects(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the samples for a module whose tests only read (they share one server)."""
    target = tmp_path_factory.mktemp("shared") / "projects"
    shutil.copytree(SAMPLES, target)
    return target


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def shared_client(lsp_client: TracerClient, shared_projects: Path):
    """One server for a whole module: its tests must not change the archive (mark the module
    ``pytest.mark.asyncio(loop_scope="module")``)."""
    cache = shared_projects.parent / "cache"
    await lsp_client.initialize_session(init_params(shared_projects, cache))
    yield
    await lsp_client.shutdown_session()
