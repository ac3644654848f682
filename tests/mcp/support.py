"""The MCP server as an agent meets it: a real ``claude-code-tracer mcp`` process on stdio,
driven by the SDK's own client (``stdio_client`` + ``ClientSession``)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import mcp_types as types

from mcp import ClientSession, StdioServerParameters, stdio_client

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "tests" / "samples" / "projects"
WAIT = 120.0


def server_params(
    root: Path, cache: Path, workspace: Path | None = None, *extra: str
) -> StdioServerParameters:
    args = ["-m", "claude_code_tracer", "mcp", "--root", str(root), "--cache-dir", str(cache)]
    if workspace is not None:
        args += ["--workspace", str(workspace)]
    env = dict(os.environ)
    # never the developer's own transcripts
    env["CLAUDE_CONFIG_DIR"] = str(REPO / "nonexistent-claude-config")
    return StdioServerParameters(
        command=sys.executable, args=[*args, *extra], env=env, cwd=str(workspace or REPO)
    )


@asynccontextmanager
async def mcp_session(
    root: Path, cache: Path, workspace: Path | None = None
) -> AsyncIterator[ClientSession]:
    async with stdio_client(server_params(root, cache, workspace)) as (read, write):
        async with ClientSession(read, write, read_timeout_seconds=WAIT) as session:
            await session.initialize()
            yield session


async def call(session: ClientSession, name: str, args: dict[str, Any]) -> types.CallToolResult:
    result = await session.call_tool(name, args)
    assert isinstance(result, types.CallToolResult)
    return result


async def ok(session: ClientSession, name: str, args: dict[str, Any]) -> dict[str, Any]:
    """A successful call's structured content (the SDK client checked it against the tool's
    output schema), its text checked to be bounded like it."""
    result = await call(session, name, args)
    text = result.content[0].text if result.content else ""
    assert not result.is_error, text
    assert isinstance(result.structured_content, dict)
    bound = args.get("maxChars", 16_000)
    assert len(text) <= bound, (name, len(text))
    # as it is sent: compact JSON, UTF-8
    wire = json.dumps(result.structured_content, ensure_ascii=False, separators=(",", ":"))
    assert len(wire) <= bound, (name, len(wire))
    result.structured_content["_text"] = text
    return result.structured_content


async def error(session: ClientSession, name: str, args: dict[str, Any]) -> str:
    """A tool error result's one sentence (and the server still answers after it)."""
    result = await call(session, name, args)
    assert result.is_error, (name, args)
    text = result.content[0].text
    assert "Traceback" not in text and "\n" not in text, text
    tools = await session.list_tools()
    assert len(tools.tools) == 7
    return text


def raw_lines(path: Path) -> list[dict[str, Any]]:
    out = []
    for line in path.read_text(encoding="utf-8").split("\n"):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict):
            out.append(entry)
    return out


class Running:
    """A server whose client session lives in a task of its own, so that one server can serve a
    whole test module (anyio's scopes must be left by the task that entered them)."""

    def __init__(self, root: Path, cache: Path, workspace: Path | None = None) -> None:
        self.args = (root, cache, workspace)
        self.session: ClientSession | None = None

    async def __aenter__(self) -> ClientSession:
        import asyncio

        ready: asyncio.Future[ClientSession] = asyncio.get_running_loop().create_future()
        self._stop = asyncio.Event()

        async def hold() -> None:
            try:
                async with mcp_session(*self.args) as session:
                    ready.set_result(session)
                    await self._stop.wait()
            except BaseException as exc:
                if not ready.done():
                    ready.set_exception(exc)
                raise

        self._task = asyncio.ensure_future(hold())
        self.session = await asyncio.wait_for(ready, WAIT)
        return self.session

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        await self._task
