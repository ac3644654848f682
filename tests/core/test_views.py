"""A view is a snapshot: a session refreshed or reloaded under a request changes nothing that
request reads, and tables replaced by a reload live until their last reader lets them go."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_code_tracer.models import (
    MessageFilter,
    MessagesPageParams,
    MessagesStreamParams,
    SessionRef,
)
from claude_code_tracer.queries import count_query, page_query
from claude_code_tracer.tracer import Tracer
from claude_code_tracer.transcripts import FLUSH_ROWS, READ_CHUNK

from .test_store import SID, append, entry, write

PROJECT = "-work-proj"
WAIT = 30.0  # seconds: a bound so that a failing test cannot hang


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


def timed(i: int) -> dict[str, Any]:
    """An entry whose timestamp grows with ``i`` (a second apart) over hours."""
    return entry(i, timestamp=f"2026-01-01T{i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}.000Z")


def gate_second_insert(store: Any) -> threading.Event:
    """Hold the store's second insert of rows until the event is set: the loader stops after
    publishing its head, and the test sees what a client sees while the rest is parsed."""
    go_on = threading.Event()
    inserts = 0
    real_insert = store._insert

    def gated_insert(*args: Any) -> None:
        nonlocal inserts
        inserts += 1
        if inserts == 2:
            assert go_on.wait(WAIT)
        real_insert(*args)

    store._insert = gated_insert
    return go_on


def test_a_big_session_serves_its_head_while_the_rest_is_parsed(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    main = root / PROJECT / f"{SID}.jsonl"
    n = 40_123  # about 10 MB: three reads of READ_CHUNK bytes, each a batch of rows
    write(main, [timed(i) for i in range(n)])
    in_first_read = main.read_bytes()[:READ_CHUNK].count(b"\n")
    assert FLUSH_ROWS <= in_first_read < n
    tracer = make_tracer(root, head_first_bytes=main.stat().st_size // 4)
    store = tracer.store
    # The parse stops before its second batch of rows until the test lets it go on: what the
    # test sees in between is what a client sees while a big file is parsed.
    go_on = gate_second_insert(store)
    try:
        head = tracer.page(MessagesPageParams(session_id=SID, limit=50))
        assert head.complete is False and head.has_more is True
        assert [m.uuid for m in head.messages] == [f"u-{i:06d}" for i in range(50)]
        assert head.total == in_first_read, "counted so far: the head's rows"
        more = tracer.page(MessagesPageParams(session_id=SID, limit=50, cursor=head.next_cursor))
        assert [m.uuid for m in more.messages] == [f"u-{i:06d}" for i in range(50, 100)]
        assert more.complete is False
    finally:
        go_on.set()
    tracer.ensure_loaded(SessionRef(session_id=SID))  # waits for the rest of the parse
    whole = tracer.page(MessagesPageParams(session_id=SID, limit=50))
    assert whole.complete is True and whole.total == n
    last = tracer.page(MessagesPageParams(session_id=SID, limit=500, start_at=f"u-{n - 10:06d}"))
    assert [m.uuid for m in last.messages] == [f"u-{i:06d}" for i in range(n - 10, n)]
    assert last.has_more is False
    assert store.full_parses == 1


def test_a_head_first_load_stopped_by_close_does_not_hang(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    main = root / PROJECT / f"{SID}.jsonl"
    write(main, [entry(i) for i in range(2 * FLUSH_ROWS + 1)])
    tracer = make_tracer(root, head_first_bytes=1)
    head = tracer.page(MessagesPageParams(session_id=SID, limit=10))
    assert len(head.messages) == 10
    tracer.store.close()  # cancels the background parse (or finds it done) and drops it all
    assert session_tables(tracer) == set()


def test_a_page_past_the_parsed_head_waits_for_the_rest(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    main = root / PROJECT / f"{SID}.jsonl"
    n = 40_123
    write(main, [timed(i) for i in range(n)])
    in_first_read = main.read_bytes()[:READ_CHUNK].count(b"\n")
    tracer = make_tracer(root, head_first_bytes=1)
    head = tracer.page(MessagesPageParams(session_id=SID, limit=10))
    near = tracer.page(
        MessagesPageParams(session_id=SID, limit=100, start_at=f"u-{in_first_read - 50:06d}")
    )
    # Whether or not the parse had finished, the page is whole: 100 rows from there on.
    assert [m.uuid for m in near.messages] == [
        f"u-{i:06d}" for i in range(in_first_read - 50, in_first_read + 50)
    ]
    assert near.has_more is True
    assert len(head.messages) == 10


def test_a_page_at_a_message_past_the_parsed_head_finds_it(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    main = root / PROJECT / f"{SID}.jsonl"
    n = 40_123
    write(main, [timed(i) for i in range(n)])
    tracer = make_tracer(root, head_first_bytes=1)
    page = tracer.page(MessagesPageParams(session_id=SID, limit=5, start_at=f"u-{n - 3:06d}"))
    assert [m.uuid for m in page.messages] == [f"u-{i:06d}" for i in range(n - 3, n)]
    assert page.has_more is False and page.complete is True


def test_a_session_with_subagents_answers_its_trunk_from_the_head_and_waits_for_sidechains(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Head first counts every file of the session (620 subagent files weigh more than many a
    big main file) and parses the main file first. The trunk's first page is answered from the
    head, the rows a whole load gives; a page that shows subagents' lines waits for their
    files, so it is whole (its total counted by a load that did not answer head first)."""
    from .test_real_transcripts import copy_projects

    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    agents = sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))
    assert agents
    sid = main.stem
    whole = make_tracer(root, head_first_bytes=1 << 40, cache_dir=tmp_path / "whole")
    trunk = whole.page(MessagesPageParams(session_id=sid, limit=10))
    with_side = MessagesPageParams.model_validate(
        {"sessionId": sid, "limit": 5, "filter": {"includeSidechains": True}}
    )
    expected = whole.page(with_side)
    assert expected.total is not None and trunk.total is not None
    assert expected.total > trunk.total  # the subagents' lines are on it
    tracer = make_tracer(root, head_first_bytes=main.stat().st_size + 1)  # only with agents
    go_on = gate_second_insert(tracer.store)  # the subagent files' rows wait for the test
    try:
        head = tracer.page(MessagesPageParams(session_id=sid, limit=10))
        assert head.complete is False  # answered while the subagent files are not parsed
        assert [m.uuid for m in head.messages] == [m.uuid for m in trunk.messages]
        got: list[Any] = []
        asker = threading.Thread(target=lambda: got.append(tracer.page(with_side)))
        asker.start()
        asker.join(0.5)  # time to answer from the head, were it allowed to
        assert not got, "a page with subagents' lines answered before their files were parsed"
    finally:
        go_on.set()
    asker.join(WAIT)
    page = got[0]
    assert page.complete is True and page.total == expected.total
    assert [m.uuid for m in page.messages] == [m.uuid for m in expected.messages]
