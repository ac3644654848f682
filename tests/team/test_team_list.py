"""``sessions/list`` with ``team``: only the team's sessions (the editor's Team section), each
with its author; this machine's own are left out, and without the option there are none."""

from __future__ import annotations

from pathlib import Path

from claude_code_tracer.models import SessionsListParams
from claude_code_tracer.team.attach import team_view
from claude_code_tracer.team.db import init_schema
from claude_code_tracer.team.pull import TeamCache, pull
from claude_code_tracer.tracer import Tracer, TracerOptions

from .machines import PROJECTS_A, PROJECTS_B, make_machine, trunk_files


def test_sessions_list_team_gives_only_teammates_sessions_with_their_author(
    tmp_path: Path, team_db: str
) -> None:
    init_schema(team_db)
    alice = make_machine(tmp_path, "a", "alice@a", PROJECTS_A[:1])
    me = make_machine(tmp_path, "m", "me@m", PROJECTS_B[:1])
    alice.push(team_db)
    pull(TeamCache.for_url(me.cache, team_db), team_db, exclude_author=me.author)
    from claude_code_tracer.models import TeamOptions

    view = team_view(me.cache, TeamOptions(url=team_db))
    assert view.roots
    tracer = Tracer(
        TracerOptions(
            projects_roots=[me.root, *view.roots],
            unarchived_roots=view.roots,
            annotate=view.annotate,
            cache_dir=me.cache,
        )
    )
    team = tracer.list_sessions(SessionsListParams(team=True, limit=1000)).sessions
    assert {s.session_id for s in team} == set(trunk_files(alice.root))
    assert {s.author for s in team} == {alice.author}
    everything = tracer.list_sessions(SessionsListParams(limit=1000)).sessions
    assert {s.session_id for s in everything} == set(trunk_files(alice.root)) | set(
        trunk_files(me.root)
    )
    tracer.close()
    alone = Tracer(TracerOptions(projects_roots=[me.root], cache_dir=tmp_path / "alone"))
    assert alone.list_sessions(SessionsListParams(team=True)).sessions == []
    alone.close()


def test_a_pull_from_a_stale_cache_state_does_not_fetch_again_what_another_pull_wrote(
    tmp_path: Path, team_db: str
) -> None:
    """Two processes share one team cache (a language server, an MCP server, a CLI command):
    a pull waits for the other's and starts from the state it left, so the files the other
    wrote are neither truncated nor fetched again."""
    init_schema(team_db)
    alice = make_machine(tmp_path, "a", "alice@a", PROJECTS_A[:1])
    me = make_machine(tmp_path, "m", "me@m", PROJECTS_B[:1])
    alice.push(team_db)
    stale = TeamCache.for_url(me.cache, team_db)  # loaded before the other pull ran
    first = pull(TeamCache.for_url(me.cache, team_db), team_db, exclude_author=me.author)
    assert first.bytes > 0 and first.changed
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in first.changed}
    second = pull(stale, team_db, exclude_author=me.author)
    assert (second.bytes, second.changed) == (0, [])
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in first.changed} == before
