"""A view is a snapshot: a session refreshed or reloaded under a request changes nothing that
request reads, and tables replaced by a reload live until their last reader lets them go."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from claude_code_tracer.models import MessageFilter, MessagesPageParams, MessagesStreamParams
from claude_code_tracer.queries import count_query, page_query
from claude_code_tracer.tracer import Tracer

from .test_store import SID, append, entry, write

PROJECT = "-work-proj"


def session_tables(tracer: Tracer) -> set[str]:
    rows = tracer.db.cursor().execute("SELECT table_name FROM duckdb_tables()").fetchall()
    return {r[0] for r in rows if r[0].startswith("s_")}


def generations(tracer: Tracer) -> set[str]:
    return {name.split("_")[2] for name in session_tables(tracer)}


def test_a_stream_survives_appends_and_a_reload_between_its_batches(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    main = root / PROJECT / f"{SID}.jsonl"
    write(main, [entry(i, "user" if i % 2 else "assistant") for i in range(400)])
    tracer = make_tracer(root)
    expected = [f"u-{i:06d}" for i in range(400)]

    pages = tracer.stream_pages(MessagesStreamParams(session_id=SID, limit=None), batch_size=30)
    got: list[str] = []
    for n, page in enumerate(pages):
        got.extend(m.uuid for m in page.messages)
        if n % 3 == 2:  # a rewrite: the next request reloads the session into new tables
            write(main, [entry(i) for i in range(1000, 1000 + 50 + n)])
        else:  # appends, with timestamps inside the stream's range: they sort among its rows
            append(main, [entry(i, uuid=f"late-{n}-{i}") for i in range(0, 400, 37)])
        assert tracer.page(MessagesPageParams(session_id=SID, limit=3)).messages
    assert got == expected
    assert page.has_more is False and page.total == 400


def test_a_view_does_not_see_rows_appended_after_it_was_made(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    main = root / PROJECT / f"{SID}.jsonl"
    write(main, [entry(i) for i in range(100)])
    tracer = make_tracer(root)
    files = tracer.locator.resolve(tracer.roots, SID, None)
    old = tracer.store.acquire(files)
    try:
        append(main, [entry(i, uuid=f"new-{i}") for i in range(0, 100, 10)])
        with tracer.store.use(files) as new:
            assert new.bound == 110
        assert old.bound == 100
        sql, args = count_query(old.present, MessageFilter())
        assert tracer.db.cursor().execute(sql, args).fetchall()[0][0] == 100
        query = page_query(old.present, MessageFilter(), None, None)
        assert query is not None
        seqs = [r[0] for r in tracer.db.cursor().execute(*query).fetchall()]
        assert sorted(seqs) == list(range(100))
        assert [r["uuid"] for r in old.take(seqs)] == [f"u-{i:06d}" for i in range(100)]
    finally:
        tracer.store.release(old)


def test_replaced_tables_are_dropped_when_their_last_reader_releases_them(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    main = root / PROJECT / f"{SID}.jsonl"
    write(main, [entry(i) for i in range(60)])
    tracer = make_tracer(root)
    files = tracer.locator.resolve(tracer.roots, SID, None)
    old = tracer.store.acquire(files)
    first = generations(tracer)
    assert len(first) == 1

    write(main, [entry(i) for i in range(30)])  # rewritten: a full reload
    page = tracer.page(MessagesPageParams(session_id=SID, limit=100))
    assert len(page.messages) == 30
    assert len(generations(tracer)) == 2, "the old generation lives while a view holds it"
    sql = f"SELECT count(*) FROM {old.present[next(iter(old.present))]}"
    assert tracer.db.cursor().execute(sql).fetchall()[0][0] > 0

    tracer.store.release(old)
    assert len(generations(tracer)) == 1
    assert generations(tracer) != first


def test_a_closed_stream_releases_its_view(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    main = root / PROJECT / f"{SID}.jsonl"
    write(main, [entry(i) for i in range(200)])
    tracer = make_tracer(root)
    pages = tracer.stream_pages(MessagesStreamParams(session_id=SID), batch_size=10)
    next(pages)
    write(main, [entry(i) for i in range(5)])
    tracer.page(MessagesPageParams(session_id=SID, limit=10))
    assert len(generations(tracer)) == 2
    pages.close()  # what a cancel does
    assert len(generations(tracer)) == 1
