"""A token count that is no count (2^63, 1e308, 1e400, negative, a float, a bool, a string) in
one line of a real transcript breaks nothing: the list, metrics, cost, the Parquet export and
SQL all answer, the line is still served, and its usage is counted invalid (issue 18.3).

Expected totals are computed here from the raw lines: a usage counts when each of its four
counts is an integer in [0, 2^40) (``tokencounts``), split lines of one API call count once (the
largest), replayed uuids once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_code_tracer.export import export_parquet
from claude_code_tracer.models import SessionRef, SessionsListParams
from claude_code_tracer.sqlquery import run_sql
from claude_code_tracer.tracer import Tracer, TracerOptions

from .test_cli import run
from .test_real_transcripts import copy_projects

SAMPLE = "irr-04-"
KEYS = ("input_tokens", "output_tokens", "cache_read_input_tokens", "cache_creation_input_tokens")
LIMIT = 1 << 40

HOSTILE = [
    "9223372036854775808",  # 2^63: overflowed every int64 column
    "18446744073709551616",  # 2^64 (orjson gives a float)
    "123456789012345678901234567890",
    "1e308",
    "1e400",  # infinite as a double
    "-5",
    "1.5",
    "true",
    '"12"',
    "[1]",
]


def _valid(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < LIMIT


def oracle(path: Path) -> tuple[tuple[int, int, int, int], int, int]:
    """(token totals, lines whose usage is invalid, assistant lines) from the raw lines."""
    best: dict[str, tuple[int, ...]] = {}
    seen: set[str] = set()
    invalid = assistants = 0
    for raw in path.read_bytes().splitlines():
        if not raw.strip():
            continue
        entry = json.loads(raw)
        uuid = entry.get("uuid")
        if isinstance(uuid, str) and uuid:
            if uuid in seen:
                continue  # a replay: served (and counted) once
            seen.add(uuid)
        if entry.get("type") != "assistant":
            continue
        assistants += 1
        msg = entry.get("message") or {}
        usage = msg.get("usage")
        if not isinstance(usage, dict):
            continue
        present = [usage.get(k) for k in KEYS]
        if not all(v is None or _valid(v) for v in present):
            invalid += 1
            continue
        if msg.get("model") == "<synthetic>":
            continue
        counts = tuple(v or 0 for v in present)
        key = msg.get("id") or uuid
        if key not in best or sum(counts) >= sum(best[key]):
            best[key] = counts
    totals = tuple(sum(c[i] for c in best.values()) for i in range(4))
    return (totals[0], totals[1], totals[2], totals[3]), invalid, assistants


def damage(path: Path, values: list[tuple[int, str, str]]) -> None:
    """Replace, in the n-th line that has a usage, the count ``key`` by the JSON text ``value``
    (the last change to one count wins)."""
    lines = path.read_bytes().splitlines()
    with_usage = [i for i, ln in enumerate(lines) if b'"usage"' in ln and b'"output_tokens"' in ln]
    per_line: dict[int, dict[str, str]] = {}
    for n, key, value in values:
        per_line.setdefault(with_usage[n % len(with_usage)], {})[key] = value
    for i, changes in per_line.items():
        entry = json.loads(lines[i])
        for key in changes:
            entry["message"]["usage"][key] = f"@@{key}@@"
        text = json.dumps(entry)
        for key, value in changes.items():
            text = text.replace(f'"@@{key}@@"', value)
        lines[i] = text.encode()
    path.write_bytes(b"\n".join(lines) + b"\n")


def one_session(tmp_path: Path) -> tuple[Path, Path]:
    root = copy_projects(tmp_path, SAMPLE)
    return root, next(root.rglob("*.jsonl"))


@pytest.mark.parametrize("value", HOSTILE)
def test_one_hostile_token_count_breaks_no_answer_and_is_counted(
    tmp_path: Path, make_tracer: Callable[..., Tracer], value: str
) -> None:
    root, path = one_session(tmp_path)
    damage(path, [(3, "output_tokens", value), (7, "input_tokens", value)])
    totals, invalid, assistants = oracle(path)
    assert invalid == 2
    tracer = make_tracer(root)
    (info,) = tracer.list_sessions(SessionsListParams()).sessions
    got = info.tokens
    assert (got.input, got.output, got.cache_read, got.cache_creation) == totals
    ref = SessionRef(session_id=info.session_id)
    metrics = tracer.metrics(ref)
    assert metrics.invalid_numbers == invalid
    assert metrics.tokens.output == totals[1]
    kinds = {k.kind.value: k.count for k in metrics.by_kind}
    assert kinds["assistant"] == assistants  # the damaged lines are still served
    cost = tracer.cost(ref)
    assert cost.cost_usd is not None and math.isfinite(cost.cost_usd)
    out = tmp_path / "export"
    export_parquet(tracer, out)
    rows = run_sql(out, "SELECT sum(output_tokens), sum(input_tokens) FROM usage").rows
    assert rows == [(totals[1], totals[0])]


def test_a_hostile_count_breaks_no_cli_command(tmp_path: Path) -> None:
    root, path = one_session(tmp_path)
    damage(path, [(2, "output_tokens", "9223372036854775808"), (4, "input_tokens", "1e308")])
    totals, _, _ = oracle(path)
    sid = path.stem
    common = ["--root", str(root), "--cache-dir", str(tmp_path / "cache")]
    for args in (
        ["sessions", "--cost", "--json"],
        ["stats", sid, "--json"],
        ["sql", "SELECT sum(output_tokens) AS n FROM usage", "--json"],
        ["export-parquet", str(tmp_path / "out")],
    ):
        done = run(*args, *common)
        assert done.returncode == 0, (args, done.stderr)
        assert "error" not in done.stderr, done.stderr
    sql = run("sql", "SELECT sum(output_tokens) AS n FROM usage", "--json", *common)
    assert json.loads(sql.stdout) == [{"n": totals[1]}]


count_values = st.one_of(
    st.integers(min_value=-(1 << 70), max_value=1 << 70),
    st.integers(min_value=0, max_value=100_000),
    st.floats(allow_nan=False),
    st.booleans(),
    st.text(max_size=5),
    st.none(),
)


def _json_number(v: Any) -> str:
    if isinstance(v, float) and math.isinf(v):
        return "1e400" if v > 0 else "-1e400"
    return json.dumps(v)


@settings(
    max_examples=30,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(st.tuples(st.integers(0, 80), st.sampled_from(KEYS), count_values), max_size=6))
def test_fuzz_transcript_numbers_never_break_the_totals(
    tmp_path_factory: pytest.TempPathFactory, changes: list[tuple[int, str, Any]]
) -> None:
    tmp = tmp_path_factory.mktemp("fuzz")
    root, path = one_session(tmp)
    damage(path, [(n, k, _json_number(v)) for n, k, v in changes])
    totals, invalid, _ = oracle(path)
    tracer = Tracer(TracerOptions(projects_roots=[root], persistent_catalog=False))
    try:
        (info,) = tracer.list_sessions(SessionsListParams()).sessions
        got = info.tokens
        assert (got.input, got.output, got.cache_read, got.cache_creation) == totals
        metrics = tracer.metrics(SessionRef(session_id=info.session_id))
        assert metrics.invalid_numbers == invalid
        assert math.isfinite(tracer.cost(SessionRef(session_id=info.session_id)).cost_usd or 0)
    finally:
        tracer.close()


def test_duckdb_runs_under_explicit_memory_limits(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Not DuckDB's default of 80 % of the RAM (issue 18.9): the session tables and the
    catalog each have a bound of their own."""
    root, _ = one_session(tmp_path)
    tracer = make_tracer(root)
    setting = "SELECT current_setting('memory_limit')"
    assert tracer.db.cursor().execute(setting).fetchall() == [("3.7 GiB",)]
    assert tracer.catalog.con.execute(setting).fetchall() == [("953.6 MiB",)]
    small = make_tracer(root, memory_limit="256MB")
    assert small.db.cursor().execute(setting).fetchall() == [("244.1 MiB",)]
