"""The synthetic transcript generator is ground truth for other tests and benchmarks, so its own
claims (counts, links, determinism, damage) are checked here by re-reading what it wrote."""

from __future__ import annotations

import json
import os
import re
from collections import Counter, defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from .synthetic import (
    MESSAGE_TYPES,
    GeneratedSession,
    append_lines,
    encode_cwd,
    generate_archive,
    generate_session,
    main,
)

ENVELOPE = ("parentUuid", "isSidechain", "userType", "cwd", "sessionId", "version", "gitBranch")
TS_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def read_lines(path: Path) -> tuple[list[dict[str, Any]], list[bytes], bytes | None]:
    """(parsed entries, unparsable complete lines, torn tail or None), splitting on b"\\n" only."""
    raw = path.read_bytes()
    parts = raw.split(b"\n")
    tail = parts.pop()  # b"" when the file ends with a newline
    good: list[dict[str, Any]] = []
    bad: list[bytes] = []
    for part in parts:
        try:
            good.append(json.loads(part))
        except ValueError:
            bad.append(part)
    return good, bad, (tail or None)


def records_in_damage(line: bytes) -> tuple[int, bool]:
    """(intact records inside a damaged line, whether bytes are left that no record explains),
    found here by the shape of the generator's records: each starts with '{"parentUuid"'."""
    text = line.decode("utf-8", "surrogateescape")
    decoder = json.JSONDecoder()
    spans: list[tuple[int, int]] = []
    at = text.find('{"parentUuid"')
    while at >= 0:
        try:
            _obj, end = decoder.raw_decode(text, at)
            spans.append((at, end))
        except ValueError:
            end = at + 1
        at = text.find('{"parentUuid"', end)
    rest = text
    for a, b in reversed(spans):
        rest = rest[:a] + rest[b:]
    return len(spans), bool(rest.strip(" \t\r\n"))


def timestamp_of(entry: dict[str, Any]) -> str | None:
    ts = entry.get("timestamp")
    if ts is None and entry.get("type") == "file-history-snapshot":
        ts = entry["snapshot"]["timestamp"]
    return ts


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSession:
    """One session with every feature switched on, shared by the read-only tests."""
    out = tmp_path_factory.mktemp("rich")
    return generate_session(
        out,
        messages=700,
        seed=11,
        subagents=3,
        malformed=5,
        big_results=2,
        big_result_bytes=300_000,
    )


def test_same_seed_is_byte_identical_and_other_seed_differs(tmp_path: Path) -> None:
    kw: dict[str, Any] = dict(messages=300, subagents=2, malformed=3, big_results=1)
    kw["big_result_bytes"] = 20_000
    a = generate_session(tmp_path / "a", seed=5, **kw)
    b = generate_session(tmp_path / "b", seed=5, **kw)
    c = generate_session(tmp_path / "c", seed=6, **kw)
    assert a.session_id == b.session_id
    assert a.path.read_bytes() == b.path.read_bytes()
    assert a.subagent_ids == b.subagent_ids
    for pa, pb in zip(a.subagent_paths, b.subagent_paths, strict=True):
        assert pa.read_bytes() == pb.read_bytes()
    assert c.session_id != a.session_id
    assert c.path.read_bytes() != a.path.read_bytes()


def test_every_valid_line_has_envelope_and_increasing_timestamps(rich: GeneratedSession) -> None:
    good, _bad, _tail = read_lines(rich.path)
    seen_uuids: set[str] = set()
    last_ts = ""
    for e in good:
        ts = timestamp_of(e)
        if ts is not None:
            assert TS_RE.match(ts), ts
            assert ts > last_ts
            last_ts = ts
        if e["type"] in MESSAGE_TYPES:
            for key in (*ENVELOPE, "uuid", "timestamp"):
                assert key in e, (key, e["type"])
            assert e["sessionId"] == rich.session_id
            assert e["isSidechain"] is False
            assert e["uuid"] not in seen_uuids
            seen_uuids.add(e["uuid"])
        elif e["type"] in ("ai-title", "custom-title", "queue-operation"):
            assert e["sessionId"] == rich.session_id
    assert rich.first_timestamp and rich.last_timestamp == last_ts


