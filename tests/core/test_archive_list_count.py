"""The list tells the truth about a deleted session read from a damaged archive: its message
count is what the verified part holds (what a reader can be served), with ``complete: false``
and a warning, in the CLI, the language server's ``sessions/list`` and the MCP server's
``list_sessions`` alike (one Tracer call); a repaired archive is whole again (issue 18.5).

The archive is the tracer's own, of a real 3.5 MB session written in two parts (two segments,
``test_archive_integrity.archived_in_two_parts``); expected counts are counted from the raw
lines of each part."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.models import MessagesPageParams, SessionInfo, SessionsListParams
from claude_code_tracer.tracer import Tracer

from .test_archive_integrity import (
    BIG,
    _flip,
    _remove,
    _same_length_other_bytes,
    _truncate,
    archived_in_two_parts,
    segments,
)
from .test_cli import run

METADATA = {
    "summary", "atis-latch", "worktree-state", "ai-title", "custom-title", "agent-name",
    "agent-setting", "tag", "last-prompt", "pr-link", "mode", "permission-mode",
    "file-history-snapshot", "file-history-delta", "queue-operation",
}  # fmt: skip


def messages_in(lines: list[bytes]) -> int:
    """Messages of a transcript's own lines as the list counts them: every entry that is not
    session metadata nor a sidechain line, a replayed uuid once."""
    seen: set[str] = set()
    n = 0
    for raw in lines:
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(entry, dict) or entry.get("type") in METADATA:
            continue
        uuid = entry.get("uuid")
        if isinstance(uuid, str) and uuid:
            if uuid in seen:
                continue
            seen.add(uuid)
        elif not isinstance(entry.get("timestamp"), str):
            continue
        if entry.get("isSidechain") is True:
            continue
        n += 1
    return n


def listed(tracer: Tracer) -> SessionInfo:
    tracer._catalog_fresh_until = 0.0
    [info] = [s for s in tracer.list_sessions(SessionsListParams()).sessions if s.session_id == BIG]
    return info


def test_an_intact_archived_session_lists_every_message(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, _, one, two = archived_in_two_parts(tmp_path, make_tracer)
    info = listed(make_tracer(root))
    assert info.deleted and info.archived
    assert info.message_count == messages_in(one + two)
    assert info.complete and info.warning is None


@pytest.mark.parametrize(
    "damage", [_flip, _truncate, _remove, _same_length_other_bytes], ids=lambda f: f.__name__
)
def test_a_damaged_segment_lists_the_count_that_can_be_served(
    tmp_path: Path, make_tracer: Callable[..., Tracer], damage: Callable[[Path], None]
) -> None:
    """The damage is there when the catalog notices the deletion."""
    root, gen, one, two = archived_in_two_parts(tmp_path, make_tracer)
    damage(segments(gen)[1])
    tracer = make_tracer(root)
    info = listed(tracer)
    assert messages_in(one) < messages_in(one + two)
    assert info.message_count == messages_in(one)
    assert not info.complete
    assert info.warning is not None and "0001" in info.warning  # names the segment
    page = tracer.page(MessagesPageParams(session_id=BIG, limit=1))
    assert not page.complete


def test_damage_after_the_deletion_was_noticed_is_seen_by_the_next_listing(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, gen, one, two = archived_in_two_parts(tmp_path, make_tracer)
    tracer = make_tracer(root)
    assert listed(tracer).message_count == messages_in(one + two)
    second = segments(gen)[1]
    saved = second.read_bytes()
    _truncate(second)
    info = listed(tracer)  # the same process: its catalog verified the archive before
    assert (info.message_count, info.complete) == (messages_in(one), False)
    # and a later process reads what was recorded, without verifying again
    again = listed(make_tracer(root))
    assert (again.message_count, again.complete) == (messages_in(one), False)
    second.write_bytes(saved)  # put back (a backup restored): whole again
    whole = listed(tracer)
    assert (whole.message_count, whole.complete, whole.warning) == (
        messages_in(one + two),
        True,
        None,
    )


def test_a_flipped_bit_no_stat_shows_is_corrected_once_a_read_finds_it(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Bit rot changes no size, mtime or ctime: the first page read finds it, and the list
    says so from then on."""
    root, gen, one, _ = archived_in_two_parts(tmp_path, make_tracer)
    tracer = make_tracer(root)
    assert listed(tracer).complete
    second = segments(gen)[1]
    st = second.stat()
    _flip(second)
    os.utime(second, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert tracer.archive is not None
    # what the list compares is taken from stat: pretend the ctime did not move either
    row = tracer.catalog.con.execute(
        "SELECT archive_sig FROM sessions WHERE session_id = ?", [BIG]
    ).fetchone()
    assert row is not None
    sigs = tracer.archive.signatures
    tracer.archive.signatures = lambda keys: [row[0]] * len(keys)  # type: ignore[method-assign]
    try:
        assert listed(tracer).complete  # nothing to see without a read
        page = tracer.page(MessagesPageParams(session_id=BIG, limit=1))
        assert not page.complete
        info = listed(tracer)
    finally:
        tracer.archive.signatures = sigs  # type: ignore[method-assign]
    assert (info.message_count, info.complete) == (messages_in(one), False)


def test_the_cli_lists_the_corrected_count(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, gen, one, _ = archived_in_two_parts(tmp_path, make_tracer)
    _remove(segments(gen)[1])
    common = ["--root", str(root), "--cache-dir", str(tmp_path / "cache")]
    done = run("sessions", "--json", *common)
    assert done.returncode == 0, done.stderr
    [info] = [s for s in json.loads(done.stdout)["sessions"] if s["sessionId"] == BIG]
    assert info["messageCount"] == messages_in(one)
    assert info["complete"] is False and "0001" in info["warning"]
    text = run("sessions", *common)
    assert text.returncode == 0, text.stderr
    [row] = [line for line in text.stdout.splitlines() if line.startswith(BIG)]
    assert f" {messages_in(one)}! " in row and "archived copy is damaged" in text.stdout


def test_a_segment_damaged_after_a_listing_is_seen_by_the_next_listing(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """The CLI answers a plain listing from its kept answer while no transcript changed; a
    deleted session's archive may change without any transcript changing."""
    root, gen, one, _ = archived_in_two_parts(tmp_path, make_tracer)
    cache = tmp_path / "cache"  # the tracer's own, where its archive is

    def listed() -> dict[str, Any]:
        done = run("sessions", "--json", "--root", str(root), "--cache-dir", str(cache))
        assert done.returncode == 0, done.stderr
        [info] = [s for s in json.loads(done.stdout)["sessions"] if s["sessionId"] == BIG]
        return info

    assert listed()["complete"] is True
    _remove(segments(gen)[1])
    info = listed()
    assert info["complete"] is False and info["messageCount"] == messages_in(one)


def test_a_catalog_of_the_previous_release_keeps_its_deleted_sessions(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """The new columns are added in place: a rebuilt catalog would find only live files, and
    forget every deleted session it listed from the archive."""
    root, gen, one, two = archived_in_two_parts(tmp_path, make_tracer)
    tracer = make_tracer(root)
    assert listed(tracer).message_count == messages_in(one + two)
    for column in ("archive_sig", "archive_problems", "archive_count"):
        tracer.catalog.con.execute(f"ALTER TABLE sessions DROP COLUMN {column}")
    tracer.close()
    _remove(segments(gen)[1])
    info = listed(make_tracer(root))
    assert info.deleted and info.archived
    assert (info.message_count, info.complete) == (messages_in(one), False)
