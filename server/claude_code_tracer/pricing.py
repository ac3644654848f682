"""What a session cost in US dollars, from a dated price table shipped with the package.

Sources, per million tokens: base input, output, cache reads (0.1x input), cache writes that live
5 minutes (1.25x input) and 1 hour (2x input).

- Anthropic, "Pricing" (https://docs.claude.com/en/docs/about-claude/pricing), the per-model
  table as published on 2025-11-24 (the day Claude Opus 4.5 was released): every model up to
  Opus 4.5, Sonnet 4.5 and Haiku 4.5. Sonnet 4 and 4.5 charge more for a request whose prompt
  exceeds 200K tokens (the 1M-context beta: only such requests can be that long).
- Anthropic, "Pricing" (https://platform.claude.com/docs/en/about-claude/pricing), the same
  table as read on 2026-11-29 (the page carries no date of its own; it lists Claude Opus 5,
  released 2026-07-24), with the model pages it links
  (https://platform.claude.com/docs/en/models/opus-4-6/overview and its siblings), which give
  each model's id and release date: claude-opus-4-6 (released 2026-02-05), claude-sonnet-4-6
  (2026-02-17), claude-opus-4-7 (2026-04-16), claude-opus-4-8 (2026-05-28) and claude-opus-5
  (2026-07-24). The same read found every older row above unchanged. These models serve their
  1M-token window at the base rates since 2026-03-13.
- Long-context tiers of Claude Opus 4.6 and Sonnet 4.6 (read 2026-12-07): from their release to
  2026-03-13 their 1M-token window was a beta, and a request whose prompt exceeded 200K tokens
  was billed wholly at $10 / $37.50 (Opus 4.6) and $6 / $22.50 (Sonnet 4.6) per million input /
  output tokens (Anthropic's pricing page as quoted on 2026-02-18 by apidog.com/blog/claude-
  sonnet-4-6-pricing and by a guide verified against it the same day); on 2026-03-13 Anthropic
  made the window generally available at the base rates ("a 900K-token request is billed at the
  same per-token rate as a 9K one", the GA announcement as reported by agentmastered.com/blog/
  1m-context-ga and others). Cache rates in the tier are the page's multipliers of its input
  rate (reads 0.1x, 5-minute writes 1.25x, 1-hour writes 2x). A request is priced by the time
  of its response line: before 2026-03-13 in the tier, from then on at the base rates.
- Amazon Bedrock, "Global cross-Region inference" (docs.aws.amazon.com/bedrock/latest/
  userguide/global-cross-Region-inference.html, read 2026-12-07): the global profile
  (``global.anthropic.…``) costs "approximately 10%" less than a geographic one (``us.``,
  ``eu.``, ``apac.``, ``jp.``, ``au.``, ``ca.``, ``us-gov.``) for Claude Sonnet 4.5 and the
  models after it; the global price is the list price. A geographic profile id of those models
  is priced at the list price x 1.10 (every rate, the long-context tier too); older models'
  geographic profiles, the global profile and in-Region ids are priced at the list price.

A model that is not in the table gets no price: its tokens are counted and shown, its cost is
None, and a session that used it says its total leaves those tokens out. A wrong price would be
worse than none. Extend the table (with its date) when the page changes. Users on a negotiated
rate, or on a model newer than the table, give their own prices (``parse_overrides``: the CLI's
``--prices FILE.json`` or ``CLAUDE_CODE_TRACER_PRICES``, the extension's
``claudeCodeTracer.prices`` setting); an override replaces the table's price of that family.
Fast mode (``usage.speed == "fast"``) is priced higher than the table says and is not told apart.

Tokens are counted once per API response (`message.id`): Claude Code writes one transcript line
per content block of a response, each with the same usage. A line's own ``costUSD`` (written by
1.0.x versions only) is not used: every response is priced from its tokens by this table, so a
session costs the same whichever version wrote it and a corrected table corrects old sessions.
"""

from __future__ import annotations

import functools
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter, ValidationError

from .errors import InvalidRequest
from .models import Kind, ModelCost, PriceOverride, PriceOverrides, SessionCost, Tokens
from .safefs import NotRegularFile, open_regular
from .tokencounts import USAGE_KEYS, token_count, usage_counts
from .transcripts import read_entry

