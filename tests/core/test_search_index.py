"""The text index over time: appends, rewrites, deletions, damage, a second reader, a first
build that is searched while it runs, and the in-session text filter past 2,000 characters."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer import textindex
from claude_code_tracer.models import MessagesPageParams, SearchPage, SearchParams
from claude_code_tracer.tracer import Tracer

from ..synthetic import generate_archive
from .search_oracle import read_archive
from .test_search import search_all
from .test_store import SID, append, entry, write

PROJECT = "-work-proj"


def keys_of(page: SearchPage) -> list[tuple[str, int]]:
    return [(h.uuid or "", h.line) for g in page.groups for h in g.hits]


def find(tracer: Tracer, query: str, **kw: Any) -> SearchPage:
    return tracer.search(SearchParams.model_validate({"query": query, **kw}))


def changed(tracer: Tracer, path: Path, what: str = "modified") -> None:
    """What the server's file watcher does when a transcript changes."""
    tracer.changes_for({path: what})


@pytest.fixture
def one_session(tmp_path: Path) -> Path:
    root = tmp_path / "projects"
    lines = [entry(i) for i in range(4)]
    lines.append(entry(4, message={"role": "user", "content": "the heron flies at dawn"}))
    write(root / PROJECT / f"{SID}.jsonl", lines)
    return root


