"""Hovers on lines a session wrote, located in the document's current text (the real samples'
workspace recreated in a temporary folder); their markdown is safe from the transcript's text."""

from __future__ import annotations

import re
import time
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types

from ..workspace import A0Y_PROJECT, A0Y_SESSION, SCRIPT, recreate, tool_inputs
from .editor import (
    OPEN_TRACE,
    close_doc,
    copy_session,
    edit_doc,
    editor_init,
    hover,
    line_of,
    link_args,
    open_doc,
)
from .lsp_support import CONFIG, TracerClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

ROUTER = "lib/spotter_web/router.ex"
SESSION_END = '    post("/hooks/session-end", SessionHookController, :session_end)'


def router_edit(projects: Path) -> dict[str, str]:
    session = projects / A0Y_PROJECT / f"{A0Y_SESSION}.jsonl"
    return next(i for i in tool_inputs(session, "Edit") if i["file_path"].endswith(ROUTER))


def router_text(new_string: str) -> str:
    """router.ex as it could stand today: the session's Edit among lines of the user's."""
    head = 'defmodule SpotterWeb.Router do\n  use SpotterWeb, :router\n\n  scope "/api" do\n'
    tail = "\n  end\nend\n"
    return head + new_string + tail


@pytest.fixture(scope="module")
def samples_ws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root, ws = recreate(tmp_path_factory.mktemp("hover"))
    (ws / ROUTER).parent.mkdir(parents=True, exist_ok=True)
    (ws / ROUTER).write_text(router_text(router_edit(root)["new_string"]), encoding="utf-8")
    return root, ws


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def editor(lsp_client: TracerClient, samples_ws: tuple[Path, Path]):
    root, _ws = samples_ws
    await lsp_client.initialize_session(editor_init(root, root.parent / "cache"))
    yield
    await lsp_client.shutdown_session()


def script_lines(ws: Path) -> int:
    """The last line of the script the session wrote (0-based)."""
    return (ws / SCRIPT).read_text(encoding="utf-8").strip("\n").count("\n")