if TYPE_CHECKING:
    import duckdb

    from .store import SessionView

PRICES_AS_OF = "2026-11-29"
PRICES_SOURCE = "https://platform.claude.com/docs/en/about-claude/pricing"

MILLION = Decimal(1_000_000)
LONG_CONTEXT_THRESHOLD = 200_000


@dataclass(frozen=True)
class Price:
    """US dollars per million tokens."""

    input: Decimal
    output: Decimal
    cache_read: Decimal
    cache_write_5m: Decimal
    cache_write_1h: Decimal
    #: Rates for a request whose prompt (input + cache read + cache writes) exceeds 200K tokens.
    long_context: Price | None = None
    #: The tier ended then (naive UTC): requests from this time on pay the base rates.
    long_context_until: datetime | None = None

    def scaled(self, factor: Decimal) -> Price:
        """Every rate times ``factor`` (the long-context tier too)."""
        long = self.long_context.scaled(factor) if self.long_context is not None else None
        return replace(
            self,
            input=self.input * factor,
            output=self.output * factor,
            cache_read=self.cache_read * factor,
            cache_write_5m=self.cache_write_5m * factor,
            cache_write_1h=self.cache_write_1h * factor,
            long_context=long,
        )


def _price(
    inp: str,
    out: str,
    read: str,
    w5: str,
    w1: str,
    long: Price | None = None,
    until: datetime | None = None,
) -> Price:
    return Price(Decimal(inp), Decimal(out), Decimal(read), Decimal(w5), Decimal(w1), long, until)


#: The 1M-token window of Opus 4.6 and Sonnet 4.6 left its beta (and its tier) on this day.
LONG_CONTEXT_GA_4_6 = datetime(2026, 3, 13)

_OPUS_4 = _price("15", "75", "1.50", "18.75", "30")
_SONNET_LONG = _price("6", "22.50", "0.60", "7.50", "12")
_SONNET = _price("3", "15", "0.30", "3.75", "6")
_OPUS_4_5 = _price("5", "25", "0.50", "6.25", "10")
_OPUS_LONG = _price("10", "37.50", "1", "12.50", "20")

#: Model family (the id without its date) -> price.
PRICES: Mapping[str, Price] = {
    "claude-opus-5": _OPUS_4_5,
    "claude-opus-4-8": _OPUS_4_5,
    "claude-opus-4-7": _OPUS_4_5,
    "claude-opus-4-6": _price(
        "5", "25", "0.50", "6.25", "10", _OPUS_LONG, LONG_CONTEXT_GA_4_6
    ),
    "claude-opus-4-5": _OPUS_4_5,
    "claude-opus-4-1": _OPUS_4,
    "claude-opus-4": _OPUS_4,
    "claude-3-opus": _OPUS_4,
    "claude-sonnet-4-6": _price(
        "3", "15", "0.30", "3.75", "6", _SONNET_LONG, LONG_CONTEXT_GA_4_6
    ),
    "claude-sonnet-4-5": _price("3", "15", "0.30", "3.75", "6", _SONNET_LONG),
    "claude-sonnet-4": _price("3", "15", "0.30", "3.75", "6", _SONNET_LONG),
    "claude-3-7-sonnet": _SONNET,
    "claude-3-5-sonnet": _SONNET,
    "claude-haiku-4-5": _price("1", "5", "0.10", "1.25", "2"),
    "claude-3-5-haiku": _price("0.80", "4", "0.08", "1", "1.60"),
    "claude-3-haiku": _price("0.25", "1.25", "0.03", "0.30", "0.50"),
}

@functools.cache
def _overrides() -> TypeAdapter[dict[str, PriceOverride]]:
    """Built when a price file is first read, not at import (a schema build: the CLI's start)."""
    return TypeAdapter(PriceOverrides)


