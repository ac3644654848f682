"""Fixtures of the team tests: a real PostgreSQL server (pgserver.py) and a fresh database per
test; tests skip only when this machine has no PostgreSQL server binaries at all (scripts/test.sh
installs Debian's ``postgresql``, so CI always runs them)."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from .pgserver import PgServer, running_server, server_bin

psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (pip install .[team])")

SAMPLES = Path(__file__).resolve().parents[2] / "server" / "claude_code_tracer" / "samples"
_names = itertools.count()


@pytest.fixture(scope="session")
def pg() -> Iterator[PgServer]:
    if server_bin() is None:
        pytest.skip(
            "no PostgreSQL server binaries on this machine (apt-get install postgresql; "
            "scripts/test.sh does)"
        )
    with running_server() as server:
        yield server


@pytest.fixture
def team_db(pg: PgServer) -> Iterator[str]:
    """A new empty database; its superuser URL (over the server's Unix socket)."""
    name = f"team{next(_names)}"
    with psycopg.connect(pg.url(), autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    yield pg.url(name)
    with psycopg.connect(pg.url(), autocommit=True) as con:
        con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def samples_root(tmp_path: Path) -> Path:
    root = tmp_path / "projects"
    shutil.copytree(SAMPLES / "projects", root)
    return root


def add_roles(su_url: str, pushers: dict[str, str], reader: str | None = None) -> None:
    """Run ``team init``'s printed role SQL as the admin would: once per database for the
    grants, once per person (login roles are cluster-wide, so tests name them per database)."""
    from claude_code_tracer.team.db import role_sql

    with psycopg.connect(su_url, autocommit=True) as con:
        existing = {r[0] for r in con.execute("SELECT rolname FROM pg_roles").fetchall()}
        for i, (role, author) in enumerate(pushers.items()):
            stmts = role_sql(con, role, author, reader or f"{role}_reader")
            cut = next(i for i, s in enumerate(stmts) if s.startswith("-- per person"))
            once, person = stmts[:cut], stmts[cut:]
            for stmt in (once if i == 0 else []) + person:
                if stmt.startswith("--"):
                    continue
                if stmt.startswith("CREATE ROLE"):
                    name = stmt.split()[2].strip('"')
                    if name in existing:
                        continue
                    existing.add(name)
                if reader is None and "_reader" in stmt and "LOGIN" in stmt:
                    continue
                con.execute(stmt)


@pytest.fixture
def db_name(team_db: str) -> str:
    return str(psycopg.conninfo.conninfo_to_dict(team_db)["dbname"])
