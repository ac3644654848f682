"""A line over the line bound is served cut, with a marker, and never parsed whole; every reader
of the bytes (catalog, pages, ``messages/get``, search, archive) agrees on it (issue 18.9).

A 1 GB line cost minutes and gigabytes in every process; here the bound is set just under the
longest line of a real session (a 67,971-byte tool result), so that line alone is over it.
Expected values are counted from the raw lines."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from claude_code_tracer import ingest
from claude_code_tracer.models import (
    MessageGetParams,
    MessagesPageParams,
    SearchParams,
    SessionsListParams,
)
from claude_code_tracer.tracer import Tracer

IRR = Path(__file__).resolve().parents[1] / "samples" / "projects"
PROJECT = "irr-04-current-session-issue-102-2026-04-07-19-57-20"
SID = "07f5cca9-0c06-40e6-ba3d-650e62ea92f4"
CONVERSATION = {"user", "assistant", "system", "attachment", "progress"}


@pytest.fixture(autouse=True)
def default_bound_after() -> Iterator[None]:
    yield
    ingest.set_max_line_bytes(ingest.DEFAULT_MAX_LINE_BYTES)


def session(tmp_path: Path) -> tuple[Path, list[bytes], int, int]:
    """(root, raw lines, index of the longest line, a bound only that line is over)."""
    root = tmp_path / "projects"
    (root / PROJECT).mkdir(parents=True)
    shutil.copy(IRR / PROJECT / f"{SID}.jsonl", root / PROJECT / f"{SID}.jsonl")
    lines = (root / PROJECT / f"{SID}.jsonl").read_bytes().splitlines()
    sizes = sorted(len(line) for line in lines)
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    bound = (sizes[-1] + sizes[-2]) // 2
    assert sizes[-2] < bound < sizes[-1]
    return root, lines, longest, bound


def all_messages(tracer: Tracer) -> list[str]:
    got: list[str] = []
    cursor = None
    while True:
        page = tracer.page(
            MessagesPageParams.model_validate(
                {"sessionId": SID, "limit": 500, "cursor": cursor}
                | {"filter": {"includeSidechains": True}}
            )
        )
        got.extend(m.uuid for m in page.messages)
        if not page.has_more:
            return got
        cursor = page.next_cursor


def test_a_line_over_the_bound_is_served_cut_with_a_marker(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, lines, longest, bound = session(tmp_path)
    big = json.loads(lines[longest])
    tail_words = big["message"]["content"][0]["content"][-3000:]
    tracer = make_tracer(root, max_line_bytes=bound)

    listed = tracer.list_sessions(SessionsListParams()).sessions
    assert len(listed) == 1
    expected_uuids = [
        e["uuid"]
        for e in map(json.loads, lines)
        if e.get("type") in CONVERSATION and isinstance(e.get("uuid"), str)
    ]
    # the line is still one message, under its own uuid, in its place
    served = all_messages(tracer)
    assert sorted(served) == sorted(expected_uuids)

    got = tracer.get_message(MessageGetParams(session_id=SID, uuid=big["uuid"]))
    entry = got.entry
    assert entry["oversizeLine"] == len(lines[longest])
    assert entry["uuid"] == big["uuid"] and entry["timestamp"] == big["timestamp"]
    assert entry["parentUuid"] == big["parentUuid"] and entry["type"] == "user"
    block = entry["message"]["content"][0]
    assert block["type"] == "tool_result"
    assert block["tool_use_id"] == big["message"]["content"][0]["tool_use_id"]
    assert block["content"].startswith(f"[line of {len(lines[longest]):,} bytes")
    assert tail_words not in json.dumps(entry)  # cut: the end of the line is not served
    # every other line is served whole
    other = json.loads(lines[longest + 1])
    if isinstance(other.get("uuid"), str):
        again = tracer.get_message(MessageGetParams(session_id=SID, uuid=other["uuid"]))
        assert again.entry == other

    # search reads the same entry: the marker is found there, the cut text is not
    marker = tracer.search(SearchParams(query='"line bound"'))
    assert [h.uuid for g in marker.groups for h in g.hits] == [big["uuid"]]
    word = next(w for w in tail_words.split() if w.isalpha() and len(w) > 6)
    assert all(
        h.uuid != big["uuid"]
        for g in tracer.search(SearchParams(query=word)).groups
        for h in g.hits
    )

    # the archive keeps the raw bytes, line and all
    assert tracer.archive is not None
    archived = tracer.archive.read(Path(PROJECT) / f"{SID}.jsonl")
    assert archived.data == (root / PROJECT / f"{SID}.jsonl").read_bytes()


def test_under_the_default_bound_the_same_line_is_parsed_whole(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, lines, longest, _ = session(tmp_path)
    big = json.loads(lines[longest])
    tracer = make_tracer(root)
    got = tracer.get_message(MessageGetParams(session_id=SID, uuid=big["uuid"]))
    assert got.entry == big


def test_the_cli_takes_the_bound_from_its_option_and_the_environment(tmp_path: Path) -> None:
    root, lines, longest, bound = session(tmp_path)
    big = json.loads(lines[longest])

    def show(*extra: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "claude_code_tracer", "show", SID, big["uuid"], "--json",
             "--root", str(root), "--cache-dir", str(tmp_path / "cache"), *extra],
            capture_output=True, text=True, timeout=120,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), **(env or {})},
        )  # fmt: skip

    cut = show("--max-line-bytes", str(bound))
    assert cut.returncode == 0, cut.stderr
    assert json.loads(cut.stdout)["entry"]["oversizeLine"] == len(lines[longest])
    from_env = show(env={ingest.MAX_LINE_ENV: str(bound)})
    assert from_env.returncode == 0, from_env.stderr
    assert json.loads(from_env.stdout)["entry"]["oversizeLine"] == len(lines[longest])
    whole = show()
    assert whole.returncode == 0, whole.stderr
    assert json.loads(whole.stdout)["entry"] == big
    bad = show("--max-line-bytes", "lots")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    bad_env = show(env={ingest.MAX_LINE_ENV: "-5"})
    assert bad_env.returncode != 0 and "Traceback" not in bad_env.stderr
    assert ingest.MAX_LINE_ENV in bad_env.stderr
