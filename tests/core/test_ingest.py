"""A refresh reads each appended byte once, whatever consumers take it (#19 item 1).

The catalog's pass reads a transcript's new bytes for its metadata and hands the same blocks to
the archive (``Archive.appender``): N appended bytes cost one read of N bytes (plus the 64-byte
tail probes that tell an append from a rewrite), where the archive used to read them again."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from pathlib import Path

from claude_code_tracer import bytesource
from claude_code_tracer.archive import Archive
from claude_code_tracer.ingest import Chunk, Sink
from claude_code_tracer.models import (
    MessagesPageParams,
    MessagesStreamParams,
    SearchParams,
    SessionRef,
    SessionsListParams,
)
from claude_code_tracer.tracer import Tracer

from .search_oracle import read_archive
from .test_real_transcripts import copy_projects

PROBES = 4 * 64  # tail probes of a refresh: before the read and after it


def appended_lines(path: Path, count: int, new_message_ids: bool = False) -> bytes:
    """``count`` new lines made from the file's own (fresh uuids, so none is a replay).
    ``new_message_ids``: new API messages too (a fresh ``message.id``): a copy of an old
    message id would have its usage counted again by an incremental read (only the last
    message's usage is carried across reads, as only consecutive lines repeat one)."""
    lines = [json.loads(x) for x in path.read_bytes().splitlines() if x.strip()]
    out = []
    for entry in [e for e in lines if "uuid" in e][-count:]:
        entry = {**entry, "uuid": str(uuid.uuid4())}
        msg = entry.get("message")
        if new_message_ids and isinstance(msg, dict) and "id" in msg:
            entry["message"] = {**msg, "id": f"msg_{uuid.uuid4().hex}"}
        out.append(json.dumps(entry).encode() + b"\n")
    return b"".join(out)


def test_a_refresh_reads_the_appended_bytes_once_for_catalog_and_archive(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    tracer = make_tracer(root)
    assert tracer.archive is not None
    with bytesource.counting() as first:
        tracer.list_sessions(SessionsListParams())
    size = main.stat().st_size
    # the first build read the file once (not once for the catalog and once for the archive)
    assert size <= first.by_path[str(main)] <= size + PROBES
    extra = appended_lines(main, 40)
    with main.open("ab") as fh:
        fh.write(extra)
    tracer._catalog_fresh_until = 0.0
    with bytesource.counting() as count:
        page = tracer.list_sessions(SessionsListParams())
    n = len(extra)
    assert n > 10_000
    assert n <= count.by_path[str(main)] <= n + PROBES
    # the session's unchanged subagent files: their tail probes, none of their content
    others = {p: n for p, n in count.by_path.items() if p != str(main)}
    assert others and all(n <= 3 * 64 for n in others.values())
    before = next(s for s in page.sessions if s.session_id == main.stem).message_count
    assert before > 0
    # one generation, whose head is the file's (a later check tells an append by it), and the
    # archive holds every byte, the appended ones included, read back through its chain
    file_dir = tracer.archive.directory / main.relative_to(root).parent / (main.name + ".d")
    assert sorted(p.name for p in file_dir.iterdir()) == ["g0"]
    assert (file_dir / "g0" / "head").read_bytes() == main.read_bytes()[:4096]
    restored = tmp_path / "restored.jsonl"
    assert Archive(tracer.archive.directory).restore(main.relative_to(root), restored)
    assert restored.read_bytes() == main.read_bytes()


class Recorder:
    """A sink that keeps what it is given."""

    name = "recorder"

    def __init__(self) -> None:
        self.chunks: list[Chunk] = []
        self.finished = 0

    def accept(self, chunk: Chunk) -> None:
        self.chunks.append(chunk)

    def finish(self) -> None:
        self.finished += 1


class Broken:
    name = "broken"

    def accept(self, chunk: Chunk) -> None:
        raise RuntimeError("a sink that fails")

    def finish(self) -> None:
        raise RuntimeError("and fails again")


def test_a_sink_gets_every_chunk_read_with_its_records_once(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    files = sorted(root.rglob("*.jsonl"))
    tracer = make_tracer(root)
    recorder = Recorder()
    assert isinstance(recorder, Sink)
    tracer.add_sink(Broken())  # fails on every call: the others still get everything
    tracer.add_sink(recorder)
    tracer.list_sessions(SessionsListParams())
    assert recorder.finished == 1
    by_file: dict[Path, list[Chunk]] = {}
    for chunk in recorder.chunks:
        by_file.setdefault(chunk.path, []).append(chunk)
    assert sorted(by_file) == files
    for path, chunks in by_file.items():
        raw = path.read_bytes()
        assert b"".join(c.data for c in chunks) == raw  # each byte once, in order
        assert chunks[0].start == 0 and chunks[0].restart
        entries = [json.loads(x) for x in raw.splitlines() if x.strip()]
        records = [r for c in chunks for r in c.records]
        assert [r.entry for r in records] == entries
        for r in records:  # each record's bytes are where it says
            assert json.loads(raw[r.offset : r.offset + r.length]) == r.entry
        assert {c.session_id for c in chunks} == {main.stem}
        assert {c.agent_id for c in chunks} == (
            {None} if path == main else {path.stem[len("agent-") :]}
        )
    size = main.stat().st_size
    extra = appended_lines(main, 5)
    with main.open("ab") as fh:
        fh.write(extra)
    recorder.chunks.clear()
    tracer._catalog_fresh_until = 0.0
    tracer.list_sessions(SessionsListParams())
    assert recorder.finished == 2
    assert [(c.path, c.start, c.end, c.data, c.restart) for c in recorder.chunks] == [
        (main, size, size + len(extra), extra, False)
    ]
    assert [r.entry["uuid"] for r in recorder.chunks[0].records] == [
        json.loads(x)["uuid"] for x in extra.splitlines()
    ]


def test_with_the_index_on_appended_bytes_are_read_once_in_total_counted_per_consumer(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """The search index is a sink of the catalog's pass: a refresh (a search's, or a listing's)
    that finds N appended bytes reads N bytes in total, all of them by the pass, none by the
    index, the archive or anyone else; and the appended lines are found by the next search."""
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    tracer = make_tracer(root)
    assert tracer.archive is not None
    word = "zygomorphic"  # in no sample
    assert tracer.search(SearchParams(query=word)).total == 0
    # appended lines holding the word: found by the next search, read once
    for via_listing in (False, True):
        lines = [json.loads(x) for x in appended_lines(main, 30).splitlines()]
        lines[-1]["message"] = {"role": "user", "content": f"a {word} flower"}
        extra = b"".join(json.dumps(e).encode() + b"\n" for e in lines)
        with main.open("ab") as fh:
            fh.write(extra)
        tracer.changes_for({main: "modified"})
        with bytesource.counting() as count:
            if via_listing:  # a listing's refresh feeds the index too: the search reads nothing
                tracer.list_sessions(SessionsListParams())
                tracer._index_fresh_until = 0.0
            page = tracer.search(SearchParams(query=word, limit=10))
        n = len(extra)
        assert n > 10_000
        # the pass: the appended bytes, and tail probes (of the main file and of the
        # session's unchanged subagent files); no other consumer read a byte of a transcript
        # (the search reads its hits' lines again to cut snippets: not ingest)
        assert set(count.by_consumer) <= {bytesource.PASS, "snippets"}, count.by_consumer
        agents = len(count.by_path) - 1
        assert n <= count.by_consumer[bytesource.PASS] <= n + PROBES + 3 * 64 * agents
        snippets = count.by_consumer.get("snippets", 0)
        assert n <= count.by_path[str(main)] - snippets <= n + PROBES
        uuids = sorted(h.uuid or "" for g in page.groups for h in g.hits)
        assert lines[-1]["uuid"] in uuids
        assert len(uuids) == 1 + int(via_listing)


def test_an_index_opened_beside_a_built_catalog_catches_up_reading_each_file_once(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """The first search of an archive the catalog already lists (the index opened later) reads
    every file once more, for the index only (its catch-up), and finds every hit; the next
    search reads nothing."""
    root = copy_projects(tmp_path, "irr-13-")
    files = sorted(root.rglob("*.jsonl"))
    word = "function"
    expected = sum(1 for m in read_archive(root) if m.phrase(word))  # the brute-force oracle
    assert expected > 0
    tracer = make_tracer(root)
    tracer.list_sessions(SessionsListParams())
    with bytesource.counting() as count:
        page = tracer.search(SearchParams(query=word, limit=1))
    sizes = sum(p.stat().st_size for p in files)
    assert count.by_consumer.get("textindex", 0) == sizes
    assert count.by_consumer.get(bytesource.PASS, 0) <= PROBES * len(files)
    assert page.total == expected
    tracer._index_fresh_until = 0.0
    with bytesource.counting() as again:
        assert tracer.search(SearchParams(query=word, limit=1)).total == page.total
    assert again.by_consumer.get("textindex", 0) == 0


def test_a_session_parsed_anew_after_a_subagent_rewrite_is_not_indexed_twice(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """A rewritten subagent file makes the catalog's pass read the whole session again, its
    main file included, in the same refresh: the index checks those bytes against what it holds
    and indexes each line once (counted from the raw lines)."""
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    agent = sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))[0]
    tracer = make_tracer(root)
    word = "zygomorphic"
    lines = [json.loads(x) for x in appended_lines(main, 3).splitlines()]
    for e in lines:
        e["type"], e["message"] = "user", {"role": "user", "content": f"a {word} flower"}
    with main.open("ab") as fh:
        fh.write(b"".join(json.dumps(e).encode() + b"\n" for e in lines))
    assert tracer.search(SearchParams(query=word, limit=50)).total == 3
    # the subagent file rewritten (its first line dropped), and the main file grown too
    kept = agent.read_bytes().splitlines(keepends=True)[1:]
    agent.write_bytes(b"".join(kept))
    more = [json.loads(x) for x in appended_lines(main, 2).splitlines()]
    for e in more:
        e["type"], e["message"] = "user", {"role": "user", "content": f"another {word}"}
    with main.open("ab") as fh:
        fh.write(b"".join(json.dumps(e).encode() + b"\n" for e in more))
    tracer.changes_for({main: "modified", agent: "modified"})
    page = tracer.search(SearchParams(query=word, limit=50))
    assert page.total == 5
    assert sorted(h.uuid or "" for g in page.groups for h in g.hits) == sorted(
        e["uuid"] for e in lines + more
    )


def test_a_loaded_sessions_appended_bytes_are_read_once_whoever_reads_first(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """The store of a loaded session is a sink of the pass too. A listing's pass that finds N
    appended bytes hands them to the store, which reads none of them for the next page; and a
    page that comes first reads them for the store and parks them, so the next pass reads
    none of them either. Each order: N bytes read in total (plus tail probes), every appended
    line on the page (counted from the raw lines), the catalog's count as a fresh build
    makes it, and the archive holding every byte. A subagent file's append too: the pass
    reads it with its session, not in its stat loop, and still takes what the store parked."""
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    agent = sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))[0]
    tracer = make_tracer(root)
    assert tracer.archive is not None
    ref = {"sessionId": main.stem}
    tracer.list_sessions(SessionsListParams())
    total = tracer.page(MessagesPageParams.model_validate({**ref, "limit": 1})).total
    assert total is not None and total > 0
    for pass_first in (True, False):
        extra = appended_lines(main, 40, new_message_ids=True)
        added = len(extra.splitlines())  # one message per line: fresh uuids, no replay
        with main.open("ab") as fh:
            fh.write(extra)
        to_agent = appended_lines(agent, 5, new_message_ids=True)
        with agent.open("ab") as fh:
            fh.write(to_agent)
        tracer._catalog_fresh_until = 0.0
        tracer.changes_for({main: "modified", agent: "modified"})
        taken = tracer.store.sink_parses
        with bytesource.counting() as count:
            if pass_first:
                tracer.list_sessions(SessionsListParams())
                # the store took it all, and knows the files as the pass left them
                assert tracer.is_loaded(SessionRef(session_id=main.stem))
            page = tracer.page(MessagesPageParams.model_validate({**ref, "limit": 1}))
            if not pass_first:
                listed = tracer.list_sessions(SessionsListParams())
        n = len(extra)
        assert n > 10_000
        assert n <= count.by_path[str(main)] <= n + 2 * PROBES
        assert len(to_agent) <= count.by_path[str(agent)] <= len(to_agent) + 2 * PROBES
        # who read first read the appended bytes; the other one, tail probes only
        first, then = (bytesource.PASS, "store") if pass_first else ("store", bytesource.PASS)
        probes = 2 * PROBES * len(count.by_path)
        assert count.by_consumer.get(then, 0) <= probes, count.by_consumer
        assert count.by_consumer[first] >= n
        assert tracer.store.sink_parses == taken + 2 * int(pass_first)
        total += added
        assert page.total == total
    fresh = make_tracer(root, cache_dir=tmp_path / "fresh-cache")
    expected = fresh.list_sessions(SessionsListParams())
    by_id = {s.session_id: s for s in expected.sessions}
    for info in listed.sessions:  # the parked bytes made the same row as a whole read
        assert info.model_dump() == by_id[info.session_id].model_dump()
    restored = tmp_path / "restored.jsonl"
    assert Archive(tracer.archive.directory).restore(main.relative_to(root), restored)
    assert restored.read_bytes() == main.read_bytes()


def test_rows_taken_from_the_pass_are_the_rows_a_load_makes_damage_and_subagents_included(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Appends to a loaded session's main file (new lines, a garbage line, a replayed line)
    and to one of its subagent files, taken by the store from the pass's chunks, then the
    same again read by the store first and parked for the pass: the session's metrics and its
    messages are those of a fresh load, and the listing that of a fresh catalog."""
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    agent = sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))[0]
    raw_main = [json.loads(x) for x in main.read_bytes().splitlines() if x.strip()]
    replay = json.dumps(next(e for e in raw_main if e.get("type") == "user")).encode() + b"\n"
    tracer = make_tracer(root)
    ref = SessionRef(session_id=main.stem)
    tracer.list_sessions(SessionsListParams())
    before = tracer.metrics(ref)
    garbage = replays = 0
    batches = [
        (appended_lines(main, 7, new_message_ids=True), appended_lines(agent, 5, True))
        for _ in range(2)
    ]
    for pass_first, (to_main, to_agent) in zip((True, False), batches, strict=True):
        with main.open("ab") as fh:
            fh.write(to_main + b"not json at all\n" + replay)
        with agent.open("ab") as fh:
            fh.write(to_agent)
        garbage, replays = garbage + 1, replays + 1
        tracer._catalog_fresh_until = 0.0
        tracer.changes_for({main: "modified", agent: "modified"})
        if pass_first:
            tracer.list_sessions(SessionsListParams())
        got = tracer.metrics(ref)
        listed = tracer.list_sessions(SessionsListParams())
    assert got.malformed_lines == before.malformed_lines + garbage
    assert got.replayed_lines == before.replayed_lines + replays
    assert tracer.store.sink_parses >= 2  # main and agent, from the first pass
    fresh = make_tracer(root, cache_dir=tmp_path / "fresh-cache")
    assert got == fresh.metrics(ref)
    params = MessagesStreamParams(session_id=main.stem)
    mine = [m.uuid for p in tracer.stream_pages(params, 500) for m in p.messages]
    theirs = [m.uuid for p in fresh.stream_pages(params, 500) for m in p.messages]
    assert mine == theirs and len(mine) == got.message_count
    expected = {s.session_id: s for s in fresh.list_sessions(SessionsListParams()).sessions}
    for info in listed.sessions:
        assert info.model_dump() == expected[info.session_id].model_dump()


def test_bytes_parked_after_the_pass_read_them_are_let_go_and_the_next_append_is_read_once(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """A pass whose chunk the store could not take (a request held the session) reads the
    append, and the store then reads it for itself and parks it: the next pass, seeing the
    file unchanged, lets the parked bytes go; the append after that is read once again."""
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    tracer = make_tracer(root)
    ref = {"sessionId": main.stem, "limit": 1}
    tracer.list_sessions(SessionsListParams())
    before = tracer.page(MessagesPageParams.model_validate(ref)).total
    assert before is not None
    sess = next(s for s in tracer.store.loaded_sessions() if s.files.main == main)
    with main.open("ab") as fh:
        fh.write(appended_lines(main, 10, new_message_ids=True))
    tracer._catalog_fresh_until = 0.0
    with sess.lock:  # a request holds the session while the pass goes by
        tracer.list_sessions(SessionsListParams())
    tracer.page(MessagesPageParams.model_validate(ref))  # reads the append itself, parks it
    assert tracer.catalog._parked_bytes > 0
    tracer._catalog_fresh_until = 0.0
    tracer.list_sessions(SessionsListParams())  # nothing changed: what is parked is let go
    assert tracer.catalog._parked_bytes == 0 and not tracer.catalog._parked_chunks
    extra = appended_lines(main, 10, new_message_ids=True)
    with main.open("ab") as fh:
        fh.write(extra)
    tracer._catalog_fresh_until = 0.0
    with bytesource.counting() as count:
        page = tracer.page(MessagesPageParams.model_validate(ref))
        tracer.list_sessions(SessionsListParams())
    assert len(extra) <= count.by_path[str(main)] <= len(extra) + 2 * PROBES
    assert page.total == before + 20  # both appends, each line once (fresh uuids)


def test_the_store_joins_the_pass_without_waiting_for_a_pass_under_way(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """The store, made on first use, becomes a sink of the pass: while a pass holds the
    catalog (a first build of a big archive), making it does not wait for the pass to end."""
    import threading

    root = copy_projects(tmp_path, "irr-13-")
    tracer = make_tracer(root)
    made: list[object] = []
    with tracer.catalog._lock:  # a pass under way
        maker = threading.Thread(target=lambda: made.append(tracer.store))
        maker.start()
        maker.join(30)
        assert made, "the store waited for the pass"
    assert made[0] in tracer.catalog.sinks


def test_an_appended_flat_agent_file_is_read_once_its_first_line_not_again(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """A 2.0 flat ``agent-*.jsonl`` is matched to its session by its first line, read when the
    file is first seen. An append (same file, grown, same first bytes) keeps that match: the
    refresh reads the appended bytes and tail probes, not the first line again."""
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    nested = sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))
    for path in nested:  # the 2.0 layout: agent files beside the session's
        path.rename(main.parent / path.name)
    flat = main.parent / nested[0].name
    first_line = len(flat.read_bytes().split(b"\n", 1)[0])
    assert first_line > 2 * PROBES  # a second read of it would show
    tracer = make_tracer(root)
    listed = tracer.list_sessions(SessionsListParams())
    assert [s.subagent_count for s in listed.sessions] == [len(nested)]
    extra = appended_lines(flat, 4, new_message_ids=True)
    with flat.open("ab") as fh:
        fh.write(extra)
    with main.open("ab") as fh:  # the catalog reads a session's agent files with it
        fh.write(appended_lines(main, 1, new_message_ids=True))
    tracer._catalog_fresh_until = 0.0
    with bytesource.counting() as count:
        again = tracer.list_sessions(SessionsListParams())
    assert len(extra) <= count.by_path[str(flat)] <= len(extra) + 2 * PROBES
    assert [s.subagent_count for s in again.sessions] == [len(nested)]
