"""Parquet export and read-only SQL: what DuckDB reads back equals what the tracer serves."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

from claude_code_tracer.errors import InvalidRequest
from claude_code_tracer.export import export_parquet
from claude_code_tracer.models import SessionRef, SessionsListParams
from claude_code_tracer.sqlquery import run_sql
from claude_code_tracer.tracer import Tracer

from .test_cli import run
from .test_real_transcripts import copy_projects


def read_back(out: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect()
    try:
        return con.execute(sql.replace("$OUT", str(out))).fetchall()
    finally:
        con.close()


def test_the_export_read_back_by_duckdb_equals_the_tracers_answers(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "-home-USER-projects-spotter-worktrees-spotter-a0y", "irr-1-4_")
    tracer = make_tracer(root)
    out = tmp_path / "export"
    report = export_parquet(tracer, out)
    assert report.sessions == report.written == 2
    sessions = tracer.list_sessions(SessionsListParams()).sessions
    per_session = {
        r[0]: r[1:]
        for r in read_back(
            out,
            "SELECT session_id, sum(output_tokens), sum(input_tokens), "
            "sum(cache_read_tokens), count(*) "
            "FROM read_parquet('$OUT/usage/**/*.parquet', hive_partitioning=true) GROUP BY 1",
        )
    }
    calls = dict(
        read_back(
            out,
            "SELECT session_id, count(*) FROM "
            "read_parquet('$OUT/tool_calls/**/*.parquet', hive_partitioning=true) GROUP BY 1",
        )
    )
    trunk = dict(
        read_back(
            out,
            "SELECT session_id, count(*) FILTER (WHERE NOT is_sidechain) FROM "
            "read_parquet('$OUT/messages/**/*.parquet', hive_partitioning=true) GROUP BY 1",
        )
    )
    projects = read_back(
        out,
        "SELECT DISTINCT project, month FROM "
        "read_parquet('$OUT/sessions/**/*.parquet', hive_partitioning=true) ORDER BY 1",
    )
    assert {p for p, _ in projects} == {s.project for s in sessions}
    for s in sessions:
        metrics = tracer.metrics(SessionRef(session_id=s.session_id))
        out_tok, in_tok, cache_read, api_calls = per_session[s.session_id]
        assert (out_tok, in_tok, cache_read) == (
            s.tokens.output,
            s.tokens.input,
            s.tokens.cache_read,
        )
        assert api_calls == metrics.api_calls
        assert calls.get(s.session_id, 0) == s.tool_call_count == metrics.tool_calls
        assert trunk[s.session_id] == s.message_count


def test_a_second_export_writes_only_the_session_that_changed(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-1-1_session-start-2026-05-17", "irr-1-4_")
    tracer = make_tracer(root)
    out = tmp_path / "export"
    export_parquet(tracer, out)
    again = export_parquet(tracer, out)
    assert (again.written, again.unchanged) == (0, 2)
    path = next(root.glob("irr-1-4_*/*.jsonl"))
    last = json.loads(path.read_bytes().splitlines()[-1])
    extra = {**last, "uuid": "appended-0001", "type": "user", "timestamp": "2026-05-17T23:59:00Z"}
    extra["message"] = {"role": "user", "content": "one more"}
    with path.open("ab") as fh:
        fh.write(json.dumps(extra).encode() + b"\n")
    tracer._catalog_fresh_until = 0.0
    third = export_parquet(tracer, out)
    assert (third.written, third.unchanged) == (1, 1)
    got = read_back(
        out,
        "SELECT count(*) FROM read_parquet('$OUT/messages/**/*.parquet') "
        "WHERE uuid = 'appended-0001'",
    )
    assert got == [(1,)]


@pytest.mark.parametrize(
    "query",
    [
        "INSERT INTO sessions SELECT * FROM sessions",
        "DELETE FROM messages",
        "COPY messages TO '/tmp/stolen.csv'",
        "ATTACH '/tmp/other.duckdb'",
        "SELECT 1; DROP VIEW sessions",
        "CREATE TABLE x AS SELECT 1",
        "SET enable_external_access = true",
    ],
)
def test_sql_refuses_anything_but_one_select(tmp_path: Path, query: str) -> None:
    (tmp_path / "export").mkdir()
    with pytest.raises(InvalidRequest):
        run_sql(tmp_path / "export", query)


def test_sql_reaches_no_file_outside_the_export(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-1-4_")
    out = tmp_path / "export"
    export_parquet(make_tracer(root), out)
    secret = tmp_path / "secret.csv"
    secret.write_text("a,b\n1,2\n")
    with pytest.raises(InvalidRequest, match="query failed"):
        run_sql(out, f"SELECT * FROM read_csv('{secret}')")
    ok = run_sql(out, "SELECT count(*) AS n FROM sessions")
    assert ok.columns == ["n"] and ok.rows == [(1,)]


def test_sql_from_the_cli_prints_a_table_json_and_csv(tmp_path: Path) -> None:
    root = tmp_path / "projects"
    src = next(p for p in copy_projects(tmp_path / "src", "irr-1-4_").iterdir())
    shutil.copytree(src, root / src.name)
    common = ["--root", str(root), "--cache-dir", str(tmp_path / "cache")]
    query = "SELECT kind, count(*) AS n FROM messages GROUP BY kind ORDER BY kind"
    as_json = run("sql", query, "--json", *common)
    assert as_json.returncode == 0, as_json.stderr
    rows = json.loads(as_json.stdout)
    uuids = {
        json.loads(ln)["uuid"]
        for ln in next(root.glob("*/*.jsonl")).read_bytes().splitlines()
        if json.loads(ln)["type"] in ("user", "assistant", "system", "attachment", "progress")
    }
    assert sum(r["n"] for r in rows) == len(uuids)
    as_csv = run("sql", query, "--csv", "--no-refresh", *common)
    assert as_csv.stdout.splitlines()[0] == "kind,n"
    refused = run("sql", "DROP VIEW sessions", *common)
    assert refused.returncode == 2 and "only SELECT" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_session_claude_code_deleted_exports_from_the_archive_as_before(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-1-4_")
    main = next(root.glob("*/*.jsonl"))
    tracer = make_tracer(root)
    before = tmp_path / "before"
    export_parquet(tracer, before)
    main.unlink()
    tracer._catalog_fresh_until = 0.0
    after = tmp_path / "after"
    export_parquet(tracer, after)
    query = (
        "SELECT uuid, kind, ts, output_tokens FROM "
        "read_parquet('$OUT/messages/**/*.parquet') ORDER BY ts, uuid"
    )
    assert read_back(after, query) == read_back(before, query) != []
    assert read_back(after, "SELECT deleted FROM read_parquet('$OUT/sessions/**/*.parquet')") == [
        (True,)
    ]
