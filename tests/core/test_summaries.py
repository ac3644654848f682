"""A flush's summary rows made in Arrow equal the ones DuckDB's ``_SUMMARY_SELECT`` makes.

The store builds the summaries of a batch in Arrow (no DuckDB scan of it); DuckDB's SQL, which
made them before, is the reference: on every real sample and on times only DuckDB reads, which
send the batch back to it.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa

from claude_code_tracer import store
from claude_code_tracer.transcripts import FileState, Parser, RowBuffer

HERE = Path(__file__).resolve().parents[1]
SAMPLES = [
    HERE.parent / "server" / "claude_code_tracer" / "samples" / "projects",
    HERE / "samples" / "projects",
]


def _duckdb_summaries(batch: pa.Table) -> pa.Table:
    con = duckdb.connect(":memory:")
    con.register("b", batch)
    return con.sql(f"SELECT {store._SUMMARY_SELECT} FROM b ORDER BY seq").to_arrow_table()


def test_arrow_summaries_equal_duckdb_on_every_real_transcript() -> None:
    files = sorted(p for root in SAMPLES for p in root.rglob("*.jsonl"))
    assert len(files) > 40
    rows = 0
    for path in files:
        buf = RowBuffer()
        Parser().parse_file(path, 0, FileState(), buf)
        batch = pa.Table.from_pydict(buf.cols, schema=store.ARROW_SCHEMA)
        made = store._arrow_summaries(batch)
        assert made is not None, path
        assert made.equals(_duckdb_summaries(batch)), path
        rows += made.num_rows
    assert rows > 5000


def test_a_time_arrow_cannot_read_leaves_the_batch_to_duckdb() -> None:
    path = next(SAMPLES[1].rglob("*.jsonl"))
    buf = RowBuffer()
    Parser().parse_file(path, 0, FileState(), buf)
    cols = buf.cols
    cols["ts"] = list(cols["ts"])
    cols["ts"][0] = "2026-04-09T20:49:38.1234567Z"  # DuckDB truncates, Arrow refuses
    cols["ts"][1] = None  # no time at all: 1970, as COALESCE makes it
    batch = pa.Table.from_pydict(cols, schema=store.ARROW_SCHEMA)
    assert store._arrow_summaries(batch) is None
    del cols["ts"][0]
    batch = pa.Table.from_pydict(
        {k: v[1:] for k, v in cols.items() if k != "ts"} | {"ts": cols["ts"]},
        schema=store.ARROW_SCHEMA,
    )
    made = store._arrow_summaries(batch)
    assert made is not None and made.equals(_duckdb_summaries(batch))
    assert made.column("ts")[0].as_py().year == 1970
