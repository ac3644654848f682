"""The archive: a session whose files are deleted reads back exactly as before; a rewrite keeps
its history; a crash or a full disk while archiving loses nothing already archived."""

from __future__ import annotations

import errno
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.archive import Archive
from claude_code_tracer.models import (
    MessageGetParams,
    MessagesPageParams,
    SessionRef,
    SessionsListParams,
)
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import copy_projects


def every_page(tracer: Tracer, sid: str) -> list[dict[str, Any]]:
    pages = []
    cursor = None
    while True:
        page = tracer.page(
            MessagesPageParams.model_validate(
                {
                    "sessionId": sid,
                    "limit": 37,
                    "cursor": cursor,
                    "filter": {"includeSidechains": True},
                }
            )
        )
        pages.append(page.dump())
        if not page.has_more:
            return pages
        cursor = page.next_cursor


def snapshot(tracer: Tracer, sid: str) -> dict[str, Any]:
    pages = every_page(tracer, sid)
    uuids = [m["uuid"] for p in pages for m in p["messages"]]
    details = [
        tracer.get_message(MessageGetParams(session_id=sid, uuid=u)).dump()["entry"]
        for u in uuids
    ]
    metrics = tracer.metrics(SessionRef(session_id=sid)).dump()
    return {"pages": pages, "details": details, "metrics": metrics}


def test_a_deleted_session_reads_back_identically_from_the_archive(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    sid = main.stem
    tracer = make_tracer(root)
    tracer.list_sessions(SessionsListParams())
    before = snapshot(tracer, sid)
    assert len(before["details"]) > 50
    shutil.rmtree(main.parent)  # Claude Code's cleanup: the session and its subagents
    tracer.close()
    again = make_tracer(root)  # a new process: nothing of the session in memory
    listed = again.list_sessions(SessionsListParams()).sessions
    assert [(s.session_id, s.deleted, s.archived) for s in listed] == [(sid, True, True)]
    after = snapshot(again, sid)
    assert after == before


def test_a_rewritten_file_keeps_its_history_and_shows_the_new_content(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-1-4_")
    path = next(root.glob("*/*.jsonl"))
    original = path.read_bytes()
    tracer = make_tracer(root)
    tracer.list_sessions(SessionsListParams())
    lines = original.splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:5]) + b"".join(reversed(lines[5:12])))
    tracer._catalog_fresh_until = 0.0
    tracer.list_sessions(SessionsListParams())
    archive = tracer.archive
    assert archive is not None
    rel = path.relative_to(root)
    file_dir = archive.directory / rel.parent / (rel.name + ".d")
    assert sorted(p.name for p in file_dir.iterdir()) == ["g0", "g1"]
    restored = tmp_path / "g0.jsonl"
    shutil.copytree(file_dir, tmp_path / "only-g0" / rel.parent / (rel.name + ".d"))
    shutil.rmtree(tmp_path / "only-g0" / rel.parent / (rel.name + ".d") / "g1")
    assert Archive(tmp_path / "only-g0").restore(rel, restored)
    assert restored.read_bytes() == original
    page = tracer.page(MessagesPageParams(session_id=path.stem, limit=500))
    uuids = {json.loads(ln)["uuid"] for ln in path.read_bytes().splitlines() if b'"uuid"' in ln}
    assert {m.uuid for m in page.messages} <= uuids


