"""Subagent files are found once and kept: a warm request lists no folder and reads no file
beside the session, however many files surround it, and still sees every file that grows or
appears (nested and flat layouts)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_code_tracer.models import MessagesPageParams
from claude_code_tracer.store import FULL_CHECK_SECONDS
from claude_code_tracer.tracer import Tracer

from .test_store import append, entry, write

SID = "11111111-2222-4333-8444-555555555555"
OTHER = "99999999-2222-4333-8444-555555555555"
PROJECT = "-work-proj"
EVERYTHING = {"includeSidechains": True}


def side(n: int, agent: str, session: str = SID) -> dict[str, Any]:
    return entry(n, isSidechain=True, agentId=agent, sessionId=session, uuid=f"{agent}-{n:04d}")


def all_uuids(tracer: Tracer) -> list[str]:
    out: list[str] = []
    cursor = None
    while True:
        page = tracer.page(
            MessagesPageParams(
                session_id=SID, project=PROJECT, limit=500, cursor=cursor, filter=EVERYTHING
            )
        )
        out.extend(m.uuid for m in page.messages)
        if not page.has_more:
            return out
        cursor = page.next_cursor


def crowded(root: Path, nested: int, flat_others: int) -> Path:
    """A session with ``nested`` subagent files, one flat agent file of its own, beside
    ``flat_others`` flat agent files of another session."""
    proj = root / PROJECT
    main = proj / f"{SID}.jsonl"
    write(main, [entry(i) for i in range(20)])
    for a in range(nested):
        write(
            proj / SID / "subagents" / f"agent-n{a:04d}.jsonl",
            [side(i, f"n{a:04d}") for i in range(3)],
        )
    write(proj / "agent-fmine.jsonl", [side(i, "fmine") for i in range(4)])
    for a in range(flat_others):
        write(proj / f"agent-o{a:05d}.jsonl", [side(0, f"o{a:05d}", session=OTHER)])
    return main


def test_a_warm_request_lists_no_folder_and_reads_no_first_line(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    crowded(root, nested=150, flat_others=600)
    tracer = make_tracer(root)
    expected = 20 + 150 * 3 + 4
    assert len(all_uuids(tracer)) == expected
    # The listing above may have been too early to trust (files written in the same clock tick):
    # once the folders are still, one more request settles them.
    os.utime(root / PROJECT, ns=(1, 1))
    os.utime(root / PROJECT / SID / "subagents", ns=(1, 1))
    all_uuids(tracer)
    listings, reads = tracer.locator.listings, tracer.locator.first_line_reads
    assert reads == 600 + 1, "each flat agent file's first line was read once"

    for _ in range(5):
        assert len(all_uuids(tracer)) == expected
    assert tracer.locator.listings == listings
    assert tracer.locator.first_line_reads == reads


def test_a_session_beside_thousands_of_flat_agent_files_gets_only_its_own(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    crowded(root, nested=0, flat_others=2000)
    tracer = make_tracer(root)
    uuids = all_uuids(tracer)
    assert len(uuids) == 20 + 4
    assert sum(u.startswith("fmine-") for u in uuids) == 4
    assert not any(u.startswith("o") for u in uuids)


def test_a_nested_subagent_file_that_grows_is_seen_on_the_next_request(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    crowded(root, nested=3, flat_others=10)
    tracer = make_tracer(root)
    before = all_uuids(tracer)
    append(root / PROJECT / SID / "subagents" / "agent-n0001.jsonl", [side(50, "n0001")])
    after = all_uuids(tracer)
    assert sorted(after) == sorted([*before, "n0001-0050"])


def test_a_nested_subagent_file_that_appears_is_seen_on_the_next_request(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    crowded(root, nested=3, flat_others=10)
    tracer = make_tracer(root)
    before = all_uuids(tracer)
    # Written at once after the first listing (same clock tick): the listing was not trusted.
    write(
        root / PROJECT / SID / "subagents" / "agent-new.jsonl", [side(i, "new") for i in range(2)]
    )
    # A deeper workflow folder, created later.
    deep = root / PROJECT / SID / "subagents" / "workflows" / "w1" / "agent-deep.jsonl"
    write(deep, [side(7, "deep")])
    after = all_uuids(tracer)
    assert sorted(after) == sorted([*before, "new-0000", "new-0001", "deep-0007"])


def test_a_nested_subagent_folder_that_appears_later_is_seen(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    proj = root / PROJECT
    write(proj / f"{SID}.jsonl", [entry(i) for i in range(5)])
    tracer = make_tracer(root)
    assert len(all_uuids(tracer)) == 5
    write(proj / SID / "subagents" / "agent-late.jsonl", [side(1, "late")])
    assert "late-0001" in all_uuids(tracer)


def test_a_flat_agent_file_that_appears_or_grows_is_seen_on_the_next_request(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    crowded(root, nested=0, flat_others=50)
    tracer = make_tracer(root)
    before = all_uuids(tracer)
    proj = root / PROJECT
    # Settled folder listing, then a new file: the folder's mtime moves.
    os.utime(proj, ns=(1, 1))
    all_uuids(tracer)
    write(proj / "agent-fnew.jsonl", [side(1, "fnew")])
    append(proj / "agent-fmine.jsonl", [side(9, "fmine")])
    after = all_uuids(tracer)
    assert sorted(after) == sorted([*before, "fnew-0001", "fmine-0009"])


def test_a_flat_agent_file_created_empty_is_matched_once_its_first_line_is_written(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    crowded(root, nested=0, flat_others=5)
    tracer = make_tracer(root)
    proj = root / PROJECT
    (proj / "agent-slow.jsonl").write_bytes(b"")
    n = len(all_uuids(tracer))
    with (proj / "agent-slow.jsonl").open("ab") as fh:
        fh.write(json.dumps(side(3, "slow")).encode() + b"\n")
    after = all_uuids(tracer)
    assert len(after) == n + 1 and "slow-0003" in after


def test_a_deleted_flat_agent_file_is_forgotten(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    crowded(root, nested=0, flat_others=5)
    tracer = make_tracer(root)
    files = tracer.locator.resolve([root], SID, None)
    assert [p.name for p in files.agents] == ["agent-fmine.jsonl"]
    (root / PROJECT / "agent-fmine.jsonl").unlink()
    assert tracer.locator.resolve([root], SID, None).agents == ()


def test_a_request_without_project_finds_the_session_and_keeps_it(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    crowded(root, nested=2, flat_others=3)
    for p in range(30):
        write(root / f"-other-{p}" / f"{OTHER}.jsonl", [entry(0, sessionId=OTHER)])
    tracer = make_tracer(root)
    first = tracer.locator.resolve([root], SID, None)
    again = tracer.locator.resolve([root], SID, None)
    assert first.main == again.main == root / PROJECT / f"{SID}.jsonl"
    assert again.agents is first.agents, "unchanged agents come back as the same tuple"


def test_with_a_watcher_a_warm_request_stats_only_the_main_file_and_reported_ones(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    crowded(root, nested=100, flat_others=0)
    tracer = make_tracer(root)
    tracer.set_watched(True)
    before = all_uuids(tracer)  # loads; one page of 500 holds the whole session
    assert len(before) == 20 + 100 * 3 + 4
    stats = tracer.store.file_stats
    for _ in range(3):
        all_uuids(tracer)
    assert tracer.store.file_stats == stats + 3, "one stat per request: the main file"

    agent = root / PROJECT / SID / "subagents" / "agent-n0042.jsonl"
    append(agent, [side(77, "n0042")])
    assert tracer.changes_for({agent: "modified"})  # what the watcher does
    stats = tracer.store.file_stats
    after = all_uuids(tracer)
    assert sorted(after) == sorted([*before, "n0042-0077"])
    assert tracer.store.file_stats == stats + 2


def test_with_a_watcher_an_unreported_growth_is_seen_at_the_next_full_check(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    now = [1000.0]
    root = tmp_path / "projects"
    crowded(root, nested=10, flat_others=0)
    tracer = make_tracer(root)
    tracer.store.clock = lambda: now[0]
    tracer.set_watched(True)
    before = all_uuids(tracer)
    append(root / PROJECT / SID / "subagents" / "agent-n0003.jsonl", [side(88, "n0003")])
    now[0] += FULL_CHECK_SECONDS  # a lost event: the periodic full check finds the growth
    assert sorted(all_uuids(tracer)) == sorted([*before, "n0003-0088"])
