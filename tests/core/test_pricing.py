"""Dollars from the shipped price table: a worked example per model, cache writes by lifetime,
deduplication per response, and no price (never a guessed one) for a model the table lacks."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.models import SessionRef
from claude_code_tracer.pricing import (
    PRICES,
    Usage,
    cost_of,
    family,
    price_of,
    total_cost,
    usage_of,
)
from claude_code_tracer.tracer import Tracer

# One response: 1,000 input, 2,000 output, 10,000 cache read, 3,000 5-minute and 4,000 1-hour
# cache writes. The dollars below are worked by hand from the published per-million rates
# (input, output, cache read, 5m write, 1h write):
#   Opus 4.5     5, 25, 0.50, 6.25, 10   -> 5000 + 50000 + 5000 + 18750 + 40000    = 118750
#   Opus 4/4.1  15, 75, 1.50, 18.75, 30  -> 15000 + 150000 + 15000 + 56250 + 120000 = 356250
#   Sonnet       3, 15, 0.30, 3.75, 6    -> 3000 + 30000 + 3000 + 11250 + 24000     = 71250
#   Haiku 4.5    1, 5, 0.10, 1.25, 2     -> 1000 + 10000 + 1000 + 3750 + 8000       = 23750
#   Haiku 3.5 0.80, 4, 0.08, 1, 1.60     -> 800 + 8000 + 800 + 3000 + 6400          = 19000
#   Haiku 3   0.25, 1.25, 0.03, 0.30, 0.50 -> 250 + 2500 + 300 + 900 + 2000         = 5950
# (millionths of a dollar).
EXAMPLE = Usage(
    input=1000, output=2000, cache_read=10_000, cache_write_5m=3000, cache_write_1h=4000
)
WORKED = {
    "claude-opus-4-5-20251101": "0.11875",
    "claude-opus-4-1-20250805": "0.35625",
    "claude-opus-4-20250514": "0.35625",
    "claude-3-opus-20240229": "0.35625",
    "claude-sonnet-4-5-20250929": "0.07125",
    "claude-sonnet-4-20250514": "0.07125",
    "claude-3-7-sonnet-20250219": "0.07125",
    "claude-3-5-sonnet-20241022": "0.07125",
    "claude-haiku-4-5-20251001": "0.02375",
    "claude-3-5-haiku-20241022": "0.019",
    "claude-3-haiku-20240307": "0.00595",
}


@pytest.mark.parametrize(("model", "dollars"), sorted(WORKED.items()))
def test_worked_example_per_model_with_cache_writes(model: str, dollars: str) -> None:
    price = price_of(model)
    assert price is not None
    assert cost_of(EXAMPLE, price) == Decimal(dollars)


def test_every_priced_family_has_a_worked_example() -> None:
    assert {family(m) for m in WORKED} == set(PRICES)


def test_sonnet_4_prompts_over_200k_tokens_pay_the_long_context_rates() -> None:
    # 150,000 input + 60,000 cache read = a 210,000-token prompt: $6 / $22.50 / $0.60 per million.
    long = Usage(input=150_000, output=1000, cache_read=60_000)
    sonnet = price_of("claude-sonnet-4-5-20250929")
    assert sonnet is not None
    assert cost_of(long, sonnet) == Decimal("0.9585")  # 900000 + 22500 + 36000 millionths
    # Exactly 200,000 is not over: base rates ($3 / $15 / $0.30).
    at = Usage(input=140_000, output=1000, cache_read=60_000)
    assert cost_of(at, sonnet) == Decimal("0.453")  # 420000 + 15000 + 18000
    # Opus 4.5 has no long-context rate.
    opus = price_of("claude-opus-4-5")
    assert opus is not None
    assert cost_of(long, opus) == Decimal("0.805")  # 750000 + 25000 + 30000


@pytest.mark.parametrize(
    ("model", "key"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5"),
        ("anthropic.claude-3-5-haiku-20241022-v1:0", "claude-3-5-haiku"),
        ("claude-opus-4-1@20250805", "claude-opus-4-1"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet"),
        ("Claude-Haiku-4-5", "claude-haiku-4-5"),
    ],
)
def test_model_ids_of_every_provider_find_their_family(model: str, key: str) -> None:
    assert family(model) == key
    assert price_of(model) is PRICES[key]


@pytest.mark.parametrize(
    "model",
    [
        "claude-opus-4-6",
        "claude-sonnet-4-6",
        "claude-opus-4-8",
        "sonnet",
        "<synthetic>",
        "gpt-4",
        "",
    ],
)
def test_a_model_the_table_does_not_name_has_no_price(model: str) -> None:
    assert price_of(model) is None


def test_usage_splits_cache_writes_by_lifetime() -> None:
    split = usage_of(
        {
            "input_tokens": 10,
            "output_tokens": 20,
            "cache_read_input_tokens": 30,
            "cache_creation_input_tokens": 700,
            "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 400},
        }
    )
    assert split == Usage(10, 20, 30, 300, 400)
    # Before the 1-hour cache existed the split was not written: every write was a 5-minute one.
    assert usage_of({"cache_creation_input_tokens": 700}) == Usage(0, 0, 0, 700, 0)
    # A split that falls short leaves the rest as 5-minute writes; garbage counts as nothing.
    short = {
        "cache_creation_input_tokens": 700,
        "cache_creation": {"ephemeral_1h_input_tokens": 400},
    }
    assert usage_of(short) == Usage(0, 0, 0, 300, 400)
    assert (
        usage_of({"input_tokens": "9", "output_tokens": True, "cache_read_input_tokens": -5})
        == Usage()
    )
    assert usage_of(None) == Usage()


def test_totals_keep_unpriced_models_apart() -> None:
    total = total_cost(
        [
            ("claude-haiku-4-5-20251001", EXAMPLE),
            ("claude-haiku-4-5-20251001", EXAMPLE),
            ("claude-opus-4-6", EXAMPLE),
        ]
    )
    assert total.priced == Decimal("0.0475")
    assert total.unpriced_models == ["claude-opus-4-6"]
    assert total.by_model["claude-opus-4-6"].usage.output == 2000
    assert total.by_model["claude-haiku-4-5-20251001"].calls == 2


# -- a session's cost through the tracer ---------------------------------------------------------

SID = "33333333-4444-4555-8666-777777777777"


def _assistant(
    n: int, msg_id: str, model: str, usage: dict[str, Any], block: str
) -> dict[str, Any]:
    return {
        "type": "assistant",
        "uuid": f"a-{n:04d}",
        "parentUuid": f"a-{n - 1:04d}" if n else None,
        "sessionId": SID,
        "timestamp": f"2026-02-01T10:00:{n:02d}.000Z",
        "cwd": "/work/proj",
        "isSidechain": False,
        "message": {
            "id": msg_id,
            "role": "assistant",
            "model": model,
            "content": [{"type": "text", "text": block}],
            "usage": usage,
        },
    }


def test_session_cost_dedupes_responses_and_prices_1h_writes(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    haiku = "claude-haiku-4-5-20251001"
    big = {
        "input_tokens": 1000,
        "output_tokens": 2000,
        "cache_read_input_tokens": 10_000,
        "cache_creation_input_tokens": 7000,
        "cache_creation": {"ephemeral_5m_input_tokens": 3000, "ephemeral_1h_input_tokens": 4000},
    }
    # Claude Code writes one line per content block of a response, the same usage on each
    # (the first with fewer output tokens while it streamed).
    streaming = big | {"output_tokens": 5}
    lines = [
        _assistant(0, "msg_1", haiku, streaming, "thinking about it"),
        _assistant(1, "msg_1", haiku, big, "the answer"),
        _assistant(2, "msg_2", haiku, {"input_tokens": 100, "output_tokens": 10}, "short"),
        _assistant(3, "msg_3", "claude-opus-4-6", {"input_tokens": 50, "output_tokens": 7}, "new"),
        _assistant(4, "msg_4", "<synthetic>", {"input_tokens": 9, "output_tokens": 9}, "none"),
    ]
    root = tmp_path / "projects"
    (root / "-work-proj").mkdir(parents=True)
    (root / "-work-proj" / f"{SID}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    cost = make_tracer(root).cost(SessionRef(session_id=SID))
    # msg_1: $0.02375 (the worked Haiku 4.5 example); msg_2: 100 x $1 + 10 x $5 = 150 millionths.
    assert cost.cost_usd == pytest.approx(0.0239)
    assert not cost.complete and cost.unpriced_models == ["claude-opus-4-6"]
    by = {m.model: m for m in cost.by_model}
    assert set(by) == {haiku, "claude-opus-4-6"}
    assert by[haiku].api_calls == 2
    assert by[haiku].tokens.output == 2010 and by[haiku].tokens.cache_creation == 7000
    assert by[haiku].cache_write_one_hour == 4000
    assert by["claude-opus-4-6"].cost_usd is None and by["claude-opus-4-6"].tokens.input == 50


def _independent_usage(files: list[Path]) -> dict[str, list[int]]:
    """Per model: input, output, cache read, cache write of the real transcript, read here by hand
    (the line with most tokens of each message.id, <synthetic> left out)."""
    best: dict[str, tuple[int, str, list[int]]] = {}
    for f in files:
        for raw in f.read_text().splitlines():
            try:
                o = json.loads(raw)
            except ValueError:
                continue
            if not isinstance(o, dict) or o.get("type") != "assistant":
                continue
            m = o.get("message") or {}
            if m.get("model") == "<synthetic>":
                continue
            u = m.get("usage") or {}
            four = [
                int(u.get(k) or 0)
                for k in (
                    "input_tokens",
                    "output_tokens",
                    "cache_read_input_tokens",
                    "cache_creation_input_tokens",
                )
            ]
            key = m.get("id") or o.get("uuid")
            if key not in best or sum(four) > best[key][0]:
                best[key] = (sum(four), m.get("model") or "unknown", four)
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for _, model, four in best.values():
        out[model] = [a + b for a, b in zip(out[model], four, strict=True)]
    return dict(out)


def test_cost_of_a_real_sample_matches_a_hand_count(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    sid = "fe5e1c67-53e7-4862-81ae-d0e013e3270b"
    tracer = make_tracer(samples_root)
    ref = SessionRef(session_id=sid)
    cost = tracer.cost(ref)
    want = _independent_usage([samples_root / "-path-to-Demo" / f"{sid}.jsonl"])
    assert set(want) == {"claude-sonnet-4-20250514"}
    (model,) = cost.by_model
    t = model.tokens
    assert [t.input, t.output, t.cache_read, t.cache_creation] == want[model.model]
    # No 1-hour writes in this sample: 5-minute rates, $3 / $15 / $0.30 / $3.75 per million.
    inp, out, read, write = want[model.model]
    dollars = (inp * 3 + out * 15 + read * 0.30 + write * 3.75) / 1e6
    assert model.cache_write_one_hour == 0
    assert cost.cost_usd == pytest.approx(dollars) and cost.complete and dollars > 0.01
    # The same tokens as session/metrics counts.
    assert tracer.metrics(ref).tokens == t


def test_unpriced_models_show_tokens_and_no_dollars_beside_priced_ones(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    # The trunk ran on claude-opus-4-6 (newer than the table), its subagents on Sonnet 4.5.
    sid = "4d5611e5-241a-462a-8d15-5122611a9569"
    folder = samples_root / "-home-USER-projects-spotter-worktrees-spotter-dov"
    files = [folder / f"{sid}.jsonl", *sorted((folder / sid).rglob("*.jsonl"))]
    want = _independent_usage(files)
    cost = make_tracer(samples_root).cost(SessionRef(session_id=sid))
    assert not cost.complete and cost.unpriced_models == ["claude-opus-4-6"]
    by = {m.model: m for m in cost.by_model}
    assert set(by) == set(want) == {"claude-opus-4-6", "claude-sonnet-4-5-20250929"}
    opus = by["claude-opus-4-6"]
    assert opus.cost_usd is None
    t = opus.tokens
    assert [t.input, t.output, t.cache_read, t.cache_creation] == want["claude-opus-4-6"]
    inp, out, read, write = want["claude-sonnet-4-5-20250929"]
    dollars = (inp * 3 + out * 15 + read * 0.30 + write * 3.75) / 1e6
    assert by["claude-sonnet-4-5-20250929"].cost_usd == pytest.approx(dollars)
    assert cost.cost_usd == pytest.approx(dollars)


def test_cli_stats_shows_the_cost_and_names_unpriced_models(samples_root: Path) -> None:
    def stats(sid: str, *extra: str) -> str:
        argv = ["stats", sid, "--root", str(samples_root), "--no-cache", *extra]
        out = subprocess.run(
            [sys.executable, "-m", "claude_code_tracer", *argv],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert out.returncode == 0, out.stderr
        return out.stdout

    demo = stats("fe5e1c67-53e7-4862-81ae-d0e013e3270b")
    (line,) = [x for x in demo.splitlines() if x.startswith("cost ")]
    assert re.fullmatch(r"cost      \$\d+\.\d\d  \[prices of 2025-11-24\]", line), line
    mixed = stats("4d5611e5-241a-462a-8d15-5122611a9569")
    assert "(no price for claude-opus-4-6: not in the total)" in mixed
    as_json = json.loads(stats("4d5611e5-241a-462a-8d15-5122611a9569", "--json"))
    assert as_json["cost"]["unpricedModels"] == ["claude-opus-4-6"]
    assert as_json["cost"]["complete"] is False
