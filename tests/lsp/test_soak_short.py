"""A few seconds of the soak test (tests/soak.py) in every run: live sessions followed by a pager
and a streamer on two real servers, every line seen exactly once. The whole-session streams that
race a refresh (issue 11 item 1) are left to ``python -m tests.soak``."""

from __future__ import annotations

import pytest

from tests.soak import run


def test_clients_following_live_sessions_see_every_line_once(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = run(seconds=5.0, sessions=3, rate=150.0, seed=1, rereads=False)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "result: exact (0 errors" in out


def test_records_without_their_newline_are_seen_once_by_live_clients(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A quarter of the records are written whole without their newline; the next write brings
    it late or joins the next record to it (issue #21 item 1)."""
    code = run(seconds=5.0, sessions=3, rate=150.0, seed=2, rereads=False, unterminated=0.25)
    out = capsys.readouterr().out
    assert code == 0, out
    assert "result: exact (0 errors" in out