def test_appends_archive_only_the_new_bytes_into_few_segments(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-1-4_")
    path = next(root.glob("*/*.jsonl"))
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    path.write_bytes(lines[0])
    tracer = make_tracer(root)
    for i in range(1, len(lines)):
        with path.open("ab") as fh:
            fh.write(lines[i])
        tracer._catalog_fresh_until = 0.0
        tracer.list_sessions(SessionsListParams())
    archive = tracer.archive
    assert archive is not None
    assert archive.written_bytes == len(data)
    status = archive.status()
    assert (status.files, status.segments, status.archived_bytes) == (1, 1, len(data))
    assert status.stored_bytes < len(data) / 3


def test_a_full_disk_stops_archiving_with_one_log_line_and_loses_nothing(
    tmp_path: Path,
    make_tracer: Callable[..., Tracer],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    root = copy_projects(tmp_path, "irr-1-4_")
    path = next(root.glob("*/*.jsonl"))
    tracer = make_tracer(root)
    tracer.list_sessions(SessionsListParams())
    archive = tracer.archive
    assert archive is not None
    archived = archive.status()

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Archive, "_write", staticmethod(full))
    with path.open("ab") as fh:
        fh.write(path.read_bytes().splitlines(keepends=True)[-1])
    for _ in range(3):
        tracer._catalog_fresh_until = 0.0
        tracer.list_sessions(SessionsListParams())  # still serves
    warnings = [r for r in caplog.records if "not being archived" in r.getMessage()]
    assert len(warnings) == 1 and "No space left" in warnings[0].getMessage()
    assert archive.status() == archived


KILLER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from claude_code_tracer.archive import Archive
    archive, root, path = Archive(Path(sys.argv[1])), Path(sys.argv[2]), Path(sys.argv[3])
    size = path.stat().st_size
    step = max(1, size // 200)
    print("ready", flush=True)
    for upto in range(step, size + step, step):
        archive.append(root, path, min(upto, size))
    """
)


def test_a_process_killed_while_archiving_leaves_a_usable_archive(tmp_path: Path) -> None:
    root = copy_projects(tmp_path, "irr-04-")
    path = next(root.glob("*/*.jsonl"))
    data = path.read_bytes()
    rnd = random.Random(7)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "server")}
    for attempt in range(6):
        where = tmp_path / f"archive-{attempt}"
        proc = subprocess.Popen(
            [sys.executable, "-c", KILLER, str(where), str(root), str(path)],
            stdout=subprocess.PIPE,
            env=env,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == b"ready"
        # let it run for a random number of segment writes, then kill it mid-work
        deadline = rnd.randint(1, 60)
        while proc.poll() is None and deadline:
            status = Archive(where).status()
            if status.archived_bytes >= deadline * len(data) // 200:
                break
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        archive = Archive(where)
        rel = path.relative_to(root)
        restored = tmp_path / f"restored-{attempt}.jsonl"
        if archive.status().files:
            assert archive.restore(rel, restored)
            got = restored.read_bytes()
            assert data.startswith(got)  # a prefix of the file, never garbage
        # archiving again finishes the job from where it stopped
        archive.append(root, path, len(data))
        assert archive.restore(rel, restored)
        assert restored.read_bytes() == data


def test_a_deleted_session_is_still_found_by_search_with_its_snippets(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    from claude_code_tracer.models import SearchParams

    root = copy_projects(tmp_path, "irr-04-")
    main = next(root.glob("*/*.jsonl"))
    word = "schema"  # in the first prompt of this real session
    assert word in main.read_text()
    tracer = make_tracer(root)
    tracer.list_sessions(SessionsListParams())
    before = tracer.search(SearchParams(query=word, limit=5, include_deleted=True)).dump()
    assert before["groups"] and before["groups"][0]["hits"][0]["snippet"]
    main.unlink()
    tracer.close()
    again = make_tracer(root)
    again.list_sessions(SessionsListParams())
    after = again.search(SearchParams(query=word, limit=5, include_deleted=True)).dump()
    hits = [h["snippet"] for g in after["groups"] for h in g["hits"]]
    assert hits == [h["snippet"] for g in before["groups"] for h in g["hits"]]
    assert after["groups"][0]["deleted"] is True


def test_a_deleted_20_session_keeps_its_flat_agent_files(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "-path-to-Demo")
    folder = next(root.iterdir())
    flat = sorted(folder.glob("agent-*.jsonl"))
    owners = {json.loads(p.read_bytes().splitlines()[0])["sessionId"] for p in flat}
    sid = sorted(owners)[0]
    assert (folder / f"{sid}.jsonl").is_file()
    tracer = make_tracer(root)
    tracer.list_sessions(SessionsListParams())
    before = snapshot(tracer, sid)
    assert any(m["file"].startswith("agent-") for p in before["pages"] for m in p["messages"])
    tracer.close()
    shutil.rmtree(folder)
    after = snapshot(make_tracer(root), sid)
    assert after == before
