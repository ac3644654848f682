"""Tokens and dollars over a period, grouped by day (UTC), model or project.

Each session's responses (one per ``message.id``, subagents' included, the 1-hour cache writes
split out: ``pricing.responses``, the same rows ``session/cost`` prices) are priced with the same
table and summed into the groups; a response counts in the period by its time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .models import Tokens, UsageParams, UsageReport, UsageRow
from .pricing import PRICES_AS_OF, Price, Response, cost_of, price_of


@dataclass
class _Group:
    calls: int = 0
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_creation: int = 0
    dollars: Decimal = Decimal(0)
    unpriced: int = 0
    sessions: set[tuple[str, str]] = field(default_factory=set)

    def add(self, r: Response, dollars: Decimal | None, session: tuple[str, str]) -> None:
        self.calls += 1
        u = r.usage
        self.input += u.input
        self.output += u.output
        self.cache_read += u.cache_read
        self.cache_creation += u.cache_write_5m + u.cache_write_1h
        if dollars is None:
            self.unpriced += 1
        else:
            self.dollars += dollars
        self.sessions.add(session)

    def row(self, key: str) -> UsageRow:
        return UsageRow(
            key=key,
            api_calls=self.calls,
            tokens=Tokens(
                input=self.input,
                output=self.output,
                cache_read=self.cache_read,
                cache_creation=self.cache_creation,
            ),
            cost_usd=float(self.dollars),
            unpriced_calls=self.unpriced,
            sessions=len(self.sessions),
        )


def in_period(ts: datetime | None, params: UsageParams) -> bool:
    if params.since is None and params.until is None:
        return True
    if ts is None:
        return False
    return (params.since is None or ts >= params.since) and (
        params.until is None or ts <= params.until
    )


def overlaps(first: datetime | None, last: datetime | None, params: UsageParams) -> bool:
    """Whether a session active from ``first`` to ``last`` may have calls in the period."""
    if params.since is not None and last is not None and last < params.since:
        return False
    return not (params.until is not None and first is not None and first > params.until)


def rollup(
    params: UsageParams,
    sessions: Iterable[tuple[str, str, list[Response]]],
    table: Mapping[str, Price],
    skipped: int = 0,
) -> UsageReport:
    """``sessions``: (project, session id, its responses)."""
    groups: dict[str, _Group] = {}
    total = _Group()
    unpriced: set[str] = set()
    for project, session_id, responses in sessions:
        key_session = (project, session_id)
        for r in responses:
            if not in_period(r.timestamp, params):
                continue
            price = price_of(r.model, table)
            dollars = cost_of(r.usage, price) if price is not None else None
            if price is None:
                unpriced.add(r.model or "unknown")
            if params.group_by == "day":
                key = r.timestamp.date().isoformat() if r.timestamp else "unknown"
            elif params.group_by == "model":
                key = r.model or "unknown"
            else:
                key = project
            groups.setdefault(key, _Group()).add(r, dollars, key_session)
            total.add(r, dollars, key_session)
    if params.group_by == "day":
        keys = sorted(groups)
    else:
        keys = sorted(groups, key=lambda k: (-groups[k].dollars, k))
    return UsageReport(
        group_by=params.group_by,
        since=params.since,
        until=params.until,
        rows=[groups[k].row(k) for k in keys],
        total=total.row("total"),
        sessions=len(total.sessions),
        skipped_sessions=skipped,
        unpriced_models=sorted(unpriced),
        prices_as_of=PRICES_AS_OF,
    )
