"""Deleted sessions are read from the archive's segments, never written back (#19 item 3)."""

from __future__ import annotations

import json
import random
import shutil
from collections.abc import Callable
from pathlib import Path

from claude_code_tracer import bytesource
from claude_code_tracer.archive import Archive
from claude_code_tracer.models import MessagesPageParams, SessionRef, SessionsListParams
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import copy_projects, sample_dirs


def test_an_archived_file_reads_back_byte_for_byte_across_its_segments(tmp_path: Path) -> None:
    root = tmp_path / "projects"
    path = root / "-proj" / "s.jsonl"
    path.parent.mkdir(parents=True)
    sample = next(p for d in sample_dirs() for p in sorted(d.glob("*.jsonl")))
    lines = sample.read_bytes().splitlines(keepends=True)
    archive = Archive(tmp_path / "archive")
    written = b""
    # segments of more than 1 MB are not merged: three appends make three segments
    for _ in range(3):
        block = b""
        while len(block) < (1 << 20) + 1000:
            block += b"".join(lines)
        written += block
        with path.open("ab") as fh:
            fh.write(block)
        archive.append(root, path, len(written))
    rel = path.relative_to(root)
    chain = archive.chain(rel)
    assert chain is not None and len(chain) == 3
    bytesource.mount(archive)
    try:
        served = archive.directory / rel
        assert not served.exists()  # a name, not a file: the bytes stay compressed
        with bytesource.open_source(served) as fh:
            assert fh.read() == written
        rng = random.Random(19)
        with bytesource.open_source(served) as fh:
            for _ in range(50):
                at = rng.randrange(len(written))
                n = rng.randrange(1, 3 << 20)
                fh.seek(at)
                assert fh.read(n) == written[at : at + n]
        assert bytesource.stat_source(served).st_size == len(written)
    finally:
        bytesource.unmount(archive)


def test_a_deleted_session_is_served_from_the_archive_and_nothing_is_written_back(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-1-4_")
    main = next(root.glob("*/*.jsonl"))
    sid = main.stem
    raw = [json.loads(x) for x in main.read_bytes().splitlines() if x.strip()]
    uuids = {e["uuid"] for e in raw if e.get("type") in ("user", "assistant") and "uuid" in e}
    tracer = make_tracer(root)
    tracer.list_sessions(SessionsListParams())
    tracer.close()
    shutil.rmtree(main.parent)  # Claude Code's cleanup
    cache = tmp_path / "cache"
    before = {p for p in cache.rglob("*") if p.is_file()}
    again = make_tracer(root)
    page = again.page(
        MessagesPageParams.model_validate(
            {"sessionId": sid, "limit": 500, "filter": {"kinds": ["user", "assistant"]}}
        )
    )
    assert {m.uuid for m in page.messages} == uuids
    files = again._files(SessionRef(session_id=sid))
    assert not files.main.exists() and files.main.name == f"{sid}.jsonl"
    # no copy of the transcript appeared anywhere in the cache (the old way wrote one back)
    after = {p for p in cache.rglob("*") if p.is_file()}
    new = [p for p in after - before if p.name.endswith(".jsonl")]
    assert new == []
    assert not (cache / "restored").exists()
