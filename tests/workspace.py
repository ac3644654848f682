"""A workspace recreated from the real samples: the spotter-a0y session's cwd is rewritten to a
temporary folder, and files that session wrote are created there with the text it wrote."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

SAMPLES = Path(__file__).resolve().parents[1] / "server" / "claude_code_tracer" / "samples"
A0Y_PROJECT = "-home-USER-projects-spotter-worktrees-spotter-a0y"
A0Y_SESSION = "fa812bfe-b295-4cca-9c2f-fdf01028cb46"
A0Y_CWD = "/home/USER/projects/spotter-worktrees/spotter-a0y"
SCRIPT = "spotter-plugin/scripts/notify-session-end.sh"


def tool_inputs(session: Path, name: str) -> list[dict[str, Any]]:
    out = []
    for line in session.read_text(encoding="utf-8").splitlines():
        entry = json.loads(line)
        if entry.get("type") != "assistant":
            continue
        for block in entry["message"]["content"]:
            if block.get("type") == "tool_use" and block["name"] == name:
                out.append(block["input"])
    return out


def recreate(tmp: Path) -> tuple[Path, Path]:
    """(projects root, workspace folder) with the a0y session pointing at the workspace."""
    root = tmp / "projects"
    workspace = tmp / "workspace" / "spotter-a0y"
    workspace.mkdir(parents=True)
    src = SAMPLES / "projects" / A0Y_PROJECT
    dst = root / A0Y_PROJECT
    shutil.copytree(src, dst)
    for path in dst.rglob("*.jsonl"):
        text = path.read_text(encoding="utf-8").replace(A0Y_CWD, str(workspace))
        path.write_text(text, encoding="utf-8")
    session = dst / f"{A0Y_SESSION}.jsonl"
    for inp in tool_inputs(session, "Write"):
        target = Path(inp["file_path"])
        if target.name == Path(SCRIPT).name:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(inp["content"], encoding="utf-8")
    return root, workspace
