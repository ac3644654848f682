"""The user's own prices over the shipped table, through the real server: set at start, changed
with workspace/didChangeConfiguration (re-priced without reopening the archive); a bad entry is
refused with a message and keeps its current value, while the good entries and every other
option apply (issue 18.7)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types

from .lsp_support import CONFIG, SMALL_PROJECT, SMALL_SESSION, TracerClient, init_params

# Dollars per million tokens, made up (no model costs this): input, output, cache read, 5-minute
# and 1-hour cache writes.
FIRST = {"input": 1, "output": 2, "cacheRead": 0.1, "cacheWrite5m": 0.5, "cacheWrite1h": 4}
SECOND = {"input": 10, "output": 20, "cacheRead": 1, "cacheWrite5m": 5, "cacheWrite1h": 40}


def _hand_count(projects: Path) -> list[int]:
    """Input, output, cache read, 5-minute and 1-hour writes of the small session (one model,
    claude-opus-4-6), read here by hand: the line with the most tokens of each message.id."""
    best: dict[str, tuple[int, list[int]]] = {}
    for raw in (projects / SMALL_PROJECT / f"{SMALL_SESSION}.jsonl").read_text().splitlines():
        o = json.loads(raw)
        if o.get("type") != "assistant":
            continue
        m = o["message"]
        assert m["model"] == "claude-opus-4-6"
        u = m["usage"]
        written = u.get("cache_creation_input_tokens") or 0
        one_hour = (u.get("cache_creation") or {}).get("ephemeral_1h_input_tokens") or 0
        five = [
            u.get("input_tokens") or 0,
            u.get("output_tokens") or 0,
            u.get("cache_read_input_tokens") or 0,
            written - one_hour,
            one_hour,
        ]
        total = sum(five)
        if m["id"] not in best or total > best[m["id"]][0]:
            best[m["id"]] = (total, five)
    return [sum(v[1][i] for v in best.values()) for i in range(5)]


def _dollars(usage: list[int], rates: dict[str, float]) -> float:
    keys = ("input", "output", "cacheRead", "cacheWrite5m", "cacheWrite1h")
    return sum(n * rates[k] for n, k in zip(usage, keys, strict=True)) / 1e6


@pytest_lsp.fixture(config=CONFIG)
async def priced_client(lsp_client: TracerClient, projects: Path, tmp_path: Path):
    await lsp_client.initialize_session(
        init_params(projects, tmp_path / "cache", prices={"claude-opus-4-6": FIRST})
    )
    yield
    await lsp_client.shutdown_session()


async def _cost(client: TracerClient) -> dict[str, Any]:
    return await client.request("session/cost", {"sessionId": SMALL_SESSION})


async def test_prices_setting_reprices_without_reopening(
    priced_client: TracerClient, projects: Path
) -> None:
    client = priced_client
    usage = _hand_count(projects)
    assert usage[4] > 0, "the sample has 1-hour cache writes"
    first = await _cost(client)
    assert first["costUsd"] == pytest.approx(_dollars(usage, FIRST))
    assert first["overriddenModels"] == ["claude-opus-4-6"] and first["complete"]
    assert sum(first["responseCosts"].values()) == pytest.approx(first["costUsd"])

    seen = len(client.log_messages)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"claudeCodeTracer": {"prices": {"claude-opus-4-6": SECOND}}}
        )
    )
    await client.wait_for_log("prices changed", start=seen)
    second = await _cost(client)
    assert second["costUsd"] == pytest.approx(_dollars(usage, SECOND))
    assert second["costUsd"] == pytest.approx(10 * first["costUsd"])
    # Only the prices changed: the archive was not reopened for them.
    assert not any("reopening" in m.message for m in client.log_messages[seen:])

    # Back to the shipped table: Opus 4.6 at $5 / $25 / $0.50 / $6.25 / $10.
    seen = len(client.log_messages)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"claudeCodeTracer": {"prices": {}}})
    )
    await client.wait_for_log("prices changed", start=seen)
    shipped = await _cost(client)
    table = {"input": 5, "output": 25, "cacheRead": 0.5, "cacheWrite5m": 6.25, "cacheWrite1h": 10}
    assert shipped["costUsd"] == pytest.approx(_dollars(usage, table))
    assert shipped["overriddenModels"] == []


async def test_a_bad_price_entry_is_reported_and_keeps_its_price(
    priced_client: TracerClient, projects: Path
) -> None:
    client = priced_client
    before = await _cost(client)
    bad = {"claude-opus-4-6": {**SECOND, "input": -3}, "claude-sonnet-4-6": SECOND}
    seen = len(client.log_messages)
    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(settings={"claudeCodeTracer": {"prices": bad}})
    )
    logged = await client.wait_for_log(
        "workspace/didChangeConfiguration: invalid params", start=seen
    )
    assert "prices.claude-opus-4-6.input" in logged.message, logged.message
    # The bad entry keeps its current price (the good neighbour, another model, applies).
    assert await _cost(client) == before
    # The user is told too (window/showMessage, written before that answer).
    shown = [m.message for m in client.messages]
    assert any("prices.claude-opus-4-6.input" in m for m in shown), shown
    assert before["costUsd"] == pytest.approx(_dollars(_hand_count(projects), FIRST))


@pytest_lsp.fixture(config=CONFIG)
async def half_bad_client(lsp_client: TracerClient, projects: Path, tmp_path: Path):
    """Started with a good price, a bad price and a bad model name beside a real projectsRoot."""
    prices = {
        "claude-opus-4-6": FIRST,
        "claude-sonnet-4-6": {**SECOND, "cacheRead": "lots"},
        "bad model/../x": SECOND,
    }
    await lsp_client.initialize_session(init_params(projects, tmp_path / "cache", prices=prices))
    yield
    await lsp_client.shutdown_session()


async def test_one_bad_price_at_start_leaves_the_other_options_and_prices_applied(
    half_bad_client: TracerClient, projects: Path
) -> None:
    client = half_bad_client
    shown = [m.message for m in client.messages]
    assert any(
        "prices.claude-sonnet-4-6.cacheRead" in m and "the other options apply" in m for m in shown
    ), shown
    # projectsRoot applies (it fell back to the default root on main: "no session")
    assert len((await client.request("sessions/list", {}))["sessions"]) == 8
    # and so does the good price beside the bad ones
    cost = await _cost(client)
    assert cost["overriddenModels"] == ["claude-opus-4-6"]
    assert cost["costUsd"] == pytest.approx(_dollars(_hand_count(projects), FIRST))
