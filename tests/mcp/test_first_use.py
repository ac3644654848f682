"""A server asked at once, before its first builds are done: the catalog (built in the
background from the start) and the sessions a usage report reads. The first calls answer whole,
and a long one sends progress notifications to a caller that asked for them."""

from __future__ import annotations

from pathlib import Path

import anyio

from ..synthetic import generate_archive
from .support import Running, ok


async def test_first_calls_answer_whole_and_usage_reports_progress(tmp_path: Path) -> None:
    generated = generate_archive(tmp_path, sessions=30, messages_per_session=(300, 700), seed=9)
    async with Running(tmp_path / "projects", tmp_path / "cache") as session:
        # the warm-up is still building the catalog: the listing waits for it, then answers all
        listed = await ok(
            session, "list_sessions", {"limit": 100, "withCost": False, "maxChars": 200_000}
        )
        assert {s["sessionId"] for s in listed["sessions"]} == {g.session_id for g in generated}
        seen: list[tuple[float, float | None]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append((progress, total))

        with anyio.fail_after(300):
            result = await session.call_tool(
                "usage", {"groupBy": "project"}, progress_callback=on_progress
            )
        assert not result.is_error and result.structured_content is not None
        assert result.structured_content["sessions"] == len(generated)
        # whole percents of the bytes read, rising, the last one all of them
        assert len(seen) >= 2
        assert [p for p, _ in seen] == sorted(p for p, _ in seen)
        assert seen[-1][0] == seen[-1][1]
