"""``blame`` gives, line by line, the hover's answer on the same files: the language server over
stdio (pytest-lsp) and the MCP server over stdio on one archive, every line of each file asked
of both; before and after the user moves and changes lines."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
import pytest_lsp

from mcp import ClientSession

from ..lsp.editor import (
    Generated,
    close_doc,
    editor_init,
    generate_workspace,
    hover,
    link_args,
    open_doc,
)
from ..lsp.lsp_support import CONFIG, TracerClient
from ..workspace import A0Y_PROJECT, SCRIPT, recreate
from .support import Running, call, ok

pytestmark = pytest.mark.asyncio(loop_scope="module")

LINES_PER_FILE = 120


class Both:
    def __init__(self, generated: Generated, a0y: Path) -> None:
        self.generated, self.a0y = generated, a0y


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Both:
    tmp = tmp_path_factory.mktemp("blame")
    generated = generate_workspace(tmp, datetime.now(UTC))
    root, a0y = recreate(tmp / "a0y")
    shutil.copytree(root / A0Y_PROJECT, generated.projects / A0Y_PROJECT)
    return Both(generated, a0y)


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def editor(lsp_client: TracerClient, both: Both):
    projects = both.generated.projects
    await lsp_client.initialize_session(editor_init(projects, projects.parent / "lsp-cache"))
    yield
    await lsp_client.shutdown_session()


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def agent(both: Both) -> AsyncIterator[ClientSession]:
    projects = both.generated.projects
    async with Running(projects, projects.parent / "mcp-cache", both.generated.workspace) as s:
        yield s


async def hover_answers(editor: TracerClient, path: Path, text: str) -> list[Any]:
    """Per line (0-based), the hover's (sessionId, uuid, toolUseId), or None."""
    doc = open_doc(editor, path, text)
    out: list[Any] = []
    try:
        for line in range(min(LINES_PER_FILE, text.count("\n") + 1)):
            found = await hover(editor, doc, line)
            if found is None:
                out.append(None)
                continue
            [args] = link_args(found.contents.value)
            out.append((args["sessionId"], args["uuid"], args["toolUseId"]))
    finally:
        close_doc(editor, doc)
    return out


def blame_answers(got: dict[str, Any], lines: int) -> list[Any]:
    out: list[Any] = [None] * lines
    for run in got["runs"]:
        for line in range(run["startLine"], run["endLine"] + 1):
            if line <= lines:
                t = run["touch"]  # the core's FileTouch, as the hover has it
                out[line - 1] = (t["sessionId"], t["uuid"], t["toolUseId"])
    return out


async def compare(
    editor: TracerClient, agent: ClientSession, path: Path, args: dict[str, Any]
) -> list[Any]:
    text = path.read_text(encoding="utf-8")
    hovers = await hover_answers(editor, path, text)
    got = await ok(agent, "blame", {**args, "endLine": len(hovers), "maxChars": 200_000})
    assert not got["truncated"]
    assert blame_answers(got, len(hovers)) == hovers, path
    assert got["attributedLines"] == sum(1 for h in hovers if h is not None)
    return hovers


async def test_blame_answers_what_the_hover_answers_on_every_generated_file(
    editor: TracerClient, agent: ClientSession, both: Both
) -> None:
    g = both.generated
    attributed = 0
    for path in sorted(g.texts)[:8]:
        relative = str(path.relative_to(g.workspace))
        hovers = await compare(editor, agent, path, {"path": relative})
        attributed += sum(1 for h in hovers if h is not None)
    assert attributed > 50


async def test_blame_names_the_prompt_and_every_session_of_the_file(
    agent: ClientSession, both: Both
) -> None:
    g = both.generated
    path = max(g.texts, key=lambda p: len({c.session_id for c in g.writes(p)}))
    got = await ok(agent, "blame", {"path": str(path), "maxChars": 200_000})
    writers = {c.session_id for c in g.writes(path)}
    assert writers <= {s["sessionId"] for s in got["sessions"]}
    newest = g.writes(path)[-1]
    run = next(r for r in got["runs"] if r["touch"]["toolUseId"] == newest.tool_use_id)
    touch = run["touch"]
    assert touch["tool"] == newest.name
    assert run["citation"] == f"{newest.session_id}#{newest.uuid}"
    assert touch["prompt"]  # the human prompt that led to the write
    one = await ok(
        agent,
        "blame",
        {"path": str(path), "startLine": run["startLine"], "endLine": run["startLine"]},
    )
    assert [(r["startLine"], r["endLine"], r["touch"]["uuid"]) for r in one["runs"]] == [
        (run["startLine"], run["startLine"], touch["uuid"])
    ]


async def test_lines_the_user_moved_or_changed_agree_with_the_hover(
    editor: TracerClient, agent: ClientSession, both: Both
) -> None:
    g = both.generated
    path = sorted(g.texts)[0]
    before = await compare(editor, agent, path, {"path": str(path)})
    written = [i for i, h in enumerate(before) if h is not None]
    lines = path.read_text(encoding="utf-8").split("\n")
    changed = written[len(written) // 2]
    lines[changed] += "  # changed by hand"
    path.write_text("# moved down\n# by the user\n" + "\n".join(lines), encoding="utf-8")
    after = await compare(editor, agent, path, {"path": str(path)})
    assert after[changed + 2] is None  # the span holding the changed line is no longer claimed
    moved = [i + 2 for i in written if before[i] != before[changed] and i + 2 < len(after)]
    assert moved and all(after[i] == before[i - 2] for i in moved)


async def test_blame_on_the_real_samples_workspace_agrees_with_the_hover(
    editor: TracerClient, agent: ClientSession, both: Both
) -> None:
    hovers = await compare(
        editor, agent, both.a0y / SCRIPT, {"path": SCRIPT, "workspace": str(both.a0y)}
    )
    assert all(h is not None for h in hovers[:5])
    outside = await call(agent, "blame", {"path": str(both.a0y / SCRIPT)})
    assert outside.is_error and "outside the workspace" in outside.content[0].text


async def test_a_blame_cut_by_max_chars_continues_from_its_next_start_line(
    agent: ClientSession, both: Both
) -> None:
    g = both.generated
    path = max(g.texts, key=lambda p: len(g.writes(p)))
    whole = await ok(agent, "blame", {"path": str(path), "maxChars": 200_000})
    assert len(whole["runs"]) >= 3
    runs: list[Any] = []
    start = 1
    for _ in range(len(whole["runs"]) + 1):
        got = await ok(agent, "blame", {"path": str(path), "startLine": start, "maxChars": 2_000})
        if runs and got["runs"] and got["runs"][0]["startLine"] < start:
            pytest.fail("a continuation went backwards")
        runs += got["runs"]
        if not got["truncated"] or got["nextStartLine"] is None:
            break
        assert f"startLine={got['nextStartLine']}" in got["note"]
        start = got["nextStartLine"]
    assert [(r["startLine"], r["endLine"], r["citation"]) for r in runs] == [
        (r["startLine"], r["endLine"], r["citation"]) for r in whole["runs"]
    ]
