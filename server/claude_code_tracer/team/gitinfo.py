"""The repository a session's folder belongs to: its ``origin`` remote and current commit.

The remote is what groups one repository's sessions across laptops whatever each one's path,
so it is normalized (``git@github.com:org/app.git`` and ``https://github.com/org/app`` are both
``github.com/org/app``) and never carries credentials (``https://user:token@host/...`` loses its
user and token before it is stored or sent).
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from dataclasses import dataclass
from urllib.parse import urlsplit

_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>(?!/).+)$")
_TIMEOUT = 5.0


@dataclass(frozen=True)
class GitOrigin:
    remote: str | None
    commit: str | None
    toplevel: str | None = None


def normalize_remote(url: str) -> str | None:
    """``host/path`` of a git remote URL without scheme, user, password, port or ``.git``."""
    url = url.strip()
    if not url:
        return None
    if "://" in url:
        parts = urlsplit(url)
        host = parts.hostname or ""
        path = parts.path
        if parts.scheme == "file" or not host:
            return None  # a local path names no shared repository
    else:
        m = _SCP.match(url)
        if m is None:
            return None
        host, path = m.group("host"), m.group("path")
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    return f"{host.lower()}/{path}" if path else None


def _git(cwd: str, *args: str) -> str | None:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        r = subprocess.run(
            ["git", "-C", cwd, *args],
            capture_output=True,
            text=True,
            timeout=_TIMEOUT,
            env=env,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


def origin_of(cwd: str | None) -> GitOrigin:
    """The normalized origin remote and HEAD commit of ``cwd``'s repository (None when the folder
    is gone, is no repository, or git is not installed)."""
    if not cwd or not os.path.isdir(cwd):
        return GitOrigin(None, None)
    raw = _git(cwd, "remote", "get-url", "origin")
    commit = _git(cwd, "rev-parse", "--verify", "-q", "HEAD")
    top = _git(cwd, "rev-parse", "--show-toplevel")
    return GitOrigin(normalize_remote(raw) if raw else None, commit or None, top or None)


@functools.lru_cache(maxsize=1024)
def repository_of(folder: str) -> GitOrigin:
    """``origin_of`` for a folder of this machine, remembered (an editor asks on every hover;
    a repository's remote and top level do not change under it)."""
    return origin_of(folder)
