"""Absurdly long uuids: every id a page serves can be asked for, and cursors stay small."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from claude_code_tracer.models import MessageGetParams, MessagesPageParams
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
