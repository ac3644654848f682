"""A real PostgreSQL server for the team tests, started in a temporary folder on a Unix socket.

initdb refuses to run as root: when the tests run as root (CI, a container) the server runs as
the ``postgres`` system user (Debian's ``postgresql`` package creates it), through ``runuser``.
Nothing listens on TCP; the socket lives in the server's own folder. Authentication is ``trust``
on that socket, except for the role ``cct_pw`` which must give its password (scram), so a test can
check that a password reaches the server only through libpq's own mechanisms.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PG_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


def server_bin() -> Path | None:
    """The folder holding initdb and pg_ctl (Debian's layout first, then the PATH)."""
    for d in PG_DIRS:
        if (d / "initdb").is_file() and (d / "pg_ctl").is_file():
            return d
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    return None


@dataclass
class PgServer:
    bindir: Path
    base: Path
    port: int = 5439
    user: str | None = None  # the system user the server runs as, when we are root

    @property
    def data(self) -> Path:
        return self.base / "data"

    @property
    def socket_dir(self) -> Path:
        return self.base / "sock"

    def url(self, dbname: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql:///{dbname}?host={self.socket_dir}&port={self.port}&user={user}"

    def _run(self, *argv: str) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / argv[0]), *argv[1:]]
        if self.user:
            cmd = ["runuser", "-u", self.user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=120)

    def init(self) -> None:
        self.socket_dir.mkdir(parents=True)
        if self.user:
            pw = pwd.getpwnam(self.user)
            os.chown(self.base, pw.pw_uid, pw.pw_gid)
            os.chown(self.socket_dir, pw.pw_uid, pw.pw_gid)
        r = self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        )
        if r.returncode != 0:
            raise RuntimeError(f"initdb failed: {r.stderr.strip()}")
        hba = self.data / "pg_hba.conf"
        hba.write_text("local all cct_pw scram-sha-256\nlocal all all trust\n", encoding="utf-8")
        conf = self.data / "postgresql.conf"
        with conf.open("a", encoding="utf-8") as fh:
            fh.write(
                f"\nlisten_addresses = ''\nunix_socket_directories = '{self.socket_dir}'\n"
                f"port = {self.port}\nfsync = off\nsynchronous_commit = off\n"
                "full_page_writes = off\nmax_connections = 50\n"
            )

    def start(self) -> None:
        r = self._run(
            "pg_ctl", "-D", str(self.data), "-l", str(self.base / "log"), "-w", "-t", "60", "start"
        )
        if r.returncode != 0:
            log = (self.base / "log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"pg_ctl start failed: {r.stderr.strip()} {log}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def _free_port() -> int:
    # Unix sockets only: the "port" only names the socket file, any number not in use will do.
    return 5400 + os.getpid() % 500


@contextlib.contextmanager
def running_server() -> Iterator[PgServer]:
    bindir = server_bin()
    if bindir is None:
        raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl)")
    user = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "postgres"], check=True, timeout=60
            )
        user = "postgres"
    base = Path(tempfile.mkdtemp(prefix="cct-pg-"))
    os.chmod(base, 0o755)
    server = PgServer(bindir=bindir, base=base, port=_free_port(), user=user)
    try:
        server.init()
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(base, ignore_errors=True)
