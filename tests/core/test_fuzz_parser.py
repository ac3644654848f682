"""Property-based: mutated real transcript lines never break the parser, and every intact line
between them is served exactly once.

Seeds are real lines from the bundled samples (Claude Code 1.0.98-2.1.235). A mutation flips,
cuts, inserts or replaces bytes, or swaps a JSON value for one of another type. The expected rows
are computed here from the intact lines alone (an independent count): each intact line of a
conversation type gives exactly one row at its line number, under its uuid.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_code_tracer.models import MessageGetParams, MessagesPageParams
from claude_code_tracer.tracer import Tracer, TracerOptions
from claude_code_tracer.transcripts import (
    METADATA_TYPES,
    FileState,
    Parser,
    RowBuffer,
    bounded_uuid,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE_DIRS = [REPO / "server" / "claude_code_tracer" / "samples", REPO / "tests" / "samples"]
SID = "33333333-2222-4333-8444-555555555555"


def _seed_lines() -> list[bytes]:
    lines: list[bytes] = []
    for folder in SAMPLE_DIRS:
        for path in sorted(folder.rglob("*.jsonl")):
            for raw in path.read_bytes().splitlines():
                if 0 < len(raw) <= 20_000:
                    lines.append(raw)
    # every 7th line keeps the pool varied (all versions, all types) and small
    return lines[::7]


SEEDS = _seed_lines()
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
KEYS = [
    "type",
    "uuid",
    "parentUuid",
    "timestamp",
    "isSidechain",
    "message",
    "content",
    "agentId",
    "toolUseResult",
    "data",
    "attachment",
    "subtype",
    "sessionId",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = draw(st.sampled_from(SEEDS))
    how = draw(st.sampled_from(["flip", "cut", "insert", "value", "drop", "junk"]))
    if how == "junk":
        return draw(st.binary(max_size=200))
    if how in ("value", "drop"):
        obj = orjson.loads(raw)
        if not isinstance(obj, dict):
            return raw[:-1]
        key = draw(st.sampled_from(KEYS))
        if how == "drop":
            obj.pop(key, None)
        else:
            obj[key] = draw(json_values)
        return json.dumps(obj).encode()
    pos = draw(st.integers(0, len(raw)))
    if how == "flip":
        if pos == len(raw):
            pos -= 1
        byte = draw(st.integers(0, 255))
        return raw[:pos] + bytes([byte]) + raw[pos + 1 :]
    if how == "cut":
        return raw[:pos]
    return raw[:pos] + draw(st.binary(min_size=1, max_size=30)) + raw[pos:]


@st.composite
def transcripts(draw: st.DrawFn) -> tuple[bytes, dict[int, str]]:
    """A file of intact and mutated lines, and the (line number -> uuid) of the intact lines
    that must each give one row."""
    parts: list[bytes] = []
    expected: dict[int, str] = {}
    line = 1
    for i in range(draw(st.integers(1, 12))):
        if draw(st.booleans()):
            raw = draw(st.sampled_from(SEEDS))
            obj = orjson.loads(raw)
            # unique uuids: the same seed may be drawn twice
            obj["uuid"] = f"intact-{i}-{obj.get('uuid')}"
            obj["isSidechain"] = False
            obj.pop("agentId", None)
            raw = json.dumps(obj).encode()
            if obj.get("type") not in METADATA_TYPES:
                expected[line] = obj["uuid"]
        else:
            raw = draw(mutated())
        parts.append(raw + b"\n")
        line += raw.count(b"\n") + 1
    return b"".join(parts), expected


@settings(max_examples=150, deadline=None, database=None)
@given(transcripts())
def test_the_parser_survives_mutations_and_keeps_every_intact_line(
    case: tuple[bytes, dict[int, str]],
) -> None:
    data, expected = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.jsonl"
        path.write_bytes(data)
        buf = RowBuffer()
        state = FileState()
        Parser(collect_touches=True).parse_file(path, 0, state, buf)
    lines = buf.cols["line"]
    assert len(lines) == len(set(lines)), "one line gave two rows"
    by_line = dict(zip(lines, buf.cols["uuid"], strict=True))
    for line, uuid in expected.items():
        assert by_line.get(line) == bounded_uuid(uuid), (line, uuid)
    assert state.offset == len(data)


def _all_messages(tracer: Tracer) -> list[Any]:
    out: list[Any] = []
    cursor = None
    while True:
        page = tracer.page(
            MessagesPageParams(
                session_id=SID, limit=7, cursor=cursor, filter={"includeSidechains": True}
            )
        )
        out.extend(page.messages)
        if not page.has_more:
            return out
        cursor = page.next_cursor


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(transcripts())
def test_pages_serve_every_intact_line_exactly_once_and_get_finds_it(
    case: tuple[bytes, dict[int, str]],
) -> None:
    data, expected = case
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "projects"
        (root / "p").mkdir(parents=True)
        (root / "p" / f"{SID}.jsonl").write_bytes(data)
        tracer = Tracer(TracerOptions(projects_roots=[root], persistent_catalog=False))
        try:
            messages = _all_messages(tracer)
            served = [(m.line, m.uuid) for m in messages]
            assert len(served) == len(set(served))
            for line, uuid in expected.items():
                assert served.count((line, bounded_uuid(uuid))) == 1, (line, uuid)
                got = tracer.get_message(MessageGetParams(session_id=SID, uuid=bounded_uuid(uuid)))
                assert got.entry["uuid"] == uuid
        finally:
            tracer.close()
