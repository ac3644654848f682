"""Export of a session to Markdown and to one HTML file: no script, same text, secrets masked."""

from __future__ import annotations

import base64
import html
import json
import re
import subprocess
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.models import SessionExportParams
from claude_code_tracer.sessionexport import export_session, render_markdown
from claude_code_tracer.termsafe import clean
from claude_code_tracer.tracer import Tracer

from .test_cli import run
from .test_store import SID, entry, write

BIG = "fa812bfe-b295-4cca-9c2f-fdf01028cb46"  # has subagents
DEMO = "1af7fc5e-8455-4414-9ccd-011d40f70b2a"
BLOCK_TAGS = {"h1", "h3", "li", "p", "div", "pre", "summary", "figcaption", "section", "details"}


class Page(HTMLParser):
    """Every tag and attribute of the HTML, and its visible text split at block boundaries."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.chunks: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]
        if tag in ("head", "style", "title"):
            self._skip += 1
        if tag in BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("head", "style", "title"):
            self._skip -= 1
        if tag in BLOCK_TAGS:
            self.chunks.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.chunks.append(data)

    @property
    def lines(self) -> list[str]:
        return [line.strip() for line in "".join(self.chunks).split("\n") if line.strip()]


def parse(html_text: str) -> Page:
    page = Page()
    page.feed(html_text)
    page.close()
    return page


SAFE_URL = re.compile(r"^(?:data:image/|https?:|mailto:|#)", re.IGNORECASE)


def assert_inert(page: Page) -> None:
    assert "script" not in page.tags
    assert not [k for k, _ in page.attrs if k.lower().startswith("on")]
    urls = [v for k, v in page.attrs if k.lower() in ("href", "src", "action", "formaction")]
    # images only from data: URIs; links only to the web or mail (rendered markdown)
    assert not [u for u in urls if not SAFE_URL.match(u)], urls
    assert not [v for k, v in page.attrs if k == "src" and not v.startswith("data:image/")]


# What markdown spends on syntax: gone from the rendered HTML's text, so ignored on both sides.
_SYNTAX = re.compile(r"[*_`#>|~\\\-]+")


def _words(text: str) -> str:
    return " ".join(_SYNTAX.sub("", text).split())


def assert_same_text(page: Page, markdown: str) -> None:
    """Every line a reader sees in the HTML is in the Markdown, in the same order (markdown's
    own syntax, ``**`` or ``##``, aside: the HTML shows it rendered; so are \\< and the \\( of a
    neutralised link)."""
    md = _words(markdown.replace("\\<", "<").replace("]\\(", "]("))
    at = 0
    for line in page.lines:
        words = _words(line)
        if not words:
            continue
        found = md.find(words, at)
        assert found >= 0, f"HTML line not in the Markdown (in order): {line[:120]!r}"
        at = found


def both(tracer: Tracer, sid: str, **kw: Any) -> tuple[str, str, dict[str, int]]:
    md = export_session(tracer, SessionExportParams(session_id=sid, format="md", **kw))
    ht = export_session(tracer, SessionExportParams(session_id=sid, format="html", **kw))
    assert md.redactions == ht.redactions
    return md.content, ht.content, md.redactions


def raw_lines(root: Path, sid: str) -> list[dict[str, Any]]:
    files = list(root.rglob(f"{sid}.jsonl")) + list(root.rglob(f"{sid}/**/*.jsonl"))
    out = []
    for f in files:
        for line in f.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


@pytest.mark.parametrize("sid", [BIG, DEMO])
def test_a_real_session_exports_to_script_free_html_with_the_markdown_text(
    samples_root: Path, make_tracer: Callable[..., Tracer], sid: str
) -> None:
    tracer = make_tracer(samples_root)
    md, ht, redactions = both(tracer, sid)
    assert redactions == {}
    page = parse(ht)
    assert_inert(page)
    assert_same_text(page, md)
    # Every assistant text and every Bash command of the transcript files, read here
    # independently, is in both exports.
    lines = raw_lines(samples_root, sid)
    expected = []
    for line in lines:
        content = (line.get("message") or {}).get("content")
        for block in content if isinstance(content, list) else []:
            if block.get("type") == "text" and line.get("type") == "assistant":
                expected.append(block["text"])
            elif block.get("type") == "tool_use" and block.get("name") == "Bash":
                expected.append("$ " + block["input"]["command"])
    assert len(expected) >= 5
    html_text = "\n".join(page.lines)
    for text in expected:
        first = clean(text).strip().split("\n")[0].strip()
        assert first in md
        # the HTML shows markdown rendered: compare the words without its syntax
        assert _words(first) in _words(html_text)


def test_subagent_messages_are_marked_with_their_agent(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    md, ht, _ = both(tracer, BIG, include_progress=True)
    agent_lines = [line for line in raw_lines(samples_root, BIG) if line.get("agentId")]
    agents = {line["agentId"] for line in agent_lines}
    assert agents
    for agent in agents:
        assert f"*subagent: {agent}*" in md
        assert f'<p class="sub">subagent: {agent}</p>' in ht
    assert ht.count('subagent">') == len({line["uuid"] for line in agent_lines})


@pytest.mark.parametrize("sid", [BIG, DEMO])
def test_every_message_of_every_file_is_exported_once(
    samples_root: Path, make_tracer: Callable[..., Tracer], sid: str
) -> None:
    tracer = make_tracer(samples_root)
    md, ht, _ = both(tracer, sid, include_progress=True)
    with_uuid = {
        line["uuid"] for line in raw_lines(samples_root, sid) if isinstance(line.get("uuid"), str)
    }
    assert f"- Messages: {len(with_uuid)}" in md
    assert ht.count("<section ") == len(with_uuid)
    headings = re.findall(
        r"^### (?:User|Assistant|Tool result|System|Progress|Attachment|Entry) · ", md, re.M
    )
    assert len(headings) == len(with_uuid)


SPOTTER = "4d5611e5-241a-462a-8d15-5122611a9569"  # markdown answers, 1,083 progress lines


def test_the_html_export_is_fit_to_share_titled_rendered_and_without_progress(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    lines = raw_lines(samples_root, SPOTTER)
    ht = export_session(tracer, SessionExportParams(session_id=SPOTTER, format="html")).content
    page = parse(ht)
    assert_inert(page)
    # Titled by the session (its first prompt here: the file has no title line) and its folder.
    prompt = next(
        line["message"]["content"]
        for line in lines
        if line.get("type") == "user" and isinstance(line["message"].get("content"), str)
    )
    heading = re.search(r"<h1>(.*?)</h1>", ht, re.S)
    assert heading is not None
    title = " ".join(prompt.split())
    assert html.unescape(heading.group(1)).startswith(title[:60])
    assert SPOTTER not in heading.group(1)
    # the one <h1>: an answer's own "# Heading" goes under its message's <h3>
    assert ht.count("<h1>") == 1
    assert "<h4>Summary instructions</h4>" in ht
    cwd = next(line["cwd"] for line in lines if line.get("cwd"))
    assert f"<li>Folder: {html.escape(cwd)}</li>" in ht
    # Markdown rendered: every **bold** span of Claude's answers is a <strong>, no literal **.
    bold = [
        m
        for line in lines
        if line.get("type") == "assistant"
        for b in line["message"]["content"]
        if isinstance(b, dict) and b.get("type") == "text"
        for m in re.findall(r"\*\*([^*`\n]+)\*\*", b["text"])
    ]
    assert bold
    for text in bold:
        assert f"<strong>{html.escape(text, quote=False)}</strong>" in ht
    assert "**" not in "\n".join(t for t in page.lines if t in " ".join(bold))
    # The progress lines (hook runs, tool progress) are left out, and said to be.
    progress = [line for line in lines if line.get("type") == "progress"]
    assert len(progress) > 1000
    assert '<section class="progress' not in ht
    assert '"hook_progress"' not in ht and "hookEvent" not in ht
    hooks = [
        line for line in lines if line.get("type") == "system" and "hook" in line.get("subtype", "")
    ]
    assert hooks
    left_out = len({p["uuid"] for p in progress}) + len(hooks)
    assert f"Hook and progress lines left out: {left_out}" in ht
    # Asked for, they are back.
    full = export_session(
        tracer, SessionExportParams(session_id=SPOTTER, format="html", include_progress=True)
    ).content
    assert full.count('<section class="progress') == len({p["uuid"] for p in progress})


def test_markdown_links_are_kept_only_for_the_web_and_raw_html_stays_text() -> None:
    out = render_markdown(
        "[ok](https://example.com/a) [mail](mailto:a@b.c) [bad](javascript:alert(1)) "
        "[data](data:text/html,x) [file](file:///etc/passwd) <b onclick=x>hi</b> ![img](https://t/x.png)"
    )
    page = parse(out)
    # images are off (nothing loads): one becomes a link to where it was, like the webview's
    hrefs = [v for k, v in page.attrs if k == "href"]
    assert hrefs == ["https://example.com/a", "mailto:a@b.c", "https://t/x.png"]
    assert "<b" not in out and "&lt;b onclick=x&gt;" in out
    assert "<img" not in out
    assert "javascript:alert(1)" in out  # shown as text, not a link


PNG_SOURCE = {"type": "base64", "media_type": "image/png", "data": ""}
PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()
HOSTILE = [
    "<script>alert(1)</script> and <img src=x onerror=alert(2)>",
    "[click](javascript:alert(3)) \x1b[31mred\x1b[0m \x1b]52;c;aGk=\x07 abc\u202eevil\u202c",
]


@pytest.fixture
def hostile_root(tmp_path: Path) -> Path:
    root = tmp_path / "projects"
    msg = lambda content: {"role": "assistant", "model": "m", "content": content}  # noqa: E731
    lines = [
        entry(0, message={"role": "user", "content": HOSTILE[0]}),
        entry(1, "assistant", message=msg([{"type": "text", "text": HOSTILE[1]}])),
        entry(
            2,
            "assistant",
            message=msg(
                [
                    {"type": "thinking", "thinking": "secret plan </details><script>x</script>"},
                    {
                        "type": "tool_use",
                        "id": "t1",
                        "name": "Bash",
                        "input": {
                            "command": "echo '</pre><script>y</script>'",
                            "description": "d <b onclick=z>",
                        },
                    },
                    {
                        "type": "tool_use",
                        "id": "t2",
                        "name": "Edit",
                        "input": {
                            "file_path": "/w/a.py",
                            "old_string": "x = 1\nkeep",
                            "new_string": "x = 2\nkeep",
                        },
                    },
                ]
            ),
        ),
        entry(
            3,
            message={
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "t1",
                        "content": [
                            {"type": "text", "text": "out <b onmouseover=z>"},
                            {
                                "type": "image",
                                "source": {**PNG_SOURCE, "data": PNG},
                            },
                            {
                                "type": "image",
                                "source": {
                                    "type": "base64",
                                    "media_type": "image/svg+xml",
                                    "data": base64.b64encode(b"<svg onload=alert(4)>").decode(),
                                },
                            },
                        ],
                    }
                ],
            },
        ),
        entry(
            4,
            message={
                "role": "user",
                "content": "key sk-ant-api03-AAAAAAAAAAAAAAAAAAAAAAAA and password=hunter2hunter",
            },
        ),
    ]
    write(root / "-work-proj" / f"{SID}.jsonl", lines)
    return root


def test_a_hostile_session_stays_inert_in_both_formats(
    hostile_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(hostile_root)
    md, ht, _ = both(tracer, SID)
    page = parse(ht)
    assert_inert(page)
    assert_same_text(page, md)
    for text in (md, ht):
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
    assert "\\x1b[31mred" in md and "\\u202eevil" in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in ht
    assert "\\<script>alert(1)\\</script>" in md  # a Markdown viewer shows it, never builds it
    # the Edit as a diff, the Bash as a command, the thinking collapsed
    assert '<span class="del">-x = 1</span>' in ht and '<span class="add">+x = 2</span>' in ht
    assert "-x = 1\n+x = 2\n keep" in md
    assert "$ echo &#x27;&lt;/pre&gt;&lt;script&gt;y&lt;/script&gt;&#x27;" in ht
    assert "<details><summary>Thinking</summary>" in ht
    assert "Bash result" in md and "Bash result" in ht
    assert "**Bash: d \\<b onclick=z>**" in md and "Bash: d &lt;b onclick=z&gt;" in ht
    # the PNG embedded, the SVG (which could hold script) not
    assert [v for k, v in page.attrs if k == "src"] == [f"data:image/png;base64,{PNG}"]
    assert "image/svg" not in ht
    assert "*(image omitted: image/png, 24 bytes)*" in md
    assert PNG not in md


def test_redact_masks_secrets_in_both_formats_and_counts_them(
    hostile_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(hostile_root)
    plain_md, _, none = both(tracer, SID)
    assert none == {} and "hunter2hunter" in plain_md
    md, ht, counts = both(tracer, SID, redact=True)
    assert counts == {"anthropic_key": 1, "password": 1}
    for text in (md, ht):
        assert "sk-ant-api03" not in text and "hunter2hunter" not in text
        assert "[REDACTED:anthropic_key]" in text and "password=[REDACTED:password]" in text
        assert "2 secrets masked (anthropic_key 1, password 1)" in text


# (each kind of secret, in every form, is tested in test_redaction.py)


# --- the CLI ---------------------------------------------------------------------------------
def cli(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run("export", SID, "--root", str(root), "--no-cache", "--no-archive", *args)


def test_cli_prints_markdown_with_terminal_escapes_made_visible(hostile_root: Path) -> None:
    result = cli(hostile_root)
    assert result.returncode == 0, result.stderr
    # titled by the session (its first prompt, secrets masked only when asked), its id below
    assert result.stdout.startswith("# key sk-ant-api03-")
    assert f"\n- Session: {SID}\n" in result.stdout
    assert "\x1b" not in result.stdout and "\u202e" not in result.stdout
    assert "\\x1b[31mred" in result.stdout
    assert "hunter2hunter" in result.stdout and result.stderr == ""


def test_cli_writes_html_to_a_file_and_counts_what_it_masked(
    hostile_root: Path, tmp_path: Path
) -> None:
    target = tmp_path / "out.html"
    result = cli(hostile_root, "--format", "html", "--redact", "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "masked 2 secrets (anthropic_key 1, password 1)",
        f"wrote {target}",
    ]
    written = target.read_text(encoding="utf-8")
    assert_inert(parse(written))
    assert "hunter2hunter" not in written and "[REDACTED:password]" in written


def test_cli_json_carries_the_content_and_the_counts(hostile_root: Path) -> None:
    result = cli(hostile_root, "--redact", "--json")
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["redactions"] == {"anthropic_key": 1, "password": 1}
    assert "[REDACTED:anthropic_key]" in payload["content"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["export", "no-such-session"], "no session no-such-session"),
        (["export", "../../etc/passwd"], "sessionId"),
        (
            ["export", SID, "-o", "/nonexistent-dir/x/out.md"],
            "cannot write /nonexistent-dir/x/out.md",
        ),
    ],
)
def test_cli_bad_export_input_exits_2_with_one_line(
    hostile_root: Path, args: list[str], needle: str
) -> None:
    result = run(*args, "--root", str(hostile_root), "--no-cache", "--no-archive")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert needle in result.stderr


def test_cli_refuses_an_unknown_format(hostile_root: Path) -> None:
    result = cli(hostile_root, "--format", "pdf")
    assert result.returncode == 2 and "invalid choice: 'pdf'" in result.stderr