# Bedrock ("us.anthropic.claude-…-v1:0") and Vertex ("claude-…@20250514") spell ids their own way.
_PREFIX = re.compile(r"^(?:(?P<geo>[a-z]{2,4}|us-gov|global)\.)?anthropic\.")
_SUFFIX = re.compile(r"(?:-v\d+(?::\d+)?|@\d{8}|-\d{8}|-latest)$")
#: Bedrock's geographic inference profiles cost about 10% over the global one (= list price)
#: for Sonnet 4.5 and every model after it (module docstring).
GEO_PREMIUM = Decimal("1.10")
_GEO_PREMIUM_FAMILIES = frozenset(
    {
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
        "claude-opus-4-5",
        "claude-opus-4-6",
        "claude-sonnet-4-6",
        "claude-opus-4-7",
        "claude-opus-4-8",
        "claude-opus-5",
    }
)


def geographic_profile(model: str) -> bool:
    """Whether a model id names a Bedrock geographic inference profile (``us.anthropic.…``)."""
    m = _PREFIX.match(model.strip().lower())
    return m is not None and m.group("geo") not in (None, "global")


def family(model: str) -> str:
    """`claude-sonnet-4-5-20250929` -> `claude-sonnet-4-5` (the key of the price table)."""
    name = _PREFIX.sub("", model.strip().lower())
    for _ in range(2):  # "-20250514-v1:0"
        name = _SUFFIX.sub("", name)
    return name


def with_overrides(overrides: Mapping[str, PriceOverride]) -> dict[str, Price]:
    """The shipped table with the user's own prices over it, keyed by family like the table (so
    ``claude-opus-4-6-20260205`` and ``claude-opus-4-6`` name the same entry). An override has no
    long-context tier: the user's rates hold for every request."""
    table = dict(PRICES)
    for model, p in overrides.items():
        table[family(model)] = Price(
            p.input, p.output, p.cache_read, p.cache_write_5m, p.cache_write_1h
        )
    return table


