"""A script that uses the core as a library and exits without closing its tracer must exit
cleanly. Without the tracer's exit hook, DuckDB's C++ runtime kills the process during
interpreter shutdown once a session was parsed on a loader thread ("terminate called after
throwing an instance of ''", status 134; DuckDB issue 13904): 7 exits in 8 after a 70 MB
session on this machine, so three runs without the hook fail with near certainty."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from claude_code_tracer.models import MessagesPageParams, SessionRef
from claude_code_tracer.tracer import Tracer, TracerOptions

from ..synthetic import generate_session

SERVER = Path(__file__).resolve().parents[2] / "server"

SCRIPT = """
import sys
from pathlib import Path
from claude_code_tracer.models import MessagesPageParams, SessionRef
from claude_code_tracer.tracer import Tracer, TracerOptions

root, project, sid = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
tracer = Tracer(TracerOptions(projects_roots=[root], persistent_catalog=False,
                              head_first_bytes=16 << 20))
page = tracer.page(MessagesPageParams(session_id=sid, project=project))
assert not page.complete  # answered from the head: the rest is parsed on a loader thread
tracer.ensure_loaded(SessionRef(session_id=sid, project=project))
print(len(page.messages))
# no tracer.close(): the script just ends
"""


def test_a_script_that_never_closes_its_tracer_exits_cleanly(tmp_path: Path) -> None:
    project = "-home-dev-big"
    session = generate_session(tmp_path / "projects" / project, messages=30_000, seed=12)
    assert session.bytes > 64 << 20  # the size at which the abort showed 7 times in 8
    env = {**os.environ, "PYTHONPATH": str(SERVER)}
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(tmp_path / "projects"), project,
             session.session_id],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-2000:]
        assert "terminate called" not in done.stderr
        assert int(done.stdout) > 0


def test_a_tracer_is_a_context_manager_and_closes_once(tmp_path: Path) -> None:
    project = "-home-dev-small"
    session = generate_session(tmp_path / "projects" / project, messages=200, seed=5)
    with Tracer(
        TracerOptions(projects_roots=[tmp_path / "projects"], persistent_catalog=False)
    ) as tracer:
        page = tracer.page(MessagesPageParams(session_id=session.session_id, project=project))
        assert page.messages
        tracer.ensure_loaded(SessionRef(session_id=session.session_id, project=project))
    assert tracer._closed
    tracer.close()  # a second close does nothing (and does not raise)
