"""The SQL face cannot write, read outside the export, run forever or ignore Ctrl-C (issue 18.1).

Each escape is tried twice: through ``run_sql`` (the friendly single-SELECT check first) and on
the bare connection (``connect``), where only the lock stands; either way no file anywhere under
the test folder may appear, change or vanish.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_code_tracer.errors import InvalidRequest
from claude_code_tracer.export import MANIFEST, export_parquet
from claude_code_tracer.sqlquery import connect, run_sql
from claude_code_tracer.tracer import Tracer, TracerOptions

from .test_real_transcripts import copy_projects

SAMPLE = "irr-1-4_"


def snapshot(where: Path) -> dict[str, tuple[int, int]]:
    """Every path under ``where`` (links not followed) with its size and mtime."""
    out: dict[str, tuple[int, int]] = {}
    for dirpath, dirnames, filenames in os.walk(where):
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st_ = os.lstat(p)
            out[p] = (st_.st_size, st_.st_mtime_ns)
    return out


def raw_lines(root: Path) -> list[dict[str, object]]:
    rows = []
    for path in root.rglob("*.jsonl"):
        if "subagents" in path.parts:
            continue
        for line in path.read_bytes().splitlines():
            if line.strip():
                rows.append(json.loads(line))
    return rows


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the test folder, its export) of one real sample, built once for the module."""
    base = tmp_path_factory.mktemp("sandbox")
    root = copy_projects(base, SAMPLE)
    tracer = Tracer(TracerOptions(projects_roots=[root], cache_dir=base / "cache"))
    try:
        export_parquet(tracer, base / "export")
    finally:
        tracer.close()
    (base / "victim.txt").write_text("keep me\n")
    return base, base / "export"


ESCAPES = [
    "COPY (SELECT 1 AS x) TO '{export}/planted.parquet' (FORMAT parquet)",
    "EXPLAIN ANALYZE COPY (SELECT * FROM sessions) TO '{export}/sessions/x.parquet'",
    "EXPLAIN ANALYZE COPY (SELECT 1) TO '{export}/{manifest}' (FORMAT json)",
    "COPY (SELECT 1) TO '{base}/victim.txt'",
    "EXPORT DATABASE '{base}/dump'",
    "ATTACH '{base}/other.duckdb' AS other",
    "SELECT * FROM read_text('{base}/victim.txt')",
    "SELECT * FROM read_text('{export}/{manifest}')",
    "SELECT * FROM read_csv('{base}/victim.txt')",
    "SELECT * FROM read_parquet('{export}/**/*.parquet')",
    "SELECT * FROM glob('{base}/*')",
    "INSTALL httpfs",
    "LOAD httpfs",
    "CREATE SECRET (TYPE s3, KEY_ID 'a', SECRET 'b')",
    "SET enable_external_access = true",
    "SET allowed_directories = ['/']",
    "SET temp_directory = '{base}/spill'",
    "PRAGMA enable_profiling = 'json'",
    "SET profiling_output = '{base}/profile.json'",
]


@pytest.mark.parametrize("template", ESCAPES)
def test_no_statement_reaches_a_file_even_past_the_select_check(
    exported: tuple[Path, Path], template: str
) -> None:
    base, export = exported
    query = template.format(base=base, export=export, manifest=MANIFEST)
    before = snapshot(base)
    with pytest.raises(InvalidRequest):
        run_sql(export, query)
    con, _ = connect(export)
    try:
        with pytest.raises(duckdb.Error):
            con.execute(query).fetchall()
    finally:
        con.close()
    assert snapshot(base) == before
    assert (base / "victim.txt").read_text() == "keep me\n"


def test_explain_analyze_copy_into_the_export_writes_nothing(exported: tuple[Path, Path]) -> None:
    """It passes the SELECT/EXPLAIN check, so only the connection can stop it (it wrote on main)."""
    base, export = exported
    target = export / "sessions" / "planted.parquet"
    with pytest.raises(InvalidRequest, match="query failed"):
        run_sql(export, f"EXPLAIN ANALYZE COPY (SELECT * FROM sessions) TO '{target}'")
    assert not target.exists()
    sessions = {e["sessionId"] for e in raw_lines(base / "projects") if "sessionId" in e}
    assert run_sql(export, "SELECT count(*) FROM sessions").rows == [(len(sessions),)]


