"""Which sessions touched a file, and which of its current lines they wrote."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from claude_code_tracer.errors import InvalidRequest
from claude_code_tracer.files import touches_of_tool_use
from claude_code_tracer.models import FilesHistoryParams, FilesSessionsParams
from claude_code_tracer.tracer import Tracer

from ..workspace import A0Y_SESSION, SCRIPT, recreate, tool_inputs


def test_a_written_file_lists_the_session_that_wrote_it(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, ws = recreate(tmp_path)
    tracer = make_tracer(root)
    found = tracer.file_sessions(FilesSessionsParams(path=str(ws / SCRIPT)))
    assert [s.session_id for s in found.sessions] == [A0Y_SESSION]
    assert found.sessions[0].by_tool.get("Write") == 1
    router = tracer.file_sessions(FilesSessionsParams(path=str(ws / "lib/spotter_web/router.ex")))
    assert router.sessions[0].by_tool.get("Edit", 0) >= 1


def test_history_pages_newest_first_without_gaps(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, ws = recreate(tmp_path)
    tracer = make_tracer(root)
    path = str(ws / "lib/spotter/services/active_session_registry.ex")
    everything = tracer.file_history(FilesHistoryParams(path=path, limit=500)).touches
    assert len(everything) >= 8
    stamps = [t.timestamp for t in everything]
    assert stamps == sorted(stamps, reverse=True)  # type: ignore[type-var]
    seen, cursor = [], None
    while True:
        page = tracer.file_history(FilesHistoryParams(path=path, limit=3, cursor=cursor))
        seen += [t.tool_use_id for t in page.touches]
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert seen == [t.tool_use_id for t in everything]
    assert all(t.prompt and "spotter-a0y" in t.prompt for t in everything)


def test_written_lines_are_found_in_the_current_text_after_edits(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, ws = recreate(tmp_path)
    tracer = make_tracer(root)
    path = ws / SCRIPT
    text = path.read_text()
    spans = tracer.written_spans(str(path), text)
    assert [(s.start_line, s.end_line) for s in spans] == [(0, text.strip("\n").count("\n"))]
    assert spans[0].touch.tool == "Write"
    moved = "# a line the user added\n# and another\n" + text
    spans = tracer.written_spans(str(path), moved)
    assert [(s.start_line, s.end_line) for s in spans] == [(2, 2 + text.strip("\n").count("\n"))]
    assert tracer.written_spans(str(path), "#!/bin/sh\necho rewritten by hand\n") == []


def test_paths_outside_the_sessions_are_not_reported(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, ws = recreate(tmp_path)
    tracer = make_tracer(root)
    assert tracer.file_sessions(FilesSessionsParams(path="/etc/hosts")).sessions == []
    assert tracer.file_sessions(FilesSessionsParams(path=str(ws / "nope.txt"))).sessions == []
    with pytest.raises(InvalidRequest):
        tracer.file_sessions(FilesSessionsParams(path="relative/path.py"))


def test_tool_inputs_name_files_relative_to_the_cwd(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("print(1)\n")
    cwd = str(tmp_path)
    edit = touches_of_tool_use("Edit", {"file_path": "src/app.py", "new_string": "x = 1"}, cwd)
    assert [(t.path, t.kind, t.written) for t in edit] == [(f"{cwd}/src/app.py", "write", "x = 1")]
    bash = touches_of_tool_use("Bash", {"command": "python src/app.py --flag missing.py"}, cwd)
    assert [(t.path, t.kind) for t in bash] == [(f"{cwd}/src/app.py", "inferred")]
    escape = touches_of_tool_use("Bash", {"command": "cat ../../etc/passwd"}, cwd)
    assert escape == []
    multi = touches_of_tool_use(
        "MultiEdit",
        {"file_path": "/abs/f.py", "edits": [{"new_string": "alpha"}, {"new_string": "beta"}]},
        cwd,
    )
    assert multi[0].written == "alpha\x00beta"


def test_the_recreated_sample_has_writes(tmp_path: Path) -> None:
    root, _ = recreate(tmp_path)
    session = next(root.rglob(f"{A0Y_SESSION}.jsonl"))
    assert len(tool_inputs(session, "Write")) >= 5


def test_files_written_by_subagents_are_indexed_and_appends_are_incremental(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    import json

    from .test_store import SID, append, entry, write

    root = tmp_path / "projects"
    proj = root / "-work-proj"
    write(proj / f"{SID}.jsonl", [entry(0), entry(1)])

    def agent_write(n: int, target: str) -> dict[str, object]:
        e = entry(n, "assistant", isSidechain=True, agentId="abc1234")
        e["message"]["content"] = [  # type: ignore[index]
            {
                "type": "tool_use",
                "id": f"toolu_{n}",
                "name": "Write",
                "input": {"file_path": target, "content": "written by a subagent\n"},
            }
        ]
        return e

    agent = proj / SID / "subagents" / "agent-abc1234.jsonl"
    first_task = entry(10, isSidechain=True, agentId="abc1234")
    first_task["message"] = {"role": "user", "content": "Refactor the parser"}
    write(agent, [first_task, agent_write(11, "/work/proj/a.py")])
    tracer = make_tracer(root)
    found = tracer.file_sessions(FilesSessionsParams(path="/work/proj/a.py"))
    assert [s.session_id for s in found.sessions] == [SID]
    history = tracer.file_history(FilesHistoryParams(path="/work/proj/a.py")).touches
    assert history[0].prompt == "Refactor the parser"
    # the subagent writes more while the session goes on: only new bytes are read
    with agent.open("ab") as fh:
        fh.write(json.dumps(agent_write(12, "/work/proj/b.py")).encode() + b"\n")
    append(proj / f"{SID}.jsonl", [entry(2)])
    report = tracer.catalog.refresh(tracer.roots)
    assert (report.parsed, report.appended) == (0, 1)
    assert tracer.file_sessions(FilesSessionsParams(path="/work/proj/b.py")).sessions
    assert len(tracer.file_history(FilesHistoryParams(path="/work/proj/a.py")).touches) == 1
