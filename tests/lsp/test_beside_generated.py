"""Code lenses and hovers on a generated workspace: three sessions (5, 4 and 3 hours ago) whose
Edit/Write/MultiEdit calls name files under it, checked against the transcripts themselves."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_lsp

from claude_code_tracer.files import MIN_WRITTEN_CHARS
from claude_code_tracer.lsp import ago

from .editor import (
    OPEN_TRACE,
    Call,
    Doc,
    Generated,
    close_doc,
    edit_doc,
    editor_init,
    generate_workspace,
    hover,
    lenses,
    link_args,
    open_doc,
)
from .lsp_support import CONFIG, TracerClient

pytestmark = pytest.mark.asyncio(loop_scope="module")

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    return generate_workspace(tmp_path_factory.mktemp("generated"), NOW)


@pytest_lsp.fixture(config=CONFIG, scope="module")
async def editor(lsp_client: TracerClient, generated: Generated):
    cache = generated.projects.parent / "cache"
    await lsp_client.initialize_session(editor_init(generated.projects, cache))
    yield
    await lsp_client.shutdown_session()


async def test_every_written_file_has_a_lens_counting_its_sessions(
    editor: TracerClient, generated: Generated
) -> None:
    assert len(generated.texts) >= 10
    counts = set()
    project = generated.sessions[0].path.parent.name
    for path in generated.texts:
        writes = generated.writes(path)
        sessions = {c.session_id for c in writes}
        counts.add(len(sessions))
        newest = writes[-1]
        doc = open_doc(editor, path)
        before = datetime.now(UTC)
        found = await lenses(editor, doc)
        after = datetime.now(UTC)
        close_doc(editor, doc)
        assert len(found) == 1 and found[0].command is not None, path
        command = found[0].command
        plural = "" if len(sessions) == 1 else "s"
        titles = {
            f"Claude: edited in {len(sessions)} session{plural} · last {ago(newest.timestamp, t)}"
            for t in (before, after)
        }
        assert command.title in titles, path
        assert command.title.endswith((" h ago", " min ago")), command.title
        assert command.command == OPEN_TRACE
        assert list(command.arguments or []) == [
            {
                "sessionId": newest.session_id,
                "project": project,
                "uuid": newest.uuid,
                "toolUseId": newest.tool_use_id,
            }
        ]
    assert max(counts) >= 2, "some file was written by more than one session"


async def test_a_file_only_read_counts_the_sessions_that_read_it(
    editor: TracerClient, generated: Generated
) -> None:
    written = set(generated.texts)
    readers: dict[Path, set[str]] = {}
    for call in generated.calls:
        if call.name == "Read" and Path(call.input["file_path"]) not in written:
            readers.setdefault(Path(call.input["file_path"]), set()).add(call.session_id)
    assert readers
    for path, sessions in readers.items():
        doc = open_doc(editor, path, "read only\n")  # not on disk: the text is the editor's
        found = await lenses(editor, doc)
        close_doc(editor, doc)
        assert len(found) == 1 and found[0].command is not None, path
        plural = "" if len(sessions) == 1 else "s"
        assert found[0].command.title.startswith(
            f"Claude: read in {len(sessions)} session{plural} · last "
        )


def expected_writer(generated: Generated, path: Path, text: str, line: int) -> Call | None:
    """The newest write whose text (each piece found at its first occurrence) covers ``line``."""
    for call in reversed(generated.writes(path)):
        for piece in call.written:
            needle = piece.strip("\n")
            if len(needle.strip()) < MIN_WRITTEN_CHARS or needle not in text:
                continue
            start = text.count("\n", 0, text.index(needle))
            if start <= line <= start + needle.count("\n"):
                return call
    return None


async def test_every_written_piece_hovers_with_its_newest_writer(
    editor: TracerClient, generated: Generated
) -> None:
    checked = 0
    for path, text in generated.texts.items():
        doc = open_doc(editor, path)
        starts = []
        for call in generated.writes(path):
            for piece in call.written:
                needle = piece.strip("\n")
                if len(needle.strip()) >= MIN_WRITTEN_CHARS:
                    starts.append(text.count("\n", 0, text.index(needle)))
        separators = [i for i, row in enumerate(text.split("\n")) if row.startswith("# ----")]
        for line in sorted(set(starts)) + separators[:2]:
            want = expected_writer(generated, path, text, line)
            found = await hover(editor, doc, line)
            if want is None:
                assert found is None, (path, line)
                continue
            assert found is not None, (path, line)
            assert f"wrote this ({want.name})" in found.contents.value
            got = link_args(found.contents.value)[0]
            assert (got["sessionId"], got["toolUseId"]) == (want.session_id, want.tool_use_id)
            checked += 1
        close_doc(editor, doc)
    assert checked >= 20


async def assert_hover_is(
    editor: TracerClient, generated: Generated, doc: Doc, path: Path, line: int
) -> Call | None:
    want = expected_writer(generated, path, doc.text, line)
    found = await hover(editor, doc, line)
    if want is None:
        assert found is None, line
    else:
        assert found is not None, line
        assert link_args(found.contents.value)[0]["toolUseId"] == want.tool_use_id
    return want


async def test_hovers_follow_lines_moved_by_an_edit_above_them(
    editor: TracerClient, generated: Generated
) -> None:
    path = max(generated.texts, key=lambda p: len(generated.writes(p)))
    text = generated.texts[path]
    newest = generated.writes(path)[-1]
    line = text.count("\n", 0, text.index(newest.written[-1].strip("\n")))
    doc = open_doc(editor, path)
    assert await assert_hover_is(editor, generated, doc, path, line) == newest
    edit_doc(editor, doc, (0, 0), (0, 0), "".join(f"# note {i}\n" for i in range(7)))
    assert await assert_hover_is(editor, generated, doc, path, line + 7) == newest
    # The old line number now holds what was 7 lines above it (older text, or the user's).
    await assert_hover_is(editor, generated, doc, path, line)
    for row in range(7):
        assert await hover(editor, doc, row) is None
    close_doc(editor, doc)