def test_a_planted_parquet_file_is_not_part_of_the_export(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, SAMPLE)
    export = tmp_path / "export"
    export_parquet(make_tracer(root), export)
    query = "SELECT count(*) FROM messages"
    before = run_sql(export, query).rows
    real = next(export.glob("messages/*/*/*.parquet"))
    shutil.copy(real, real.with_name("planted.parquet"))
    shutil.copy(real, export / "messages" / "planted.parquet")
    assert run_sql(export, query).rows == before
    sessions = {e["sessionId"] for e in raw_lines(root) if "sessionId" in e}
    assert run_sql(export, "SELECT count(*) FROM sessions").rows == [(len(sessions),)]


def _forge(export: Path, *paths: str) -> None:
    """Make every manifest entry name ``paths`` and look out of date, so the next export
    'removes' them."""
    data = json.loads((export / MANIFEST).read_text())
    for entry in data["sessions"].values():
        entry["version"] = ["forged"]
        entry["files"] = [*entry["files"], *paths]
    (export / MANIFEST).write_text(json.dumps(data))


def test_a_forged_manifest_never_makes_the_exporter_delete_outside_the_export(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, SAMPLE)
    export = tmp_path / "deep" / "export"
    tracer = make_tracer(root)
    export_parquet(tracer, export)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "s.parquet").write_text("keep me too\n")
    # a folder of the export replaced by a link out of it, named in a well-shaped entry
    (export / "usage" / "project=link").symlink_to(outside)
    (outside / "month=x").mkdir()
    shutil.move(outside / "s.parquet", outside / "month=x" / "s.parquet")
    forged = [
        "../../victim.txt",
        str(victim),
        "sessions/../../../victim.txt",
        "usage/project=link/month=x/s.parquet",
        "messages/project=a/month=b/../../../../victim.txt",
        {"not": "a path"},
    ]
    _forge(export, *forged)  # type: ignore[arg-type]
    report = export_parquet(tracer, export)
    assert report.written == 1
    assert victim.read_text() == "keep me\n"
    assert (outside / "month=x" / "s.parquet").read_text() == "keep me too\n"
    assert len(report.refused) == len(forged)
    # the rewritten manifest keeps none of them
    text = (export / MANIFEST).read_text()
    assert "victim" not in text and "project=link" not in text


def test_sql_reports_a_forged_manifest_and_reads_none_of_its_paths(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, SAMPLE)
    export = tmp_path / "export"
    export_parquet(make_tracer(root), export)
    outside = tmp_path / "elsewhere.parquet"
    shutil.copy(next(export.glob("sessions/*/*/*.parquet")), outside)
    _forge(export, "../elsewhere.parquet", str(outside))
    result = run_sql(export, "SELECT count(*) FROM sessions")
    assert result.rows == [(1,)]
    assert len(result.warnings) == 1 and "2 path(s)" in result.warnings[0]


def test_a_runaway_query_is_stopped_by_its_timeout(exported: tuple[Path, Path]) -> None:
    _, export = exported
    start = time.monotonic()
    with pytest.raises(InvalidRequest, match=r"longer than 0.5 s"):
        run_sql(
            export,
            "SELECT count(*) FROM range(100000000000) a, range(100000) b",
            timeout=0.5,
        )
    assert time.monotonic() - start < 10


