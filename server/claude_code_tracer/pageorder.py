"""A loaded session's rows in page order, held in memory: a warm page is a bisect, not a query.

A page asked of DuckDB costs 3-8 ms whatever its size (planning a union of per-kind top-N scans
and running it), most of the 5 ms a warm page may take. Yet a complete view never changes, and the
summary chunks it already holds carry every column the common filters test. So the first page of a
filter on a view sorts the matching rows' ``(ts, seq)`` keys once (Arrow: about 15 ms per 100K
rows, stable on ``ts`` so equal times keep their file order), and every page after that, at any
depth, is two bisects and a slice.

Only filters the summary columns decide exactly are served here; a text filter (which needs the
text index and the search column) and a view still being loaded (its rows keep growing) go to SQL.
A live session grows by appends: its next view (same tables, more rows) inherits the orders of
the one before, and an order is extended by sorting the new rows only, appended when they come
after the last time it holds (the usual case; otherwise the whole order is sorted again). A full
reload makes new tables, and nothing is inherited.
"""

from __future__ import annotations

import bisect
import functools
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc

from .cursor import PageKey
from .models import MessageFilter
from .queries import TOOL_KINDS


class SessionView(Protocol):
    """What an order is built from: a view's summary chunks (``store.SessionView`` is one). A
    protocol, so this module does not import the store that imports it."""

    @property
    def chunks(self) -> tuple[pa.Table, ...]: ...

    @property
    def starts(self) -> tuple[int, ...]: ...

    @property
    def bound(self) -> int: ...

_EPOCH = datetime(1970, 1, 1)
_US_PER_S = 1_000_000
#: Orders kept per view: one per filter a client pages through; a view is replaced on refresh.
MAX_ORDERS = 8


@dataclass(frozen=True)
class Order:
    """The seqs of a view's matching rows in (ts, seq) order, and their times (µs since 1970),
    over the view's first ``bound`` rows."""

    ts_array: pa.Array
    seq_array: pa.Array
    bound: int

    @functools.cached_property
    def ts(self) -> memoryview:
        return _as_view(self.ts_array)

    @functools.cached_property
    def seqs(self) -> memoryview:
        return _as_view(self.seq_array)

    def __len__(self) -> int:
        return len(self.seq_array)

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
        return self.seqs[i : i + limit].tolist(), i + limit < len(self.seq_array)


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
    """Per-view memo of orders by filter, bounded; safe for concurrent requests on one view.
    ``inherited`` are orders of an earlier view of the same tables (fewer rows), to extend."""

    def __init__(self, inherited: dict[str, Order] | None = None) -> None:
        self._lock = threading.Lock()
        self._by_filter: dict[str, Order] = {}
        self._inherited = dict(inherited or {})
        self.sorted_rows = 0  # rows sorted by this memo (tests: an append sorts only its rows)

    def __len__(self) -> int:
        return len(self._by_filter)

    def successor(self) -> Orders:
        """The memo for the next view of the same tables: every order known here, to extend."""
        with self._lock:
            carried = {**self._inherited, **self._by_filter}
        while len(carried) > MAX_ORDERS:
            carried.pop(next(iter(carried)))
        return Orders(carried)

    def get(self, view: SessionView, flt: MessageFilter, key: str) -> Order:
        with self._lock:
            order = self._by_filter.get(key)
            earlier = self._inherited.get(key)
        if order is not None:
            return order
        order = None
        if earlier is not None and earlier.bound <= view.bound:
            order = _extend(earlier, view, flt)
        sorted_rows = order.bound - earlier.bound if order is not None and earlier else view.bound
        if order is None:
            order = build(view, flt)
        with self._lock:
            self.sorted_rows += sorted_rows
            if len(self._by_filter) >= MAX_ORDERS:
                self._by_filter.pop(next(iter(self._by_filter)))
            self._by_filter[key] = order
            self._inherited.pop(key, None)
        return order


