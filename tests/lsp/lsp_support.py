"""Test client for the language server: the real server process over stdio, raw-JSON results.

The client differs from pytest-lsp's default in three ways:

- custom results and ``sessions/didChange`` params stay dicts (pygls would make namedtuples);
- ``$/progress`` values for partial-result tokens are collected per token (the default handler only
  understands work-done values and raises on ``{messages: [...]}``);
- ``sessions/didChange`` notifications are kept in a list that tests can wait on;
- ``workspace/codeLens/refresh`` requests are counted (``lens_refreshes``), and can be waited on.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient, LanguageClientProtocol
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features
from pytest_lsp.client import log_message as default_log_handler
from pytest_lsp.client import progress as default_progress_handler

from claude_code_tracer.models import METHOD_PARAMS

REPO = Path(__file__).resolve().parents[2]
SERVER_DIR = REPO / "server"
SAMPLES = SERVER_DIR / "claude_code_tracer" / "samples" / "projects"

CUSTOM_REQUESTS = frozenset(METHOD_PARAMS)  # results stay JSON for every custom method
DID_CHANGE = "sessions/didChange"
WAIT = 20.0  # seconds: an upper bound so that a failing test cannot hang the suite


@attrs.define
class RawResponse:
    id: int | str
    jsonrpc: str
    result: Any = None


@attrs.define
class RawNotification:
    method: str
    jsonrpc: str
    params: Any = None


class RawClientProtocol(LanguageClientProtocol):
    """Leaves the results of the custom methods, and their notification, as plain JSON."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for cls in (RawResponse, RawNotification):
            self._converter.register_structure_hook(cls, lambda obj, c: c(**obj))

    def get_result_type(self, method: str) -> Any:
        if method in CUSTOM_REQUESTS:
            return RawResponse
        return super().get_result_type(method)

    def get_message_type(self, method: str) -> Any:
        if method == DID_CHANGE:
            return RawNotification
        return super().get_message_type(method)


class TracerClient(LanguageClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, protocol_cls=RawClientProtocol, **kwargs)
        self.partials: dict[Any, list[Any]] = {}
        self._partial_waiters: dict[Any, asyncio.Future[None]] = {}
        self.changes: list[dict[str, Any]] = []
        self._changed = asyncio.Event()
        self._logged = asyncio.Event()
        self.lens_refreshes = 0
        self._lens_refreshed = asyncio.Event()

    def on_log(self, params: types.LogMessageParams) -> None:
        self._logged.set()

    async def wait_for_log(
        self, text: str, timeout: float = WAIT, start: int = 0
    ) -> types.LogMessageParams:
        """The first window/logMessage from index ``start`` on (so far or later) containing
        ``text``."""

        async def scan() -> types.LogMessageParams:
            while True:
                for params in self.log_messages[start:]:
                    if text in params.message:
                        return params
                self._logged.clear()
                await self._logged.wait()

        return await asyncio.wait_for(scan(), timeout)

    def expect_partials(self, token: str) -> asyncio.Future[None]:
        """Collect ``$/progress`` values for ``token``; the future resolves on the first one."""
        self.partials[token] = []
        waiter = asyncio.get_running_loop().create_future()
        self._partial_waiters[token] = waiter
        return waiter

    def on_partial(self, token: Any, value: Any) -> None:
        self.partials[token].append(value)
        waiter = self._partial_waiters.get(token)
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def on_change(self, params: dict[str, Any]) -> None:
        self.changes.append(params)
        self._changed.set()

    async def wait_for_change(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = WAIT
    ) -> dict[str, Any]:
        """The first change (``{sessionId, project, kind}``) seen so far or later that matches."""

        async def scan() -> dict[str, Any]:
            while True:
                for note in self.changes:
                    for change in note["changes"]:
                        if predicate(change):
                            return change
                self._changed.clear()
                await self._changed.wait()

        return await asyncio.wait_for(scan(), timeout)

    def on_lens_refresh(self) -> None:
        self.lens_refreshes += 1
        self._lens_refreshed.set()

    async def wait_for_lens_refresh(self, after: int, timeout: float = WAIT) -> None:
        """Until more than ``after`` workspace/codeLens/refresh requests have come."""

        async def scan() -> None:
            while self.lens_refreshes <= after:
                self._lens_refreshed.clear()
                await self._lens_refreshed.wait()

        await asyncio.wait_for(scan(), timeout)

    async def request(self, method: str, params: Any, msg_id: Any = None) -> Any:
        return await asyncio.wait_for(
            self.protocol.send_request_async(method, params, msg_id=msg_id), WAIT
        )


