"""Real transcripts (Claude Code 1.0.98 to 2.1.235) read exactly: each fault of issue #9 on a real
sample, or on a damaged copy of one in a temporary folder. Every expected number is counted here,
from the raw lines, by code that shares nothing with the parser."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.models import (
    MessageGetParams,
    MessagesPageParams,
    SearchParams,
    SessionRef,
    SessionsListParams,
)
from claude_code_tracer.tracer import Tracer

HERE = Path(__file__).resolve().parents[1]
PACKAGE_SAMPLES = HERE.parent / "server" / "claude_code_tracer" / "samples" / "projects"
IRR_SAMPLES = HERE / "samples" / "projects"
# Row-bearing entry types (FORMAT.md §3); everything else is session state.
ROW_TYPES = {"user", "assistant", "system", "progress", "attachment"}


def sample_dirs() -> list[Path]:
    return sorted(p for r in (PACKAGE_SAMPLES, IRR_SAMPLES) for p in r.iterdir() if p.is_dir())


def copy_projects(tmp_path: Path, *names: str) -> Path:
    root = tmp_path / "projects"
    for name in names:
        src = next(p for p in sample_dirs() if p.name == name or p.name.startswith(name))
        shutil.copytree(src, root / src.name)
    return root


def raw_entries(path: Path) -> list[dict[str, Any]]:
    out = []
    for line in path.read_bytes().split(b"\n"):
        if line.strip():
            out.append(json.loads(line))
    return out


def all_messages(tracer: Tracer, sid: str, **flt: Any) -> list[Any]:
    out: list[Any] = []
    cursor = None
    while True:
        page = tracer.page(
            MessagesPageParams.model_validate(
                {"sessionId": sid, "limit": 500, "cursor": cursor, "filter": flt}
            )
        )
        out.extend(page.messages)
        if not page.has_more:
            return out
        cursor = page.next_cursor


@pytest.fixture
def tracer_for(make_tracer: Callable[..., Tracer]) -> Iterator[Callable[[Path], Tracer]]:
    yield lambda root: make_tracer(root)


def listed(tracer: Tracer) -> dict[str, Any]:
    page = tracer.list_sessions(SessionsListParams(limit=1000))
    return {s.session_id: s for s in page.sessions}


# --- 1, 10: times ---
def test_no_row_of_any_real_sample_is_dated_before_2000(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = tmp_path / "projects"
    for src in sample_dirs():
        shutil.copytree(src, root / src.name)
    tracer = tracer_for(root)
    sessions = listed(tracer)
    assert len(sessions) >= 31
    floor = datetime(2000, 1, 1)
    for info in sessions.values():
        assert info.first_timestamp is None or info.first_timestamp >= floor
        messages = all_messages(tracer, info.session_id, includeSidechains=True)
        assert messages, info.session_id
        assert all(m.timestamp >= floor for m in messages), info.session_id


def test_state_lines_without_a_timestamp_are_metadata_and_the_duration_is_real(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-04-")
    path = next(root.glob("*/*.jsonl"))
    entries = raw_entries(path)
    assert [e["type"] for e in entries[:2]] == ["permission-mode", "worktree-state"]
    stamps = [datetime.fromisoformat(e["timestamp"]) for e in entries if "timestamp" in e]
    rows = [e for e in entries if isinstance(e["type"], str) and e["type"] in ROW_TYPES]
    trunk_stamps = [
        datetime.fromisoformat(e["timestamp"])
        for e in rows
        if "timestamp" in e and not e.get("isSidechain")
    ]
    tracer = tracer_for(root)
    sid = path.stem
    metrics = tracer.metrics(SessionRef(session_id=sid))
    assert metrics.message_count == len(rows)
    assert metrics.state_lines["worktree-state"] == 1
    assert metrics.state_lines["permission-mode"] == sum(
        1 for e in entries if e["type"] == "permission-mode"
    )
    expected = (max(trunk_stamps) - min(trunk_stamps)).total_seconds()
    assert metrics.duration_seconds == pytest.approx(expected)
    assert metrics.duration_seconds < 24 * 3600
    assert min(stamps).replace(tzinfo=None) <= metrics.first_timestamp.replace(tzinfo=None)
    messages = all_messages(tracer, sid)
    assert all(m.kind.value != "unknown" for m in messages)


def test_a_line_dated_year_10000_is_dated_by_its_neighbour_and_counted(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-1-4_")
    path = next(root.glob("*/*.jsonl"))
    lines = path.read_bytes().split(b"\n")
    # the 4th row-bearing line gets an impossible time
    row_lines = [i for i, ln in enumerate(lines) if ln and json.loads(ln)["type"] in ROW_TYPES]
    target = row_lines[3]
    obj = json.loads(lines[target])
    before = json.loads(lines[row_lines[2]])["timestamp"]
    obj["timestamp"] = "10000-01-01T00:00:00.000Z"
    lines[target] = json.dumps(obj).encode()
    path.write_bytes(b"\n".join(lines))
    tracer = tracer_for(root)
    info = listed(tracer)[path.stem]  # the list works for every session
    assert info.last_timestamp.year == 2026
    metrics = tracer.metrics(SessionRef(session_id=path.stem))
    assert metrics.invalid_timestamps == 1
    moved = tracer.get_message(MessageGetParams(session_id=path.stem, uuid=obj["uuid"]))
    assert moved.timestamp == datetime.fromisoformat(before).replace(tzinfo=None)


def test_times_leave_the_server_as_utc_with_z(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-1-1_session-start-2026-05-17")
    tracer = tracer_for(root)
    page = tracer.list_sessions(SessionsListParams())
    wire = page.sessions[0].dump()
    assert wire["firstTimestamp"].endswith("Z") and wire["lastTimestamp"].endswith("Z")
    msgs = tracer.page(MessagesPageParams(session_id=page.sessions[0].session_id))
    assert all(m.dump()["timestamp"].endswith("Z") for m in msgs.messages)
    raw = [e["timestamp"] for e in raw_entries(Path(page.sessions[0].path)) if "timestamp" in e]
    assert msgs.messages[0].dump()["timestamp"] == min(raw)


# --- 2, 3: titles ---
def test_a_summary_names_the_session_holding_its_leaf_not_the_file_it_is_in(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "-path-to-Demo")
    files = {p.stem: p for p in root.glob("*/*.jsonl") if not p.name.startswith("agent-")}
    summaries = [
        (sid, e) for sid, p in files.items() for e in raw_entries(p) if e["type"] == "summary"
    ]
    assert summaries
    tracer = tracer_for(root)
    sessions = listed(tracer)
    for source, summary in summaries:
        holders = [
            sid
            for sid, p in files.items()
            if any(e.get("uuid") == summary["leafUuid"] for e in raw_entries(p))
        ]
        assert holders and holders != [source]
        assert sessions[holders[0]].title == summary["summary"]
        assert sessions[source].title != summary["summary"]


def test_a_session_that_begins_with_a_slash_command_is_named_by_it(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-", "-home-marco-projects-spotter")
    tracer = tracer_for(root)
    sessions = listed(tracer)
    for info in sessions.values():
        first_user = next(
            e
            for e in raw_entries(Path(info.path))
            if e["type"] == "user" and not e.get("isMeta") and not e.get("isSidechain")
        )
        content = first_user["message"]["content"]
        text = content if isinstance(content, str) else content[0].get("text", "")
        if "<command-name>" not in text:
            continue
        name = text.split("<command-name>")[1].split("</command-name>")[0].strip()
        args = ""
        if "<command-args>" in text:
            args = text.split("<command-args>")[1].split("</command-args>")[0].strip()
        expected = f"{name} {args}".strip()
        assert info.title and info.title.startswith(" ".join(expected.split())[:150])
        assert info.first_prompt == info.title
        break
    else:
        pytest.fail("no sample begins with a slash command")


# --- 4: replays ---
def test_a_resumed_session_serves_each_replayed_line_once(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-1-4_")
    path = next(root.glob("*/*.jsonl"))
    uuids = [e["uuid"] for e in raw_entries(path) if e["type"] in ROW_TYPES]
    repeats = len(uuids) - len(set(uuids))
    assert repeats >= 5
    tracer = tracer_for(root)
    sid = path.stem
    served = all_messages(tracer, sid, includeSidechains=True)
    assert sorted(m.uuid for m in served) == sorted(set(uuids))
    first = tracer.page(MessagesPageParams(session_id=sid))
    assert first.total == len(set(uuids))
    metrics = tracer.metrics(SessionRef(session_id=sid))
    assert metrics.replayed_lines == repeats
    info = listed(tracer)[sid]
    assert info.message_count == metrics.message_count == len(set(uuids))
    assert info.replayed_lines == repeats


def test_a_replay_appended_later_is_counted_once_by_the_list_too(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-1-4_")
    path = next(root.glob("*/*.jsonl"))
    data = path.read_bytes()
    lines = data.split(b"\n")
    half = len(lines) // 2
    # the catalog sees the first half, then the rest arrives (replays included) as an append
    path.write_bytes(b"\n".join(lines[:half]) + b"\n")
    tracer = tracer_for(root)
    listed(tracer)
    path.write_bytes(data)
    uuids = {e["uuid"] for e in raw_entries(path) if e["type"] in ROW_TYPES}
    tracer._catalog_fresh_until = 0.0
    info = listed(tracer)[path.stem]
    assert info.message_count == len(uuids)


# --- 5: the list and stats count the same thing ---
def test_the_list_and_stats_count_the_whole_session_with_its_subagents(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "-home-USER-projects-spotter-worktrees-spotter-a0y")
    main = next(root.glob("*/*.jsonl"))
    files = [main, *sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))]
    assert len(files) > 1
    tool_uses = 0
    sub_tool_uses = 0
    usage: dict[str, tuple[int, int]] = {}
    for i, path in enumerate(files):
        for e in raw_entries(path):
            if e["type"] != "assistant":
                continue
            msg = e["message"]
            n = sum(1 for b in msg["content"] if b.get("type") == "tool_use")
            tool_uses += n
            sub_tool_uses += n if i else 0
            if msg.get("model") != "<synthetic>" and "usage" in msg:
                out = msg["usage"].get("output_tokens", 0)
                key = msg.get("id") or e["uuid"]
                if key not in usage or out >= usage[key][0]:
                    usage[key] = (out, i)
    output = sum(out for out, _ in usage.values())
    tracer = tracer_for(root)
    info = listed(tracer)[main.stem]
    metrics = tracer.metrics(SessionRef(session_id=main.stem))
    assert info.tool_call_count == metrics.tool_calls == tool_uses
    assert info.subagent_tool_call_count == metrics.subagent_tool_calls == sub_tool_uses
    assert info.tokens.output == metrics.tokens.output == output
    assert info.tokens == metrics.tokens
    assert 0 < info.subagent_tokens.output < info.tokens.output


# --- 6: orphans ---
def test_subagent_transcripts_whose_session_is_gone_are_listed_and_readable(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    agents = sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))
    assert agents
    main.unlink()
    tracer = tracer_for(root)
    sessions = listed(tracer)
    for agent in agents:
        info = sessions[agent.stem]
        assert info.orphan and info.parent_session_id == main.stem
        rows = [e for e in raw_entries(agent) if e["type"] in ROW_TYPES]
        served = all_messages(tracer, agent.stem)
        assert [m.uuid for m in served] == [e["uuid"] for e in rows]
        assert info.message_count == len(rows)


def test_a_flat_agent_file_of_a_deleted_session_is_listed_on_its_own(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "-path-to-Demo")
    flat = sorted(root.glob("*/agent-*.jsonl"))
    owners = {p.stem: raw_entries(p)[0]["sessionId"] for p in flat}
    orphans = {a for a, sid in owners.items() if not (flat[0].parent / f"{sid}.jsonl").exists()}
    tracer = tracer_for(root)
    sessions = listed(tracer)
    assert {s for s, i in sessions.items() if i.orphan} == orphans
    for name in orphans:
        assert all_messages(tracer, name)


# --- 8: damaged lines ---
def test_intact_records_on_damaged_lines_of_a_real_file_are_recovered(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-04-")
    path = next(root.glob("*/*.jsonl"))
    lines = [ln for ln in path.read_bytes().split(b"\n") if ln]
    rows = [i for i, ln in enumerate(lines) if json.loads(ln)["type"] in ROW_TYPES]
    a, b, c, d, e = rows[5], rows[10], rows[15], rows[20], rows[21]
    damaged = list(lines)
    damaged[a] = lines[a] + lines[a + 1]  # joined: no newline between two records
    damaged[a + 1] = b""
    damaged[b] = b"\x00" * 300 + lines[b]  # a NUL run before a record
    damaged[c] = lines[c][: len(lines[c]) // 2]  # cut mid-record, lost
    damaged[d] = lines[d][: len(lines[d]) // 2] + lines[e]  # cut, the next record on its line
    damaged[e] = b""
    path.write_bytes(b"\n".join(x for x in damaged if x) + b"\n")
    lost = {json.loads(lines[c])["uuid"], json.loads(lines[d])["uuid"]}
    expected = {json.loads(lines[i])["uuid"] for i in rows} - lost
    tracer = tracer_for(root)
    served = all_messages(tracer, path.stem, includeSidechains=True)
    assert {m.uuid for m in served} == expected
    assert len(served) == len(expected)
    assert tracer.metrics(SessionRef(session_id=path.stem)).malformed_lines == 3
    for uuid in (json.loads(lines[a + 1])["uuid"], json.loads(lines[e])["uuid"]):
        full = tracer.get_message(MessageGetParams(session_id=path.stem, uuid=uuid))
        assert full.entry["uuid"] == uuid


def _rewritten_copy(
    tmp_path: Path, change: Callable[[list[dict[str, Any]]], int]
) -> tuple[Path, Path, list[dict[str, Any]]]:
    """A copy of the irr-04 sample whose one entry ``change`` edits (returning its index): the
    root, the file, and every entry as the file now holds it."""
    root = copy_projects(tmp_path, "irr-04-")
    path = next(root.glob("*/*.jsonl"))
    lines = [ln for ln in path.read_bytes().split(b"\n") if ln]
    entries = [json.loads(ln) for ln in lines]
    index = change(entries)
    lines[index] = json.dumps(entries[index]).encode()
    path.write_bytes(b"\n".join(lines) + b"\n")
    return root, path, entries


def test_a_line_escaping_a_lone_surrogate_is_read_not_dropped(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    # JavaScript's JSON.stringify writes a string cut inside an emoji as "\\ud83d": valid JSON
    # that orjson refuses. A real file with such a text in one prompt.
    cut = "zebrafish output cut inside an emoji: \ud83d"

    def cut_a_prompt(entries: list[dict[str, Any]]) -> int:
        i = next(
            i
            for i, e in enumerate(entries)
            if e["type"] == "user" and isinstance(e["message"]["content"], str)
        )
        entries[i]["message"]["content"] = cut
        return i

    root, path, entries = _rewritten_copy(tmp_path, cut_a_prompt)
    assert b"\\ud83d" in path.read_bytes()
    rows = [e for e in entries if e["type"] in ROW_TYPES]
    tracer = tracer_for(root)
    served = all_messages(tracer, path.stem, includeSidechains=True)
    assert len(served) == len(rows)
    assert tracer.metrics(SessionRef(session_id=path.stem)).malformed_lines == 0
    uuid = next(e["uuid"] for e in entries if e.get("message", {}).get("content") == cut)
    full = tracer.get_message(MessageGetParams(session_id=path.stem, uuid=uuid))
    assert full.entry["message"]["content"] == cut.replace("\ud83d", "\ufffd")
    found = tracer.search(SearchParams(query="zebrafish"))
    assert [h.uuid for g in found.groups for h in g.hits] == [uuid]


def test_a_line_whose_type_is_not_a_string_is_counted_and_the_rest_served(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    # Found by the parser fuzz: "type": [] on a time-less state line crashed the parse.
    def untype_a_state_line(entries: list[dict[str, Any]]) -> int:
        i = next(i for i, e in enumerate(entries) if "timestamp" not in e and "uuid" not in e)
        entries[i]["type"] = []
        return i

    root, path, entries = _rewritten_copy(tmp_path, untype_a_state_line)
    rows = [e for e in entries if isinstance(e["type"], str) and e["type"] in ROW_TYPES]
    tracer = tracer_for(root)
    served = all_messages(tracer, path.stem, includeSidechains=True)
    assert {m.uuid for m in served} == {e["uuid"] for e in rows}
    assert len(served) == len(rows)
    assert tracer.metrics(SessionRef(session_id=path.stem)).malformed_lines == 0


def test_records_recovered_from_damaged_lines_are_found_by_search(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    # The index read damaged lines as nothing while the pages served the records on them.
    root = copy_projects(tmp_path, "irr-04-")
    path = next(root.glob("*/*.jsonl"))
    entries = [json.loads(ln) for ln in path.read_bytes().split(b"\n") if ln]
    prompts = [
        i
        for i, e in enumerate(entries)
        if i and e["type"] == "user" and isinstance(e["message"]["content"], str)
    ]
    joined, nul = prompts[0], prompts[-1]
    assert nul - 1 != joined
    entries[joined]["message"]["content"] = "the quokka prompt"
    entries[nul]["message"]["content"] = "the axolotl prompt"
    lines = [json.dumps(e).encode() for e in entries]
    lines[joined - 1] += lines[joined]  # two records on one line, no newline between
    lines[joined] = b""
    lines[nul] = b"\x00" * 300 + lines[nul]  # a NUL run before a record
    path.write_bytes(b"\n".join(x for x in lines if x) + b"\n")
    tracer = tracer_for(root)
    served = {m.uuid for m in all_messages(tracer, path.stem, includeSidechains=True)}
    for word, i in (("quokka", joined), ("axolotl", nul)):
        found = tracer.search(SearchParams(query=word))
        hits = [h.uuid for g in found.groups for h in g.hits]
        assert hits == [entries[i]["uuid"]], word
        assert entries[i]["uuid"] in served


def test_a_row_without_text_says_so_in_its_preview(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    # Claude Code writes "\n\n" text blocks, and a Bash call that printed nothing has an empty
    # result: their rows said nothing at all in a list.
    root = tmp_path / "projects"
    for d in sample_dirs():
        shutil.copytree(d, root / d.name)
    tracer = tracer_for(root)
    blank: dict[str, int] = {}
    for sid in listed(tracer):
        for m in all_messages(tracer, sid, includeSidechains=True):
            if m.kind.value in ("user", "assistant", "tool_result"):
                assert m.preview.strip(), (sid, m.uuid)
                if m.preview.startswith("[blank") or m.preview == "[no output]":
                    blank[m.preview] = blank.get(m.preview, 0) + 1
                    full = tracer.get_message(MessageGetParams(session_id=sid, uuid=m.uuid))
                    content = full.entry["message"]["content"]
                    texts = (
                        [content]
                        if isinstance(content, str)
                        else [b.get("text") or b.get("content") or "" for b in content]
                    )
                    assert all(not str(t).strip() for t in texts), (sid, m.uuid)
    assert blank.get("[blank text]", 0) > 0 and blank.get("[no output]", 0) > 0


def test_a_file_of_nul_bytes_counts_as_malformed(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = tmp_path / "projects"
    (root / "-p").mkdir(parents=True)
    sid = "0000aaaa-0000-0000-0000-000000000000"
    (root / "-p" / f"{sid}.jsonl").write_bytes(b"\x00" * 4096)
    tracer = tracer_for(root)
    assert listed(tracer)[sid].malformed_lines == 1
    assert tracer.metrics(SessionRef(session_id=sid)).malformed_lines == 1


def test_every_format_entry_type_is_a_row_or_metadata_never_unknown(
    tmp_path: Path, tracer_for: Callable[[Path], Tracer]
) -> None:
    root = tmp_path / "projects"
    for src in sample_dirs():
        shutil.copytree(src, root / src.name)
    types: Counter[str] = Counter()
    for path in root.glob("*/*.jsonl"):
        types.update(e.get("type", "?") for e in raw_entries(path))
    tracer = tracer_for(root)
    unknown = 0
    for sid in listed(tracer):
        unknown += sum(
            1 for m in all_messages(tracer, sid, includeSidechains=True) if m.kind == "unknown"
        )
    assert unknown == 0, types


def test_progress_and_hook_lines_name_the_tool_call_they_report_on(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Issue 22: a reader folds hook and progress lines into the row of their tool call; the
    summary names that call (progress: parentToolUseID; a hook attachment: its toolUseID),
    counted here from the raw lines of spotter-dov (hook, bash and agent progress) and irr-10
    (a SessionStart hook's attachment, whose id is the hook's own)."""
    root = copy_projects(tmp_path, "-home-USER-projects-spotter-worktrees-spotter-dov", "irr-10-")
    tracer = make_tracer(root)
    checked = 0
    for path in sorted(root.glob("*/*.jsonl")):
        want: dict[str, list[str]] = {}
        for e in raw_entries(path):
            if e.get("type") == "progress":
                tid = e.get("parentToolUseID")
                want[e["uuid"]] = [tid] if isinstance(tid, str) and tid else []
            elif e.get("type") == "attachment":
                tid = e["attachment"].get("toolUseID")
                want[e["uuid"]] = [tid] if isinstance(tid, str) and tid else []
        got = {
            m.uuid: m.tool_use_ids
            for m in all_messages(tracer, path.stem, kinds=["progress", "attachment"])
        }
        assert got == want
        checked += sum(1 for ids in want.values() if ids)
    assert checked > 1000  # spotter-dov's progress lines nearly all name their call