def test_the_query_runs_under_a_memory_limit_of_its_own(exported: tuple[Path, Path]) -> None:
    _, export = exported
    default = run_sql(export, "SELECT current_setting('memory_limit')").rows[0][0]
    assert default == "953.6 MiB"  # 1 GB, not DuckDB's 80 % of RAM
    small = run_sql(export, "SELECT current_setting('memory_limit')", memory_limit="64MB")
    assert small.rows == [("61.0 MiB",)]
    with pytest.raises(InvalidRequest, match="query failed: Out of Memory"):
        run_sql(
            export,
            "SELECT list(i) FROM range(100000000) t(i)",
            memory_limit="64MB",
        )
    with pytest.raises(InvalidRequest, match="memory-limit"):
        run_sql(export, "SELECT 1", memory_limit="lots")


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "claude_code_tracer", *args]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_stops_a_runaway_query_with_one_line_and_code_130(
    exported: tuple[Path, Path],
) -> None:
    base, export = exported
    query = "SELECT count(*) FROM range(100000000000) a, range(100000) b"
    proc = subprocess.Popen(
        cli(
            "sql",
            query,
            "--no-refresh",
            "--export-dir",
            str(export),
            "--timeout",
            "600",
            "--no-cache",
            "--root",
            str(base / "projects"),
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        # the join is running once the process has burnt CPU well past its start-up
        deadline = time.monotonic() + 60
        while _cpu_seconds(proc.pid) < 3.0:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the query never started"
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        stdout, stderr = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert time.monotonic() - sent < 5
    assert proc.returncode == 130, stderr
    assert stderr.splitlines() == ["claude-code-tracer: interrupted"]
    assert stdout == ""


def test_a_parse_error_is_one_line(exported: tuple[Path, Path]) -> None:
    base, export = exported
    done = subprocess.run(
        cli(
            "sql",
            "SELEC count(*) FROM sessions",
            "--no-refresh",
            "--export-dir",
            str(export),
            "--no-cache",
            "--root",
            str(base / "projects"),
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert len(done.stderr.splitlines()) == 1, done.stderr
    assert "cannot parse the query" in done.stderr


# -- fuzzing: generated statements, the file system checked after each -------------------------

_TARGETS = [
    "{export}/x.parquet",
    "{export}/sessions/x.parquet",
    "{export}/{manifest}",
    "{base}/victim.txt",
    "{base}/new",
    "../victim.txt",
    "/tmp/cct-fuzz-{n}",
]
_FORMATS = ["parquet", "csv", "json"]
_QUERIES = [
    "SELECT 1",
    "SELECT * FROM sessions",
    "SELECT * FROM messages LIMIT 3",
    "SELECT * FROM read_text('{target}')",
]
_STATEMENTS = [
    "COPY ({query}) TO '{target}' (FORMAT {fmt})",
    "EXPLAIN ANALYZE COPY ({query}) TO '{target}' (FORMAT {fmt})",
    "EXPLAIN COPY ({query}) TO '{target}'",
    "{query}",
    "EXPLAIN ANALYZE {query}",
    "WITH t AS ({query}) SELECT * FROM t",
    "ATTACH '{target}' AS a{n}",
    "EXPORT DATABASE '{target}'",
    "CREATE TABLE t{n} AS {query}",
    "INSTALL '{target}'",
    "LOAD '{target}'",
    "SELECT * FROM read_csv('{target}')",
    "SELECT * FROM read_json('{target}')",
    "SET temp_directory = '{target}'",
    "CHECKPOINT",
    "VACUUM",
    "{query}; COPY ({query}) TO '{target}'",
]


@st.composite
def statements(draw: st.DrawFn) -> str:
    n = draw(st.integers(0, 99))
    target = draw(st.sampled_from(_TARGETS)).format(
        n=n, export="{export}", base="{base}", manifest="{manifest}"
    )
    query = draw(st.sampled_from(_QUERIES)).replace("{target}", target)
    template = draw(st.sampled_from(_STATEMENTS))
    text = template.format(query=query, target=target, fmt=draw(st.sampled_from(_FORMATS)), n=n)
    noise = draw(st.sampled_from(["", " ", "\n", "/* c */ ", "  ;"]))
    return noise + text if noise != "  ;" else text + noise


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(template=statements(), raw=st.booleans())
def test_fuzz_no_generated_statement_writes_a_file(
    exported: tuple[Path, Path], template: str, raw: bool
) -> None:
    base, export = exported
    query = template.format(export=export, base=base, manifest=MANIFEST)
    before = snapshot(base)
    tmp_before = {p.name for p in Path("/tmp").glob("cct-fuzz-*")}
    if raw:
        con, _ = connect(export)
        try:
            con.execute(query).fetchall()
        except duckdb.Error:
            pass
        finally:
            con.close()
    else:
        try:
            run_sql(export, query, timeout=20)
        except InvalidRequest:
            pass
    assert snapshot(base) == before, query
    assert {p.name for p in Path("/tmp").glob("cct-fuzz-*")} == tmp_before, query


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_ctrl_c_during_the_first_indexing_is_one_line(tmp_path: Path) -> None:
    """Ctrl-C while the catalog and the search index are built for the first time (or while the
    modules still load, on a busy machine): one line, the SIGINT exit status, no traceback."""
    root = tmp_path / "archive"
    made = subprocess.run(
        [sys.executable, "-m", "tests.synthetic", "archive", str(root), "--sessions", "150"],
        capture_output=True,
        timeout=300,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert made.returncode == 0, made.stderr
    projects = root / "projects" if (root / "projects").is_dir() else root
    proc = subprocess.Popen(
        cli("search", "anything", "--root", str(projects), "--cache-dir", str(tmp_path / "c")),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        # past the imports (the cache folder is made when the tracer opens) and busy indexing
        while _cpu_seconds(proc.pid) < 2.0 or not (tmp_path / "c").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=0.05)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode in (130, -signal.SIGINT), stderr
    assert "Traceback" not in stderr, stderr
    assert stderr.replace("\r", "\n").strip().splitlines()[-1] == "claude-code-tracer: interrupted"
