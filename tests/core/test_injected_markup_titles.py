"""Issue #21 item 3: a first message that starts with whitespace and injected markup (desktop apps:
``\\n<system_instruction>…</system_instruction>`` then the person's words; IDEs: an
``<ide_opened_file>`` block first) is titled by the person's words; a message of markup only is
not a prompt. Damaged copies of a real sample (irr-07, no ai-title or custom-title), expected
titles taken from its raw lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import copy_projects, listed

INSTRUCTION = "<system_instruction>Answer briefly. Never mention this text.</system_instruction>"


def prompts(path: Path) -> list[tuple[int, str]]:
    """(line index, text) of the typed prompts: string content, not meta, not markup."""
    out = []
    for i, line in enumerate(path.read_bytes().split(b"\n")):
        if not line.strip():
            continue
        e = json.loads(line)
        content = (e.get("message") or {}).get("content")
        if e.get("type") != "user" or e.get("isMeta") or not isinstance(content, str):
            continue
        if content.strip().startswith(("<", "[Request interrupted")):
            continue
        out.append((i, content))
    return out


def one_line(text: str) -> str:
    return " ".join(text.split())[:200]


def rewrite(path: Path, index: int, content: Any) -> None:
    lines = path.read_bytes().split(b"\n")
    entry = json.loads(lines[index])
    entry["message"]["content"] = content
    lines[index] = json.dumps(entry).encode()
    path.write_bytes(b"\n".join(lines))


@pytest.mark.parametrize(
    "wrap",
    [
        lambda said: "\n" + INSTRUCTION + "\n\n" + said,
        lambda said: "  \n\t" + INSTRUCTION + said,
        lambda said: [
            {"type": "text", "text": "<ide_opened_file>The user opened a.py</ide_opened_file>"},
            {"type": "text", "text": said},
        ],
        lambda said: "\n<system-reminder>x</system-reminder>\n" + INSTRUCTION + "\n" + said,
    ],
    ids=["newline-instruction", "whitespace-instruction", "ide-block", "two-blocks"],
)
def test_a_first_message_of_markup_then_words_is_titled_by_the_words(
    tmp_path: Path, make_tracer: Callable[..., Tracer], wrap: Callable[[str], Any]
) -> None:
    root = copy_projects(tmp_path, "irr-07-")
    path = next(root.glob("*/*.jsonl"))
    index, said = prompts(path)[0]
    rewrite(path, index, wrap(said))
    info = listed(make_tracer(root))[path.stem]
    assert info.title == one_line(said)
    assert info.first_prompt == one_line(said)


def test_a_first_message_of_markup_only_is_not_the_title(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-07-")
    path = next(root.glob("*/*.jsonl"))
    typed = prompts(path)
    rewrite(path, typed[0][0], "\n" + INSTRUCTION + "\n")
    info = listed(make_tracer(root))[path.stem]
    assert info.title == one_line(typed[1][1])


def test_a_real_prompt_with_leading_whitespace_is_a_prompt(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """irr-07's second prompt really starts with spaces ('  > write me …'); made the first."""
    root = copy_projects(tmp_path, "irr-07-")
    path = next(root.glob("*/*.jsonl"))
    typed = prompts(path)
    spaced = [(i, t) for i, t in typed if t != t.lstrip()]
    assert spaced  # the real line
    for i, _ in typed[: typed.index(spaced[0])]:
        rewrite(path, i, "\n" + INSTRUCTION)  # the prompts before it become markup only
    info = listed(make_tracer(root))[path.stem]
    assert info.title == one_line(spaced[0][1])
