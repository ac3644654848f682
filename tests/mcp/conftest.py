"""One server on a copy of the real samples for the modules that only read them."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from mcp import ClientSession

from .support import SAMPLES, Running


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("mcp-samples") / "projects"
    shutil.copytree(SAMPLES, target)
    return target


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def server(samples: Path) -> AsyncIterator[ClientSession]:
    async with Running(samples, samples.parent / "cache") as session:
        yield session
