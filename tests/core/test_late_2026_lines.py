"""Issue #21 item 7: the late-2026 session-state lines (FORMAT.md §11). No real sample carries
them yet, so they are written by hand, in the shapes the Agent SDK and Claude Code write, into
copies of real sessions; expected values come from the raw lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_code_tracer.models import SearchParams, SessionRef, SessionsListParams
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import ROW_TYPES, all_messages, copy_projects, listed


def append(path: Path, *entries: dict[str, Any]) -> None:
    with path.open("a") as fh:
        for e in entries:
            fh.write(json.dumps(e) + "\n")


def rows_in(path: Path) -> int:
    return sum(
        1
        for line in path.read_bytes().split(b"\n")
        if line.strip() and json.loads(line).get("type") in ROW_TYPES
    )


def test_tag_lines_tag_the_session_last_one_wins_and_filter_list_and_search(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-07-", "irr-10-")
    tagged, other = sorted(root.glob("*/*.jsonl"))
    sid = tagged.stem
    # the SDK's tag_session(): {"type":"tag","tag":…,"sessionId":…}
    append(tagged, {"type": "tag", "tag": "draft", "sessionId": sid})
    tracer = make_tracer(root)
    assert listed(tracer)[sid].tag == "draft"
    append(
        tagged,
        {"type": "tag", "tag": "Release-Review", "sessionId": sid},
        {"type": "cost-state", "sessionId": sid, "totalCostUsd": 1.5},
        {
            "type": "file-history-delta",
            "messageId": "m-1",
            "snapshotMessageId": "m-0",
            "trackingPath": "a.py",
            "backup": {"backupFileName": "abc@v2", "version": 2},
            "timestamp": "2026-04-08T21:40:00.000Z",
        },
    )
    tracer.changes_for({tagged: "modified"})
    info = listed(tracer)[sid]
    assert info.tag == "Release-Review"  # the last one wins
    assert listed(tracer)[other.stem].tag is None
    # state lines are never rows
    assert info.message_count == rows_in(tagged)
    metrics = tracer.metrics(SessionRef(session_id=sid))
    assert metrics.message_count == rows_in(tagged)
    assert metrics.state_lines["tag"] == 2
    assert metrics.state_lines["cost-state"] == 1
    assert metrics.state_lines["file-history-delta"] == 1
    assert len(all_messages(tracer, sid, includeSidechains=True)) == rows_in(tagged)
    # sessions --query finds the tag
    found = tracer.list_sessions(SessionsListParams(query="release-review")).sessions
    assert [s.session_id for s in found] == [sid]
    # search's tag: filter, and its negation
    hits = tracer.search(SearchParams(query="tag:release-review", limit=500))
    assert {g.session_id for g in hits.groups} == {sid}
    assert hits.total > 0
    rest = tracer.search(SearchParams(query="-tag:release-review ls", limit=500))
    assert sid not in {g.session_id for g in rest.groups}
    # an empty tag clears it
    append(tagged, {"type": "tag", "tag": "", "sessionId": sid})
    tracer.changes_for({tagged: "modified"})
    assert listed(tracer)[sid].tag is None