async def test_a_written_line_names_the_session_the_prompt_and_the_trace(
    editor: TracerClient, samples_ws: tuple[Path, Path]
) -> None:
    _root, ws = samples_ws
    doc = open_doc(editor, ws / SCRIPT)
    last = script_lines(ws)
    history = await editor.request("files/history", {"path": str(ws / SCRIPT), "limit": 500})
    write = next(t for t in history["touches"] if t["tool"] == "Write")
    for line in (0, last // 2, last):
        found = await hover(editor, doc, line, 3)
        assert found is not None, line
        assert found.contents.kind == types.MarkupKind.Markdown
        text = found.contents.value
        title = "*Work on bead spotter\\-a0y\\. Run bd show"
        assert text.startswith(f"**Claude Code** wrote this (Write) in {title}")
        assert "2026-02-12 15:38 UTC (" in text
        assert "Prompt:\n\n```text\nWork on bead spotter-a0y. Run bd show" in text
        assert link_args(text) == [
            {
                "sessionId": A0Y_SESSION,
                "project": A0Y_PROJECT,
                "uuid": write["uuid"],
                "toolUseId": write["toolUseId"],
            }
        ]
        last_line = doc.text.split("\n")[last]
        assert found.range == types.Range(
            types.Position(0, 0), types.Position(last, len(last_line))
        )
    assert await hover(editor, doc, last + 1) is None  # the empty line after the text
    close_doc(editor, doc)


async def test_lines_moved_by_the_user_keep_their_hover(
    editor: TracerClient, samples_ws: tuple[Path, Path]
) -> None:
    _root, ws = samples_ws
    doc = open_doc(editor, ws / SCRIPT)
    last = script_lines(ws)
    assert await hover(editor, doc, 0) is not None
    edit_doc(editor, doc, (0, 0), (0, 0), "# a line of the user's\n# and another\n")
    assert await hover(editor, doc, 0) is None  # the old line numbers: now the user's text
    assert await hover(editor, doc, 1) is None
    moved = await hover(editor, doc, last + 2)  # the script's last line, two lines lower
    assert moved is not None
    assert moved.range.start.line == 2 and moved.range.end.line == last + 2
    assert await hover(editor, doc, last + 3) is None
    # The user rewrites one character of the session's text: it is no longer what was written.
    original = doc.text.split("\n")[3][0]
    edit_doc(editor, doc, (3, 0), (3, 1), "@")
    for line in (2, 3, last + 2):
        assert await hover(editor, doc, line) is None, line
    # ...and puts it back: the text is the session's again.
    edit_doc(editor, doc, (3, 0), (3, 1), original)
    assert await hover(editor, doc, 3) is not None
    close_doc(editor, doc)


async def test_an_edit_is_found_where_its_text_stands_and_not_once_it_is_gone(
    editor: TracerClient, samples_ws: tuple[Path, Path]
) -> None:
    root, ws = samples_ws
    doc = open_doc(editor, ws / ROUTER)
    new_string = router_edit(root)["new_string"]
    start = line_of(doc.text, new_string)
    end = start + new_string.count("\n")
    assert await hover(editor, doc, start - 1) is None  # the user's `scope` line
    for line in range(start, end + 1):
        found = await hover(editor, doc, line)
        assert found is not None, line
        assert "wrote this (Edit)" in found.contents.value
        assert (found.range.start.line, found.range.end.line) == (start, end)
    # The user renames the route the Edit added: the Edit's text is no longer in the file.
    row = line_of(doc.text, SESSION_END)
    col = SESSION_END.index(":session_end")
    edit_doc(editor, doc, (row, col), (row, col + len(":session_end")), ":session_stop")
    for line in range(start, end + 1):
        assert await hover(editor, doc, line) is None, line
    close_doc(editor, doc)
    # A document opened with other text (the file on disk is not what counts).
    other = open_doc(editor, ws / ROUTER, router_text('    get("/", PageController, :home)'))
    for line in range(0, 8):
        assert await hover(editor, other, line) is None
    close_doc(editor, other)


async def test_no_hover_outside_the_sessions_files(
    editor: TracerClient, samples_ws: tuple[Path, Path], tmp_path: Path
) -> None:
    _root, ws = samples_ws
    script = (ws / SCRIPT).read_text(encoding="utf-8")
    # The very text the session wrote, in files it did not write.
    elsewhere = tmp_path / "spotter-a0y" / SCRIPT
    elsewhere.parent.mkdir(parents=True)
    elsewhere.write_text(script, encoding="utf-8")
    docs = [
        open_doc(editor, elsewhere),
        open_doc(editor, ws / "spotter-plugin" / "scripts" / "copy.sh", script),
        open_doc(editor, "untitled:Untitled-2", script),
        open_doc(editor, f"git:{ws / SCRIPT}?ref=HEAD", script),
    ]
    for doc in docs:
        for line in (0, 3):
            assert await hover(editor, doc, line) is None, doc.uri
        close_doc(editor, doc)
    # A file the client never opened: a hover answers from open documents' text only.
    closed = open_doc(editor, ws / SCRIPT)
    close_doc(editor, closed)
    assert await hover(editor, closed, 0) is None


async def test_a_hover_on_a_5000_line_document_answers_in_milliseconds(
    editor: TracerClient, samples_ws: tuple[Path, Path]
) -> None:
    _root, ws = samples_ws
    script = (ws / SCRIPT).read_text(encoding="utf-8")
    filler = "".join(f"echo 'line {i} of the user'\n" for i in range(2500))
    doc = open_doc(editor, ws / SCRIPT, filler + script + filler)
    assert doc.text.count("\n") >= 5000
    assert await hover(editor, doc, 0) is None  # computes the spans of this version
    times = []
    for line in range(2490, 2520):
        started = time.perf_counter()
        found = await hover(editor, doc, line)
        times.append(time.perf_counter() - started)
        assert (found is not None) == (2500 <= line <= 2500 + script_lines(ws)), line
    times.sort()
    # A sanity bound, not a benchmark: the cached spans answer far below it.
    assert times[len(times) // 2] < 0.2, times
    assert times[-1] < 1.0, times
    # An edit far below the written text: recomputed for the new version, still found.
    edit_doc(editor, doc, (4000, 0), (4000, 0), "echo 'one more'\n")
    started = time.perf_counter()
    assert await hover(editor, doc, 2500) is not None
    assert time.perf_counter() - started < 1.0
    close_doc(editor, doc)


# --- transcript text is untrusted ----------------------------------------------------------------
HOSTILE = (
    "Ignore this [click me](command:workbench.action.terminal.new) <img src=x onerror=alert(1)>\n"
    "```\n</code></pre><script>alert(2)</script>\n``````\n"
    "![pic](https://example.com/x.png) https://example.com *bold* _it_ # heading\n"
    "| a | b |\n<details open>raw html</details> &amp; \\"
)


@pytest.fixture
def hostile_ws(tmp_path: Path) -> tuple[Path, Path, str]:
    root, ws = recreate(tmp_path)
    new_id = copy_session(root, later=timedelta(days=1), prompt=HOSTILE)
    return root, ws, new_id


@pytest_lsp.fixture(config=CONFIG)
async def hostile_editor(lsp_client: TracerClient, hostile_ws: tuple[Path, Path, str]):
    root, _ws, _id = hostile_ws
    await lsp_client.initialize_session(editor_init(root, root.parent / "cache"))
    yield
    await lsp_client.shutdown_session()


SPECIAL = re.compile(r"[\[\]()<>`!|&_#*]|://|www\.")


def assert_inert(markdown: str) -> None:
    """No link, image, HTML, emphasis or autolink can come from the transcript's text: outside
    the prompt's code block, each of its punctuation characters is escaped."""
    outside = re.sub(r"(?ms)^(`{3,})text\n.*?^\1$", "", markdown)  # drop the code block
    body, link = outside.rsplit("\n\n[Open trace](", 1)
    assert link.startswith(f"command:{OPEN_TRACE}?")
    first, *rest = body.split("\n")
    head = re.fullmatch(r"\*\*Claude Code\*\* wrote this \((.*)\) in \*(.*)\*", first)
    assert head is not None, first
    for untrusted in head.groups():  # the tool and the session's title
        bare = re.sub(r"\\.", "", untrusted)  # what is left once escaped characters are gone
        assert not SPECIAL.search(bare), bare
    assert all(not SPECIAL.search(line.replace("(", "").replace(")", "")) for line in rest), rest


@pytest.mark.asyncio(loop_scope="function")
async def test_a_hostile_prompt_and_title_stay_text(
    hostile_editor: TracerClient, hostile_ws: tuple[Path, Path, str]
) -> None:
    _root, ws, new_id = hostile_ws
    doc = open_doc(hostile_editor, ws / SCRIPT)
    found = await hover(hostile_editor, doc, 0)
    close_doc(hostile_editor, doc)
    assert found is not None
    text = found.contents.value
    assert link_args(text)[0]["sessionId"] == new_id  # the newer of two identical writes wins
    assert_inert(text)
    fence = re.search(r"(?m)^(`{3,})text$", text)
    assert fence is not None and len(fence.group(1)) == 7  # longer than the prompt's ``````
    assert f"\n{fence.group(1)}text\nIgnore this [click me](command:" in text
