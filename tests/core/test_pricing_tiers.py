"""Issue #21 item 6: the long-context tiers of Opus 4.6 and Sonnet 4.6 (prompts over 200K tokens,
until the 1M window's GA on 2026-03-13), a line's own ``costUSD`` (not used: tokens are priced),
and a session's cost with the subagents' share apart. Worked examples are done by hand here;
session costs are counted from the raw lines of real samples with the rates written below."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.models import SessionRef
from claude_code_tracer.pricing import Usage, cost_of, price_of
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import copy_projects

BEFORE_GA = datetime(2026, 3, 12, 23, 59)
AT_GA = datetime(2026, 3, 13)
LONG = Usage(input=150_000, output=1_000, cache_read=40_000, cache_write_5m=10_000,
             cache_write_1h=10_000)  # fmt: skip  # a 210,000-token prompt

# (model, time, dollars of LONG): 150,000 input, 1,000 output, 40,000 cache reads, 10,000
# 5-minute and 10,000 1-hour writes, in millionths of a dollar, by hand
WORKED = [
    # Opus 4.6 in its tier, $10 / $37.50 / $1 / $12.50 / $20 per million:
    # 1,500,000 + 37,500 + 40,000 + 125,000 + 200,000
    ("claude-opus-4-6", BEFORE_GA, "1.9025"),
    # ... and at the base rates from the GA on, $5 / $25 / $0.50 / $6.25 / $10:
    # 750,000 + 25,000 + 20,000 + 62,500 + 100,000
    ("claude-opus-4-6", AT_GA, "0.9575"),
    # Sonnet 4.6 in its tier, $6 / $22.50 / $0.60 / $7.50 / $12:
    # 900,000 + 22,500 + 24,000 + 75,000 + 120,000
    ("claude-sonnet-4-6", BEFORE_GA, "1.1415"),
    # ... and after, $3 / $15 / $0.30 / $3.75 / $6: 450,000 + 15,000 + 12,000 + 37,500 + 60,000
    ("claude-sonnet-4-6", AT_GA, "0.5745"),
    # Sonnet 4.5's tier has no end
    ("claude-sonnet-4-5-20250929", datetime(2026, 12, 1), "1.1415"),
]


def by_hand(model: str, at: datetime) -> Decimal:
    rates = {
        ("claude-opus-4-6", True): ("10", "37.50", "1", "12.50", "20"),
        ("claude-opus-4-6", False): ("5", "25", "0.50", "6.25", "10"),
        ("claude-sonnet-4-6", True): ("6", "22.50", "0.60", "7.50", "12"),
        ("claude-sonnet-4-6", False): ("3", "15", "0.30", "3.75", "6"),
        ("claude-sonnet-4-5-20250929", True): ("6", "22.50", "0.60", "7.50", "12"),
    }[(model, model == "claude-sonnet-4-5-20250929" or at < AT_GA)]
    counts = (LONG.input, LONG.output, LONG.cache_read, LONG.cache_write_5m, LONG.cache_write_1h)
    return sum((n * Decimal(r) for n, r in zip(counts, rates, strict=True)), Decimal(0)) / 10**6


@pytest.mark.parametrize(("model", "at", "worked"), WORKED)
def test_worked_example_per_long_context_tier(model: str, at: datetime, worked: str) -> None:
    price = price_of(model)
    assert price is not None
    assert by_hand(model, at) == Decimal(worked)
    assert cost_of(LONG, price, at) == Decimal(worked)
    # exactly 200,000 tokens is not over the threshold: base rates whenever
    at_limit = Usage(input=140_000, output=1_000, cache_read=60_000)
    base = Decimal(140_000) * price.input + 1_000 * price.output + 60_000 * price.cache_read
    assert cost_of(at_limit, price, BEFORE_GA) == base / 10**6


def test_opus_4_6_in_its_tier_costs_the_published_rates() -> None:
    """$10 / $37.50 per million input / output for a prompt over 200K tokens (by hand)."""
    price = price_of("claude-opus-4-6")
    assert price is not None
    usage = Usage(input=300_000, output=10_000)
    assert cost_of(usage, price, BEFORE_GA) == Decimal("3.375")  # 3,000,000 + 375,000 millionths
    assert cost_of(usage, price, AT_GA) == Decimal("1.75")  # 1,500,000 + 250,000


def responses(paths: list[Path]) -> dict[str, dict[str, Any]]:
    """message.id -> the assistant line with the most tokens (FORMAT.md §6), from raw lines."""
    best: dict[str, tuple[int, dict[str, Any]]] = {}
    for path in paths:
        for line in path.read_bytes().split(b"\n"):
            if not line.strip():
                continue
            e = json.loads(line)
            msg = e.get("message")
            if e.get("type") != "assistant" or not isinstance(msg, dict):
                continue
            u = msg.get("usage") or {}
            tot = sum(u.get(k) or 0 for k in ("input_tokens", "output_tokens",
                      "cache_read_input_tokens", "cache_creation_input_tokens"))  # fmt: skip
            key = msg.get("id") or e["uuid"]
            if key not in best or tot > best[key][0]:
                best[key] = (tot, e)
    return {k: v[1] for k, v in best.items()}


RATES = {  # per million: input, output, cache read, 5m write, 1h write
    "claude-opus-4-6": ("5", "25", "0.50", "6.25", "10"),
    "claude-opus-4-6 long": ("10", "37.50", "1", "12.50", "20"),
    "claude-haiku-4-5-20251001": ("1", "5", "0.10", "1.25", "2"),
}


def dollars(entry: dict[str, Any]) -> Decimal:
    u = entry["message"]["usage"]
    split = u.get("cache_creation") or {}
    w1 = split.get("ephemeral_1h_input_tokens") or 0
    w5 = (u.get("cache_creation_input_tokens") or 0) - w1
    counts = (u.get("input_tokens") or 0, u.get("output_tokens") or 0,
              u.get("cache_read_input_tokens") or 0, w5, w1)  # fmt: skip
    model = entry["message"]["model"]
    prompt = counts[0] + counts[2] + counts[3] + counts[4]
    if model == "claude-opus-4-6" and prompt > 200_000 and entry["timestamp"] < "2026-03-13":
        model += " long"
    rates = RATES[model]
    return sum((n * Decimal(r) for n, r in zip(counts, rates, strict=True)), Decimal(0)) / 10**6


def test_a_session_s_cost_has_the_subagents_share_apart(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    agents = sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))
    own = sum((dollars(e) for e in responses([main]).values()), Decimal(0))
    sub = sum((dollars(e) for e in responses(agents).values()), Decimal(0))
    assert own > 0 and sub > 0
    cost = make_tracer(root).cost(SessionRef(session_id=main.stem))
    assert cost.complete
    assert cost.cost_usd == pytest.approx(float(own + sub), rel=1e-9)
    assert cost.subagent_cost_usd == pytest.approx(float(sub), rel=1e-9)
    assert cost.dump()["subagentCostUsd"] == cost.subagent_cost_usd


def test_a_real_session_on_opus_4_6_over_200k_tokens_before_the_ga_pays_the_tier(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """irr-13's trunk (Opus 4.6, April 2026) moved to February with every prompt made 250K
    tokens long by its cache reads: each response pays the tier, counted from the raw lines."""
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    shutil.rmtree(main.parent / main.stem)  # the trunk alone
    lines = []
    for raw in main.read_bytes().split(b"\n"):
        if not raw.strip():
            continue
        e = json.loads(raw)
        if isinstance(e.get("timestamp"), str):
            e["timestamp"] = e["timestamp"].replace("2026-04-", "2026-02-")
        if e.get("type") == "assistant" and isinstance(e["message"].get("usage"), dict):
            e["message"]["usage"]["cache_read_input_tokens"] = 250_000
        lines.append(e)
    main.write_text("".join(json.dumps(e) + "\n" for e in lines))
    expected = sum((dollars(e) for e in responses([main]).values()), Decimal(0))
    base = sum(
        (dollars({**e, "timestamp": "2026-04-01"}) for e in responses([main]).values()),
        Decimal(0),
    )
    assert expected > base * Decimal("1.9")  # about twice the base price: the fault of issue #21
    cost = make_tracer(root).cost(SessionRef(session_id=main.stem))
    assert cost.cost_usd == pytest.approx(float(expected), rel=1e-9)
    assert cost.subagent_cost_usd == 0


def test_a_line_s_own_cost_usd_is_not_used(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    sid = main.stem
    before = make_tracer(root).cost(SessionRef(session_id=sid)).cost_usd
    lines = []
    for raw in main.read_bytes().split(b"\n"):
        if raw.strip():
            e = json.loads(raw)
            if e.get("type") == "assistant":
                e["costUSD"] = 1234.5  # as 1.0.x wrote it, here absurd
            lines.append(e)
    other = tmp_path / "other"
    shutil.copytree(root, other)
    (other / main.parent.name / main.name).write_text(
        "".join(json.dumps(e) + "\n" for e in lines)
    )
    after = make_tracer(other, cache_dir=tmp_path / "cache2").cost(SessionRef(session_id=sid))
    assert after.cost_usd == pytest.approx(before, rel=1e-12)
    assert after.cost_usd < 1234.5