@pytest.mark.parametrize("messages", [1, 2, 3, 7, 50, 137, 400])
def test_message_lines_is_exact_and_matches_a_recount(tmp_path: Path, messages: int) -> None:
    gs = generate_session(tmp_path, messages=messages, seed=messages)
    good, bad, tail = read_lines(gs.path)
    counted = sum(1 for e in good if e["type"] in MESSAGE_TYPES)
    assert counted == gs.message_lines == messages
    assert bad == [] and tail is None and gs.malformed_lines == 0
    assert gs.bytes == gs.path.stat().st_size


def test_tiny_budget_still_places_every_requested_feature(tmp_path: Path) -> None:
    gs = generate_session(tmp_path, messages=3, seed=9, subagents=2, big_results=1)
    good, _bad, _tail = read_lines(gs.path)
    assert len(gs.subagent_ids) == 2
    assert gs.message_lines == 2 + 2 * 3 == sum(1 for e in good if e["type"] in MESSAGE_TYPES)
    empty = generate_session(tmp_path / "empty", messages=0, seed=9, subagents=2)
    assert empty.message_lines == 0 and empty.bytes == 0 and empty.subagent_ids == []


def test_rich_session_counts_match_the_file(rich: GeneratedSession) -> None:
    good, bad, _tail = read_lines(rich.path)
    types = Counter(e["type"] for e in good)
    recovered = sum(records_in_damage(b)[0] for b in bad)
    assert recovered == 4  # a joined pair, a record after NULs, a record after a cut one
    assert sum(types[t] for t in MESSAGE_TYPES) + recovered == rich.message_lines == 704
    tool_uses = [
        b
        for e in good
        if e["type"] == "assistant"
        for b in e["message"]["content"]
        if b["type"] == "tool_use"
    ]
    errors = [
        b
        for e in good
        if e["type"] == "user" and isinstance(e["message"]["content"], list)
        for b in e["message"]["content"]
        if b.get("is_error") is True
    ]
    assert len(tool_uses) == rich.tool_use_count > 0
    assert len(errors) == rich.error_count
    # the metadata kinds the brief asks for
    assert types["file-history-snapshot"] > 0
    assert types["ai-title"] >= 1
    assert types["custom-title"] == 1
    assert types["queue-operation"] >= 1
    subtypes = Counter(e.get("subtype") for e in good if e["type"] == "system")
    assert subtypes["turn_duration"] > 0 and subtypes["compact_boundary"] == 1
    kinds = Counter(e["data"]["type"] for e in good if e["type"] == "progress")
    assert kinds["hook_progress"] > 0 and kinds["agent_progress"] >= 0
    names = {b["name"] for b in tool_uses}
    assert {"Read", "Bash", "Edit"} <= names
    assert names & {"Task", "Agent"}


def test_tool_results_link_to_earlier_tool_uses_with_right_shapes(rich: GeneratedSession) -> None:
    good, _bad, _tail = read_lines(rich.path)
    uses: dict[str, tuple[str, str]] = {}  # tool id -> (tool name, assistant line uuid)
    results = 0
    for e in good:
        if e["type"] == "assistant":
            for b in e["message"]["content"]:
                if b["type"] == "tool_use":
                    assert b["id"].startswith("toolu_") and b["id"] not in uses
                    uses[b["id"]] = (b["name"], e["uuid"])
        elif e["type"] == "user" and isinstance(e["message"]["content"], list):
            for b in e["message"]["content"]:
                if b["type"] != "tool_result":
                    continue
                results += 1
                assert b["tool_use_id"] in uses, "tool_result before (or without) its tool_use"
                name, auuid = uses[b["tool_use_id"]]
                assert e["sourceToolAssistantUUID"] == auuid == e["parentUuid"]
                tur = e["toolUseResult"]
                if b.get("is_error"):
                    assert isinstance(tur, str) and tur.startswith("Error: ")
                    continue
                if name == "Edit":
                    assert {"structuredPatch", "oldString", "newString", "filePath"} <= tur.keys()
                    assert tur["oldString"] != tur["newString"]
                    assert tur["oldString"] in tur["originalFile"]
                elif name == "Read":
                    assert tur["type"] == "text"
                    assert {"filePath", "content", "numLines", "startLine"} <= tur["file"].keys()
                    assert "→" in b["content"]
                elif name == "Bash":
                    assert {"stdout", "stderr", "interrupted"} <= tur.keys()
                elif name in ("Task", "Agent"):
                    assert tur["agentId"] in rich.subagent_ids
    assert results == len(uses)


