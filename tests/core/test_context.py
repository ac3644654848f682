"""``Tracer.context`` on a hand-written transcript: one point per response, subagent and
synthetic responses left out, compactions placed among the points."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_code_tracer.models import SessionRef
from claude_code_tracer.tracer import Tracer

SID = "44444444-5555-4666-8777-888888888888"


def _line(n: int, kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "uuid": f"u-{n:04d}",
        "parentUuid": f"u-{n - 1:04d}" if n else None,
        "sessionId": SID,
        "timestamp": f"2026-03-01T10:00:{n:02d}.000Z",
        "cwd": "/work/proj",
        "isSidechain": False,
    } | extra


def _reply(n: int, msg_id: str, usage: dict[str, int], **extra: Any) -> dict[str, Any]:
    message = {"id": msg_id, "role": "assistant", "model": "claude-sonnet-4-5", "usage": usage}
    message |= {"content": [{"type": "text", "text": f"part {n}"}]}
    return _line(n, "assistant", message=message, **extra)


def test_one_point_per_main_response_with_its_largest_usage_and_the_compaction_between(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    usage = {"input_tokens": 3, "cache_read_input_tokens": 1000, "cache_creation_input_tokens": 200}
    lines = [
        _line(0, "user", message={"role": "user", "content": "hi"}),
        # One response streamed as two lines: the second, with more output, counts.
        _reply(1, "msg_a", usage | {"output_tokens": 1}),
        _reply(2, "msg_a", usage | {"output_tokens": 50, "cache_creation_input_tokens": 300}),
        # A subagent's response in the main file (old layout) is not the conversation's context.
        _reply(3, "msg_side", {"input_tokens": 99_999, "output_tokens": 1}, isSidechain=True),
        _line(4, "system", subtype="compact_boundary", content="Conversation compacted"),
        _reply(5, "msg_b", {"input_tokens": 10, "output_tokens": 5}),
        # A synthetic reply (an error Claude Code wrote itself) made no API call.
        _line(
            6,
            "assistant",
            message={
                "id": "msg_c",
                "role": "assistant",
                "model": "<synthetic>",
                "content": [{"type": "text", "text": "API Error"}],
                "usage": {"input_tokens": 0, "output_tokens": 0},
            },
        ),
    ]
    root = tmp_path / "projects"
    (root / "-work-proj").mkdir(parents=True)
    (root / "-work-proj" / f"{SID}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    tracer = make_tracer(root)
    ctx = tracer.context(SessionRef(session_id=SID))
    # The synthetic reply is a row of the session all the same: left out by the chart only.
    metrics = tracer.metrics(SessionRef(session_id=SID))
    assert (metrics.message_count, metrics.subagent_message_count) == (len(lines) - 1, 1)
    assert [(p.uuid, p.context_tokens, p.model) for p in ctx.points] == [
        ("u-0001", 3 + 1000 + 300, "claude-sonnet-4-5"),
        ("u-0005", 10, "claude-sonnet-4-5"),
    ]
    assert ctx.points[0].timestamp is not None and ctx.points[0].timestamp.second == 1
    assert [(c.uuid, c.points_before) for c in ctx.compactions] == [("u-0004", 1)]
    wire = ctx.dump()
    assert wire["points"][1] == {
        "uuid": "u-0005",
        "timestamp": "2026-03-01T10:00:05.000Z",
        "contextTokens": 10,
        "model": "claude-sonnet-4-5",
    }
    assert wire["compactions"][0]["pointsBefore"] == 1