def parse_overrides(raw: Any, where: str) -> dict[str, PriceOverride]:
    """A price override table from JSON-shaped data, or an ``InvalidRequest`` that names the
    first bad entry: a bad table is refused whole, never applied in part."""
    try:
        return _overrides().validate_python(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        at = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidRequest(
            f"{where}: {at + ': ' if at else ''}{first['msg']} (expected "
            '{"<model>": {"input": 5, "output": 25, "cacheRead": 0.5, "cacheWrite5m": 6.25, '
            '"cacheWrite1h": 10}}, dollars per million tokens)'
        ) from None


# Far above a price table for every model there is (500 families of five rates: ~60 KB).
PRICES_FILE_MAX = 1024 * 1024


def load_overrides(path: Path) -> dict[str, PriceOverride]:
    """A price override file (JSON, see ``parse_overrides``)."""
    # a regular file of bounded size: a FIFO would block the start for ever and /dev/zero
    # would be read until memory runs out (safefs checks the opened descriptor)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):  # (a stat never blocks)
            raise NotRegularFile(str(path))
        with open_regular(path) as fh:  # checked again on the descriptor
            data = fh.read(PRICES_FILE_MAX + 1)
    except NotRegularFile:
        raise InvalidRequest(f"the prices file {path} is not a regular file") from None
    except OSError as exc:
        raise InvalidRequest(f"cannot read the prices file {path}: {exc.strerror or exc}") from None
    if len(data) > PRICES_FILE_MAX:
        raise InvalidRequest(f"the prices file {path} is over {PRICES_FILE_MAX // 1024} KB")
    try:
        raw = json.loads(data.decode("utf-8"), parse_float=Decimal)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested past the stack
        why = exc if isinstance(exc, ValueError) else "nested too deeply"
        raise InvalidRequest(f"the prices file {path} is not JSON: {why}") from None
    return parse_overrides(raw, str(path))


def price_of(model: str | None, table: Mapping[str, Price] = PRICES) -> Price | None:
    """The model's price, or None for a model the table does not name (never a near match).
    A Bedrock geographic profile of a model AWS prices higher there pays ``GEO_PREMIUM`` over
    the shipped price (a user's own price for the family is taken as it is)."""
    if not model:
        return None
    name = family(model)
    price = table.get(name)
    if (
        price is not None
        and name in _GEO_PREMIUM_FAMILIES
        and price is PRICES.get(name)
        and geographic_profile(model)
    ):
        return price.scaled(GEO_PREMIUM)
    return price


@dataclass
class Usage:
    """The tokens of one API response, with cache writes split by how long they live."""

    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0

    @property
    def prompt(self) -> int:
        return self.input + self.cache_read + self.cache_write_5m + self.cache_write_1h

    def add(self, other: Usage) -> None:
        self.input += other.input
        self.output += other.output
        self.cache_read += other.cache_read
        self.cache_write_5m += other.cache_write_5m
        self.cache_write_1h += other.cache_write_1h


def _int(v: Any) -> int:
    """A token count, or 0 for anything that is not one (``tokencounts``: 2^63 or 1e308 would
    overflow every total downstream)."""
    return token_count(v) or 0


def usage_of(usage: Any) -> Usage:
    """A transcript's `message.usage`. Without the `cache_creation` split (lines written before
    the 1-hour cache existed) every cache write is a 5-minute one: the only kind there was."""
    if not isinstance(usage, dict):
        return Usage()
    if not usage_counts(usage, USAGE_KEYS)[1]:
        return Usage()  # a damaged usage is dropped whole, as the parser drops it
    written = _int(usage.get("cache_creation_input_tokens"))
    split = usage.get("cache_creation")
    w5, w1 = written, 0
    if isinstance(split, dict) and (
        "ephemeral_5m_input_tokens" in split or "ephemeral_1h_input_tokens" in split
    ):
        w5 = _int(split.get("ephemeral_5m_input_tokens"))
        w1 = _int(split.get("ephemeral_1h_input_tokens"))
        # A split that does not add up is not trusted for more than it says: the rest is 5m.
        w5 += max(0, written - w5 - w1)
    return Usage(
        input=_int(usage.get("input_tokens")),
        output=_int(usage.get("output_tokens")),
        cache_read=_int(usage.get("cache_read_input_tokens")),
        cache_write_5m=w5,
        cache_write_1h=w1,
    )


def cost_of(usage: Usage, price: Price, at: datetime | None = None) -> Decimal:
    """US dollars for one response (long-context rates when its prompt is over 200K tokens and
    the tier held at ``at``, the response's time, naive UTC; no time: the tier's rates)."""
    long = price.long_context is not None and usage.prompt > LONG_CONTEXT_THRESHOLD
    if long and price.long_context_until is not None and at is not None:
        long = at.replace(tzinfo=None) < price.long_context_until
    p = price.long_context if long and price.long_context else price
    micro = (
        usage.input * p.input
        + usage.output * p.output
        + usage.cache_read * p.cache_read
        + usage.cache_write_5m * p.cache_write_5m
        + usage.cache_write_1h * p.cache_write_1h
    )
    return micro / MILLION


@dataclass
class ModelTotal:
    model: str
    calls: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: Decimal | None = None


@dataclass
class CostTotal:
    by_model: dict[str, ModelTotal] = field(default_factory=dict)

    @property
    def priced(self) -> Decimal:
        return sum((m.cost for m in self.by_model.values() if m.cost is not None), Decimal(0))

    @property
    def unpriced_models(self) -> list[str]:
        return sorted(m.model for m in self.by_model.values() if m.cost is None)


def total_cost(
    responses: Iterable[tuple[str | None, Usage]],
    table: Mapping[str, Price] = PRICES,
    times: Iterable[datetime | None] | None = None,
) -> CostTotal:
    """Cost per model of responses already deduplicated per `message.id` (``times``: each
    response's time, for the tiers that ended)."""
    out = CostTotal()
    stamps = iter(times) if times is not None else None
    for model, usage in responses:
        at = next(stamps, None) if stamps is not None else None
        name = model or "unknown"
        m = out.by_model.get(name)
        if m is None:
            price = price_of(model, table)
            m = out.by_model[name] = ModelTotal(name, cost=Decimal(0) if price else None)
        m.calls += 1
        m.usage.add(usage)
        price = price_of(model, table)
        if price is not None and m.cost is not None:
            m.cost += cost_of(usage, price, at)
    return out


# -- a session's cost (the store's rows, the transcript's usage) ----------------------------------


@dataclass
class Response:
    """One API response of a session (its ``message.id``): the line with the most tokens."""

    first_uuid: str | None  # the uuid of its first line: the row that shows it
    model: str | None
    file_id: int  # 0: the session's own file; else a subagent's transcript
    timestamp: datetime | None
    usage: Usage


def responses(cur: duckdb.DuckDBPyConnection, sess: SessionView) -> list[Response]:
    """Every response of a session, subagents' included, deduplicated per ``message.id``.

    The store keeps cache writes as one number; the 5-minute / 1-hour split is read again from
    the transcript line, and only for responses that wrote to the cache."""
    t = sess.tables
    rows = cur.execute(
        "SELECT arg_min(uuid, seq), arg_max(model, tot), arg_max(file_id, tot),"
        " arg_max(byte_offset, tot),"
        " arg_max(byte_len, tot), arg_max(input_tokens, tot), arg_max(output_tokens, tot),"
        " arg_max(cache_read_tokens, tot), arg_max(cache_creation_tokens, tot),"
        " min(ts) FILTER (WHERE NOT ts_guessed)"
        " FROM (SELECT *, input_tokens + output_tokens + cache_read_tokens"
        f" + cache_creation_tokens AS tot FROM {t[Kind.ASSISTANT]}"
        " WHERE coalesce(model, '') <> '<synthetic>')"
        " GROUP BY coalesce(message_id, uuid)"
    ).fetchall()
    out: list[Response] = []
    for first, model, file_id, offset, length, inp, outp, read, written, ts in rows:
        usage = Usage(inp or 0, outp or 0, read or 0, written or 0, 0)
        if written:
            try:
                entry = read_entry(sess.paths[file_id], offset, length)
            except (OSError, ValueError):
                entry = {}  # the line moved or went: its writes count as 5-minute ones
            message = entry.get("message")
            from_line = usage_of(message.get("usage") if isinstance(message, dict) else None)
            if from_line.cache_write_5m + from_line.cache_write_1h == written:
                usage.cache_write_5m = from_line.cache_write_5m
                usage.cache_write_1h = from_line.cache_write_1h
        out.append(Response(first, model, file_id or 0, ts, usage))
    return out


def session_cost(
    cur: duckdb.DuckDBPyConnection,
    sess: SessionView,
    overrides: Mapping[str, PriceOverride] | None = None,
) -> SessionCost:
    """Dollars per model of one session, subagents included (as `session/metrics` counts tokens),
    and the subagents' share apart (their own transcripts, as metrics counts their tokens)."""
    each_response = responses(cur, sess)
    responses_ = [(r.model, r.usage) for r in each_response]
    table = with_overrides(overrides) if overrides else PRICES
    total = total_cost(responses_, table, [r.timestamp for r in each_response])
    each: dict[str, float] = {}
    subagents = Decimal(0)
    for r in each_response:
        price = price_of(r.model, table)
        if price is None:
            continue
        dollars = cost_of(r.usage, price, r.timestamp)
        if r.first_uuid is not None:
            each[r.first_uuid] = float(dollars)
        if r.file_id > 0:
            subagents += dollars
    mine = {family(m) for m in overrides or {}}
    by_model = [
        ModelCost(
            model=m.model,
            api_calls=m.calls,
            tokens=Tokens(
                input=m.usage.input,
                output=m.usage.output,
                cache_read=m.usage.cache_read,
                cache_creation=m.usage.cache_write_5m + m.usage.cache_write_1h,
            ),
            cache_write_one_hour=m.usage.cache_write_1h,
            cost_usd=None if m.cost is None else float(m.cost),
        )
        for m in sorted(total.by_model.values(), key=lambda m: m.model)
    ]
    return SessionCost(
        session_id=sess.files.session_id,
        cost_usd=float(total.priced),
        complete=not total.unpriced_models,
        unpriced_models=total.unpriced_models,
        by_model=by_model,
        prices_as_of=PRICES_AS_OF,
        prices_source=PRICES_SOURCE,
        overridden_models=sorted(m for m in total.by_model if family(m) in mine),
        response_costs=each,
        subagent_cost_usd=float(subagents),
    )
