"""A brute-force reading of transcript files in plain Python, written apart from the core.

Tests compare the core's pages and filters with what this computes from the same files. It is
deliberately naive (json.loads per line, lists, sorted()) so that its answer is easy to trust.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

META = {
    "summary",
    "ai-title",
    "custom-title",
    "agent-name",
    "agent-setting",
    "permission-mode",
    "mode",
    "last-prompt",
    "pr-link",
    "bridge-session",
    "file-history-snapshot",
    "file-history-delta",
    "queue-operation",
    "tag",
}


@dataclass
class Row:
    uuid: str
    kind: str
    ts: datetime
    order: int
    sidechain: bool
    agent_id: str | None
    tools: list[str] = field(default_factory=list)
    error: bool = False
    text: str = ""


def _ts(value: str | None) -> datetime:
    if not value:
        return datetime(1970, 1, 1)
    return datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)


def _plain(content: Any) -> str:
    if isinstance(content, str):
        return content
    out = []
    for b in content or []:
        if not isinstance(b, dict):
            continue
        if b.get("type") == "text":
            out.append(b.get("text", ""))
        elif b.get("type") == "tool_result":
            out.append(_plain(b.get("content")))
    return "\n".join(out)


def read_rows(files: list[Path]) -> list[Row]:
    """Every message row of a session's files, in the core's documented order: by timestamp,
    then by position in the files (main file first, then subagent files)."""
    rows: list[Row] = []
    names: dict[str, str] = {}
    order = 0
    for file_no, path in enumerate(files):
        agent_file = path.name.startswith("agent-")
        last_ts: str | None = None
        for line_no, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
            if not raw.strip():
                continue
            try:
                e = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(e, dict) or e.get("type") in META:
                continue
            ts = e.get("timestamp") or last_ts
            last_ts = ts
            t = e.get("type")
            msg = e.get("message") if isinstance(e.get("message"), dict) else {}
            content = msg.get("content")
            side = bool(e.get("isSidechain")) or agent_file
            agent = e.get("agentId") or (path.name[6:-6] if agent_file else None)
            row = Row(
                uuid=e.get("uuid") or f"line:{file_no}:{line_no}",
                kind="unknown",
                ts=_ts(ts),
                order=order,
                sidechain=side,
                agent_id=agent if side else None,
            )
            order += 1
            if t == "assistant":
                row.kind = "assistant"
                for b in content if isinstance(content, list) else []:
                    if isinstance(b, dict) and b.get("type") == "tool_use":
                        names[b.get("id", "")] = b.get("name", "")
                        row.tools.append(b.get("name", ""))
                row.error = bool(e.get("isApiErrorMessage"))
                row.text = _plain(content)
            elif t == "user":
                if (
                    isinstance(content, list)
                    and content
                    and all(isinstance(b, dict) and b.get("type") == "tool_result" for b in content)
                ):
                    row.kind = "tool_result"
                    row.tools = [names.get(b.get("tool_use_id", ""), "") for b in content]
                    row.error = any(b.get("is_error") for b in content)
                else:
                    row.kind = "user"
                row.text = _plain(content)
            elif t == "system":
                row.kind = "system"
                row.error = e.get("level") == "error" or e.get("subtype") == "api_error"
            elif t in ("progress", "attachment"):
                row.kind = t
                if t == "attachment":
                    att = e.get("attachment") or {}
                    row.error = att.get("type") in (
                        "hook_blocking_error",
                        "hook_non_blocking_error",
                    )
            rows.append(row)
    rows.sort(key=lambda r: (r.ts, r.order))
    return rows


def session_files(main: Path) -> list[Path]:
    sid = main.name[:-6]
    nested = main.parent / sid / "subagents"
    files = [main]
    if nested.is_dir():
        files += sorted(nested.rglob("agent-*.jsonl"))
    for sib in sorted(main.parent.glob("agent-*.jsonl")):
        first = next((ln for ln in sib.read_bytes().split(b"\n") if ln.strip()), b"{}")
        try:
            if json.loads(first).get("sessionId") == sid:
                files.append(sib)
        except ValueError:
            pass
    return files
