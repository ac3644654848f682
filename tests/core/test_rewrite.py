"""A transcript rewritten in place with its size and mtime restored (backups, sync tools).

Two mechanisms, each tested alone: the file identity holds the ctime (which ``os.utime`` cannot
restore), and every line read again from disk is checked against the row it is supposed to be.
The expected values are what a fresh tracer reads from the rewritten file.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

from claude_code_tracer.models import (
    MessageGetParams,
    MessagesPageParams,
    SessionsListParams,
)
from claude_code_tracer.store import identity
from claude_code_tracer.tracer import Tracer, TracerOptions

from .test_store import SID, entry, write


def lines_of(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def rewrite_keeping_size_and_mtime(path: Path, new: list[bytes]) -> None:
    st = path.stat()
    data = b"".join(new)
    assert len(data) == st.st_size
    with path.open("r+b") as fh:  # same inode, like an in-place sync
        fh.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns, after.st_ino) == (
        st.st_size,
        st.st_mtime_ns,
        st.st_ino,
    )


def session(root: Path) -> Path:
    path = root / "-work-proj" / f"{SID}.jsonl"
    # twelve user lines of one length: any two can swap places without changing the size
    write(path, [entry(i) for i in range(10, 22)])
    return path


def swapped(path: Path) -> list[bytes]:
    old = lines_of(path)
    new = list(old)
    new[2], new[7] = old[7], old[2]
    return new


def fresh_page(root: Path, tmp_path: Path) -> list[tuple[str, str]]:
    t = Tracer(TracerOptions(projects_roots=[root], cache_dir=tmp_path / "oracle-cache"))
    try:
        page = t.page(MessagesPageParams(session_id=SID, limit=100))
        return [(m.uuid, m.line, m.preview) for m in page.messages]
    finally:
        t.close()


def test_a_same_size_rewrite_with_restored_mtime_is_reloaded(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    path = session(root)
    tracer = make_tracer(root)
    before = tracer.page(MessagesPageParams(session_id=SID, limit=100))
    assert before.messages[2].uuid == "u-000012"
    rewrite_keeping_size_and_mtime(path, swapped(path))
    after = tracer.page(MessagesPageParams(session_id=SID, limit=100))
    assert [(m.uuid, m.line, m.preview) for m in after.messages] == fresh_page(root, tmp_path)
    lines = {m.uuid: m.line for m in after.messages}
    assert (lines["u-000012"], lines["u-000017"]) == (8, 3)
    assert tracer.store.full_parses == 2


def test_a_reread_line_that_is_not_its_row_reloads_instead_of_serving_it(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Even when the identity cannot tell (a filesystem with coarse or no ctime, simulated here by
    taking the new identity as the known one), a line read again is checked against its row."""
    root = tmp_path / "projects"
    path = session(root)
    tracer = make_tracer(root)
    tracer.page(MessagesPageParams(session_id=SID, limit=100))
    rewrite_keeping_size_and_mtime(path, swapped(path))
    for lf in tracer.store.loaded_sessions()[0].loaded_files:
        lf.ident = identity(lf.path.stat())
    assert tracer.is_loaded(MessagesPageParams(session_id=SID))  # the identity cannot tell
    for uuid in ("u-000012", "u-000017", "u-000010"):
        got = tracer.get_message(MessageGetParams(session_id=SID, uuid=uuid))
        assert got.uuid == uuid
        assert got.entry["uuid"] == uuid
        assert got.content == [{"type": "text", "text": f"prompt number {int(uuid[2:])}"}]
    expanded = tracer.page(MessagesPageParams(session_id=SID, limit=100, expand=True))
    for msg in expanded.messages:
        assert msg.content == [{"type": "text", "text": f"prompt number {int(msg.uuid[2:])}"}]
    assert [(m.uuid, m.line, m.preview) for m in expanded.messages] == fresh_page(root, tmp_path)


def test_the_catalog_sees_a_same_size_rewrite_with_restored_mtime(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    path = root / "-work-proj" / f"{SID}.jsonl"
    first = {"role": "user", "content": "alpha prompt"}
    write(path, [entry(0, message=first), *[entry(i, "assistant") for i in range(1, 4)]])
    tracer = make_tracer(root)
    assert tracer.list_sessions(SessionsListParams()).sessions[0].title == "alpha prompt"
    old = lines_of(path)
    renamed = json.dumps(entry(0, message={"role": "user", "content": "gamma prompt"})) + "\n"
    assert len(renamed) == len(old[0])
    rewrite_keeping_size_and_mtime(path, [renamed.encode(), *old[1:]])
    tracer._catalog_fresh_until = 0.0
    listed = tracer.list_sessions(SessionsListParams()).sessions[0]
    assert listed.title == "gamma prompt"
    assert listed.first_prompt == "gamma prompt"
