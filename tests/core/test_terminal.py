"""Transcript text cannot drive the terminal: every CLI command and error line, text and --json.

One hostile session carries ESC/CSI/OSC sequences, BEL, NUL, the 8-bit CSI U+009B, NEL, the line
and paragraph separators and bidi overrides in every field the CLI prints. No output may contain
any of them raw; the text output shows them as visible escapes, the JSON output as \\uXXXX (and
still decodes to the original text).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .test_cli import run
from .test_store import SID, entry, write

HOSTILE = (
    "A\x1b]8;;http://evil\x07link\x1b]8;;\x07 \x1b[2J\x1b]0;title\x07 \x00nul \x07bel "
    "\x9b31m c1 \x85nel \u202eevil\u202c \u2066iso\u2069 \u200fmark \u2028sep\u2029par end"
)
# Written out here on its own (not imported from the code under test): C0 but tab and newline,
# DEL, C1, ALM, LRM/RLM, the separators and the bidi embeddings, overrides and isolates.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f\x80-\x9f\u061c\u200e\u200f\u2028\u2029"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069]"
)
MODEL = "claude-" + HOSTILE
TOOL = "Tool" + HOSTILE


@pytest.fixture
def hostile_root(tmp_path: Path) -> Path:
    root = tmp_path / "projects"
    lines = [
        entry(0, message={"role": "user", "content": "title " + HOSTILE}, gitBranch=HOSTILE),
        entry(
            1,
            "assistant",
            message={
                "id": "msg_1",
                "role": "assistant",
                "model": MODEL,
                "content": [
                    {"type": "text", "text": "said " + HOSTILE},
                    {"type": "tool_use", "id": "toolu_1", "name": TOOL, "input": {"x": HOSTILE}},
                ],
                "usage": {"input_tokens": 1, "output_tokens": 2},
            },
        ),
        entry(
            2,
            message={
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": HOSTILE}],
            },
        ),
        {"type": "custom-title", "customTitle": "custom " + HOSTILE, "sessionId": SID},
    ]
    lines[0]["cwd"] = "/work/" + HOSTILE
    write(root / "-work-proj" / f"{SID}.jsonl", lines)
    return root


def commands(root: Path) -> list[list[str]]:
    common = ["--root", str(root), "--no-cache"]
    return [
        ["sessions", *common],
        ["messages", SID, *common],
        ["messages", SID, "--search", "evil", *common],
        ["show", SID, "u-000001", *common],
        ["show", SID, "u-000000", *common],
        ["stats", SID, *common],
        ["demo", *common],
        # error lines echoing the input (argv cannot hold NUL)
        ["show", SID, "no-such" + HOSTILE.replace("\x00", ""), *common],
        ["messages", SID, "--cursor", HOSTILE.replace("\x00", ""), *common],
    ]


def test_no_command_prints_a_raw_control_or_bidi_character(hostile_root: Path) -> None:
    outputs = []
    for args in commands(hostile_root):
        result = run(*args)
        assert "Traceback" not in result.stderr, args
        both = result.stdout + result.stderr
        bad = FORBIDDEN.search(both)
        assert bad is None, (args, repr(bad.group()) if bad else None, both[:400])
        outputs.append(both)
    everything = "\n".join(outputs)
    for visible in ("\\x1b]8;;", "\\x07", "\\x00", "\\x9b", "\\u202e", "\\u2066", "\\u2028"):
        assert visible in everything, visible
    shown = outputs[3]
    assert "model: claude-A\\x1b]8;;http://evil\\x07link" in shown


def test_json_output_escapes_them_and_still_decodes_to_the_transcript_text(
    hostile_root: Path,
) -> None:
    common = ["--root", str(hostile_root), "--no-cache", "--json"]
    for args, check in [
        (["sessions"], lambda d: d["sessions"][0]["title"] == "custom " + HOSTILE),
        (["messages", SID, "--expand"], lambda d: d["messages"][1]["model"] == MODEL),
        (["show", SID, "u-000001"], lambda d: d["toolResults"][0]["content"][0]["content"]),
        (["stats", SID], lambda d: d["metrics"]["models"] == [MODEL]),
    ]:
        result = run(*args, *common)
        assert result.returncode == 0, result.stderr
        assert FORBIDDEN.search(result.stdout) is None, args
        data = json.loads(result.stdout)
        assert check(data), args
    shown = json.loads(run("show", SID, "u-000001", *common).stdout)
    assert shown["toolResults"][0]["content"][0]["content"] == HOSTILE
    assert shown["content"][1]["name"] == TOOL
    raw = run("show", SID, "u-000001", *common).stdout
    for escaped in ("\\u009b", "\\u2028", "\\u202e", "\\u001b"):
        assert escaped in raw, escaped
