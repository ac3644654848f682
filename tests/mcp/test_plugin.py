"""The Claude Code plugin folder: a valid manifest, a skill that says when to use it, and an MCP
server declaration whose command starts the real server and lists its tools."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from mcp import ClientSession, StdioServerParameters, stdio_client

from .support import REPO, SAMPLES, WAIT

PLUGIN = REPO / "claude-plugin"


def test_the_manifest_is_valid_json_with_the_required_fields() -> None:
    manifest = json.loads((PLUGIN / ".claude-plugin" / "plugin.json").read_text("utf-8"))
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", manifest["name"])  # kebab-case, required
    assert re.fullmatch(r"\d+\.\d+\.\d+", manifest["version"])
    assert manifest["description"]
    pyproject = (REPO / "pyproject.toml").read_text("utf-8")
    assert f'version = "{manifest["version"]}"' in pyproject


def test_the_skill_names_itself_and_says_when_to_use_it() -> None:
    skills = list((PLUGIN / "skills").glob("*/SKILL.md"))
    assert len(skills) == 1
    text = skills[0].read_text("utf-8")
    front = re.match(r"---\n(.*?)\n---\n", text, re.S)
    assert front is not None
    fields = dict(line.split(": ", 1) for line in front.group(1).splitlines())
    assert fields["name"] == skills[0].parent.name
    assert fields["description"].startswith("Use when")
    for tool in ("search", "read_session", "blame", "usage"):
        assert f"`{tool}`" in text


@pytest.mark.asyncio
async def test_the_declared_server_command_starts_and_lists_the_tools(tmp_path: Path) -> None:
    declared = json.loads((PLUGIN / ".mcp.json").read_text("utf-8"))["mcpServers"]
    [(name, server)] = declared.items()
    assert name == "claude-code-tracer"
    # the command an installed package puts on PATH (this venv's, for the test)
    command = shutil.which(server["command"], path=str(Path(sys.executable).parent))
    assert command is not None
    env = dict(os.environ)
    env["CLAUDE_CONFIG_DIR"] = str(tmp_path / "claude")
    (tmp_path / "claude").symlink_to(SAMPLES.parent)  # its projects/ are the samples
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    params = StdioServerParameters(command=command, args=server["args"], env=env, cwd=str(tmp_path))
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=WAIT) as session:
            await session.initialize()
            tools = {t.name for t in (await session.list_tools()).tools}
            assert tools == {
                "search",
                "list_sessions",
                "read_session",
                "get_message",
                "blame",
                "session_summary",
                "usage",
            }
            listed = await session.call_tool("list_sessions", {"limit": 3, "withCost": False})
            assert not listed.is_error and len(listed.structured_content["sessions"]) == 3
