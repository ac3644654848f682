"""Options: initializationOptions, workspace/didChangeConfiguration, logging, work-done progress
while the archive is indexed, and the idle sweep."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException

from .lsp_support import CONFIG, SMALL_SESSION, WAIT, TracerClient, init_params


@pytest_lsp.fixture(config=CONFIG)
async def empty_client(lsp_client: TracerClient, tmp_path: Path):
    """A server started on an empty projects root."""
    (tmp_path / "empty").mkdir()
    await lsp_client.initialize_session(init_params(tmp_path / "empty", tmp_path / "cache"))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def plain_client(lsp_client: TracerClient, projects: Path, tmp_path: Path):
    """A client without window.workDoneProgress, and with a bad option among good ones."""
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=types.ClientCapabilities(),
            initialization_options={
                "projectsRoot": str(projects),
                "cacheDir": str(tmp_path / "cache"),
                "sessionTtlSeconds": -5,
            },
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=CONFIG)
async def short_ttl_client(lsp_client: TracerClient, projects: Path, tmp_path: Path):
    await lsp_client.initialize_session(
        init_params(projects, tmp_path / "cache", sessionTtlSeconds=1)
    )
    yield
    await lsp_client.shutdown_session()


async def test_first_listing_reports_indexing_progress(client: TracerClient) -> None:
    listed = await client.request("sessions/list", {})
    assert len(listed["sessions"]) == 8
    tokens = [t for t in client.progress_reports if str(t).startswith("cct-")]
    assert len(tokens) == 1, client.progress_reports
    reports = client.progress_reports[tokens[0]]
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert reports[0].title and "Indexing" in reports[0].title
    assert isinstance(reports[-1], types.WorkDoneProgressEnd)
    percentages = [r.percentage for r in reports[:-1]]
    assert percentages == sorted(percentages) and percentages[-1] == 100

    # Indexed now: listing again creates no progress.
    await client.request("sessions/list", {"limit": 3})
    assert [t for t in client.progress_reports if str(t).startswith("cct-")] == tokens


async def test_logs_reach_the_client(client: TracerClient, projects: Path) -> None:
    message = await client.wait_for_log(f"reading {projects}")
    assert message.type == types.MessageType.Info
    await client.wait_for_log("watching")


async def test_reconfiguration_switches_the_archive(
    empty_client: TracerClient, projects: Path
) -> None:
    client = empty_client
    assert (await client.request("sessions/list", {}))["sessions"] == []

    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"claudeCodeTracer": {"projectsRoot": str(projects)}}
        )
    )
    await client.wait_for_log(f"reading {projects}")
    listed = await client.request("sessions/list", {})
    assert len(listed["sessions"]) == 8
    page = await client.request("messages/page", {"sessionId": SMALL_SESSION, "limit": 4})
    assert len(page["messages"]) == 4
    # The watcher follows the new root.
    await client.wait_for_log(f"watching {projects}")

    # Keys not sent keep their value: a new TTL does not lose the projects root.
    seen = len(client.log_messages)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"sessionTtlSeconds": 30})
    )
    await client.wait_for_log(f"reading {projects}", start=seen)
    assert len((await client.request("sessions/list", {}))["sessions"]) == 8


async def test_reconfiguration_pulls_settings_when_not_sent(
    empty_client: TracerClient, projects: Path
) -> None:
    client = empty_client
    client.set_configuration({"projectsRoot": str(projects)}, section="claudeCodeTracer")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await client.wait_for_log(f"reading {projects}")
    assert len((await client.request("sessions/list", {}))["sessions"]) == 8


async def test_a_bad_option_falls_back_to_its_default_and_the_others_apply(
    plain_client: TracerClient,
) -> None:
    client = plain_client
    shown = [m.message for m in client.messages]
    assert any("sessionTtlSeconds" in m and "defaults" in m for m in shown), shown
    # Only the bad option is refused: projectsRoot beside it still applies (issue 18.7).
    listed = await client.request("sessions/list", {})
    assert len(listed["sessions"]) == 8
    assert not client.progress_reports, "no work-done progress without the capability"

    seen = len(client.log_messages)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"cacheDir": 12})
    )
    await client.wait_for_log("workspace/didChangeConfiguration: invalid params", start=seen)
    # cacheDir keeps its value, the rest did not change: the same archive is served
    assert len((await client.request("sessions/list", {}))["sessions"]) == 8
    assert not any("reopening" in m.message for m in client.log_messages[seen:])


async def test_idle_sessions_are_released_after_the_ttl(short_ttl_client: TracerClient) -> None:
    client = short_ttl_client
    first = await client.request("messages/page", {"sessionId": SMALL_SESSION, "limit": 5})
    await client.wait_for_log("released 1 session(s) idle", timeout=15)
    again = await client.request("messages/page", {"sessionId": SMALL_SESSION, "limit": 5})
    assert again == first


@pytest_lsp.fixture(config=CONFIG)
async def closing_client(lsp_client: TracerClient, projects: Path, tmp_path: Path):
    """The test itself sends shutdown; teardown only sends exit."""
    await lsp_client.initialize_session(init_params(projects, tmp_path / "cache"))
    yield
    lsp_client.exit(None)
    await asyncio.wait_for(lsp_client._server.wait(), WAIT)  # type: ignore[union-attr]
    assert lsp_client._server.returncode == 0  # type: ignore[union-attr]


async def test_requests_after_shutdown_are_refused_not_dropped(
    closing_client: TracerClient,
) -> None:
    client = closing_client
    assert await client.request("messages/page", {"sessionId": SMALL_SESSION, "limit": 1})
    await asyncio.wait_for(client.shutdown_async(None), WAIT)
    with pytest.raises(JsonRpcException) as raised:
        await client.request("sessions/list", {})
    assert raised.value.code == -32600


@pytest_lsp.fixture(config=CONFIG)
async def unwatched_client(lsp_client: TracerClient, projects: Path, tmp_path: Path):
    await lsp_client.initialize_session(init_params(projects, tmp_path / "cache", watch=False))
    yield
    await lsp_client.shutdown_session()


async def test_watch_can_be_switched_off_and_on(
    unwatched_client: TracerClient, projects: Path
) -> None:
    client = unwatched_client
    await client.wait_for_log("not watching for changes: the watch option is off")
    assert not any("watching /" in m.message for m in client.log_messages)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"claudeCodeTracer": {"watch": True}})
    )
    await client.wait_for_log(f"watching {projects}")
