"""Search across sessions: every query form against a brute-force scan of the same files.

The words each query uses are picked from the data by the oracle (common, rare, adjacent pairs),
so the comparisons hold on real transcripts and on generated archives alike.
"""

from __future__ import annotations

import itertools
import shutil
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from claude_code_tracer.models import SearchPage, SearchParams
from claude_code_tracer.tracer import Tracer

from ..synthetic import generate_archive
from .conftest import SAMPLES
from .search_oracle import Msg, Predicate, read_archive

IRR = Path(__file__).resolve().parents[1] / "samples" / "projects"

Key = tuple[str, str, str, int]


def search_all(tracer: Tracer, query: str, **kw: object) -> tuple[list[SearchPage], list[Key]]:
    """Every hit of a query, following the cursor."""
    pages: list[SearchPage] = []
    keys: list[Key] = []
    cursor = None
    while True:
        params = SearchParams.model_validate({"query": query, "limit": 400, "cursor": cursor, **kw})
        page = tracer.search(params)
        pages.append(page)
        for g in page.groups:
            keys.extend((g.project, g.session_id, h.file, h.line) for h in g.hits)
        if not page.has_more:
            return pages, keys
        cursor = page.next_cursor


def cases(msgs: list[Msg]) -> list[tuple[str, Predicate]]:
    """Queries of every form, with words drawn from the data, and their brute-force meaning."""
    df: Counter[str] = Counter()
    for m in msgs:
        df.update(set(m.words))
    n = len(msgs)
    mid = sorted(
        w for w, c in df.items() if n * 0.02 <= c <= n * 0.2 and w.isalpha() and len(w) > 4
    )
    rare = sorted(w for w, c in df.items() if 2 <= c <= 5 and w.isalpha() and len(w) > 4)
    assert mid and rare, "the data should have common and rare words"
    w1, r1 = mid[len(mid) // 2], rare[len(rare) // 3]
    w2 = next(w for w in mid[::-1] if w != w1 and any(w1 in m.words and w in m.words for m in msgs))
    holder = next(m for m in msgs if w1 in m.words and len(m.words) > 3)
    i = holder.words.index(w1)
    pair = (
        (holder.words[i], holder.words[i + 1])
        if i + 1 < len(holder.words)
        else (
            holder.words[i - 1],
            holder.words[i],
        )
    )
    stem = w1[:4]
    tools = Counter(t for m in msgs for t in m.tools)
    tool = tools.most_common(1)[0][0]
    kinds = Counter(m.kind for m in msgs)
    stamps = sorted(m.ts for m in msgs if m.ts is not None)
    day = stamps[len(stamps) // 2].astimezone(UTC).date()
    day_start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    projects = sorted({m.project for m in msgs})
    part = projects[-1][-6:]
    session = sorted({m.session for m in msgs})[0]
    models = Counter(m.model for m in msgs if m.model)
    model_part = models.most_common(1)[0][0].split("-")[1] if models else "opus"

    def has(*words: str) -> Predicate:
        return lambda m: m.phrase(*words)

    return [
        (w1, has(w1)),
        (r1.upper(), has(r1)),
        (f"{w1} {w2}", lambda m: m.phrase(w1) and m.phrase(w2)),
        (f'"{pair[0]} {pair[1]}"', has(*pair)),
        (f"{pair[0]}.{pair[1]}", has(*pair)),
        (f"{w1} -{w2}", lambda m: m.phrase(w1) and not m.phrase(w2)),
        (f'{w2} -"{pair[0]} {pair[1]}"', lambda m: m.phrase(w2) and not m.phrase(*pair)),
        (f"{stem}*", lambda m: m.prefixed(stem)),
        (f'"{pair[0]} {pair[1][:3]}"*', lambda m: m.prefixed(pair[0], pair[1][:3])),
        (f"tool:{tool} {w1}", lambda m: tool in m.tools and m.phrase(w1)),
        (f"kind:user {w1}", lambda m: m.kind == "user" and m.phrase(w1)),
        ("kind:tool_result errors", lambda m: m.kind == "tool_result" and m.error),
        ("errors", lambda m: m.error),
        (
            f"after:{day.isoformat()} {w1}",
            lambda m: m.ts is not None and m.ts >= day_start and m.phrase(w1),
        ),
        (
            f"before:{day.isoformat()} {w2}",
            lambda m: m.ts is not None and m.ts < day_start and m.phrase(w2),
        ),
        (f"project:{part} {w1}", lambda m: part.lower() in m.project.lower() and m.phrase(w1)),
        (f"session:{session[:8]}", lambda m: m.session.startswith(session[:8])),
        (f"-tool:{tool} {w1}", lambda m: tool not in m.tools and m.phrase(w1)),
        (f"-kind:user -errors {w2}", lambda m: m.kind != "user" and not m.error and m.phrase(w2)),
        (f"-project:{part} {w1}", lambda m: part.lower() not in m.project.lower() and m.phrase(w1)),
        (f"-session:{session[:8]}", lambda m: not m.session.startswith(session[:8])),
        (f"-model:{model_part} {w2}", lambda m: model_part not in m.model and m.phrase(w2)),
        (f"model:{model_part} {w2}", lambda m: model_part in m.model and m.phrase(w2)),
        # injection-like text is text: the quote, the dashes and the operators are searched
        ("' OR 1=1 --", lambda m: m.phrase("or") and m.phrase("1", "1")),
        (
            f"title:{w1} AND ({w2}",
            lambda m: m.phrase("title", w1) and m.phrase("and") and m.phrase(w2),
        ),
        (f'"{pair[0]} {pair[1]}', has(*pair)),
        ('\\"; DROP TABLE files; --', lambda m: m.phrase("drop", "table", "files")),
    ] + [(f"kind:{k}", lambda m, k=k: m.kind == k) for k in sorted(kinds)]


def check_against_oracle(tracer: Tracer, msgs: list[Msg]) -> int:
    checked = 0
    for query, keep in cases(msgs):
        expected = sorted(m.key for m in msgs if keep(m))
        pages, got = search_all(tracer, query)
        assert sorted(got) == expected, query
        assert len(got) == len(set(got)), query
        assert pages[0].total == len(expected), query
        checked += bool(expected)
    return checked


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("gen")
    generate_archive(base, sessions=40, messages_per_session=(20, 120), projects=5, seed=7)
    return base / "projects"


def _tracer(make_tracer: Callable[..., Tracer], root: Path) -> Tracer:
    return make_tracer(root)


@pytest.mark.parametrize("which", ["bundled", "irrlicht", "generated"])
def test_every_query_form_equals_brute_force(
    which: str,
    tmp_path: Path,
    generated: Path,
    make_tracer: Callable[..., Tracer],
) -> None:
    source = {"bundled": SAMPLES / "projects", "irrlicht": IRR, "generated": generated}[which]
    root = tmp_path / "projects"
    shutil.copytree(source, root)
    msgs = read_archive(root)
    tracer = make_tracer(root)
    checked = check_against_oracle(tracer, msgs)
    assert checked >= 15, "most queries should match something"


def test_newest_first_is_ordered_and_relevance_pages_do_not_overlap(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    pages, keys = search_all(tracer, "the", sort="newest")
    assert len(pages) > 1

    def descending(xs: list[datetime]) -> bool:
        return all(a >= b for a, b in itertools.pairwise(xs))

    for page in pages:
        firsts = [g.hits[0].timestamp for g in page.groups]
        assert descending([t for t in firsts if t])  # sessions in order of their newest hit
        for g in page.groups:
            assert descending([h.timestamp for h in g.hits if h.timestamp])
    spans = [[h.timestamp for g in p.groups for h in g.hits if h.timestamp] for p in pages]
    assert all(min(a) >= max(b) for a, b in itertools.pairwise(spans) if a and b)
    _, ranked = search_all(tracer, "the")
    assert sorted(ranked) == sorted(keys)


def test_snippets_mark_the_matched_words_by_character_offsets(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    page = tracer.search(SearchParams(query="spott* session", limit=100))
    hits = [h for g in page.groups for h in g.hits]
    assert hits
    for h in hits:
        assert h.highlights, h.snippet
        assert "<" not in "".join(h.snippet[r.start : r.end] for r in h.highlights)
        for r in h.highlights:
            word = h.snippet[r.start : r.end].lower()
            assert word == "session" or word.startswith("spott"), (word, h.snippet)


def test_a_query_of_only_punctuation_is_refused_clearly(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    from claude_code_tracer.errors import InvalidRequest

    tracer = make_tracer(samples_root)
    with pytest.raises(InvalidRequest, match="no word"):
        tracer.search(SearchParams(query="!!! ---"))
    with pytest.raises(InvalidRequest):
        tracer.search(SearchParams(query="kind:nonsense"))
    with pytest.raises(InvalidRequest):
        tracer.search(SearchParams(query="after:yesterday"))


def test_hits_in_subagents_and_inline_sidechains_say_so(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    msgs = read_archive(samples_root)
    pages, _ = search_all(tracer, "the")
    got = {
        (g.project, g.session_id, h.file, h.line): h.is_sidechain
        for p in pages
        for g in p.groups
        for h in g.hits
    }
    expected = {m.key: m.sidechain for m in msgs if m.phrase("the")}
    assert got == expected
    inline = [k for k, side in expected.items() if side and k[2] == "session"]
    assert inline, "the 1.0.x sample has sidechains inside its trunk file"


def test_each_group_is_titled_as_the_sessions_list_titles_its_session(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """A search result names a session by the title the sessions tree shows, so the session
    reads the same from the tree and from search (the title of a session without a title line
    is its first prompt, read here from the file)."""
    import json

    tracer = make_tracer(samples_root)
    sid = "4d5611e5-241a-462a-8d15-5122611a9569"
    path = next(samples_root.rglob(f"{sid}.jsonl"))
    prompt = next(
        d["message"]["content"]
        for d in map(json.loads, path.read_text(encoding="utf-8").splitlines())
        if d.get("type") == "user" and isinstance(d["message"].get("content"), str)
    )
    # The tree lists sessions first (search titles come from the catalog as it stands: a search
    # never builds the whole catalog of a big archive).
    from claude_code_tracer.models import SessionsListParams

    listed = tracer.list_sessions(SessionsListParams(query=sid, limit=5)).sessions
    page = tracer.search(SearchParams(query="spotter-dov", limit=100))
    group = next(g for g in page.groups if g.session_id == sid)
    assert group.title is not None
    assert " ".join(prompt.split()).startswith(" ".join(group.title.split())[:60])
    # The same title sessions/list gives (the tree's).
    assert [s.title for s in listed if s.session_id == sid] == [group.title]


def test_a_rename_after_a_search_titles_the_next_search(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """Search titles are kept per catalog generation (a search per keystroke asks the same
    again); a /rename appended to the transcript is a new generation, so the next search has it."""
    import json

    from claude_code_tracer.models import SessionsListParams

    tracer = make_tracer(samples_root)
    sid = "4d5611e5-241a-462a-8d15-5122611a9569"
    path = next(samples_root.rglob(f"{sid}.jsonl"))
    tracer.list_sessions(SessionsListParams(limit=100))
    params = SearchParams(query="spotter-dov", limit=100)
    before = next(g for g in tracer.search(params).groups if g.session_id == sid).title
    assert before is not None and "renamed by the test" not in before
    line = {"type": "custom-title", "customTitle": "renamed by the test", "sessionId": sid}
    with path.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(line) + "\n")
    tracer.changes_for({path: "modified"})  # what the watcher says
    tracer.list_sessions(SessionsListParams(limit=100))
    after = next(g for g in tracer.search(params).groups if g.session_id == sid).title
    assert after == "renamed by the test"
