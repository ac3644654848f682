"""Code lenses on files of the real samples' workspace (recreated in a temporary folder): which
sessions touched the file, and a command that opens the trace at the latest write."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types

from ..workspace import A0Y_PROJECT, A0Y_SESSION, SCRIPT, recreate
from .editor import (
    OPEN_TRACE,
    close_doc,
    copy_session,
    editor_init,
    hover,
    lenses,
    link_args,
    open_doc,
)
from .lsp_support import CONFIG, TracerClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

READ_ONLY = "lib/spotter/services/tmux.ex"  # the session read it and never wrote it
ROUTER = "lib/spotter_web/router.ex"  # one Edit, one Read
AGO = r"\d+ (min|h|d|mo|y) ago|just now"


@pytest.fixture(scope="module")
def samples_ws(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root, ws = recreate(tmp_path_factory.mktemp("lens"))
    for rel in (READ_ONLY, ROUTER):
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text("defmodule X do\nend\n", encoding="utf-8")
    return root, ws


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def editor(lsp_client: TracerClient, samples_ws: tuple[Path, Path]):
    root, _ws = samples_ws
    result = await lsp_client.initialize_session(editor_init(root, root.parent / "cache"))
    lsp_client.init_result = result  # type: ignore[attr-defined]
    yield
    await lsp_client.shutdown_session()


async def latest_write(client: TracerClient, path: Path) -> dict[str, Any]:
    history = await client.request("files/history", {"path": str(path), "limit": 500})
    return next(t for t in history["touches"] if t["kind"] == "write")


async def test_the_server_syncs_every_document_incrementally(editor: TracerClient) -> None:
    caps = editor.init_result.capabilities  # type: ignore[attr-defined]
    sync = caps.text_document_sync
    assert sync.open_close is True
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert caps.code_lens_provider is not None and caps.hover_provider
    # No executeCommand for openTrace: the client implements it, and two owners would clash.
    commands = caps.execute_command_provider.commands if caps.execute_command_provider else []
    assert OPEN_TRACE not in commands


async def test_a_written_file_has_a_lens_that_opens_its_latest_write(
    editor: TracerClient, samples_ws: tuple[Path, Path]
) -> None:
    _root, ws = samples_ws
    doc = open_doc(editor, ws / SCRIPT)
    try:
        found = await lenses(editor, doc)
    finally:
        close_doc(editor, doc)
    assert len(found) == 1
    lens = found[0]
    assert lens.range == types.Range(types.Position(0, 0), types.Position(0, 0))
    assert lens.command is not None
    assert re.fullmatch(rf"Claude: edited in 1 session · last ({AGO})", lens.command.title)
    assert lens.command.command == OPEN_TRACE
    # The latest touch is a Bash command naming the script; the lens opens the Write itself.
    write = await latest_write(editor, ws / SCRIPT)
    assert write["tool"] == "Write"
    assert list(lens.command.arguments or []) == [
        {
            "sessionId": A0Y_SESSION,
            "project": A0Y_PROJECT,
            "uuid": write["uuid"],
            "toolUseId": write["toolUseId"],
        }
    ]
    # ...and those arguments name a message the trace view can open.
    args = lens.command.arguments[0]
    message = await editor.request(
        "messages/get",
        {"sessionId": args["sessionId"], "project": args["project"], "uuid": args["uuid"]},
    )
    assert args["toolUseId"] in str(message)


async def test_a_file_the_sessions_only_read_says_so(
    editor: TracerClient, samples_ws: tuple[Path, Path]
) -> None:
    _root, ws = samples_ws
    doc = open_doc(editor, ws / READ_ONLY)
    found = await lenses(editor, doc)
    close_doc(editor, doc)
    assert len(found) == 1 and found[0].command is not None
    assert re.fullmatch(rf"Claude: read in 1 session · last ({AGO})", found[0].command.title)
    history = await editor.request("files/history", {"path": str(ws / READ_ONLY)})
    assert found[0].command.arguments[0]["uuid"] == history["touches"][0]["uuid"]


async def test_no_lens_for_files_no_session_touched(
    editor: TracerClient, samples_ws: tuple[Path, Path], tmp_path: Path
) -> None:
    _root, ws = samples_ws
    untouched = ws / "lib" / "never_touched.ex"
    untouched.write_text("defmodule Never do\nend\n", encoding="utf-8")
    # The same relative path as a written file, but in another folder: not the same file.
    elsewhere = tmp_path / "spotter-a0y" / SCRIPT
    elsewhere.parent.mkdir(parents=True)
    elsewhere.write_text((ws / SCRIPT).read_text(encoding="utf-8"), encoding="utf-8")
    docs = [
        open_doc(editor, untouched),
        open_doc(editor, elsewhere),
        open_doc(editor, ws / "not-on-disk.txt", "hello\n"),
        open_doc(editor, "untitled:Untitled-1", (ws / SCRIPT).read_text(encoding="utf-8")),
        open_doc(editor, f"git:{ws / SCRIPT}?ref=HEAD", "x\n"),
    ]
    for doc in docs:
        assert await lenses(editor, doc) == [], doc.uri
        close_doc(editor, doc)


async def test_a_lens_is_answered_for_a_file_the_client_did_not_open(
    editor: TracerClient, samples_ws: tuple[Path, Path]
) -> None:
    # Lenses need no text: a client asking before (or without) didOpen still gets one.
    _root, ws = samples_ws
    doc = open_doc(editor, ws / ROUTER)
    close_doc(editor, doc)
    found = await lenses(editor, doc)
    assert len(found) == 1 and found[0].command is not None
    assert found[0].command.title.startswith("Claude: edited in 1 session · last ")


# --- live: a new session writes the file while it is open ---------------------------------------
@pytest.fixture
def live_ws(tmp_path: Path) -> tuple[Path, Path]:
    return recreate(tmp_path)


@pytest_lsp.fixture(config=CONFIG)
async def live_editor(lsp_client: TracerClient, live_ws: tuple[Path, Path]):
    root, _ws = live_ws
    await lsp_client.initialize_session(editor_init(root, root.parent / "cache"))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="function")
async def test_lens_and_hover_follow_a_new_session_that_wrote_the_file(
    live_editor: TracerClient, live_ws: tuple[Path, Path]
) -> None:
    client = live_editor
    root, ws = live_ws
    doc = open_doc(client, ws / SCRIPT)
    before = await lenses(client, doc)
    assert before[0].command is not None
    assert before[0].command.title.startswith("Claude: edited in 1 session")
    first = await hover(client, doc, 0)
    assert first is not None and link_args(first.contents.value)[0]["sessionId"] == A0Y_SESSION

    await client.wait_for_log("watching")
    refreshes = client.lens_refreshes
    new_id = copy_session(root, later=timedelta(days=1))
    await client.wait_for_change(lambda c: c["sessionId"] == new_id)
    await client.wait_for_lens_refresh(after=refreshes)

    after = await lenses(client, doc)
    assert after[0].command is not None
    assert after[0].command.title.startswith("Claude: edited in 2 sessions · last ")
    assert after[0].command.arguments[0]["sessionId"] == new_id
    # Same document version, newer file index: the cached spans are not reused.
    second = await hover(client, doc, 0)
    assert second is not None and link_args(second.contents.value)[0]["sessionId"] == new_id

    # The newer session's transcript is deleted: back to the one that can still be opened.
    (root / A0Y_PROJECT / f"{new_id}.jsonl").unlink()
    await client.wait_for_change(lambda c: c["sessionId"] == new_id and c["kind"] == "deleted")
    again = await lenses(client, doc)
    assert again[0].command is not None
    assert again[0].command.title.startswith("Claude: edited in 1 session · last ")
    assert again[0].command.arguments[0]["sessionId"] == A0Y_SESSION
    third = await hover(client, doc, 0)
    assert third is not None and link_args(third.contents.value)[0]["sessionId"] == A0Y_SESSION
    close_doc(client, doc)
