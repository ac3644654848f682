"""The pieces of lenses and hovers, without a server: relative times, markdown that keeps the
transcript's text inert, the command link."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import unquote

import pytest

from claude_code_tracer.lsp import ago, command_uri, md_code_block, md_text, render_hover
from claude_code_tracer.models import FileTouch

from .editor import OPEN_TRACE, link_args
from .test_hover import assert_inert

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(seconds=-30), "just now"),
        (timedelta(seconds=59), "just now"),
        (timedelta(minutes=5, seconds=10), "5 min ago"),
        (timedelta(hours=2, minutes=59), "2 h ago"),
        (timedelta(hours=47), "47 h ago"),
        (timedelta(days=3), "3 d ago"),
        (timedelta(days=70), "2 mo ago"),
        (timedelta(days=800), "2 y ago"),
    ],
)
def test_relative_times(delta: timedelta, expected: str) -> None:
    assert ago(NOW - delta, NOW) == expected
    assert ago((NOW - delta).replace(tzinfo=None), NOW) == expected  # naive means UTC


def test_markdown_escapes() -> None:
    assert md_text("a [b](c)\n<d> *e*") == r"a \[b\]\(c\) \<d\> \*e\*"
    block = md_code_block("x\n````\ny")
    assert block.startswith("`````text\n") and block.endswith("\n`````")
    args = [{"sessionId": "s", "project": "p", "uuid": "u & ?#", "toolUseId": "t"}]
    uri = command_uri(OPEN_TRACE, args)
    assert " " not in uri and ")" not in uri
    assert json.loads(unquote(uri.split("?", 1)[1])) == args


def test_render_without_markdown_and_without_a_prompt() -> None:
    touch = FileTouch(
        session_id="s1",
        project="p",
        uuid="u",
        tool_use_id="t",
        tool="Edit",
        kind="write",
        path="/x",
        timestamp=datetime(2026, 3, 1, 10, 0),
        prompt=None,
        session_title=None,
    )
    plain = render_hover(touch, NOW, markdown=False)
    assert plain == "Claude Code wrote this (Edit) in: session s1\n2026-03-01 10:00 UTC (2 h ago)"
    markdown = render_hover(touch, NOW, markdown=True)
    assert "Prompt" not in markdown and link_args(markdown)[0]["uuid"] == "u"
    assert_inert(markdown)


def test_a_bidi_override_in_a_title_prompt_or_tool_reaches_no_hover_raw() -> None:
    """U+202E (right-to-left override) would show the text reordered ("Trojan Source")."""
    touch = FileTouch(
        session_id="s1",
        project="p",
        uuid="u",
        tool_use_id="t",
        tool="Ed\u202eit",
        kind="write",
        path="/x",
        timestamp=datetime(2026, 3, 1, 10, 0),
        prompt="run \u202edm.txt\u2066 and\x1b[31m red",
        session_title="title \u202eevil\u2028",
    )
    for markdown in (True, False):
        text = render_hover(touch, NOW, markdown=markdown)
        for raw in ("\u202e", "\u2066", "\u2028", "\x1b"):
            assert raw not in text, (markdown, text)
        assert "u202e" in text
