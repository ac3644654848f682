"""A FIFO, /dev/zero or a deeply nested file where the tracer reads its own files (--prices, the
catalog, an archive segment) is refused with one line, never a hang, a memory blow-up or a
traceback (issue 18.8). Each command runs in a subprocess with a time bound."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from claude_code_tracer.models import MessagesPageParams, SessionsListParams
from claude_code_tracer.tracer import Tracer

from .test_archive_integrity import BIG, archived_in_two_parts, segments
from .test_cli import run
from .test_real_transcripts import copy_projects


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "prices.json"
    os.mkfifo(path)
    yield path
    try:  # release a reader a regression left blocked
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


def _prices_rejected(tmp_path: Path, prices: Path) -> str:
    done = run("sessions", "--prices", str(prices), "--root", str(tmp_path), "--no-cache")
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1 and "Traceback" not in done.stderr
    return done.stderr


def test_a_fifo_as_prices_is_refused_not_waited_on(tmp_path: Path, fifo: Path) -> None:
    assert "not a regular file" in _prices_rejected(tmp_path, fifo)


def test_dev_zero_as_prices_is_refused_not_read_for_ever(tmp_path: Path) -> None:
    link = tmp_path / "zero.json"
    link.symlink_to("/dev/zero")
    assert "not a regular file" in _prices_rejected(tmp_path, link)
    assert "not a regular file" in _prices_rejected(tmp_path, Path("/dev/zero"))


def test_deeply_nested_prices_are_one_line_not_a_traceback(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    assert "nested too deeply" in _prices_rejected(tmp_path, deep)


@pytest.mark.parametrize("kind", ["fifo", "dev_zero"])
def test_a_special_file_as_the_catalog_is_set_aside_and_the_list_served(
    tmp_path: Path, kind: str
) -> None:
    root = copy_projects(tmp_path, "irr-1-4_")
    cache = tmp_path / "cache"
    cache.mkdir()
    catalog = cache / "catalog.duckdb"
    if kind == "fifo":
        os.mkfifo(catalog)
    else:
        catalog.symlink_to("/dev/zero")
    done = run("sessions", "--json", "--root", str(root), "--cache-dir", str(cache))
    assert done.returncode == 0, done.stderr
    assert '"sessionId": "628b6a8c' in done.stdout
    assert catalog.is_file() and not catalog.is_symlink()  # made anew, the odd one set aside


@pytest.mark.parametrize("kind", ["fifo", "dev_zero", "huge"])
def test_a_special_file_as_an_archive_segment_is_reported_not_read(
    tmp_path: Path, make_tracer: Callable[..., Tracer], kind: str
) -> None:
    root, gen, _, _ = archived_in_two_parts(tmp_path, make_tracer)
    second = segments(gen)[1]
    second.unlink()
    if kind == "fifo":
        os.mkfifo(second)
    elif kind == "dev_zero":
        second.symlink_to("/dev/zero")
    else:
        with second.open("wb") as fh:  # sparse: 8 GB announced, nothing written
            fh.truncate(8 << 30)
    tracer = make_tracer(root)
    assert tracer.list_sessions(SessionsListParams(include_deleted=True)).sessions
    page = tracer.page(MessagesPageParams.model_validate({"sessionId": BIG, "limit": 5}))
    assert not page.complete and page.warning and second.name in page.warning
