"""The MCP server's `team` option: ``claude-code-tracer mcp --team URL`` as a real process,
driven by the MCP SDK's client, reading a teammate's sessions from a real PostgreSQL (the
teammate pushed them with the CLI). Synchronisation: the reader pulls with ``team pull`` into
the cache the server opens, so the server reads them from its first call, no waiting."""

from __future__ import annotations

import io
import json
import os
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any

from claude_code_tracer import cli
from mcp import ClientSession, stdio_client

from ..mcp.support import WAIT, ok, server_params
from .conftest import add_roles
from .machines import PROJECTS_A, make_machine, trunk_files
from .pgserver import PgServer
from .test_lsp_team import APP, _git_repo, _write_session


async def test_mcp_team_option_lists_teammates_sessions_and_blames_their_lines(
    tmp_path: Path, pg: PgServer, team_db: str, db_name: str
) -> None:
    from claude_code_tracer.team.db import init_schema

    init_schema(team_db)
    alice = make_machine(tmp_path, "a", "alice@laptop-a", PROJECTS_A[:1])
    reader = make_machine(tmp_path, "r", "carol@laptop-r", [])
    pa, rd = f"alice_{db_name}", f"carol_{db_name}"
    add_roles(team_db, {pa: alice.author}, rd)
    theirs = _git_repo(tmp_path / "alice-home" / "code" / "app", "git@github.com:org/app.git")
    sid, _ = _write_session(alice.root, theirs)
    alice.push(pg.url(db_name, pa))
    url_r = pg.url(db_name, rd)
    code, _out, err = reader.run("team", "pull", "--url", url_r)
    assert code == 0, err
    # my clone: another path, the remote written another way, the same file
    mine = _git_repo(tmp_path / "carol" / "work" / "app", "https://github.com/org/app")
    (mine / "src").mkdir()
    (mine / "src" / "app.py").write_text(APP, encoding="utf-8")

    params = server_params(reader.root, reader.cache, mine, "--team", url_r)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=WAIT) as session:
            await session.initialize()
            listed = await ok(session, "list_sessions", {"limit": 100})
            rows = {s["sessionId"]: s for s in listed["sessions"]}
            expected = trunk_files(alice.root)
            assert set(rows) == set(expected)
            assert {s["author"] for s in rows.values()} == {alice.author}
            assert rows[sid]["remote"] == "github.com/org/app"
            found = await ok(session, "blame", {"path": "src/app.py"})
            assert [(s["sessionId"], s["author"]) for s in found["sessions"]] == [
                (sid, alice.author)
            ]
            assert found["attributedLines"] == len(APP.splitlines())
            assert [r["citation"].split("#")[0] for r in found["runs"]] == [sid]


def test_mcp_team_url_that_is_not_a_connection_string_is_one_line_and_exit_code_2(
    tmp_path: Path,
) -> None:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["mcp", "--root", str(tmp_path), "--team", "host=x port=notaport ="])
    assert code == 2
    assert err.getvalue().count("\n") == 1 and "Traceback" not in err.getvalue()
    assert "connection string" in err.getvalue()


def test_mcp_team_url_from_the_environment_becomes_the_team_option(
    monkeypatch: Any, tmp_path: Path
) -> None:
    from claude_code_tracer.team.commands import mcp_team_options

    args = cli.build_parser().parse_args(["mcp", "--team-author", "me@here", "--team-push"])
    monkeypatch.delenv("CLAUDE_CODE_TRACER_TEAM_URL", raising=False)
    assert mcp_team_options(args) is None
    monkeypatch.setenv("CLAUDE_CODE_TRACER_TEAM_URL", "postgresql:///team?host=/tmp/x")
    team = mcp_team_options(args)
    assert team is not None and json.loads(team.model_dump_json()) == {
        "url": "postgresql:///team?host=/tmp/x",
        "author": "me@here",
        "push": True,
        "interval_seconds": 30.0,
    }
    assert os.environ["CLAUDE_CODE_TRACER_TEAM_URL"]
