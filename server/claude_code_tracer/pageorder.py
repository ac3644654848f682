"""A loaded session's rows in page order, held in memory: a warm page is a bisect, not a query.

A page asked of DuckDB costs 3-8 ms whatever its size (planning a union of per-kind top-N scans
and running it), most of the 5 ms a warm page may take. Yet a complete view never changes, and the
summary chunks it already holds carry every column the common filters test. So the first page of a
filter on a view sorts the matching rows' ``(ts, seq)`` keys once (Arrow: about 15 ms per 100K
rows, stable on ``ts`` so equal times keep their file order), and every page after that, at any
depth, is two bisects and a slice.

Only filters the summary columns decide exactly are served here; a text filter (which needs the
text index and the search column) and a view still being loaded (its rows keep growing) go to SQL.
The order dies with its view: a refreshed session gets a new view and sorts again when asked.
"""

from __future__ import annotations

import bisect
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from .cursor import PageKey
from .models import MessageFilter
from .queries import TOOL_KINDS

if TYPE_CHECKING:
    from .store import SessionView

_EPOCH = datetime(1970, 1, 1)
_US_PER_S = 1_000_000
#: Orders kept per view: one per filter a client pages through; a view is replaced on refresh.
MAX_ORDERS = 8


@dataclass(frozen=True)
class Order:
    """The seqs of a view's matching rows in (ts, seq) order, and their times (µs since 1970)."""

    ts: memoryview
    seqs: memoryview

    def __len__(self) -> int:
        return len(self.seqs)

    def start(self, after: PageKey | None) -> int:
        """The position of the first row strictly after ``after``."""
        if after is None:
            return 0
        key = micros(after.ts)
        lo = bisect.bisect_left(self.ts, key)
        hi = bisect.bisect_right(self.ts, key, lo)
        # Rows of one time are in seq order (the sort is stable over file order).
        return bisect.bisect_right(self.seqs, after.seq, lo, hi)

    def page(self, after: PageKey | None, limit: int) -> tuple[list[int], bool]:
        """``limit`` seqs after ``after``, and whether more rows follow them."""
        i = self.start(after)
        return self.seqs[i : i + limit].tolist(), i + limit < len(self.seqs)


def micros(ts: datetime) -> int:
    """Microseconds since 1970 of a stored (naive UTC) time, as Arrow's timestamp[us] holds it."""
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC).replace(tzinfo=None)
    delta = ts - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * _US_PER_S + delta.microseconds


def servable(flt: MessageFilter) -> bool:
    """Whether the summary columns decide this filter exactly (the text filter needs more)."""
    return not flt.text


class Orders:
    """Per-view memo of orders by filter, bounded; safe for concurrent requests on one view."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_filter: dict[str, Order] = {}

    def __len__(self) -> int:
        return len(self._by_filter)

    def get(self, view: SessionView, flt: MessageFilter, key: str) -> Order:
        with self._lock:
            order = self._by_filter.get(key)
        if order is not None:
            return order
        order = build(view, flt)
        with self._lock:
            if len(self._by_filter) >= MAX_ORDERS:
                self._by_filter.pop(next(iter(self._by_filter)))
            self._by_filter[key] = order
        return order


def _column(view: SessionView, name: str) -> pa.Array:
    # Each chunk is one combined record batch: gather their arrays (handing ChunkedArrays to
    # ``pa.chunked_array`` would convert them value by value, 40 ms per 100K rows).
    arrays = [a for chunk in view.chunks for a in chunk.column(name).chunks]
    return pa.chunked_array(arrays, type=view.chunks[0].schema.field(name).type).combine_chunks()


def _mask(view: SessionView, flt: MessageFilter) -> pa.Array | None:
    """The rows a filter keeps (None: all), with the semantics of ``queries.filter_conditions``."""
    masks: list[pa.Array] = []
    if flt.agent_id is not None:
        masks.append(pc.equal(_column(view, "agent_id"), flt.agent_id))
    elif not flt.include_sidechains:
        masks.append(pc.invert(_column(view, "is_sidechain")))
    kinds = [k.value for k in flt.kinds] if flt.kinds else None
    if flt.tools:
        tool_kinds = [k.value for k in TOOL_KINDS]
        kinds = [k for k in kinds if k in tool_kinds] if kinds is not None else tool_kinds
        names = _column(view, "tool_names")
        hit = pc.is_in(pc.list_flatten(names), value_set=pa.array(flt.tools, pa.string()))
        rows = pc.filter(pc.list_parent_indices(names), hit)
        masks.append(pc.is_in(_positions(len(names)), value_set=pc.cast(rows, pa.int64())))
    if kinds is not None:
        masks.append(pc.is_in(_column(view, "kind"), value_set=pa.array(kinds, pa.string())))
    if flt.errors_only:
        masks.append(_column(view, "is_error"))
    if flt.since is not None or flt.until is not None:
        ts = _column(view, "ts")
        if flt.since is not None:
            masks.append(pc.greater_equal(ts, pa.scalar(flt.since, ts.type)))
        if flt.until is not None:
            masks.append(pc.less_equal(ts, pa.scalar(flt.until, ts.type)))
    if not masks:
        return None
    mask = masks[0]
    for more in masks[1:]:
        mask = pc.and_kleene(mask, more)
    # SQL keeps a row only when its condition is true: a null (no agent id, no flag) is false.
    return pc.fill_null(mask, False)


def _positions(n: int) -> pa.Array:
    """0, 1, ..., n-1 as int64, made in Arrow (a Python range would box every value)."""
    return pc.cast(pc.indices_nonzero(pa.repeat(True, n)), pa.int64())


def _as_view(arr: pa.Array) -> memoryview:
    """The int64 values of an array without nulls, as a memoryview bisect can search."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    values = memoryview(arr.buffers()[1]).cast("q")
    return values[arr.offset : arr.offset + len(arr)]


def build(view: SessionView, flt: MessageFilter) -> Order:
    if not view.chunks or view.bound == 0:
        empty = memoryview(b"").cast("q")
        return Order(empty, empty)
    # Seq is the row's position among the view's rows (the store numbers them so).
    ts = pc.fill_null(pc.cast(_column(view, "ts"), pa.int64()), 0)
    mask = _mask(view, flt)
    if mask is None:
        seqs = _positions(view.bound)
    else:
        seqs = pc.cast(pc.indices_nonzero(mask), pa.int64())
        ts = pc.filter(ts, mask)
    order = pc.sort_indices(ts)  # stable: equal times stay in seq order
    return Order(_as_view(pc.take(ts, order)), _as_view(pc.take(seqs, order)))
