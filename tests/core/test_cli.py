"""The CLI as a person or a script runs it: a real process, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .test_store import SID, entry, write


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claude_code_tracer", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "projects"
    lines = [entry(i, ("user", "assistant")[i % 2]) for i in range(12)]
    lines.append(
        entry(12, message={"role": "user", "content": "\x1b[31mred\x1b[0m <script>x</script>"})
    )
    write(root / "-work-proj" / f"{SID}.jsonl", lines)
    return root


def test_sessions_lists_as_a_table_and_as_json(root: Path, tmp_path: Path) -> None:
    common = ["--root", str(root), "--cache-dir", str(tmp_path / "c")]
    table = run("sessions", *common)
    assert table.returncode == 0, table.stderr
    assert SID in table.stdout and "/work/proj" in table.stdout
    data = json.loads(run("sessions", "--json", *common).stdout)
    assert data["sessions"][0]["sessionId"] == SID
    assert data["sessions"][0]["messageCount"] == 13


def test_messages_pages_with_a_cursor_and_filters(root: Path, tmp_path: Path) -> None:
    common = ["--root", str(root), "--no-cache", "--json"]
    first = json.loads(run("messages", SID, "--limit", "5", *common).stdout)
    assert first["total"] == 13 and first["hasMore"]
    second = json.loads(
        run("messages", SID, "--limit", "5", "--cursor", first["nextCursor"], *common).stdout
    )
    assert second["messages"][0]["uuid"] == "u-000005"
    only = json.loads(run("messages", SID, "--kind", "assistant", *common).stdout)
    assert {m["kind"] for m in only["messages"]} == {"assistant"}
    assert only["total"] == 6


def test_terminal_output_neutralises_escape_codes(root: Path) -> None:
    out = run("messages", SID, "--root", str(root), "--no-cache").stdout
    assert "\x1b" not in out
    assert "\\x1b[31mred" in out


def test_show_and_stats(root: Path) -> None:
    shown = run("show", SID, "u-000003", "--root", str(root), "--no-cache")
    assert shown.returncode == 0 and "answer 3" in shown.stdout
    stats = run("stats", SID, "--root", str(root), "--no-cache")
    assert stats.returncode == 0 and "messages  13" in stats.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["messages", "no-such-session"], "no session no-such-session"),
        (["messages", SID, "--cursor", "garbage"], "cursor is malformed"),
        (["messages", SID, "--limit", "0"], "limit"),
        (["messages", "../../etc/passwd"], "sessionId"),
        (["show", SID, "nope"], "no message nope"),
    ],
)
def test_bad_input_exits_non_zero_with_one_clear_line(
    root: Path, args: list[str], needle: str
) -> None:
    result = run(*args, "--root", str(root), "--no-cache")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert needle in result.stderr


def test_demo_falls_back_to_the_bundled_samples(tmp_path: Path) -> None:
    env = {"CLAUDE_CONFIG_DIR": str(tmp_path / "empty"), "XDG_CACHE_HOME": str(tmp_path / "c")}
    result = run("demo", env=env)
    assert result.returncode == 0, result.stderr
    assert "bundled samples" in result.stdout
    assert "4d5611e5-241a-462a-8d15-5122611a9569" in result.stdout
    assert "first page of" in result.stdout


def test_a_project_name_starting_with_a_dash_is_taken_as_written(
    root: Path, tmp_path: Path
) -> None:
    common = ["--root", str(root), "--no-cache", "--json"]
    listed = json.loads(run("sessions", "--project", "-work-proj", *common).stdout)
    assert [s["sessionId"] for s in listed["sessions"]] == [SID]
    page = run("messages", SID, "--project", "-work-proj", *common)
    assert page.returncode == 0, page.stderr
    assert json.loads(page.stdout)["total"] == 13


def test_an_unknown_project_names_the_projects_that_look_close(root: Path) -> None:
    out = run("sessions", "--project", "-work-prj", "--root", str(root), "--no-cache")
    assert out.returncode == 2
    assert "no project -work-prj" in out.stderr and "-work-proj" in out.stderr
    assert "Traceback" not in out.stderr
