"""The catalog is a cache: damaged, truncated or on a full disk, the tracer still serves.

Each list is compared with one made by a tracer whose catalog lives in memory (the oracle here:
it never touches the damaged file).
"""

from __future__ import annotations

import contextlib
import logging
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from claude_code_tracer.catalog import CATALOG_FILE
from claude_code_tracer.models import SessionsListParams
from claude_code_tracer.tracer import Tracer

from .test_cli import run

CATALOG_LOGGER = "claude_code_tracer.catalog"


def listing(tracer: Tracer) -> list[dict[str, Any]]:
    tracer._catalog_fresh_until = 0.0
    page = tracer.list_sessions(SessionsListParams(limit=1000))
    return [s.model_dump() for s in page.sessions]


@pytest.fixture
def expected(samples_root: Path, make_tracer: Callable[..., Tracer]) -> list[dict[str, Any]]:
    return listing(make_tracer(samples_root, persistent_catalog=False))


def built_catalog(samples_root: Path, cache: Path, make_tracer: Callable[..., Tracer]) -> Path:
    tracer = make_tracer(samples_root, cache_dir=cache)
    listing(tracer)
    tracer.close()
    path = cache / CATALOG_FILE
    assert path.stat().st_size > 100_000
    return path


def half(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def zeros(path: Path) -> None:
    path.write_bytes(b"\0" * path.stat().st_size)


def garbage(path: Path) -> None:
    path.write_bytes(b"not a database\n" * 100)


@pytest.mark.parametrize("damage", [half, zeros, garbage])
def test_a_damaged_catalog_is_set_aside_and_rebuilt_with_one_log_line(
    damage: Callable[[Path], None],
    samples_root: Path,
    tmp_path: Path,
    make_tracer: Callable[..., Tracer],
    expected: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = tmp_path / "damaged-cache"
    path = built_catalog(samples_root, cache, make_tracer)
    damage(path)
    with caplog.at_level(logging.WARNING, logger=CATALOG_LOGGER):
        tracer = make_tracer(samples_root, cache_dir=cache)
        assert listing(tracer) == expected
    damaged = [r for r in caplog.records if "was damaged" in r.getMessage()]
    assert len(damaged) == 1, [r.getMessage() for r in caplog.records]
    assert tracer.catalog.path == path and tracer.catalog.degraded is None
    assert (cache / (CATALOG_FILE + ".damaged")).exists()
    assert tracer.catalog.total_parses == 8
    tracer.close()
    # rebuilt on disk: the next process starts without parsing
    again = make_tracer(samples_root, cache_dir=cache)
    assert listing(again) == expected
    assert again.catalog.total_parses == 0


def test_the_cli_serves_from_a_truncated_catalog_without_a_traceback(
    samples_root: Path, tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    cache = tmp_path / "cli-cache"
    half(built_catalog(samples_root, cache, make_tracer))
    out = run("sessions", "--root", str(samples_root), "--cache-dir", str(cache), "--json")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stdout.count('"sessionId"') == 8


class FailingCursor:
    """A DuckDB cursor whose COMMIT fails like DuckDB's on a full disk."""

    def __init__(self, inner: duckdb.DuckDBPyConnection, error: BaseException) -> None:
        self.inner = inner
        self.error = error

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.strip().upper() == "COMMIT":
            self.inner.execute("ROLLBACK")  # DuckDB has ended the transaction when it raises
            raise self.error
        return self.inner.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class FailingConnection:
    def __init__(self, inner: duckdb.DuckDBPyConnection, error: BaseException) -> None:
        self.inner = inner
        self.error = error

    def cursor(self) -> FailingCursor:
        return FailingCursor(self.inner.cursor(), self.error)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.mark.parametrize(
    "error",
    [
        duckdb.IOException(
            'TransactionContext Error: Failed to commit: Could not write file "x.wal": '
            "No space left on device"
        ),
        OSError(28, "No space left on device"),
    ],
    ids=["duckdb", "oserror"],
)
def test_an_injected_full_disk_degrades_to_memory_reporting_the_real_error(
    error: BaseException,
    samples_root: Path,
    make_tracer: Callable[..., Tracer],
    expected: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    tracer = make_tracer(samples_root)
    tracer.catalog.con = FailingConnection(tracer.catalog.con, error)  # type: ignore[assignment]
    with caplog.at_level(logging.WARNING, logger=CATALOG_LOGGER):
        assert listing(tracer) == expected
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1 and "No space left on device" in messages[0], messages
    assert "cannot rollback" not in messages[0]
    assert tracer.catalog.path is None and tracer.catalog.degraded
    parses = tracer.catalog.total_parses
    assert listing(tracer) == expected
    assert tracer.catalog.total_parses == parses  # no re-index on every request


@pytest.fixture
def small_fs(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs of its own (this suite runs as root in CI): a test fills it up (``fill``)
    or remounts it read-only."""
    mount = tmp_path / "small"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 65536)
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0")
    finally:
        os.close(fd)


def test_a_real_full_disk_degrades_to_memory_once_and_keeps_serving(
    small_fs: Path,
    samples_root: Path,
    make_tracer: Callable[..., Tracer],
    expected: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = small_fs / "cache"
    tracer = make_tracer(samples_root, cache_dir=cache)
    assert tracer.catalog.path == cache / CATALOG_FILE
    fill(small_fs)
    with caplog.at_level(logging.WARNING, logger=CATALOG_LOGGER):
        assert listing(tracer) == expected
        parses = tracer.catalog.total_parses
        assert listing(tracer) == expected
    messages = [r.getMessage() for r in caplog.records if r.name == CATALOG_LOGGER]
    assert len(messages) == 1 and "No space left on device" in messages[0], messages
    # the archive on the same disk says once that it stops (issue #14), nothing more
    archive = [r.getMessage() for r in caplog.records if r.name.endswith(".archive")]
    assert len(archive) <= 1 and all("No space left" in m for m in archive), archive
    assert tracer.catalog.path is None
    # the failed attempt and the indexing into memory; no third one on the next request
    assert parses == tracer.catalog.total_parses == 16


def test_the_cli_on_a_full_disk_answers_with_one_warning_line(
    small_fs: Path, samples_root: Path
) -> None:
    cache = small_fs / "cache"
    cache.mkdir()
    fill(small_fs)
    out = run("sessions", "--root", str(samples_root), "--cache-dir", str(cache), "--json")
    assert out.returncode == 0, out.stderr
    assert out.stdout.count('"sessionId"') == 8
    assert "Traceback" not in out.stderr
    assert "No space left on device" in out.stderr
    # one line from the catalog (kept in memory), at most one from the archive (stopped)
    lines = out.stderr.strip().splitlines()
    assert 1 <= len(lines) <= 2 and all("No space left" in ln for ln in lines), out.stderr


def test_a_catalog_on_a_read_only_filesystem_is_left_alone_and_served_from_memory(
    small_fs: Path,
    samples_root: Path,
    make_tracer: Callable[..., Tracer],
    expected: list[dict[str, Any]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = small_fs / "cache"
    path = built_catalog(samples_root, cache, make_tracer)
    before = path.read_bytes()
    subprocess.run(["mount", "-o", "remount,ro", str(small_fs)], check=True)
    with caplog.at_level(logging.WARNING, logger=CATALOG_LOGGER):
        tracer = make_tracer(samples_root, cache_dir=cache)
        assert listing(tracer) == expected
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 1 and "keeping it in memory" in messages[0], messages
    assert tracer.catalog.path is None
    assert path.read_bytes() == before  # neither moved aside nor rewritten
