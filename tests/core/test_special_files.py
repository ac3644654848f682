"""Hostile files in the projects folder: a FIFO, a symlink to /dev/zero, symlinks out of the root.

Each is skipped (counted and logged), never opened in a way that blocks or reads without bound,
and never listed or served. Every call runs under ``finishes``: a regression that blocks on the
FIFO fails the test instead of hanging the suite (the FIFO is then opened for writing, which
releases a blocked reader).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from claude_code_tracer import safefs
from claude_code_tracer.errors import OutsideRoot, SessionNotFound
from claude_code_tracer.models import (
    MessagesPageParams,
    SearchParams,
    SessionRef,
    SessionsListParams,
)
from claude_code_tracer.tracer import Tracer
from claude_code_tracer.transcripts import (
    find_agent_files,
    first_session_id,
    iter_session_files,
    read_agent_meta,
    resolve_session,
)

from .test_store import SID, entry, write

T = TypeVar("T")
BOUND = 30.0  # seconds: far above what any of these calls takes; a blocked call never returns
OTHER = "22222222-2222-4333-8444-555555555555"


@pytest.fixture
def fifos() -> Iterator[list[Path]]:
    made: list[Path] = []
    yield made
    for fifo in made:  # release any reader a regression left blocked
        try:
            fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            os.close(fd)
        except OSError:
            pass


def finishes(fn: Callable[[], T]) -> T:
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = fn()
        except BaseException as exc:
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(BOUND)
    assert not thread.is_alive(), "the call blocked on a special file"
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


@pytest.fixture
def hostile(tmp_path: Path, fifos: list[Path]) -> Path:
    """One good session plus every kind of hostile entry, in both agent layouts."""
    root = tmp_path / "projects"
    proj = root / "-work-proj"
    write(proj / f"{SID}.jsonl", [entry(i, ("user", "assistant")[i % 2]) for i in range(6)])
    fifo = proj / "x.jsonl"
    os.mkfifo(fifo)
    fifos.append(fifo)
    flat_fifo = proj / "agent-fifo.jsonl"
    os.mkfifo(flat_fifo)
    fifos.append(flat_fifo)
    nested = proj / SID / "subagents"
    nested.mkdir(parents=True)
    nested_fifo = nested / "agent-nested.jsonl"
    os.mkfifo(nested_fifo)
    fifos.append(nested_fifo)
    (proj / "zero.jsonl").symlink_to("/dev/zero")
    (proj / "agent-zero.jsonl").symlink_to("/dev/zero")
    (nested / "agent-zero2.jsonl").symlink_to("/dev/zero")
    outside = tmp_path / "outside"
    write(outside / f"{OTHER}.jsonl", [entry(i) for i in range(3)])
    (proj / f"{OTHER}.jsonl").symlink_to(outside / f"{OTHER}.jsonl")
    write(outside / "agent-out.jsonl", [entry(0, sessionId=SID, isSidechain=True)])
    (nested / "agent-out.jsonl").symlink_to(outside / "agent-out.jsonl")
    (proj / "agent-out-flat.jsonl").symlink_to(outside / "agent-out.jsonl")
    return root


def test_discovery_yields_only_the_regular_file_inside_the_root(hostile: Path) -> None:
    before = safefs.skipped_count()
    found = finishes(lambda: list(iter_session_files(hostile)))
    assert [Path(path).name for _, path, _ in found] == [f"{SID}.jsonl"]
    # the FIFO, /dev/zero and the symlink out of the root: three skips counted
    assert safefs.skipped_count() - before == 3


def test_agent_discovery_skips_fifos_devices_and_links_out(hostile: Path) -> None:
    main = hostile / "-work-proj" / f"{SID}.jsonl"
    assert finishes(lambda: find_agent_files(main, SID)) == ()
    assert finishes(lambda: first_session_id(hostile / "-work-proj" / "agent-fifo.jsonl")) is None
    assert finishes(lambda: first_session_id(hostile / "-work-proj" / "agent-zero.jsonl")) is None


def test_resolve_refuses_a_link_out_and_does_not_find_a_fifo(hostile: Path) -> None:
    with pytest.raises(OutsideRoot):
        resolve_session([hostile], OTHER, None)
    with pytest.raises(OutsideRoot):
        resolve_session([hostile], "zero", "-work-proj")
    with pytest.raises(SessionNotFound):
        finishes(lambda: resolve_session([hostile], "x", "-work-proj"))
    files = resolve_session([hostile], SID, None)
    assert files.agents == ()


def test_listing_and_paging_never_block_and_serve_only_the_good_session(
    hostile: Path, make_tracer: Callable[..., Tracer], caplog: pytest.LogCaptureFixture
) -> None:
    tracer = make_tracer(hostile)
    with caplog.at_level(logging.WARNING, logger="claude_code_tracer.safefs"):
        page = finishes(lambda: tracer.list_sessions(SessionsListParams()))
    assert [s.session_id for s in page.sessions] == [SID]
    assert page.sessions[0].subagent_count == 0
    assert any("a FIFO" in r.getMessage() for r in caplog.records)
    assert any("a character device" in r.getMessage() for r in caplog.records)
    assert any("outside the projects root" in r.getMessage() for r in caplog.records)
    ref = MessagesPageParams(session_id=SID, filter={"includeSidechains": True})
    rows = finishes(lambda: tracer.page(ref))
    assert [m.uuid for m in rows.messages] == [f"u-{i:06d}" for i in range(6)]
    with pytest.raises(OutsideRoot):
        tracer.metrics(SessionRef(session_id=OTHER))


def test_a_second_listing_after_the_fifo_appears_still_answers(
    tmp_path: Path, make_tracer: Callable[..., Tracer], fifos: list[Path]
) -> None:
    root = tmp_path / "projects"
    write(root / "p" / f"{SID}.jsonl", [entry(0)])
    tracer = make_tracer(root)
    assert len(tracer.list_sessions(SessionsListParams()).sessions) == 1
    fifo = root / "p" / f"{OTHER}.jsonl"
    os.mkfifo(fifo)
    fifos.append(fifo)
    tracer._catalog_fresh_until = 0.0
    page = finishes(lambda: tracer.list_sessions(SessionsListParams()))
    assert [s.session_id for s in page.sessions] == [SID]


def test_open_regular_refuses_a_fifo_without_blocking(tmp_path: Path, fifos: list[Path]) -> None:
    fifo = tmp_path / "f.jsonl"
    os.mkfifo(fifo)
    fifos.append(fifo)
    with pytest.raises(safefs.NotRegularFile, match="FIFO"):
        finishes(lambda: safefs.open_regular(fifo))


def test_agent_metadata_is_read_only_from_a_regular_file_beside_the_agent(
    tmp_path: Path, fifos: list[Path]
) -> None:
    folder = tmp_path / "projects" / "p" / SID / "subagents"
    folder.mkdir(parents=True)
    good = folder / "agent-good.jsonl"
    good.write_text("{}\n")
    (folder / "agent-good.meta.json").write_text('{"agentType": "Explore"}')
    assert read_agent_meta(good) == {"agentType": "Explore"}
    outside = tmp_path / "secret.json"
    outside.write_text('{"agentType": "leaked"}')
    linked = folder / "agent-linked.jsonl"
    linked.write_text("{}\n")
    (folder / "agent-linked.meta.json").symlink_to(outside)
    assert read_agent_meta(linked) == {}
    piped = folder / "agent-piped.jsonl"
    piped.write_text("{}\n")
    os.mkfifo(folder / "agent-piped.meta.json")
    fifos.append(folder / "agent-piped.meta.json")
    assert finishes(lambda: read_agent_meta(piped)) == {}
    zero = folder / "agent-zero.jsonl"
    zero.write_text("{}\n")
    (folder / "agent-zero.meta.json").symlink_to("/dev/zero")
    assert finishes(lambda: read_agent_meta(zero)) == {}


def test_search_never_blocks_on_a_special_file_and_finds_the_good_session(
    hostile: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(hostile)
    found = finishes(lambda: tracer.search(SearchParams(query="prompt", limit=50)))
    sessions = {g.session_id for g in found.groups}
    assert sessions == {SID}
    assert found.total == 3  # the good session's three prompts (entries 0, 2, 4)
