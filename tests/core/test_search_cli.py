"""`claude-code-tracer search`: JSON and table output, the default folder scope, terminal safety,
and a clear one-line error for a bad query."""

from __future__ import annotations

import json
from pathlib import Path

from .test_cli import root as root
from .test_cli import run


def test_search_json_lists_every_match_grouped_by_session(root: Path, tmp_path: Path) -> None:
    out = run(
        "search", "prompt", "--json", "--all-projects", "--limit", "4",
        "--root", str(root), "--cache-dir", str(tmp_path / "c"),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    page = json.loads(out.stdout)
    # entry() writes "prompt number N" for the 6 even user lines (0, 2, ..., 10)
    assert page["total"] == 6 and page["hasMore"] and page["nextCursor"]
    hits = [h for g in page["groups"] for h in g["hits"]]
    assert len(hits) == 4 and all(h["kind"] == "user" for h in hits)
    for h in hits:
        r = h["highlights"][0]
        assert h["snippet"][r["start"] : r["end"]] == "prompt"


def test_search_defaults_to_the_current_folder(root: Path, tmp_path: Path) -> None:
    common = ["--root", str(root), "--cache-dir", str(tmp_path / "c")]
    elsewhere = run("search", "prompt", *common)  # the test's cwd is not /work/proj
    assert elsewhere.returncode == 0
    assert "no matches in sessions under" in elsewhere.stdout
    here = run("search", "prompt", "--workspace", "/work/proj", "--json", *common)
    assert json.loads(here.stdout)["total"] == 6


def test_search_output_neutralises_escape_codes(root: Path, tmp_path: Path) -> None:
    common = ["--root", str(root), "--cache-dir", str(tmp_path / "c")]
    out = run("search", "0m script", "--all-projects", *common)  # words of "\x1b[0m <script>"
    assert out.returncode == 0, out.stderr
    assert "\x1b" not in out.stdout
    assert "\\x1b[31mred" in out.stdout
    assert "1 matching messages" in out.stdout


def test_a_bad_query_is_one_line_on_stderr(root: Path, tmp_path: Path) -> None:
    out = run("search", "after:someday", "--root", str(root), "--cache-dir", str(tmp_path / "c"))
    assert out.returncode == 2
    assert out.stderr.startswith("claude-code-tracer: after: wants a date")
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1
