"""Issue #21 item 7: tool outputs Claude Code saved outside the transcript
(``<session>/tool-results/<id>.txt``, named by ``toolUseResult.persistedOutputPath``) are shown
by messages/get, expand, search and the export beside the stub's own text; a missing file says
so; a path never leads out of the session's folder. No real sample has such a line: three real
tool_result lines of irr-10 are made into stubs, as 2.1.x writes them; reasoning effort on an
assistant line is written by hand likewise."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_code_tracer.models import (
    MessageGetParams,
    MessagesPageParams,
    SearchParams,
    SessionExportParams,
)
from claude_code_tracer.sessionexport import export_session
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import copy_projects

SAVED = "quetzalcoatl line one\nthe full output\nkingfisher tail\n"


def stubbed(tmp_path: Path) -> tuple[Path, Path, list[dict[str, Any]]]:
    """irr-10 with its tool_result lines turned into stubs: the first names a saved file that
    exists, the second one that is missing, the third a path that tries to leave the folder."""
    root = copy_projects(tmp_path, "irr-10-")
    path = next(root.glob("*/*.jsonl"))
    entries = [json.loads(x) for x in path.read_bytes().split(b"\n") if x.strip()]
    results = [
        e for e in entries
        if e.get("type") == "user" and isinstance(e.get("toolUseResult"), dict)
        and isinstance(e["message"]["content"], list)
        and e["message"]["content"][0].get("type") == "tool_result"
    ]  # fmt: skip
    assert len(results) >= 3
    sid = path.stem
    folder = path.parent / sid / "tool-results"
    folder.mkdir(parents=True)
    targets = []
    for i, e in enumerate(results[:3]):
        tid = e["message"]["content"][0]["tool_use_id"]
        name = f"{tid}.txt"
        where = f"/Users/someone/.claude/projects/{path.parent.name}/{sid}/tool-results/{name}"
        if i == 2:
            where = "../../../../../../etc/hostname"
        e["toolUseResult"]["persistedOutputPath"] = where
        e["message"]["content"][0]["content"] = (
            f"<persisted-output>Output too large (81.2KB). Full output saved to: {where}"
            "\n\nPreview (first 2KB):\nquetzalcoatl line one\n...</persisted-output>"
        )
        targets.append(folder / name)
    targets[0].write_text(SAVED * 3)
    outside = tmp_path / "hostname"
    outside.write_text("secret-outside-word")
    os.symlink(outside, folder / "hostname")  # a link out of the folder is never read
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    return root, path, results[:3]


def saved_blocks(content: list[Any] | None) -> list[dict[str, Any]]:
    return [b for b in content or [] if isinstance(b, dict) and b.get("type") == "saved_output"]


def test_get_and_expand_show_the_saved_output_beside_the_stub(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, path, results = stubbed(tmp_path)
    tracer = make_tracer(root)
    found, missing, escaping = (
        tracer.get_message(MessageGetParams(session_id=path.stem, uuid=e["uuid"]))
        for e in results
    )
    stub = results[0]["message"]["content"][0]["content"]
    assert [b.get("content") for b in found.content if b.get("type") == "tool_result"] == [stub]
    (block,) = saved_blocks(found.content)
    assert block["text"] == SAVED * 3 and not block["missing"]
    assert block["file"] == f"tool-results/{results[0]['message']['content'][0]['tool_use_id']}.txt"
    (gone,) = saved_blocks(missing.content)
    assert gone["missing"] and "missing" in gone["text"]
    (out,) = saved_blocks(escaping.content)
    assert out["missing"] and "secret-outside-word" not in json.dumps(out)
    page = tracer.page(
        MessagesPageParams.model_validate({"sessionId": path.stem, "limit": 500, "expand": True})
    )
    by_uuid = {m.uuid: m for m in page.messages}
    assert saved_blocks(by_uuid[results[0]["uuid"]].content)[0]["text"] == SAVED * 3
    assert saved_blocks(by_uuid[results[1]["uuid"]].content)[0]["missing"]


def test_search_and_export_show_the_saved_output(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, path, results = stubbed(tmp_path)
    tracer = make_tracer(root)
    hits = tracer.search(SearchParams(query="kingfisher", limit=50))
    assert [h.uuid for g in hits.groups for h in g.hits] == [results[0]["uuid"]]
    assert "kingfisher" in hits.groups[0].hits[0].snippet
    assert tracer.search(SearchParams(query="secret-outside-word")).total == 0
    md = export_session(tracer, SessionExportParams(session_id=path.stem)).content
    assert "kingfisher tail" in md
    assert "Output too large (81.2KB)" in md  # the stub's own text is kept
    assert "is missing" in md
    assert "secret-outside-word" not in md


def test_the_reasoning_effort_is_shown_with_the_model(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-10-")
    path = next(root.glob("*/*.jsonl"))
    entries = [json.loads(x) for x in path.read_bytes().split(b"\n") if x.strip()]
    answers = [e for e in entries if e.get("type") == "assistant"]
    answers[0]["effort"] = "high"  # as 2.1.212+ writes it on each assistant line
    path.write_text("".join(json.dumps(e) + "\n" for e in entries))
    tracer = make_tracer(root)
    got = tracer.get_message(MessageGetParams(session_id=path.stem, uuid=answers[0]["uuid"]))
    assert (got.model, got.effort) == (answers[0]["message"]["model"], "high")
    other = tracer.get_message(MessageGetParams(session_id=path.stem, uuid=answers[1]["uuid"]))
    assert other.effort is None
    md = export_session(tracer, SessionExportParams(session_id=path.stem)).content
    assert f"{answers[0]['message']['model']} (effort high)" in md