def make_client() -> TracerClient:
    client = TracerClient(converter_factory=default_converter)
    mine = {types.PROGRESS, types.WINDOW_LOG_MESSAGE}
    features = {m: f for m, f in DEFAULT_CLIENT_FEATURES.items() if m not in mine}
    register_lsp_features(client, features)

    @client.feature(types.PROGRESS)
    def on_progress(ls: TracerClient, params: types.ProgressParams) -> None:
        if params.token in ls.partials:
            ls.on_partial(params.token, params.value)
        else:
            default_progress_handler(ls, params)

    @client.feature(types.WINDOW_LOG_MESSAGE)
    def on_log_message(ls: TracerClient, params: types.LogMessageParams) -> None:
        default_log_handler(ls, params)
        ls.on_log(params)

    @client.feature(DID_CHANGE)
    def on_did_change(ls: TracerClient, params: Any) -> None:
        ls.on_change(params)

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def on_lens_refresh(ls: TracerClient, params: None) -> None:
        ls.on_lens_refresh()

    return client


def server_env() -> dict[str, str]:
    env = dict(os.environ)
    path = env.get("PYTHONPATH")
    env["PYTHONPATH"] = str(SERVER_DIR) + (os.pathsep + path if path else "")
    # Never read the developer's real archive, whatever a test forgets to pass.
    env["CLAUDE_CONFIG_DIR"] = str(REPO / "nonexistent-claude-config")
    return env


CONFIG = ClientServerConfig(
    server_command=[sys.executable, "-m", "claude_code_tracer", "serve"],
    client_factory=make_client,
    server_env=server_env(),
)

CAPABILITIES = types.ClientCapabilities(
    window=types.WindowClientCapabilities(work_done_progress=True),
    workspace=types.WorkspaceClientCapabilities(configuration=True),
)


def init_params(projects: Path, cache: Path, **extra: Any) -> types.InitializeParams:
    return types.InitializeParams(
        capabilities=CAPABILITIES,
        initialization_options={"projectsRoot": str(projects), "cacheDir": str(cache), **extra},
    )


BIG_SESSION = "fa812bfe-b295-4cca-9c2f-fdf01028cb46"  # 3.5 MB, subagents, tool errors
BIG_PROJECT = "-home-USER-projects-spotter-worktrees-spotter-a0y"
SMALL_SESSION = "55604662-cf2a-4331-851a-ec234028f8ca"
SMALL_PROJECT = "-home-marco-projects-spotter"


async def page_all(client: TracerClient, params: dict[str, Any], limit: int) -> list[Any]:
    """Every message of ``messages/page`` for ``params``, following nextCursor."""
    messages: list[Any] = []
    cursor = None
    while True:
        page = await client.request("messages/page", {**params, "limit": limit, "cursor": cursor})
        messages.extend(page["messages"])
        if not page["hasMore"]:
            return messages
        assert page["nextCursor"], page
        cursor = page["nextCursor"]


_tokens = itertools.count(1)


async def stream_all(
    client: TracerClient, params: dict[str, Any], batch: int, limit: int = 500
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Stream a whole session (following nextCursor); returns the messages and the responses."""
    messages: list[Any] = []
    responses: list[dict[str, Any]] = []
    cursor = None
    while True:
        token = f"partial-{next(_tokens)}"
        client.expect_partials(token)
        response = await client.request(
            "messages/stream",
            {
                **params,
                "cursor": cursor,
                "limit": limit,
                "batchSize": batch,
                "partialResultToken": token,
            },
        )
        batches = client.partials.pop(token)
        assert all(set(b) == {"messages"} for b in batches)
        assert all(len(b["messages"]) == batch for b in batches), "full batches before the last"
        messages.extend(m for b in batches for m in b["messages"])
        messages.extend(response["messages"])
        responses.append(response)
        if not response["hasMore"]:
            return messages, responses
        cursor = response["nextCursor"]
