"""The Markdown export keeps no live ``javascript:`` (``vbscript:``, ``data:``, ``file:``) link
from transcript text (issue 18.8): rendered by a CommonMark parser (markdown-it-py), no such
href exists, and an ordinary https link is still a link."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from markdown_it import MarkdownIt

from claude_code_tracer.models import SessionExportParams
from claude_code_tracer.sessionexport import export_session
from claude_code_tracer.tracer import Tracer

from .test_store import SID, entry, write

HOSTILE_LINKS = "\n".join(
    [
        "click [here](javascript:alert(1)) or [there]( JavaScript:alert(2) )",
        "[v](vbscript:msgbox(1)) [d](data:text/html;base64,PHNjcmlwdD4=) [f](file:///etc/passwd)",
        "[ref]: javascript:alert(3)",
        "and [use it][ref], <javascript:alert(4)>, [ok](https://example.com/docs)",
    ]
)


def test_no_script_link_survives_in_the_markdown_export(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    write(
        root / "-work-proj" / f"{SID}.jsonl",
        [
            entry(0, message={"role": "user", "content": HOSTILE_LINKS}),
            entry(
                1,
                "assistant",
                message={"role": "assistant", "model": "m", "content": HOSTILE_LINKS},
            ),
        ],
    )
    result = export_session(
        make_tracer(root), SessionExportParams.model_validate({"sessionId": SID, "format": "md"})
    )
    md = MarkdownIt("commonmark")
    # markdown-it refuses such links on its own; many viewers do not: judge the syntax alone
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    tokens = md.parse(result.content)
    hrefs = [
        str(child.attrs.get("href", ""))
        for tok in tokens
        for child in (tok.children or [])
        if child.type == "link_open"
    ]
    assert "https://example.com/docs" in hrefs
    for href in hrefs:
        assert not href.strip().lower().startswith(("javascript", "vbscript", "data", "file")), href
    html = md.render(result.content).lower()
    assert 'href="javascript' not in html and 'href="vbscript' not in html