def _column_from(view: SessionView, name: str, start: int = 0) -> pa.Array:
    """A summary column over the view's rows from ``start`` on, as one array."""
    # Each chunk is one combined record batch: gather their arrays (handing ChunkedArrays to
    # ``pa.chunked_array`` would convert them value by value, 40 ms per 100K rows).
    arrays: list[pa.Array] = []
    for first, chunk in zip(view.starts, view.chunks, strict=True):
        last = first + chunk.num_rows
        if last <= start:
            continue
        for arr in chunk.column(name).chunks:
            arrays.append(arr.slice(max(0, start - first)))
    kind = view.chunks[0].schema.field(name).type
    return pa.chunked_array(arrays, type=kind).combine_chunks()


def _mask(view: SessionView, flt: MessageFilter, start: int = 0) -> pa.Array | None:
    """The rows from ``start`` on that a filter keeps (None: all), with the semantics of
    ``queries.filter_conditions``."""

    def col(name: str) -> pa.Array:
        return _column_from(view, name, start)

    masks: list[pa.Array] = []
    if flt.agent_id is not None:
        masks.append(pc.equal(col("agent_id"), flt.agent_id))
    elif not flt.include_sidechains:
        masks.append(pc.invert(col("is_sidechain")))
    kinds = [k.value for k in flt.kinds] if flt.kinds else None
    if flt.tools:
        tool_kinds = [k.value for k in TOOL_KINDS]
        kinds = [k for k in kinds if k in tool_kinds] if kinds is not None else tool_kinds
        names = col("tool_names")
        hit = pc.is_in(pc.list_flatten(names), value_set=pa.array(flt.tools, pa.string()))
        rows = pc.filter(pc.list_parent_indices(names), hit)
        masks.append(pc.is_in(_positions(len(names)), value_set=pc.cast(rows, pa.int64())))
    if kinds is not None:
        masks.append(pc.is_in(col("kind"), value_set=pa.array(kinds, pa.string())))
    if flt.errors_only:
        masks.append(col("is_error"))
    if flt.since is not None or flt.until is not None:
        ts = col("ts")
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


def _sorted(view: SessionView, flt: MessageFilter, start: int) -> tuple[pa.Array, pa.Array]:
    """(ts, seq) of the matching rows from ``start`` on, in page order."""
    # Seq is the row's position among the view's rows (the store numbers them so).
    ts = pc.fill_null(pc.cast(_column_from(view, "ts", start), pa.int64()), 0)
    mask = _mask(view, flt, start)
    if mask is None:
        seqs = _positions(len(ts))
    else:
        seqs = pc.cast(pc.indices_nonzero(mask), pa.int64())
        ts = pc.filter(ts, mask)
    if start:
        seqs = pc.add(seqs, start)
    order = pc.sort_indices(ts)  # stable: equal times stay in seq order
    return pc.take(ts, order), pc.take(seqs, order)


def build(view: SessionView, flt: MessageFilter) -> Order:
    if not view.chunks or view.bound == 0:
        empty = pa.array([], pa.int64())
        return Order(empty, empty, view.bound)
    ts, seqs = _sorted(view, flt, 0)
    return Order(ts, seqs, view.bound)


def _extend(earlier: Order, view: SessionView, flt: MessageFilter) -> Order | None:
    """``earlier`` with the view's rows after its bound, or None when one of them sorts before
    its last row (a line dated back in time: the caller sorts everything again)."""
    if earlier.bound == view.bound:
        return earlier
    if not view.chunks:
        return None
    ts, seqs = _sorted(view, flt, earlier.bound)
    if len(ts) and len(earlier) and ts[0].as_py() < earlier.ts_array[-1].as_py():
        return None
    return Order(
        pa.concat_arrays([earlier.ts_array, ts]),
        pa.concat_arrays([earlier.seq_array, seqs]),
        view.bound,
    )
