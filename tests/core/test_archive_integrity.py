"""A deleted session is served from its archive only as far as the archive verifies: a segment
that is missing, truncated, damaged or replaced is reported (``complete: false``, a warning) and
never served as a shorter session; a forged longer segment is not served at all; and a restored
copy is made again when the archive moves on to a new generation (issue 18.5).

The archive is made by the tracer from a real 3.5 MB session written in two parts, so that it
holds two segments; expected messages are the uuids of the raw lines of each part."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import zstandard

from claude_code_tracer.models import MessagesPageParams, SessionsListParams
from claude_code_tracer.tracer import Tracer

from .conftest import SAMPLES

BIG = "fa812bfe-b295-4cca-9c2f-fdf01028cb46"
PROJECT = "-home-USER-projects-spotter-worktrees-spotter-a0y"
CONVERSATION = {"user", "assistant", "system", "attachment", "progress"}


def uuids_of(lines: list[bytes]) -> set[str]:
    out = set()
    for raw in lines:
        entry = json.loads(raw)
        if entry.get("type") in CONVERSATION and isinstance(entry.get("uuid"), str):
            out.add(entry["uuid"])
    return out


def served(tracer: Tracer) -> tuple[set[str], bool, str | None]:
    got: set[str] = set()
    cursor = None
    complete, warning = True, None
    while True:
        page = tracer.page(
            MessagesPageParams.model_validate(
                {
                    "sessionId": BIG,
                    "limit": 500,
                    "cursor": cursor,
                    "filter": {"includeSidechains": True},
                }
            )
        )
        got |= {m.uuid for m in page.messages}
        complete = complete and page.complete
        warning = warning or page.warning
        if not page.has_more:
            return got, complete, warning
        cursor = page.next_cursor


def archived_in_two_parts(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> tuple[Path, Path, list[bytes], list[bytes]]:
    """(projects root, the generation folder, lines of part one, lines of part two); the
    session is then deleted."""
    lines = (SAMPLES / "projects" / PROJECT / f"{BIG}.jsonl").read_bytes().splitlines(True)
    cut, size = 0, 0
    while size < 1_200_000:  # past the 1 MB under which the next append would merge
        size += len(lines[cut])
        cut += 1
    root = tmp_path / "projects"
    path = root / PROJECT / f"{BIG}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"".join(lines[:cut]))
    tracer = make_tracer(root)
    tracer.list_sessions(SessionsListParams())
    with path.open("ab") as fh:
        fh.write(b"".join(lines[cut:]))
    tracer._catalog_fresh_until = 0.0
    tracer.list_sessions(SessionsListParams())
    assert tracer.archive is not None
    gen = tracer.archive.directory / PROJECT / f"{BIG}.jsonl.d" / "g0"
    assert len(list(gen.glob("*.zst"))) == 2
    tracer.close()
    path.unlink()
    return root, gen, lines[:cut], lines[cut:]


def segments(gen: Path) -> list[Path]:
    return sorted(gen.glob("*.zst"))


def test_an_intact_archive_is_served_whole_and_complete(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, _, one, two = archived_in_two_parts(tmp_path, make_tracer)
    got, complete, warning = served(make_tracer(root))
    assert got == uuids_of(one + two)
    assert complete and warning is None


def _flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _remove(path: Path) -> None:
    path.unlink()


def _same_length_other_bytes(path: Path) -> None:
    """Other lines of the same length under the segment's name: a valid frame, a wrong copy."""
    start, stop = (int(x) for x in path.name[: -len(".zst")].split("-"))
    raw = zstandard.ZstdDecompressor().decompress(path.read_bytes(), max_output_size=stop - start)
    forged = raw.replace(b'"type":"user"', b'"type":"usex"')
    assert len(forged) == len(raw) and forged != raw
    path.write_bytes(zstandard.ZstdCompressor().compress(forged))


@pytest.mark.parametrize(
    "damage", [_flip, _truncate, _remove, _same_length_other_bytes], ids=lambda f: f.__name__
)
def test_a_damaged_second_segment_is_reported_never_served_as_a_shorter_session(
    tmp_path: Path, make_tracer: Callable[..., Tracer], damage: Callable[[Path], None]
) -> None:
    root, gen, one, _ = archived_in_two_parts(tmp_path, make_tracer)
    damage(segments(gen)[1])
    got, complete, warning = served(make_tracer(root))
    assert not complete
    assert warning is not None and "0001" in warning  # names the segment
    assert got == uuids_of(one)  # what was verified before it, nothing of the damaged part


def test_a_damaged_first_segment_serves_nothing_and_says_so(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, gen, _, _ = archived_in_two_parts(tmp_path, make_tracer)
    _flip(segments(gen)[0])
    got, complete, warning = served(make_tracer(root))
    assert got == set() and not complete and warning


def test_a_forged_longer_segment_is_not_served(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, gen, one, two = archived_in_two_parts(tmp_path, make_tracer)
    _, second = segments(gen)
    start, stop = (int(x) for x in second.name[: -len(".zst")].split("-"))
    whole = zstandard.ZstdDecompressor().decompress(
        second.read_bytes(), max_output_size=stop - start
    )
    extra = json.loads(one[-1])
    extra.update(uuid="forged-0001", type="user", message={"role": "user", "content": "forged"})
    forged = whole + json.dumps(extra).encode() + b"\n"
    (gen / f"{start:016d}-{start + len(forged):016d}.zst").write_bytes(
        zstandard.ZstdCompressor().compress(forged)
    )
    got, complete, _ = served(make_tracer(root))
    assert "forged-0001" not in got
    assert got == uuids_of(one + two) and complete


def test_a_restored_copy_is_made_again_when_the_archive_has_a_new_generation(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Delete, read from the archive, the file comes back rewritten, delete again: the second
    version is served (on main the first restored copy was served for ever)."""
    lines = (SAMPLES / "projects" / PROJECT / f"{BIG}.jsonl").read_bytes().splitlines(True)
    first, second = lines[:300], lines[300:600]
    root = tmp_path / "projects"
    path = root / PROJECT / f"{BIG}.jsonl"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"".join(first))
    tracer = make_tracer(root)
    tracer.list_sessions(SessionsListParams())
    path.unlink()
    tracer._catalog_fresh_until = 0.0
    tracer.list_sessions(SessionsListParams(include_deleted=True))
    assert served(tracer)[0] == uuids_of(first)
    path.write_bytes(b"".join(second))  # back, rewritten: a new generation in the archive
    tracer._catalog_fresh_until = 0.0
    tracer.list_sessions(SessionsListParams())
    assert tracer.archive is not None
    assert (tracer.archive.directory / PROJECT / f"{BIG}.jsonl.d" / "g1").is_dir()
    path.unlink()
    tracer._catalog_fresh_until = 0.0
    tracer.list_sessions(SessionsListParams(include_deleted=True))
    assert served(tracer)[0] == uuids_of(second)
    shutil.rmtree(root)
    assert served(make_tracer(tmp_path / "projects"))[0] == uuids_of(second)
