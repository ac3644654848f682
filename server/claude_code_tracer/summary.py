"""A session in one answer (what an agent asks before reading it): its listing, metrics, cost
with the subagents' share apart, tools, files written and read, subagents, and how to resume it.

Assembled from answers the tracer already computes (each cached per file identity), never
recomputed here."""

from __future__ import annotations

import shlex
from collections import Counter
from collections.abc import Iterable
from typing import Any

from .models import (
    FileCount,
    SessionCost,
    SessionInfo,
    SessionMetrics,
    SessionSubagents,
    SessionSummary,
    SessionTools,
)

# Files listed per kind (the most touched first); the counts cover them all.
MAX_FILES = 200


def resume_command(session_id: str, cwd: str | None) -> str:
    """The shell line that reopens the session in Claude Code (from its folder: sessions are
    found per project folder)."""
    resume = f"claude --resume {shlex.quote(session_id)}"
    return f"cd {shlex.quote(cwd)} && {resume}" if cwd else resume


def _counts(paths: Iterable[str]) -> list[FileCount]:
    counted = Counter(paths)
    ranked = sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_FILES]
    return [FileCount(path=p, count=n) for p, n in ranked]


def build(
    info: SessionInfo,
    metrics: SessionMetrics,
    cost: SessionCost,
    tools: SessionTools,
    subagents: SessionSubagents,
    touches: list[dict[str, Any]],
) -> SessionSummary:
    return SessionSummary(
        session_id=info.session_id,
        project=info.project,
        title=info.title,
        cwd=info.cwd,
        git_branch=info.git_branch,
        first_timestamp=metrics.first_timestamp,
        last_timestamp=metrics.last_timestamp,
        duration_seconds=metrics.duration_seconds,
        message_count=metrics.message_count,
        tool_calls=metrics.tool_calls,
        errors=metrics.errors,
        tokens=metrics.tokens,
        subagent_tokens=metrics.subagent_tokens,
        cost_usd=cost.cost_usd,
        subagent_cost_usd=cost.subagent_cost_usd,
        cost_complete=cost.complete,
        unpriced_models=cost.unpriced_models,
        models=metrics.models,
        tools=tools.tools,
        files_written=_counts(t["path"] for t in touches if t["kind"] == "write"),
        files_read=_counts(t["path"] for t in touches if t["kind"] == "read"),
        subagents=subagents.subagents,
        resume_command=resume_command(info.session_id, info.cwd),
        deleted=info.deleted,
        archived=info.archived,
    )