def test_split_assistant_lines_share_message_id_and_request_id(rich: GeneratedSession) -> None:
    good, _bad, _tail = read_lines(rich.path)
    dag = [e for e in good if e["type"] in MESSAGE_TYPES]
    positions: dict[str, list[int]] = defaultdict(list)
    request_of: dict[str, set[str]] = defaultdict(set)
    for i, e in enumerate(dag):
        if e["type"] == "assistant":
            msg = e["message"]
            assert len(msg["content"]) == 1
            assert "usage" in msg and msg["usage"]["output_tokens"] > 0
            positions[msg["id"]].append(i)
            request_of[msg["id"]].add(e["requestId"])
    assert any(len(p) >= 3 for p in positions.values()), "no response was split over lines"
    for mid, pos in positions.items():
        assert pos == list(range(pos[0], pos[0] + len(pos))), f"{mid} lines not consecutive"
        assert len(request_of[mid]) == 1
        outs = [dag[i]["message"]["usage"]["output_tokens"] for i in pos]
        inputs = {dag[i]["message"]["usage"]["cache_read_input_tokens"] for i in pos}
        assert len(inputs) == 1
        assert outs == sorted(outs) and len(set(outs)) == len(outs)


def test_subagent_files_meta_and_links(rich: GeneratedSession) -> None:
    assert len(rich.subagent_ids) == 3
    good, _bad, _tail = read_lines(rich.path)
    task_ids = {
        b["id"]
        for e in good
        if e["type"] == "assistant"
        for b in e["message"]["content"]
        if b["type"] == "tool_use" and b["name"] in ("Task", "Agent")
    }
    linked = {
        e["toolUseResult"]["agentId"]
        for e in good
        if e["type"] == "user" and isinstance(e.get("toolUseResult"), dict)
        if "agentId" in e["toolUseResult"]
    }
    assert linked == set(rich.subagent_ids)
    sub_dir = rich.path.parent / rich.session_id / "subagents"
    for agent_id in rich.subagent_ids:
        assert re.fullmatch(r"a[0-9a-f]{6}", agent_id)
        f = sub_dir / f"agent-{agent_id}.jsonl"
        assert f in rich.subagent_paths and f.is_file()
        meta = json.loads((sub_dir / f"agent-{agent_id}.meta.json").read_bytes())
        assert set(meta) == {"agentType", "description", "toolUseId"}
        assert meta["toolUseId"] in task_ids
        lines, bad, tail = read_lines(f)
        assert bad == [] and tail is None and len(lines) >= 3
        assert lines[0]["parentUuid"] is None and isinstance(lines[0]["message"]["content"], str)
        for e in lines:
            assert e["isSidechain"] is True
            assert e["agentId"] == agent_id
            assert e["sessionId"] == rich.session_id
            assert "toolUseResult" not in e


def test_malformed_lines_are_exactly_the_damaged_ones(rich: GeneratedSession) -> None:
    good, bad, tail = read_lines(rich.path)
    assert len(bad) == 5
    # a line counts as malformed only when bytes are left that no intact record explains
    assert rich.malformed_lines == sum(records_in_damage(b)[1] for b in bad) == 4
    assert rich.torn_tail and tail is not None
    with pytest.raises(ValueError):
        json.loads(tail)
    assert any(b.startswith(b"\x00") for b in bad), "no NUL-prefixed record"
    assert any(b'}{"' in b for b in bad), "no two records joined on one line"
    # damage must not eat real messages
    recovered = sum(records_in_damage(b)[0] for b in bad)
    assert sum(1 for e in good if e["type"] in MESSAGE_TYPES) + recovered == rich.message_lines


