"""Absurdly long uuids: every id a page serves can be asked for, and cursors stay small."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from claude_code_tracer.models import (
    FilesHistoryParams,
    MessageGetParams,
    MessagesPageParams,
    SessionsListParams,
)
from claude_code_tracer.tracer import Tracer

from .test_store import SID, entry, write

LONG = "x" * 3000


def test_a_3000_char_uuid_round_trips_and_cursors_stay_bounded(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    lines = [entry(i) for i in range(6)]
    lines[2]["uuid"] = LONG + "2"
    lines[3]["uuid"] = LONG + "3"
    lines[3]["parentUuid"] = LONG + "2"
    write(root / "p" / f"{SID}.jsonl", lines)
    tracer = make_tracer(root)
    seen: list[str] = []
    cursor = None
    while True:
        page = tracer.page(MessagesPageParams(session_id=SID, limit=1, cursor=cursor))
        seen.extend(m.uuid for m in page.messages)
        assert page.next_cursor is not None and len(page.next_cursor) < 300
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert len(seen) == 6 and len(set(seen)) == 6
    assert all(len(u) <= 256 for u in seen)
    third, fourth = seen[2], seen[3]
    assert third != fourth
    got = tracer.get_message(MessageGetParams(session_id=SID, uuid=third))
    assert got.uuid == third and got.entry["uuid"] == LONG + "2"
    got = tracer.get_message(MessageGetParams(session_id=SID, uuid=fourth))
    assert got.entry["uuid"] == LONG + "3" and got.parent_uuid == third
    # an ordinary uuid is served as it is
    assert seen[0] == "u-000000"


def test_a_listing_under_a_deep_root_pages_through_every_session(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    # A path of ~3,600 characters (Linux allows 4,096): its cursor, which carries the last
    # session's path, must still be one the next request accepts.
    deep = tmp_path
    for i in range(14):
        deep = deep / (f"{i:02d}" + "d" * 240)
    root = deep / "projects"
    sids = [f"{n}1111111-2222-4333-8444-555555555555" for n in range(1, 5)]
    for n, sid in enumerate(sids):
        lines = [
            entry(i, sessionId=sid, timestamp=f"2026-01-0{n + 1}T00:00:0{i}.000Z") for i in range(2)
        ]
        write(root / ("p" + "q" * 200) / f"{sid}.jsonl", lines)
    assert len(str(root)) > 3400
    tracer = make_tracer(root)
    seen: list[str] = []
    cursor = None
    while True:
        page = tracer.list_sessions(
            SessionsListParams.model_validate({"limit": 1, "cursor": cursor})
        )
        seen.extend(s.session_id for s in page.sessions)
        if not page.has_more:
            break
        assert page.next_cursor is not None and len(page.next_cursor) > 2048
        cursor = page.next_cursor
    assert seen == sids[::-1]


def test_file_history_pages_past_calls_with_absurdly_long_tool_ids(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    lines = []
    for i in range(4):
        call = {
            "type": "tool_use",
            "id": f"toolu_{i}" + "z" * 20_000,
            "name": "Read",
            "input": {"file_path": "/work/proj/a.py"},
        }
        lines.append(
            entry(
                i,
                "assistant",
                message={
                    "id": f"m{i}",
                    "role": "assistant",
                    "model": "claude-test",
                    "content": [call],
                },
            )
        )
    write(root / "p" / f"{SID}.jsonl", lines)
    tracer = make_tracer(root)
    uuids: list[str] = []
    cursor = None
    while True:
        page = tracer.file_history(
            FilesHistoryParams.model_validate(
                {"path": "/work/proj/a.py", "limit": 1, "cursor": cursor}
            )
        )
        uuids.extend(t.uuid for t in page.touches)
        if page.next_cursor is None or not page.has_more:
            break
        cursor = page.next_cursor
    assert sorted(uuids) == [f"u-{i:06d}" for i in range(4)]
