"""Project folders and session files with odd names (a space, '=', '%2F', a newline, unicode, a
leading '..', glob characters) break nothing: every session exports and round-trips through SQL
with its own name, ``sessions --cost`` answers, and each listed session opens with the list's own
``sessionId`` (issue 18.4). Copies of one real sample under each name."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from claude_code_tracer.export import export_parquet
from claude_code_tracer.models import MessagesPageParams, SessionRef, SessionsListParams
from claude_code_tracer.sqlquery import run_sql
from claude_code_tracer.tracer import Tracer

from .test_cli import run
from .test_real_transcripts import sample_dirs

ODD_FOLDERS = [
    "with space",
    "a=b",
    "a%2Fb",
    "new\nline",
    "ünïcode-名前",
    "..dots",
    "br[a]ck*t?",
    "project=x",
    "__HIVE_DEFAULT_PARTITION__x",
]
ODD_FILES = ["sess ion=x%2F.", "..hidden", "tab\there", "名前", "*"]


def odd_archive(tmp_path: Path) -> tuple[Path, list[tuple[str, str, int]]]:
    """A projects root with one real session copied under every odd name, and the expected
    (project, sessionId, conversation lines) of each, counted from the raw file."""
    src_dir = next(p for p in sample_dirs() if p.name.startswith("irr-04-"))
    src = next(src_dir.glob("*.jsonl"))
    uuids = set()
    for raw in src.read_bytes().splitlines():
        entry = json.loads(raw)
        if entry.get("type") in ("user", "assistant") and not entry.get("isSidechain"):
            uuids.add(entry["uuid"])
    root = tmp_path / "projects"
    expected = []
    for folder in ODD_FOLDERS:
        (root / folder).mkdir(parents=True)
        shutil.copy(src, root / folder / src.name)
        expected.append((folder, src.stem, len(uuids)))
    (root / "plain").mkdir()
    for name in ODD_FILES:
        shutil.copy(src, root / "plain" / f"{name}.jsonl")
        expected.append(("plain", name, len(uuids)))
    return root, expected


def test_every_odd_name_round_trips_through_the_export_and_sql(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, expected = odd_archive(tmp_path)
    tracer = make_tracer(root)
    out = tmp_path / "export"
    report = export_parquet(tracer, out)
    assert report.sessions == len(expected)
    got = run_sql(
        out,
        "SELECT project, session_id, count(*) FILTER ("
        "WHERE kind IN ('user', 'assistant', 'tool_result') AND NOT is_sidechain) "
        "FROM messages GROUP BY ALL ORDER BY ALL",
    ).rows
    assert got == sorted(expected)
    sessions = run_sql(out, "SELECT project, session_id FROM sessions ORDER BY ALL").rows
    assert sessions == sorted((p, s) for p, s, _ in expected)
    # every file lies inside the export, one segment per name
    for path in out.rglob("*.parquet"):
        assert path.resolve().is_relative_to(out.resolve())
        assert len(path.relative_to(out).parts) == 4


def test_each_listed_session_opens_with_the_lists_own_id(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root, expected = odd_archive(tmp_path)
    tracer = make_tracer(root)
    listed = tracer.list_sessions(SessionsListParams(limit=1000)).sessions
    assert sorted((s.project, s.session_id) for s in listed) == sorted(
        (p, s) for p, s, _ in expected
    )
    for s in listed:
        page = tracer.page(
            MessagesPageParams.model_validate(
                {"sessionId": s.session_id, "project": s.project, "limit": 5}
            )
        )
        assert page.messages, (s.project, s.session_id)
        # the cost of each answers too
        assert tracer.cost(SessionRef(session_id=s.session_id, project=s.project)).cost_usd
    for s in listed:
        if s.project == "plain":  # unique ids: opened without a project as well
            tracer.page(MessagesPageParams.model_validate({"sessionId": s.session_id}))


@pytest.mark.parametrize("bad", ["..", ".", "a/b", "../plain", "x\x00y", "a" * 256])
def test_a_name_that_is_not_one_segment_is_still_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        SessionRef.model_validate({"sessionId": bad})
    with pytest.raises(ValueError):
        SessionRef.model_validate({"sessionId": "x", "project": bad})


def test_sessions_cost_and_sql_from_the_cli_keep_working(tmp_path: Path) -> None:
    root, expected = odd_archive(tmp_path)
    common = ["--root", str(root), "--cache-dir", str(tmp_path / "cache")]
    cost = run("sessions", "--cost", "--json", "--limit", "100", *common)
    assert cost.returncode == 0, cost.stderr
    listed = json.loads(cost.stdout)["sessions"]
    assert len(listed) == len(expected)
    assert all(s["cost"] and s["cost"]["costUsd"] for s in listed)
    sql = run("sql", "SELECT project, session_id FROM sessions ORDER BY ALL", "--json", *common)
    assert sql.returncode == 0, sql.stderr
    rows = [(r["project"], r["session_id"]) for r in json.loads(sql.stdout)]
    assert rows == sorted((p, s) for p, s, _ in expected)