def test_big_results_and_hostile_text_are_present(rich: GeneratedSession) -> None:
    good, _bad, _tail = read_lines(rich.path)
    big = [
        b
        for e in good
        if e["type"] == "user" and isinstance(e["message"]["content"], list)
        for b in e["message"]["content"]
        if b["type"] == "tool_result" and len(str(b["content"])) >= 300_000
    ]
    assert len(big) == 2
    raw = rich.path.read_bytes()
    assert "\u2028".encode() in raw  # raw, not escaped
    assert b"<script>alert(1)</script>" in raw
    assert b"<img src=x onerror=alert(1)>" in raw
    assert b"\\u001b[" in raw  # ANSI escapes, JSON-escaped as orjson writes them


def test_compaction_boundary_and_summary(rich: GeneratedSession) -> None:
    good, _bad, _tail = read_lines(rich.path)
    dag = [e for e in good if e["type"] in MESSAGE_TYPES]
    idx = [i for i, e in enumerate(dag) if e.get("subtype") == "compact_boundary"]
    assert len(idx) == 1
    boundary, summary = dag[idx[0]], dag[idx[0] + 1]
    assert (
        boundary["parentUuid"] is None and boundary["logicalParentUuid"] == dag[idx[0] - 1]["uuid"]
    )
    assert summary["isCompactSummary"] is True and summary["parentUuid"] == boundary["uuid"]


@pytest.mark.parametrize("ratio", [0.0, 0.3, 0.6])
def test_progress_ratio_is_respected(tmp_path: Path, ratio: float) -> None:
    gs = generate_session(tmp_path, messages=1500, seed=2, progress_ratio=ratio)
    good, _bad, _tail = read_lines(gs.path)
    progress = sum(1 for e in good if e["type"] == "progress")
    share = progress / gs.message_lines
    assert abs(share - ratio) < 0.08, share


def test_append_lines_continues_the_session(tmp_path: Path) -> None:
    gs = generate_session(tmp_path, messages=120, seed=3, malformed=2)
    before, bad_before, torn = read_lines(gs.path)
    assert torn is not None
    last_dag = [e for e in before if e["type"] in MESSAGE_TYPES][-1]
    last_ts = max(t for e in before if (t := timestamp_of(e)))

    assert append_lines(gs.path, 30, seed=1) == 30
    assert append_lines(gs.path, 5, seed=1) == 5  # same seed again must still be fresh

    after, bad_after, tail = read_lines(gs.path)
    assert tail is None  # appends end with a newline
    assert len(bad_after) == len(bad_before) + 1  # the torn line got terminated, not repaired
    new = after[len(before) :]
    new_dag = [e for e in new if e["type"] in MESSAGE_TYPES]
    assert len(new_dag) == 35
    assert new_dag[0]["parentUuid"] == last_dag["uuid"]
    stamps = [t for e in new if (t := timestamp_of(e))]
    assert stamps[0] > last_ts and stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert all(e["sessionId"] == gs.session_id for e in new_dag)
    uuids = [e["uuid"] for e in after if e["type"] in MESSAGE_TYPES]
    assert len(uuids) == len(set(uuids))
    by_uuid = {e["uuid"] for e in after if e["type"] in MESSAGE_TYPES}
    assert all(e["parentUuid"] in by_uuid for e in new_dag)


