"""Session tables: parsed once, refreshed by appended bytes, lenient with damaged lines."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.errors import OutsideRoot, SessionNotFound
from claude_code_tracer.models import MessageGetParams, MessagesPageParams, SessionRef
from claude_code_tracer.tracer import Tracer

from .oracle import read_rows

SID = "11111111-2222-4333-8444-555555555555"


def entry(n: int, kind: str = "user", **extra: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "type": kind,
        "uuid": f"u-{n:06d}",
        "parentUuid": f"u-{n - 1:06d}" if n else None,
        "sessionId": SID,
        "timestamp": f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}.000Z",
        "cwd": "/work/proj",
        "isSidechain": False,
    }
    if kind == "user":
        base["message"] = {"role": "user", "content": f"prompt number {n}"}
    elif kind == "assistant":
        base["message"] = {
            "id": f"msg_{n}",
            "role": "assistant",
            "model": "claude-test",
            "content": [{"type": "text", "text": f"answer {n}"}],
            "usage": {"input_tokens": 10, "output_tokens": n},
        }
    base.update(extra)
    return base


def write(path: Path, lines: list[Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        for line in lines:
            fh.write(line if isinstance(line, bytes) else json.dumps(line).encode())
            fh.write(b"\n")


def append(path: Path, lines: list[dict[str, Any]]) -> None:
    with path.open("ab") as fh:
        for line in lines:
            fh.write(json.dumps(line).encode() + b"\n")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "projects"


def all_uuids(tracer: Tracer, limit: int = 50, **flt: Any) -> list[str]:
    out: list[str] = []
    cursor = None
    while True:
        page = tracer.page(
            MessagesPageParams.model_validate(
                {"sessionId": SID, "limit": limit, "cursor": cursor, "filter": flt}
            )
        )
        out += [m.uuid for m in page.messages]
        if not page.has_more:
            return out
        cursor = page.next_cursor


def test_lines_appended_between_two_pages_are_neither_lost_nor_duplicated(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    path = root / "-work-proj" / f"{SID}.jsonl"
    write(path, [entry(i) for i in range(30)])
    tracer = make_tracer(root)
    first = tracer.page(MessagesPageParams(session_id=SID, limit=20))
    append(path, [entry(i) for i in range(30, 45)])
    seen = [m.uuid for m in first.messages]
    cursor = first.next_cursor
    while True:
        page = tracer.page(MessagesPageParams(session_id=SID, limit=20, cursor=cursor))
        seen += [m.uuid for m in page.messages]
        cursor = page.next_cursor
        if not page.has_more:
            break
    assert seen == [f"u-{i:06d}" for i in range(45)]
    # the last page's cursor picks up what is appended later
    append(path, [entry(45)])
    later = tracer.page(MessagesPageParams(session_id=SID, limit=20, cursor=cursor))
    assert [m.uuid for m in later.messages] == ["u-000045"]
    assert tracer.store.full_parses == 1
    assert tracer.store.append_parses == 2


def test_a_rewritten_file_is_parsed_again_from_scratch(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    path = root / "-work-proj" / f"{SID}.jsonl"
    write(path, [entry(i) for i in range(10)])
    tracer = make_tracer(root)
    assert len(all_uuids(tracer)) == 10
    write(path, [entry(i, uuid=f"new-{i}") for i in range(12)])
    assert all_uuids(tracer) == [f"new-{i}" for i in range(12)]
    assert tracer.store.full_parses == 2


def test_damaged_lines_give_back_every_intact_record_and_count_only_the_rest(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    path = root / "-work-proj" / f"{SID}.jsonl"
    good = [entry(i) for i in range(6)]
    write(
        path,
        [
            good[0],
            b'{"type":"user","uuid":"trunc',  # cut mid-record
            good[1],
            json.dumps(good[2]).encode() + json.dumps(entry(99)).encode(),  # joined records
            b"\x00" * 64 + json.dumps(entry(98)).encode(),  # NUL run
            b"garbage here",
            good[3],
            b"[1, 2, 3]",  # JSON, but not an entry
            good[4],
        ],
    )
    with path.open("ab") as fh:
        fh.write(json.dumps(good[5]).encode()[:40])  # half-written last line, no newline
    tracer = make_tracer(root)
    # the joined pair and the record after the NUL run are recovered (FORMAT.md §9.4)
    assert sorted(all_uuids(tracer)) == sorted(
        ["u-000000", "u-000001", "u-000002", "u-000099", "u-000098", "u-000003", "u-000004"]
    )
    ref = SessionRef(session_id=SID)
    # cut record, NUL run, garbage, a JSON array, the torn tail: the joined line was all records
    assert tracer.metrics(ref).malformed_lines == 5
    # the writer finishes the torn line: it is read once, and no longer counted
    with path.open("ab") as fh:
        fh.write(json.dumps(good[5]).encode()[40:] + b"\n")
    assert sorted(all_uuids(tracer)).count("u-000005") == 1
    assert len(all_uuids(tracer)) == 8
    assert tracer.metrics(ref).malformed_lines == 4
    listed = tracer.list_sessions(
        __import__("claude_code_tracer.models", fromlist=["x"]).SessionsListParams()
    )
    assert listed.sessions[0].malformed_lines == 4


def test_unknown_entry_types_are_kept_as_unknown_rows_and_state_lines_feed_metadata(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    path = root / "-work-proj" / f"{SID}.jsonl"
    write(
        path,
        [
            entry(0),
            {"type": "atis-latch", "sessionId": SID, "timestamp": "2026-01-01T00:00:00.500Z"},
            {"type": "custom-title", "customTitle": "My title", "sessionId": SID},
            {
                "type": "future-entry",
                "uuid": "fut-1",
                "sessionId": SID,
                "timestamp": "2026-01-01T00:00:00.600Z",
            },
            entry(1),
        ],
    )
    tracer = make_tracer(root)
    page = tracer.page(MessagesPageParams(session_id=SID))
    assert [m.kind.value for m in page.messages] == ["user", "unknown", "user"]
    assert page.messages[1].preview == "[future-entry]"
    full = tracer.get_message(MessageGetParams(session_id=SID, uuid=page.messages[1].uuid))
    assert full.entry["type"] == "future-entry"
    metrics = tracer.metrics(SessionRef(session_id=SID))
    assert metrics.state_lines == {"atis-latch": 1, "custom-title": 1}
    from claude_code_tracer.models import SessionsListParams

    assert tracer.list_sessions(SessionsListParams()).sessions[0].title == "My title"


def test_a_single_line_of_50_mb_is_served(root: Path, make_tracer: Callable[..., Tracer]) -> None:
    path = root / "-work-proj" / f"{SID}.jsonl"
    big = entry(1)
    big["message"]["content"] = "x" * (50 * 1024 * 1024)
    write(path, [entry(0), big, entry(2)])
    tracer = make_tracer(root)
    page = tracer.page(MessagesPageParams(session_id=SID))
    assert [m.uuid for m in page.messages] == ["u-000000", "u-000001", "u-000002"]
    assert len(page.messages[1].preview) == 200
    full = tracer.get_message(MessageGetParams(session_id=SID, uuid="u-000001"))
    assert len(full.content[0]["text"]) == 50 * 1024 * 1024  # type: ignore[index]


def test_eight_threads_opening_one_session_parse_it_once(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    path = root / "-work-proj" / f"{SID}.jsonl"
    write(path, [entry(i, "assistant" if i % 2 else "user") for i in range(3000)])
    tracer = make_tracer(root)
    barrier = threading.Barrier(8)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            results.append(all_uuids(tracer, limit=500))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    assert len(results) == 8
    assert all(r == results[0] for r in results) and len(results[0]) == 3000
    assert tracer.store.full_parses == 1


def test_split_assistant_lines_count_their_usage_once(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    path = root / "-work-proj" / f"{SID}.jsonl"
    lines = [entry(0)]
    for i, out in enumerate((1, 5, 40), start=1):
        e = entry(i, "assistant")
        e["message"]["id"] = "msg_same"
        e["message"]["usage"] = {"input_tokens": 100, "output_tokens": out}
        lines.append(e)
    write(path, lines)
    tracer = make_tracer(root)
    page = tracer.page(MessagesPageParams(session_id=SID))
    assert [m.kind.value for m in page.messages] == ["user", "assistant", "assistant", "assistant"]
    metrics = tracer.metrics(SessionRef(session_id=SID))
    assert (metrics.tokens.input, metrics.tokens.output, metrics.api_calls) == (100, 40, 1)
    from claude_code_tracer.models import SessionsListParams

    info = tracer.list_sessions(SessionsListParams()).sessions[0]
    assert (info.tokens.input, info.tokens.output) == (100, 40)


def test_tool_results_link_to_their_tool_use(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    path = root / "-work-proj" / f"{SID}.jsonl"
    call = entry(1, "assistant")
    call["message"]["content"] = [
        {"type": "tool_use", "id": "toolu_1", "name": "Edit", "input": {"file_path": "/a.py"}}
    ]
    result = entry(2, "user")
    result["message"]["content"] = [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "boom", "is_error": True}
    ]
    write(path, [entry(0), call, result])
    tracer = make_tracer(root)
    page = tracer.page(MessagesPageParams(session_id=SID))
    kinds = [(m.kind.value, m.tool_names, m.is_error) for m in page.messages]
    assert kinds == [
        ("user", [], False),
        ("assistant", ["Edit"], False),
        ("tool_result", ["Edit"], True),
    ]
    detail = tracer.get_message(MessageGetParams(session_id=SID, uuid="u-000001"))
    assert [r.uuid for r in detail.tool_results] == ["u-000002"]
    assert detail.tool_results[0].content[0]["content"] == "boom"  # type: ignore[index]
    tools = tracer.tools(SessionRef(session_id=SID)).tools
    assert [(t.name, t.calls, t.errors) for t in tools] == [("Edit", 1, 1)]


def test_subagent_files_in_every_layout_attach_to_their_session(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    proj = root / "-work-proj"
    write(proj / f"{SID}.jsonl", [entry(0), entry(1)])
    nested = [entry(10 + i, isSidechain=True, agentId="abc1234") for i in range(3)]
    write(proj / SID / "subagents" / "agent-abc1234.jsonl", nested)
    (proj / SID / "subagents" / "agent-abc1234.meta.json").write_text(
        json.dumps({"agentType": "Explore", "description": "look", "toolUseId": "toolu_9"})
    )
    flat = [entry(20 + i, isSidechain=True, agentId="f00d") for i in range(2)]
    write(proj / "agent-f00d.jsonl", flat)
    other = [entry(30, isSidechain=True, sessionId="someone-else")]
    write(proj / "agent-beef.jsonl", other)
    tracer = make_tracer(root)
    ref = SessionRef(session_id=SID)
    agents = {a.agent_id: a for a in tracer.subagents(ref).subagents}
    assert set(agents) == {"abc1234", "f00d"}
    assert (agents["abc1234"].layout, agents["abc1234"].agent_type) == ("nested", "Explore")
    assert agents["abc1234"].tool_use_id == "toolu_9"
    assert (agents["f00d"].layout, agents["f00d"].message_count) == ("flat", 2)
    assert len(all_uuids(tracer)) == 2
    assert len(all_uuids(tracer, includeSidechains=True)) == 7
    assert all_uuids(tracer, agentId="f00d") == ["u-000020", "u-000021"]
    from claude_code_tracer.models import SessionsListParams

    listed = {s.session_id: s for s in tracer.list_sessions(SessionsListParams()).sessions}
    assert listed[SID].subagent_count == 2
    # the agent file of a session that has no file is listed on its own, marked as such
    assert (listed["agent-beef"].orphan, listed["agent-beef"].parent_session_id) == (
        True,
        "someone-else",
    )


@pytest.mark.parametrize(
    "session_id", ["../../etc/passwd", "..", "a/b", "/etc/passwd", "x\x00y", "%2e%2e"]
)
def test_a_session_id_cannot_reach_outside_the_projects_root(
    root: Path, make_tracer: Callable[..., Tracer], session_id: str
) -> None:
    write(root / "-work-proj" / f"{SID}.jsonl", [entry(0)])
    (root.parent / "secret.jsonl").write_text(json.dumps(entry(0)) + "\n")
    tracer = make_tracer(root)
    from claude_code_tracer.transcripts import resolve_session

    with pytest.raises((OutsideRoot, SessionNotFound)):
        resolve_session(tracer.roots, session_id, None)


def test_a_symlink_out_of_the_root_is_refused(
    root: Path, make_tracer: Callable[..., Tracer], tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    write(outside / f"{SID}.jsonl", [entry(0)])
    root.mkdir(parents=True)
    os.symlink(outside, root / "-linked")
    tracer = make_tracer(root)
    with pytest.raises(OutsideRoot):
        tracer.page(MessagesPageParams(session_id=SID))


def test_idle_sessions_expire_after_the_ttl_and_come_back_on_demand(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    write(root / "-work-proj" / f"{SID}.jsonl", [entry(i) for i in range(5)])
    tracer = make_tracer(root)
    now = [1000.0]
    tracer.store.clock = lambda: now[0]
    tracer.page(MessagesPageParams(session_id=SID))
    assert len(tracer.store.loaded_sessions()) == 1
    now[0] += tracer.store.ttl - 1
    assert tracer.sweep() == 0
    now[0] += 2
    assert tracer.sweep() == 1
    assert tracer.store.loaded_sessions() == []
    tables = tracer.db.cursor().execute("SELECT count(*) FROM duckdb_tables()").fetchone()
    assert tables == (0,)
    assert len(tracer.page(MessagesPageParams(session_id=SID)).messages) == 5
    assert tracer.store.full_parses == 2


def test_the_lru_bound_evicts_the_least_recently_used_session(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    sids = [f"{SID[:-1]}{i}" for i in range(3)]
    for sid in sids:
        write(root / "-work-proj" / f"{sid}.jsonl", [entry(i, sessionId=sid) for i in range(200)])
    size = (root / "-work-proj" / f"{sids[0]}.jsonl").stat().st_size
    tracer = make_tracer(root, max_loaded_bytes=int(size * 2.5))
    for sid in sids:
        tracer.page(MessagesPageParams(session_id=sid))
    loaded = {s.files.session_id for s in tracer.store.loaded_sessions()}
    assert loaded == set(sids[1:])


def test_oracle_agrees_with_core_on_a_hand_made_session(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    path = root / "-work-proj" / f"{SID}.jsonl"
    write(path, [entry(i, ("user", "assistant", "system")[i % 3]) for i in range(90)])
    tracer = make_tracer(root)
    assert all_uuids(tracer, limit=13) == [r.uuid for r in read_rows([path])]


def test_the_first_page_total_follows_appended_lines(
    root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    path = root / "-work-proj" / f"{SID}.jsonl"
    write(path, [entry(i) for i in range(5)])
    tracer = make_tracer(root)
    assert tracer.page(MessagesPageParams(session_id=SID)).total == 5
    assert tracer.page(MessagesPageParams(session_id=SID)).total == 5
    append(path, [entry(5), entry(6)])
    assert tracer.page(MessagesPageParams(session_id=SID)).total == 7


def test_a_string_false_sidechain_flag_is_not_true(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Only JSON ``true`` marks a sidechain line: the string "false" is truthy in Python."""
    root = tmp_path / "projects"
    write(
        root / "p" / f"{SID}.jsonl",
        [entry(0), entry(1, isSidechain="false"), entry(2, isSidechain="true"), entry(3)],
    )
    tracer = make_tracer(root)
    trunk = tracer.page(MessagesPageParams(session_id=SID))
    assert [m.uuid for m in trunk.messages] == ["u-000000", "u-000001", "u-000002", "u-000003"]
    assert not any(m.is_sidechain for m in trunk.messages)
