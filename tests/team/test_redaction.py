"""Masking transcript bytes before they leave the machine (team/redaction.py), without a server."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from claude_code_tracer.team.gitinfo import normalize_remote
from claude_code_tracer.team.push import lines_in
from claude_code_tracer.team.redaction import redact_jsonl, redact_line

SAMPLES = Path(__file__).resolve().parents[2] / "server" / "claude_code_tracer" / "samples"
MORE = Path(__file__).resolve().parents[1] / "samples" / "projects"

KEY = "sk-ant-api03-" + "Qx9" * 12


def _every_line_asked(data: bytes) -> bytes:
    """The slow reference: every line handed to redact_line, none skipped by the hint scan."""
    counts: Counter[str] = Counter()
    text = data.decode("utf-8", errors="replace")
    return "\n".join(redact_line(x, counts) if x else x for x in text.split("\n")).encode()


def test_the_hint_scan_skips_only_lines_the_rules_leave_alone() -> None:
    files = sorted(SAMPLES.rglob("*.jsonl")) + sorted(MORE.rglob("*.jsonl"))
    assert len(files) > 30
    for path in files:
        data = path.read_bytes()
        lines = data.split(b"\n")
        # plant a secret in the middle line (inside its JSON text, as a tool would print it)
        mid = len(lines) // 2
        if lines[mid].endswith(b"}"):
            lines[mid] = lines[mid][:-1] + b', "planted": "token ' + KEY.encode() + b'"}'
        data = b"\n".join(lines)
        masked, _ = redact_jsonl(data)
        assert masked == _every_line_asked(data), path.name
        assert KEY.encode() not in masked


def test_a_secret_inside_an_escaped_json_string_is_masked_and_the_line_stays_json() -> None:
    inner = json.dumps({"password": "hunter2-zz", "token": KEY})
    line = json.dumps({"type": "assistant", "message": {"content": [{"input": inner}]}})
    assert "hunter2-zz" in line and '\\"password\\"' in line
    masked, counts = redact_jsonl(line.encode() + b"\n")
    assert b"hunter2-zz" not in masked and KEY.encode() not in masked
    assert json.loads(masked.splitlines()[0])["type"] == "assistant"
    assert counts.get("password") == 1 and counts.get("anthropic_key") == 1


def test_lines_are_never_joined_nor_split() -> None:
    lines = [json.dumps({"n": i, "t": f"x {KEY}" if i % 3 == 0 else "plain"}) for i in range(50)]
    data = ("\n".join(lines) + "\n").encode()
    masked, counts = redact_jsonl(data)
    assert masked.count(b"\n") == 50 and counts["anthropic_key"] == 17
    assert [json.loads(x)["n"] for x in masked.splitlines()] == list(range(50))


def test_pieces_end_at_a_newline_and_lose_no_byte() -> None:
    data = b"".join(
        json.dumps({"i": i, "pad": "y" * (i * 37 % 3000)}).encode() + b"\n" for i in range(300)
    )
    blocks = [data[i : i + 1000] for i in range(0, len(data), 1000)]
    pieces = list(lines_in(blocks, 4096))
    assert b"".join(pieces) == data
    assert all(p.endswith(b"\n") for p in pieces)
    # a tail without its newline is held back, never sent half
    assert b"".join(lines_in([data + b'{"half":'], 4096)) == data


def test_remotes_group_by_repository_and_lose_credentials() -> None:
    same = [
        "git@github.com:Org/App.git",
        "https://github.com/Org/App",
        "https://deploy:ghp_secret123@github.com/Org/App.git",
        "ssh://git@github.com:22/Org/App.git",
    ]
    assert {normalize_remote(u) for u in same} == {"github.com/Org/App"}
    assert normalize_remote("/home/me/repo.git") is None
    assert normalize_remote("file:///srv/repo.git") is None