def test_appended_lines_are_found_by_the_next_search(
    one_session: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(one_session)
    assert keys_of(find(tracer, "heron")) == [("u-000004", 5)]
    assert find(tracer, "kingfisher").total == 0
    path = one_session / PROJECT / f"{SID}.jsonl"
    append(path, [entry(5, message={"role": "user", "content": "a kingfisher and a heron"})])
    changed(tracer, path)
    assert keys_of(find(tracer, "kingfisher")) == [("u-000005", 6)]
    assert sorted(keys_of(find(tracer, "heron"))) == [("u-000004", 5), ("u-000005", 6)]


def test_a_torn_last_line_is_indexed_once_it_is_complete(
    one_session: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(one_session)
    path = one_session / PROJECT / f"{SID}.jsonl"
    line = json.dumps(entry(5, message={"role": "user", "content": "osprey"})).encode()
    with path.open("ab") as fh:
        fh.write(line[:30])
    changed(tracer, path)
    assert find(tracer, "osprey").total == 0
    with path.open("ab") as fh:
        fh.write(line[30:] + b"\n")
    changed(tracer, path)
    assert keys_of(find(tracer, "osprey")) == [("u-000005", 6)]


def test_a_rewritten_file_has_its_documents_replaced(
    one_session: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(one_session)
    assert find(tracer, "heron").total == 1
    path = one_session / PROJECT / f"{SID}.jsonl"
    lines = [entry(i, message={"role": "user", "content": f"egret number {i}"}) for i in range(3)]
    write(path, lines)
    changed(tracer, path)
    assert find(tracer, "heron").total == 0
    assert sorted(keys_of(find(tracer, "egret"))) == [(f"u-{i:06d}", i + 1) for i in range(3)]
    assert find(tracer, "prompt").total == 0  # the old lines are gone, not duplicated


@pytest.mark.parametrize("archive", [False, True])
def test_a_deleted_file_stays_searchable_when_asked_marked_deleted(
    archive: bool, one_session: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(one_session, archive=archive)
    assert find(tracer, "heron").total == 1
    (one_session / PROJECT / f"{SID}.jsonl").unlink()
    changed(tracer, one_session / PROJECT / f"{SID}.jsonl", "deleted")
    assert find(tracer, "heron").total == 0
    page = find(tracer, "heron", includeDeleted=True)
    assert page.total == 1
    assert page.groups[0].deleted and page.groups[0].session_id == SID
    # without the archive the line cannot be read any more; with it (the search's refresh is
    # the catalog's, which archives what it reads) the snippet is read from the archive
    snippet = page.groups[0].hits[0].snippet
    assert ("heron flies at dawn" in snippet) if archive else snippet == ""


@pytest.mark.parametrize("damage", ["garbage meta", "missing folder", "missing table", "old"])
def test_a_damaged_or_missing_index_is_rebuilt_without_error(
    damage: str, one_session: Path, make_tracer: Callable[..., Tracer], tmp_path: Path
) -> None:
    first = make_tracer(one_session)
    assert find(first, "heron").total == 1
    first.close()
    folder = tmp_path / "cache" / textindex.INDEX_DIR
    assert (folder / "meta.json").is_file()
    if damage == "garbage meta":
        (folder / "meta.json").write_bytes(b"\x00{ not json")
    elif damage == "missing folder":
        shutil.rmtree(folder)
    elif damage == "missing table":
        (folder / textindex.STATE_FILE).unlink()
    else:
        old = tmp_path / "cache" / "textindex-v0"
        old.mkdir()
        (old / "meta.json").write_text("{}")
    again = make_tracer(one_session)
    assert keys_of(find(again, "heron")) == [("u-000004", 5)]
    assert find(again, "prompt").total == 4  # nothing indexed twice
    assert not (tmp_path / "cache" / "textindex-v0").exists()


def test_a_second_tracer_on_the_same_cache_searches_it_read_only(
    one_session: Path, make_tracer: Callable[..., Tracer]
) -> None:
    writer = make_tracer(one_session)
    assert find(writer, "heron").total == 1
    reader = make_tracer(one_session)
    assert reader.text_index.writer is None
    assert keys_of(find(reader, "heron")) == [("u-000004", 5)]


def test_search_while_the_first_build_runs_sees_what_is_committed(
    tmp_path: Path, make_tracer: Callable[..., Tracer], monkeypatch: pytest.MonkeyPatch
) -> None:
    generate_archive(tmp_path, sessions=30, messages_per_session=60, projects=3, seed=3)
    root = tmp_path / "projects"
    word = "the"
    expected = sorted(
        (m.project, m.session, m.file, m.line) for m in read_archive(root) if m.phrase(word)
    )
    monkeypatch.setattr(textindex, "COMMIT_BYTES", 64 * 1024)
    tracer = make_tracer(root)
    during: list[SearchPage] = []

    def progress(done: int, total: int) -> None:
        # called by the build, which holds the index: this search must not wait for it
        if done < total:
            during.append(find(tracer, word, limit=500))

    done = tracer.search(SearchParams(query=word, limit=1), progress)
    assert done.total == len(expected) and not done.indexing
    _, final = search_all(tracer, word)
    assert sorted(final) == expected
    assert during and all(p.indexing for p in during)
    totals = [p.total for p in during]
    assert totals == sorted(totals) and 0 < totals[-1] < len(expected)
    seen = {
        (g.project, g.session_id, h.file, h.line) for p in during for g in p.groups for h in g.hits
    }
    assert seen and seen <= set(expected)


LONG = "filler " * 400  # 2,800 characters: past the store's 2,000-character search column


def test_the_session_text_filter_finds_words_past_two_thousand_characters(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    lines = [
        entry(0, message={"role": "user", "content": LONG + "the ptarmigan, token_refresh()"}),
        entry(1, message={"role": "user", "content": "a ptarmigan early on"}),
        entry(2, message={"role": "user", "content": LONG + "nothing to see"}),
        entry(3, message={"role": "user", "content": LONG + "ptarmigans are not it"}),
    ]
    write(root / PROJECT / f"{SID}.jsonl", lines)
    tracer = make_tracer(root)

    def uuids(text: str) -> list[str]:
        params = MessagesPageParams.model_validate({"sessionId": SID, "filter": {"text": text}})
        page = tracer.page(params)
        assert page.total == len(page.messages)
        return [m.uuid for m in page.messages]

    # "ptarmigans" past 2,000 characters is another word: the index finds whole words there
    assert uuids("ptarmigan") == ["u-000000", "u-000001"]
    assert uuids("PTARMIGAN, token") == ["u-000000"]
    assert uuids("token_refresh()") == ["u-000000"]
    assert uuids("token_refresh(x)") == []  # the words match, the text does not
    assert uuids("armigan") == ["u-000001"]  # inside a word: only within 2,000 characters
    assert uuids("filler filler") == ["u-000000", "u-000002", "u-000003"]


def test_the_index_lives_in_the_cache_folder_and_memory_without_one(
    one_session: Path, make_tracer: Callable[..., Tracer], tmp_path: Path
) -> None:
    tracer = make_tracer(one_session)
    assert find(tracer, "heron").total == 1
    assert (tmp_path / "cache" / textindex.INDEX_DIR / textindex.STATE_FILE).is_file()
    memory = make_tracer(one_session, cache_dir=tmp_path / "nowhere", persistent_catalog=False)
    assert find(memory, "heron").total == 1
    assert not os.path.exists(tmp_path / "nowhere")
