"""The team database: connecting without ever showing a password, and the versioned schema.

The URL is a libpq connection string or URI. Its password, if any, comes from libpq's own
mechanisms (``PGPASSWORD``, ``~/.pgpass``, a service file, or the URL itself): this module hands
the string to libpq as it is and only ever prints or stores ``display_url`` (the URL without
password) or ``url_key`` (a digest of host, port, database and user).

The schema lives in its own PostgreSQL schema ``cct`` and is created by ordered migrations, each
applied once in one transaction under an advisory lock (two ``team init`` at once are safe) and
recorded in ``cct.schema_version``. Row-level security lets everyone read, and a role write only
rows whose ``author`` it is mapped to in ``cct.members``: a pusher cannot write another
author's sessions even with the grants to insert.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from typing import Any

from ..errors import SourceUnavailable

TEAM_URL_ENV = "CLAUDE_CODE_TRACER_TEAM_URL"
SCHEMA = "cct"
# Any constant: serializes concurrent migrations of one database.
_MIGRATION_LOCK = 0x63637474


class TeamUnavailable(SourceUnavailable):
    """The team database cannot be reached or refused the request; the message never holds a
    password."""


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise TeamUnavailable(
            "the team features need psycopg: pip install 'claude-code-tracer[team]'"
        ) from None
    return psycopg


def resolve_url(url: str | None) -> str:
    """The team URL: the one given, else ``$CLAUDE_CODE_TRACER_TEAM_URL``."""
    url = url or os.environ.get(TEAM_URL_ENV, "").strip()
    if not url:
        raise TeamUnavailable(f"no team database: pass --url (or --team) or set ${TEAM_URL_ENV}")
    return url


def _parts(url: str) -> dict[str, Any]:
    psycopg = _psycopg()
    try:
        return dict(psycopg.conninfo.conninfo_to_dict(url))
    except psycopg.ProgrammingError:
        raise TeamUnavailable("the team URL is not a valid PostgreSQL connection string") from None


def display_url(url: str) -> str:
    """The URL for a message or a log: host, port, database and user, never the password."""
    p = _parts(url)
    host = p.get("host") or "localhost"
    port = f":{p['port']}" if p.get("port") else ""
    user = f"{p['user']}@" if p.get("user") else ""
    return f"postgresql://{user}{host}{port}/{p.get('dbname') or ''}"


def url_key(url: str) -> str:
    """A short stable name for a team database (its local cache folder): no password in it, so
    a new password keeps the cache, and the cache reveals nothing that could log in."""
    p = _parts(url)
    ident = "\0".join(str(p.get(k) or "") for k in ("host", "port", "dbname", "service"))
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def connect(url: str, *, autocommit: bool = False, timeout: int = 10) -> Any:
    """A psycopg connection; any failure becomes TeamUnavailable naming the database without
    its password."""
    psycopg = _psycopg()
    try:
        return psycopg.connect(
            url,
            autocommit=autocommit,
            connect_timeout=timeout,
            application_name="claude-code-tracer",
        )
    except psycopg.Error as exc:
        raise TeamUnavailable(
            f"cannot reach the team database {display_url(url)}: {_first_line(exc)}"
        ) from None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# --- schema ---------------------------------------------------------------------------------------
_KEY = "author text NOT NULL, project text NOT NULL"
_POLICY_TABLES = ("sessions", "files", "chunks")

# Each migration: (version, statements). Append new ones; never edit an applied one.
MIGRATIONS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (
        1,
        (
            # which login role may write which author's rows (filled by the team's admin)
            "CREATE TABLE cct.members (role_name name NOT NULL, author text NOT NULL,"
            " PRIMARY KEY (role_name, author))",
            # one row per session: the catalog's row, its author, and where its code lives
            f"CREATE TABLE cct.sessions ({_KEY}, session_id text NOT NULL,"
            " cwd text, git_branch text, remote text, git_commit text, title text,"
            " first_prompt text, first_ts timestamptz, last_ts timestamptz,"
            " message_count bigint NOT NULL DEFAULT 0, tool_calls bigint NOT NULL DEFAULT 0,"
            " errors bigint NOT NULL DEFAULT 0, input_tokens bigint NOT NULL DEFAULT 0,"
            " output_tokens bigint NOT NULL DEFAULT 0,"
            " cache_read_tokens bigint NOT NULL DEFAULT 0,"
            " cache_creation_tokens bigint NOT NULL DEFAULT 0, models text[],"
            " subagent_count bigint NOT NULL DEFAULT 0, deleted boolean NOT NULL DEFAULT false,"
            " pushed_at timestamptz NOT NULL DEFAULT now(),"
            " PRIMARY KEY (author, project, session_id))",
            "CREATE INDEX sessions_remote ON cct.sessions (remote)",
            "CREATE INDEX sessions_last ON cct.sessions (last_ts DESC)",
            # one row per transcript file and generation (a rewritten file starts a new one):
            # pushed_to is the source offset up to which its chunks are stored
            f"CREATE TABLE cct.files ({_KEY}, path text NOT NULL, generation integer NOT NULL,"
            " session_id text, pushed_to bigint NOT NULL DEFAULT 0,"
            " stored_bytes bigint NOT NULL DEFAULT 0,"
            " PRIMARY KEY (author, project, path, generation))",
            # the bytes: complete lines [src_start, src_stop) of the source file, secrets masked,
            # zstd-compressed; raw_len is the length of the masked bytes
            f"CREATE TABLE cct.chunks ({_KEY}, path text NOT NULL, generation integer NOT NULL,"
            " src_start bigint NOT NULL, src_stop bigint NOT NULL, raw_len bigint NOT NULL,"
            " data bytea NOT NULL, redactions integer NOT NULL DEFAULT 0,"
            " CHECK (src_stop > src_start),"
            " PRIMARY KEY (author, project, path, generation, src_start),"
            " FOREIGN KEY (author, project, path, generation)"
            " REFERENCES cct.files (author, project, path, generation))",
            # whether the role now connected may write rows of this author (SECURITY DEFINER:
            # pushers need no access to the members table itself)
            "CREATE FUNCTION cct.may_write(a text, who name) RETURNS boolean"
            " LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS"
            " $$ SELECT EXISTS (SELECT 1 FROM cct.members m"
            " WHERE m.role_name = who AND m.author = a) $$",
            "REVOKE ALL ON FUNCTION cct.may_write(text, name) FROM PUBLIC",
            *(
                stmt
                for t in _POLICY_TABLES
                for stmt in (
                    f"ALTER TABLE cct.{t} ENABLE ROW LEVEL SECURITY",
                    f"CREATE POLICY {t}_read ON cct.{t} FOR SELECT USING (true)",
                    f"CREATE POLICY {t}_insert ON cct.{t} FOR INSERT"
                    " WITH CHECK (cct.may_write(author, current_user))",
                    f"CREATE POLICY {t}_update ON cct.{t} FOR UPDATE"
                    " USING (cct.may_write(author, current_user))"
                    " WITH CHECK (cct.may_write(author, current_user))",
                )
            ),
        ),
    ),
)
MIGRATIONS += (
    # the git top level of the session's folder on the pusher's machine: a file it touched is
    # matched to the same repository's file elsewhere by its path under that folder
    (2, ("ALTER TABLE cct.sessions ADD COLUMN repo_root text",)),
)
LATEST = MIGRATIONS[-1][0]


def init_schema(url: str) -> tuple[int, list[int]]:
    """Create or migrate the schema; returns (the version now, the versions applied now)."""
    psycopg = _psycopg()
    applied: list[int] = []
    with connect(url) as con:
        try:
            with con.transaction():
                con.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
                con.execute("CREATE SCHEMA IF NOT EXISTS cct")
                con.execute(
                    "CREATE TABLE IF NOT EXISTS cct.schema_version (version integer PRIMARY KEY,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"
                )
                row = con.execute("SELECT max(version) FROM cct.schema_version").fetchone()
                current = int(row[0] or 0)
                for version, statements in MIGRATIONS:
                    if version <= current:
                        continue
                    for stmt in statements:
                        con.execute(stmt)
                    con.execute("INSERT INTO cct.schema_version (version) VALUES (%s)", (version,))
                    applied.append(version)
        except psycopg.Error as exc:
            raise TeamUnavailable(
                f"cannot create the team schema in {display_url(url)}: {_first_line(exc)}"
            ) from None
    return max(LATEST, current), applied


def schema_version(con: Any) -> int:
    """The version of the schema in the database; 0 when there is none."""
    row = con.execute("SELECT to_regclass('cct.schema_version') IS NOT NULL").fetchone()
    if not row[0]:
        return 0
    got = con.execute("SELECT max(version) FROM cct.schema_version").fetchone()
    return int(got[0] or 0)


def check_schema(con: Any, url: str) -> None:
    version = schema_version(con)
    if version == 0:
        raise TeamUnavailable(
            f"{display_url(url)} has no team schema: run claude-code-tracer team init --url URL"
        )
    if version > LATEST:
        raise TeamUnavailable(
            f"{display_url(url)} has team schema {version}, newer than this version knows "
            f"({LATEST}): update claude-code-tracer"
        )
    if version < LATEST:
        raise TeamUnavailable(
            f"{display_url(url)} has team schema {version}: run claude-code-tracer team init"
        )


def role_sql(
    con: Any,
    pusher: str = "alice",
    author: str = "alice@laptop",
    reader: str = "bob",
) -> list[str]:
    """The SQL a team's admin runs once (group roles, grants) and per person (a login role in
    a group; a pusher mapped to the author it writes as). Names and the author are quoted by
    psycopg, so any value is safe to print and run."""
    from psycopg import sql

    def q(s: sql.Composable) -> str:
        return str(s.as_string(con))

    tables = "cct.sessions, cct.files, cct.chunks"
    p, r, a = sql.Identifier(pusher), sql.Identifier(reader), sql.Literal(author)
    return [
        "-- once: the two group roles and what they may do",
        "CREATE ROLE cct_reader NOLOGIN",
        "GRANT USAGE ON SCHEMA cct TO cct_reader",
        f"GRANT SELECT ON cct.schema_version, {tables} TO cct_reader",
        "CREATE ROLE cct_pusher NOLOGIN",
        "GRANT USAGE ON SCHEMA cct TO cct_pusher",
        "GRANT SELECT ON cct.schema_version TO cct_pusher",
        f"GRANT SELECT, INSERT, UPDATE ON {tables} TO cct_pusher",
        "GRANT EXECUTE ON FUNCTION cct.may_write(text, name) TO cct_pusher, cct_reader",
        "-- per person who pushes: a login role and the author name it writes as",
        q(sql.SQL("CREATE ROLE {} LOGIN IN ROLE cct_pusher").format(p)),
        q(
            sql.SQL("INSERT INTO cct.members (role_name, author) VALUES ({}, {})").format(
                sql.Literal(pusher), a
            )
        ),
        "-- per person who only reads",
        q(sql.SQL("CREATE ROLE {} LOGIN IN ROLE cct_reader").format(r)),
        "-- give each login role a password (ALTER ROLE ... PASSWORD) or another libpq method",
    ]


def run_statements(con: Any, statements: Sequence[str]) -> None:
    """Run printed role SQL (comments skipped) in one transaction."""
    with con.transaction():
        for stmt in statements:
            if not stmt.startswith("--"):
                con.execute(stmt)
