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


def _journal(folder: Path, sid: str) -> None:
    """A subagent journal and workflow run records as 2.1.x writes them beside the transcripts:
    not transcripts (they carry uuid-less lifecycle records and JSON documents)."""
    (folder / "subagents" / "workflows" / "wf_1").mkdir(parents=True)
    (folder / "workflows").mkdir(exist_ok=True)
    record = {"type": "started", "agentId": "a1", "sessionId": sid, "word": "zebrafinch"}
    done = {"type": "result", "agentId": "a1", "sessionId": sid, "result": "zebrafinch done"}
    for journal in (folder / "subagents" / "journal.jsonl",
                    folder / "subagents" / "workflows" / "wf_1" / "journal.jsonl"):  # fmt: skip
        journal.write_text(json.dumps(record) + "\n" + json.dumps(done) + "\n")
    (folder / "workflows" / "wf_1.json").write_text(json.dumps({"runId": "wf_1", "agents": 3}))
    (folder / "subagents" / "workflows" / "wf_1" / "wf_1.json").write_text("{}")


def test_journals_and_workflow_records_are_never_subagents(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    agents = sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))
    _journal(main.parent / main.stem, main.stem)
    tracer = make_tracer(root)
    info = listed(tracer)[main.stem]
    assert info.subagent_count == len(agents)
    subs = tracer.subagents(SessionRef(session_id=main.stem)).subagents
    assert sorted(s.agent_id for s in subs) == sorted(a.stem[len("agent-") :] for a in agents)
    assert tracer.search(SearchParams(query="zebrafinch")).total == 0
    # with the session file gone, the agents are orphans; the journals are still nothing
    main.unlink()
    tracer2 = make_tracer(root, cache_dir=tmp_path / "cache2")
    orphans = {s for s, i in listed(tracer2).items() if i.orphan}
    assert orphans == {a.stem for a in agents}
    assert tracer2.search(SearchParams(query="zebrafinch")).total == 0


def test_a_project_folder_named_apart_from_its_cwd_is_grouped_by_the_cwd_its_lines_carry(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """CLAUDE_CODE_PROJECT_DIR_NAME (2.1.234) names a project folder freely, and
    ``.session-aliases`` lists sibling folders of the same working directory: the list and
    search match a workspace by the cwd of the lines, never by the folder's name."""
    root = copy_projects(tmp_path, "irr-07-")
    first = next(root.glob("*/*.jsonl"))
    cwd = next(
        json.loads(x)["cwd"] for x in first.read_bytes().split(b"\n") if b'"cwd"' in x
    )
    renamed = root / "team-checkout"  # a folder name the cwd does not give
    renamed.mkdir()
    twin = renamed / "11111111-2222-4333-8444-555555555555.jsonl"
    twin.write_bytes(first.read_bytes())
    (first.parent / ".session-aliases").write_text(str(renamed) + "\n")
    tracer = make_tracer(root)
    sessions = tracer.list_sessions(SessionsListParams(workspace=cwd)).sessions
    assert {s.session_id for s in sessions} == {first.stem, twin.stem}
    assert {s.cwd for s in sessions} == {cwd}
    assert all(s.malformed_lines == 0 for s in sessions)
    outside = tracer.list_sessions(SessionsListParams(workspace=cwd + "-other")).sessions
    assert outside == []
    hits = tracer.search(SearchParams(query="passwd", workspace=cwd, limit=500))
    assert {g.session_id for g in hits.groups} == {first.stem, twin.stem}


def test_a_name_from_a_process_file_titles_its_session(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """``<projects root>/../sessions/<pid>.json`` joins a /rename's name to the session id."""
    root = copy_projects(tmp_path, "irr-07-", "irr-10-")
    named, plain = sorted(root.glob("*/*.jsonl"))
    first_prompt = next(
        json.loads(x)["message"]["content"]
        for x in plain.read_bytes().split(b"\n")
        if x.strip() and json.loads(x).get("type") == "user"
        and isinstance(json.loads(x)["message"]["content"], str)
    )
    sessions = root.parent / "sessions"
    sessions.mkdir()

    def process(pid: int, name: Any, started: int, sid: str = named.stem) -> None:
        (sessions / f"{pid}.json").write_text(json.dumps({
            "pid": pid, "name": name, "sessionId": sid, "cwd": "/w", "kind": "interactive",
            "startedAt": started, "version": "2.1.240",
        }))  # fmt: skip

    process(100, "an older name", 1_775_000_000_000)
    process(200, "  Fix the\nparser  ", 1_775_000_500_000)  # the newest process wins
    process(300, 42, 1_775_000_900_000)  # not a name
    (sessions / "400.json").write_text("{not json")
    (sessions / "500.json").write_bytes(b" " * 100_000)  # not a process file
    tracer = make_tracer(root)
    got = listed(tracer)
    assert got[named.stem].title == "Fix the parser"
    assert got[plain.stem].title is not None
    assert got[plain.stem].title.startswith(first_prompt.split()[0])
    process(200, "renamed again", 1_775_000_500_000)
    assert listed(tracer)[named.stem].title == "renamed again"


def test_the_cli_shows_a_session_s_tag_and_finds_it(tmp_path: Path) -> None:
    from .test_cli import run

    root = copy_projects(tmp_path, "irr-07-", "irr-10-")
    tagged = sorted(root.glob("*/*.jsonl"))[0]
    append(tagged, {"type": "tag", "tag": "needs-review", "sessionId": tagged.stem})
    common = ["--root", str(root), "--cache-dir", str(tmp_path / "cache")]
    shown = run("sessions", *common, "--query", "needs-review")
    assert shown.returncode == 0, shown.stderr
    assert "[needs-review]" in shown.stdout
    assert tagged.stem in shown.stdout
    assert sorted(root.glob("*/*.jsonl"))[1].stem not in shown.stdout
