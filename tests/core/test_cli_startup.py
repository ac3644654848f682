"""The CLI starts at once: a command imports only what it needs (issue #19, item 4).

Each test runs the CLI in a process of its own, as the console script does, and reads back which
heavy modules the process ended up with: importing DuckDB, pyarrow, tantivy and pydantic took
1.5-2.6 s of every command on a loaded 2-core machine, ``--help`` included.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
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
    code, stdout, modules = run_cli("sessions", "--json", "--limit", str(sessions + 5), *common)
    assert code == 0
    listed = {s["sessionId"] for s in json.loads(stdout)["sessions"]}
    assert trunks <= listed  # every session file of the samples is listed
    assert "pyarrow" not in modules and "tantivy" not in modules and "pygls" not in modules
    assert "duckdb" in modules  # the catalog is a DuckDB file: the one heavy import it needs
