"""Dollars from the shipped price table: a worked example per model, cache writes by lifetime,
deduplication per response, and no price (never a guessed one) for a model the table lacks."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.errors import InvalidRequest
from claude_code_tracer.models import SessionRef
from claude_code_tracer.pricing import (
    PRICES,
    Usage,
    cost_of,
    family,
    parse_overrides,
    price_of,
    total_cost,
    usage_of,
    with_overrides,
)
from claude_code_tracer.tracer import Tracer

# One response: 1,000 input, 2,000 output, 10,000 cache read, 3,000 5-minute and 4,000 1-hour
# cache writes. The dollars below are worked by hand from the published per-million rates
# (input, output, cache read, 5m write, 1h write):
#   Opus 4.5 to 4.8 and 5
#                5, 25, 0.50, 6.25, 10   -> 5000 + 50000 + 5000 + 18750 + 40000    = 118750
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
    "claude-opus-5": "0.11875",
    "claude-opus-4-8": "0.11875",
    "claude-opus-4-7": "0.11875",
    "claude-opus-4-6": "0.11875",
    "claude-sonnet-4-6": "0.07125",
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
    ("model", "key", "factor"),
    [
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5", "1"),
        # Bedrock geographic profile of a model AWS prices ~10% over its global one (issue #21)
        ("us.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", "1.10"),
        ("global.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", "1"),
        ("eu.anthropic.claude-opus-4-6-v1", "claude-opus-4-6", "1.10"),
        ("apac.anthropic.claude-haiku-4-5-20251001-v1:0", "claude-haiku-4-5", "1.10"),
        ("us-gov.anthropic.claude-sonnet-4-5-20250929-v1:0", "claude-sonnet-4-5", "1.10"),
        ("us.anthropic.claude-3-7-sonnet-20250219-v1:0", "claude-3-7-sonnet", "1"),
        ("anthropic.claude-3-5-haiku-20241022-v1:0", "claude-3-5-haiku", "1"),
        ("claude-opus-4-1@20250805", "claude-opus-4-1", "1"),
        ("claude-3-5-sonnet-latest", "claude-3-5-sonnet", "1"),
        ("Claude-Haiku-4-5", "claude-haiku-4-5", "1"),
    ],
)
def test_model_ids_of_every_provider_find_their_family(model: str, key: str, factor: str) -> None:
    assert family(model) == key
    price = price_of(model)
    assert price is not None
    f = Decimal(factor)
    base = PRICES[key]
    assert (price.input, price.output, price.cache_read) == (
        base.input * f,
        base.output * f,
        base.cache_read * f,
    )
    assert (price.cache_write_5m, price.cache_write_1h) == (
        base.cache_write_5m * f,
        base.cache_write_1h * f,
    )


def test_newer_models_pay_their_base_rates_over_200k_tokens() -> None:
    # Since 2026-03-13 the 4.6 models serve a 1M window at the base rates: a 210,000-token
    # prompt to Sonnet 4.6 costs 150,000 x $3 + 1,000 x $15 + 60,000 x $0.30 = 450000 + 15000
    # + 18000 millionths.
    long = Usage(input=150_000, output=1000, cache_read=60_000)
    sonnet = price_of("claude-sonnet-4-6")
    assert sonnet is not None
    assert cost_of(long, sonnet, datetime(2026, 3, 13)) == Decimal("0.483")
    # Opus 4.6 with only writes: 300,000 5-minute x $6.25 + 100,000 1-hour x $10.
    opus = price_of("claude-opus-4-6")
    assert opus is not None
    writes = Usage(cache_write_5m=300_000, cache_write_1h=100_000)
    assert cost_of(writes, opus, datetime(2026, 3, 13)) == Decimal("2.875")  # 1875000 + 1000000


@pytest.mark.parametrize(
    "model",
    [
        "claude-fable-5-1",
        "claude-haiku-5-5",
        "claude-opus-9-9",
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
            ("claude-fable-5-1", EXAMPLE),
        ]
    )
    assert total.priced == Decimal("0.0475")
    assert total.unpriced_models == ["claude-fable-5-1"]
    assert total.by_model["claude-fable-5-1"].usage.output == 2000
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
        _assistant(3, "msg_3", "claude-fable-5-1", {"input_tokens": 50, "output_tokens": 7}, "new"),
        _assistant(4, "msg_4", "<synthetic>", {"input_tokens": 9, "output_tokens": 9}, "none"),
    ]
    root = tmp_path / "projects"
    (root / "-work-proj").mkdir(parents=True)
    (root / "-work-proj" / f"{SID}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    cost = make_tracer(root).cost(SessionRef(session_id=SID))
    # msg_1: $0.02375 (the worked Haiku 4.5 example); msg_2: 100 x $1 + 10 x $5 = 150 millionths.
    assert cost.cost_usd == pytest.approx(0.0239)
    assert not cost.complete and cost.unpriced_models == ["claude-fable-5-1"]
    by = {m.model: m for m in cost.by_model}
    assert set(by) == {haiku, "claude-fable-5-1"}
    assert by[haiku].api_calls == 2
    assert by[haiku].tokens.output == 2010 and by[haiku].tokens.cache_creation == 7000
    assert by[haiku].cache_write_one_hour == 4000
    assert by["claude-fable-5-1"].cost_usd is None and by["claude-fable-5-1"].tokens.input == 50
    # Per response, on the first line of each (the row the webview shows it on): msg_1's two lines
    # carry it once, on a-0000; the unpriced and the synthetic responses carry none.
    assert cost.response_costs == {
        "a-0000": pytest.approx(0.02375),
        "a-0002": pytest.approx(0.00015),
    }


def _independent_usage(files: list[Path]) -> dict[str, list[int]]:
    """Per model: input, output, cache read, cache write and of those the 1-hour writes, of the
    real transcript, read here by hand (the line with most tokens of each message.id,
    <synthetic> left out)."""
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
            one_hour = int((u.get("cache_creation") or {}).get("ephemeral_1h_input_tokens") or 0)
            key = m.get("id") or o.get("uuid")
            if key not in best or sum(four) > best[key][0]:
                best[key] = (sum(four), m.get("model") or "unknown", [*four, one_hour])
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0])
    for _, model, five in best.values():
        out[model] = [a + b for a, b in zip(out[model], five, strict=True)]
    return dict(out)


def _dollars(usage: list[int], rates: tuple[float, float, float, float, float]) -> float:
    """Dollars by hand: rates per million for input, output, cache read, 5m and 1h writes."""
    inp, out, read, write, one_hour = usage
    r_in, r_out, r_read, r_5m, r_1h = rates
    five_min = write - one_hour
    return (inp * r_in + out * r_out + read * r_read + five_min * r_5m + one_hour * r_1h) / 1e6


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
    assert [t.input, t.output, t.cache_read, t.cache_creation] == want[model.model][:4]
    # No 1-hour writes in this sample: 5-minute rates, $3 / $15 / $0.30 / $3.75 per million.
    assert want[model.model][4] == 0 and model.cache_write_one_hour == 0
    dollars = _dollars(want[model.model], (3, 15, 0.30, 3.75, 6))
    assert cost.cost_usd == pytest.approx(dollars) and cost.complete and dollars > 0.01
    # The same tokens as session/metrics counts.
    assert tracer.metrics(ref).tokens == t


# A session on claude-opus-4-6 with 1-hour cache writes (its Haiku subagent's lines are progress
# copies, which are not counted: its own transcript is not in the sample).
MIXED = "491e126e-1e71-469c-ade2-fcc8af567c74"
MIXED_FOLDER = "-home-marco-projects-spotter"
OPUS_46 = (5, 25, 0.50, 6.25, 10)
SONNET = (3, 15, 0.30, 3.75, 6)


def _mixed_usage(samples_root: Path) -> dict[str, list[int]]:
    folder = samples_root / MIXED_FOLDER
    return _independent_usage(
        [folder / f"{MIXED}.jsonl", *sorted((folder / MIXED).rglob("*.jsonl"))]
    )


def test_opus_4_6_is_priced_with_its_1h_cache_writes(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    want = _mixed_usage(samples_root)
    cost = make_tracer(samples_root).cost(SessionRef(session_id=MIXED))
    assert cost.complete and cost.unpriced_models == [] and cost.overridden_models == []
    by = {m.model: m for m in cost.by_model}
    assert set(by) == set(want) == {"claude-opus-4-6"}
    opus = by["claude-opus-4-6"]
    t = opus.tokens
    assert [t.input, t.output, t.cache_read, t.cache_creation] == want["claude-opus-4-6"][:4]
    assert opus.cache_write_one_hour == want["claude-opus-4-6"][4] > 0
    opus_dollars = _dollars(want["claude-opus-4-6"], OPUS_46)
    assert opus.cost_usd == pytest.approx(opus_dollars) and opus_dollars > 0.1
    assert cost.cost_usd == pytest.approx(opus_dollars)
    # One cost per response, on its first line, adding up to the total.
    assert len(cost.response_costs) == opus.api_calls
    assert sum(cost.response_costs.values()) == pytest.approx(opus_dollars)


# -- the user's own prices ------------------------------------------------------------------------

MINE = {
    "input": 1,
    "output": 2,
    "cacheRead": "0.1",
    "cacheWrite5m": 0.5,
    "cacheWrite1h": 4,
}


def test_an_override_replaces_the_table_price_of_its_family_only() -> None:
    overrides = parse_overrides({"claude-opus-4-6-20260205": MINE}, "test")
    table = with_overrides(overrides)
    # 1000 x 1 + 2000 x 2 + 10000 x 0.1 + 3000 x 0.5 + 4000 x 4 = 23500 millionths.
    assert cost_of(EXAMPLE, table["claude-opus-4-6"]) == Decimal("0.0235")
    assert price_of("claude-opus-4-6", table) is table["claude-opus-4-6"]
    assert price_of("claude-opus-4-7", table) is PRICES["claude-opus-4-7"]
    # A model the shipped table lacks gets a price from the user alone; the table is untouched.
    table = with_overrides(parse_overrides({"claude-fable-5-1": MINE}, "test"))
    assert cost_of(EXAMPLE, table["claude-fable-5-1"]) == Decimal("0.0235")
    assert "claude-fable-5-1" not in PRICES
    # An override has no long-context tier: the user's rates for a 210,000-token prompt too.
    sonnet = with_overrides(parse_overrides({"claude-sonnet-4-5": MINE}, "t"))["claude-sonnet-4-5"]
    assert cost_of(Usage(input=150_000, cache_read=60_000), sonnet) == Decimal("0.156")


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"m": MINE | {"input": -1}}, "m.input: Input should be greater than or equal to 0"),
        ({"m": MINE | {"output": "lots"}}, "m.output: Input should be a valid decimal"),
        ({"m": MINE | {"cacheRead": "NaN"}}, "m.cacheRead: Input should be a finite number"),
        ({"m": MINE | {"cacheWrite1h": 1e9}}, "m.cacheWrite1h: Input should be less than"),
        ({"m": MINE | {"cache_read_typo": 1}}, "m.cache_read_typo: Extra inputs are not permitted"),
        (
            {"m": {k: v for k, v in MINE.items() if k != "cacheWrite5m"}},
            "m.cacheWrite5m: Field required",
        ),
        ({"bad model/../x": MINE}, "String should match pattern"),
        ([MINE], "Input should be a valid dictionary"),
    ],
)
def test_a_bad_override_is_refused_whole_with_the_entry_named(raw: Any, says: str) -> None:
    with pytest.raises(InvalidRequest) as exc:
        parse_overrides({"claude-opus-4-6": MINE, **raw} if isinstance(raw, dict) else raw, "P")
    assert str(exc.value).startswith("P: ") and says in str(exc.value)


def test_new_prices_reprice_a_loaded_session_without_a_reload(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    want = _mixed_usage(samples_root)
    tracer = make_tracer(samples_root)
    ref = SessionRef(session_id=MIXED)
    shipped = tracer.cost(ref)
    tracer.set_prices(parse_overrides({"claude-opus-4-6": MINE}, "test"))
    mine = tracer.cost(ref)
    by = {m.model: m for m in mine.by_model}
    assert by["claude-opus-4-6"].cost_usd == pytest.approx(
        _dollars(want["claude-opus-4-6"], (1, 2, 0.1, 0.5, 4))
    )
    assert mine.overridden_models == ["claude-opus-4-6"]
    assert mine.cost_usd != pytest.approx(shipped.cost_usd)
    tracer.set_prices({})
    assert tracer.cost(ref) == shipped


# -- the command line -----------------------------------------------------------------------------


def _cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "claude_code_tracer", *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_cli_stats_shows_the_cost_and_names_unpriced_models(
    samples_root: Path, tmp_path: Path
) -> None:
    def stats(root: Path, sid: str, *extra: str) -> str:
        out = _cli("stats", sid, "--root", str(root), "--no-cache", *extra)
        assert out.returncode == 0, out.stderr
        return out.stdout

    demo = stats(samples_root, "fe5e1c67-53e7-4862-81ae-d0e013e3270b")
    (line,) = [x for x in demo.splitlines() if x.startswith("cost ")]
    assert re.fullmatch(r"cost      \$\d+\.\d\d  \[prices of 2026-11-29\]", line), line
    root = tmp_path / "other"
    (root / "-work-proj").mkdir(parents=True)
    lines = [
        _assistant(0, "m1", "claude-haiku-4-5", {"input_tokens": 1_000_000}, "a"),
        _assistant(1, "m2", "claude-fable-5-1", {"input_tokens": 5}, "b"),
    ]
    (root / "-work-proj" / f"{SID}.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    mixed = stats(root, SID)
    assert "cost      $1.00 (no price for claude-fable-5-1: not in the total)" in mixed
    as_json = json.loads(stats(root, SID, "--json"))
    assert as_json["cost"]["unpricedModels"] == ["claude-fable-5-1"]
    assert as_json["cost"]["complete"] is False


def test_cli_prices_from_a_file_or_the_environment(samples_root: Path, tmp_path: Path) -> None:
    want = _mixed_usage(samples_root)
    dollars = _dollars(want["claude-opus-4-6"], (1, 2, 0.1, 0.5, 4))
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps({"claude-opus-4-6": MINE}))
    base = ["stats", MIXED, "--root", str(samples_root), "--no-cache", "--json"]
    for out in (
        _cli(*base, "--prices", str(prices)),
        _cli(*base, env={"CLAUDE_CODE_TRACER_PRICES": str(prices)}),
    ):
        assert out.returncode == 0, out.stderr
        cost = json.loads(out.stdout)["cost"]
        assert cost["costUsd"] == pytest.approx(dollars)
        assert cost["overriddenModels"] == ["claude-opus-4-6"]
    text = _cli(*base[:-1], "--prices", str(prices)).stdout
    assert f"${dollars:,.2f} (your prices for claude-opus-4-6)" in text


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (None, "cannot read the prices file"),
        ("{not json", "is not JSON"),
        (json.dumps({"claude-opus-4-6": MINE | {"input": -5}}), "claude-opus-4-6.input"),
    ],
)
def test_cli_a_bad_prices_file_stops_with_one_line(
    samples_root: Path, tmp_path: Path, content: str | None, says: str
) -> None:
    prices = tmp_path / "prices.json"
    if content is not None:
        prices.write_text(content)
    out = _cli("stats", MIXED, "--root", str(samples_root), "--no-cache", "--prices", str(prices))
    assert out.returncode == 2 and out.stdout == ""
    (line,) = out.stderr.splitlines()
    assert line.startswith("claude-code-tracer: ") and says in line and "Traceback" not in line


def test_cli_sessions_cost_column_and_json(samples_root: Path) -> None:
    base = ["sessions", "--root", str(samples_root), "--no-cache", "--limit", "200"]
    listed = json.loads(_cli(*base, "--json").stdout)["sessions"]
    assert listed and all("cost" not in s for s in listed)  # asked for, not a default
    out = _cli(*base, "--json", "--cost")
    assert out.returncode == 0, out.stderr
    with_cost = json.loads(out.stdout)["sessions"]
    assert [s["sessionId"] for s in with_cost] == [s["sessionId"] for s in listed]
    by_id = {s["sessionId"]: s["cost"] for s in with_cost}
    demo = by_id["fe5e1c67-53e7-4862-81ae-d0e013e3270b"]
    want = _independent_usage(
        [samples_root / "-path-to-Demo" / "fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl"]
    )
    assert demo["costUsd"] == pytest.approx(_dollars(want["claude-sonnet-4-20250514"], SONNET))
    table = _cli(*base, "--cost").stdout.splitlines()
    header = table[0].split()
    assert header[:5] == ["SESSION", "LAST", "ACTIVITY", "MSGS", "TOKENS"] and header[5] == "COST"
    (row,) = [r for r in table if r.startswith("fe5e1c67")]
    assert f"${demo['costUsd']:,.2f}" in row.split()