def test_append_finds_its_anchor_behind_a_multi_megabyte_last_line(tmp_path: Path) -> None:
    gs = generate_session(tmp_path, messages=20, seed=4)
    good, _bad, _tail = read_lines(gs.path)
    last = [e for e in good if e["type"] in MESSAGE_TYPES][-1]
    huge = {
        "type": "file-history-snapshot",
        "messageId": last["uuid"],
        "snapshot": {"trackedFileBackups": {"big.bin": "x" * 3_000_000}, "timestamp": None},
        "isSnapshotUpdate": True,
    }
    with gs.path.open("ab") as fh:
        fh.write(json.dumps(huge).encode() + b"\n")
    assert append_lines(gs.path, 4, seed=0) == 4
    after, _bad, _tail = read_lines(gs.path)
    new_dag = [e for e in after[len(good) + 1 :] if e["type"] in MESSAGE_TYPES]
    assert len(new_dag) == 4 and new_dag[0]["parentUuid"] == last["uuid"]
    assert new_dag[0]["timestamp"] > last["timestamp"]


def test_archive_layout_counts_and_mtimes(tmp_path: Path) -> None:
    out = generate_archive(tmp_path, sessions=14, messages_per_session=(10, 40), projects=5, seed=4)
    assert len(out) == 14
    assert len({g.session_id for g in out}) == 14
    projects = tmp_path / "projects"
    dirs = sorted(p.name for p in projects.iterdir())
    assert len(dirs) == 5
    mains = sorted(projects.glob("*/*.jsonl"))
    assert sorted(g.path for g in out) == mains
    for g in out:
        assert 10 <= g.message_lines
        good, bad, tail = read_lines(g.path)
        assert bad == [] and tail is None
        assert sum(1 for e in good if e["type"] in MESSAGE_TYPES) == g.message_lines
        cwd = next(e["cwd"] for e in good if "cwd" in e)
        assert g.path.parent.name == encode_cwd(cwd)
        assert g.path.name == f"{g.session_id}.jsonl"
        last = datetime.fromisoformat(g.last_timestamp.replace("Z", "+00:00"))
        assert os.stat(g.path).st_mtime_ns // 1_000_000 == round(last.timestamp() * 1000)
    again = generate_archive(
        tmp_path / "again", sessions=14, messages_per_session=(10, 40), projects=5, seed=4
    )
    assert [g.path.read_bytes() for g in again] == [g.path.read_bytes() for g in out]


def test_encode_cwd_follows_the_cli_rule() -> None:
    assert encode_cwd("/Users/chip/dev/ai-music") == "-Users-chip-dev-ai-music"
    assert encode_cwd("/home/u/my_proj") == "-home-u-my-proj"
    assert encode_cwd("C:\\Users\\x") == "C--Users-x"
    assert encode_cwd("/a/😀") == "-a---"  # a surrogate pair is two UTF-16 units
    long = "/x" * 150
    enc = encode_cwd(long)
    h = 0
    for ch in long:
        h = (h * 31 + ord(ch)) & 0xFFFFFFFF
    h = h - (1 << 32) if h >= 1 << 31 else h
    assert enc.startswith("-x-x") and enc[:200] == encode_cwd("/x" * 100)
    assert int(enc[201:], 36) == abs(h)


def test_path_can_be_a_file_and_its_uuid_stem_is_the_session_id(tmp_path: Path) -> None:
    sid = "12345678-1234-4234-8234-123456789abc"
    gs = generate_session(tmp_path / f"{sid}.jsonl", messages=20, seed=1)
    assert gs.path == tmp_path / f"{sid}.jsonl" and gs.session_id == sid
    good, _bad, _tail = read_lines(gs.path)
    assert {e["sessionId"] for e in good if "sessionId" in e} == {sid}


def test_cli_session_and_archive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["session", str(tmp_path / "s"), "--messages", "40", "--seed", "1"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["message_lines"] == 40 and Path(report["path"]).is_file()
    assert main(["archive", str(tmp_path / "a"), "--sessions", "3", "--messages", "15"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["sessions"] == 3 and report["message_lines"] >= 45
    assert len(list((tmp_path / "a" / "projects").glob("*/*.jsonl"))) == 3
    session_file = next((tmp_path / "a" / "projects").glob("*/*.jsonl"))
    assert main(["append", str(session_file), "--lines", "6", "--seed", "2"]) == 0
    assert json.loads(capsys.readouterr().out)["appended"] == 6
