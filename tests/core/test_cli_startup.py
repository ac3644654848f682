"""The CLI starts at once: a command imports only what it needs (issue #19, item 4).

Each test runs the CLI in a process of its own, as the console script does, and reads back which
heavy modules the process ended up with: importing DuckDB, pyarrow, tantivy and pydantic took
1.5-2.6 s of every command on a loaded 2-core machine, ``--help`` included.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

from .conftest import SAMPLES

HEAVY = ("duckdb", "pyarrow", "tantivy", "pygls", "pydantic", "zstandard")
RUNNER = (
    "import sys\n"
    "from claude_code_tracer.cli import main\n"
    "try:\n"
    "    code = main(sys.argv[1:])\n"
    "except SystemExit as exc:\n"
    "    code = exc.code\n"
    f"print('MODULES=' + ','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def run_cli(*args: str) -> tuple[int, str, set[str]]:
    """(exit code, stdout, the heavy modules imported) of one CLI process."""
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "CLAUDE_CONFIG_DIR": "/nonexistent-claude-config"},
    )
    line = next(x for x in proc.stderr.splitlines() if x.startswith("MODULES="))
    return proc.returncode, proc.stdout, set(filter(None, line[len("MODULES=") :].split(",")))


def test_help_imports_no_database_arrow_index_or_pydantic() -> None:
    code, stdout, modules = run_cli("--help")
    assert code == 0
    assert "sessions" in stdout and "search" in stdout
    assert modules == set()


def test_a_command_s_help_and_an_argument_error_import_none_either() -> None:
    code, stdout, modules = run_cli("messages", "--help")
    assert code == 0 and "--kind" in stdout
    assert modules == set()
    code, _, modules = run_cli("sessions", "--limit", "many")
    assert code == 2
    assert modules == set()


def test_listing_from_a_warm_catalog_imports_no_arrow_index_or_language_server(
    tmp_path: Path,
) -> None:
    root = SAMPLES / "projects"
    trunks = {p.stem for p in root.glob("*/*.jsonl") if not p.name.startswith("agent-")}
    sessions = len(trunks)
    common = ["--root", str(root), "--cache-dir", str(tmp_path / "cache"), "--no-archive"]
    code, _, _ = run_cli("sessions", "--limit", "5", *common)  # builds the catalog
    assert code == 0
    # a listing with a filter takes the full path: the catalog, a DuckDB file
    code, stdout, modules = run_cli(
        "sessions", "--json", "--limit", str(sessions + 5), "--query", "e", *common
    )
    assert code == 0
    assert "pyarrow" not in modules and "tantivy" not in modules and "pygls" not in modules
    assert "duckdb" in modules
    code, stdout, modules = run_cli("sessions", "--json", "--limit", str(sessions + 5), *common)
    assert code == 0
    listed = {s["sessionId"] for s in json.loads(stdout)["sessions"]}
    assert trunks <= listed  # every session file of the samples is listed
    # nothing changed since the last plain listing: its kept answer, no DuckDB, no pydantic
    assert modules == set()


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "claude" / "projects"
    shutil.copytree(SAMPLES / "projects", root)
    return root


def test_the_kept_listing_is_what_the_full_path_prints_and_follows_every_change(
    tmp_path: Path,
) -> None:
    """The plain listing answered without the catalog prints exactly what the full path prints
    (table and JSON, any limit, the cursor included), and any change under the roots (a line
    appended, a new session, a renamed session) makes the next listing take the full path."""
    root = _copy(tmp_path)
    common = ["--root", str(root), "--cache-dir", str(tmp_path / "cache"), "--no-archive"]
    fresh = ["--root", str(root), "--no-archive"]
    assert run_cli("sessions", *common)[0] == 0  # builds the catalog, keeps the answer
    for i, extra in enumerate(
        (["--limit", "3"], ["--limit", "200"], ["--json", "--limit", "2"], [])
    ):
        code, kept, modules = run_cli("sessions", *extra, *common)
        assert code == 0 and modules == set()
        # the full path over a catalog built anew in another cache
        other = ["--cache-dir", str(tmp_path / f"other{i}")]
        code, full, modules = run_cli("sessions", *extra, *fresh, *other)
        assert code == 0 and "duckdb" in modules
        assert kept == full
    page = json.loads(run_cli("sessions", "--json", "--limit", "2", *common)[1])
    assert page["hasMore"] and page["nextCursor"]

    def listed() -> tuple[dict[str, int], set[str]]:
        code, stdout, modules = run_cli("sessions", "--json", "--limit", "500", *common)
        assert code == 0
        rows = json.loads(stdout)["sessions"]
        return {s["sessionId"]: s["messageCount"] for s in rows}, modules

    before, modules = listed()
    assert modules == set()
    # an appended user line: the full path, which counts it
    main = max(
        (p for p in root.glob("*/*.jsonl") if not p.name.startswith("agent-")),
        key=lambda p: before.get(p.stem, -1),
    )
    last = json.loads(main.read_bytes().splitlines()[-1])
    line = {**last, "type": "user", "uuid": str(uuid.uuid4()), "isSidechain": False}
    line["message"] = {"role": "user", "content": "one more"}
    with main.open("ab") as fh:
        fh.write(json.dumps(line).encode() + b"\n")
    after, modules = listed()
    assert "duckdb" in modules
    assert after[main.stem] == before[main.stem] + 1
    assert listed()[1] == set()  # and kept again
    # a new session file
    new = main.with_name(f"{uuid.uuid4()}.jsonl")
    shutil.copyfile(main, new)
    after, modules = listed()
    assert "duckdb" in modules and new.stem in after
    # a /rename: Claude Code's process file beside the projects folder names the session
    sessions_dir = root.parent / "sessions"
    sessions_dir.mkdir()
    assert listed()[1] == set()
    (sessions_dir / "123.json").write_text(
        json.dumps({"name": "renamed here", "sessionId": new.stem, "startedAt": "2099"})
    )
    code, stdout, modules = run_cli("sessions", "--json", "--limit", "500", *common)
    assert "duckdb" in modules
    titles = {s["sessionId"]: s["title"] for s in json.loads(stdout)["sessions"]}
    assert titles[new.stem] == "renamed here"
