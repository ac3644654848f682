"""Pages served from a view's in-memory order (``pageorder``) equal what SQL answers, exactly.

The SQL page query is the reference here because it is the other, independent implementation of
the same filter semantics (and is itself pinned to a brute-force reader in ``test_paging``): for
every real sample and every filter form, paging through the in-memory order with any page size
gives the rows of ``queries.page_query`` over the same view, in the same order; and the order of a
view is never reused after the session grows.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from claude_code_tracer import pageorder
from claude_code_tracer.models import Kind, MessageFilter, MessagesPageParams, SessionRef
from claude_code_tracer.queries import page_query
from claude_code_tracer.tracer import Tracer

from .. import synthetic

HERE = Path(__file__).resolve().parents[1]
SAMPLE_ROOTS = (
    HERE.parent / "server" / "claude_code_tracer" / "samples" / "projects",
    HERE / "samples" / "projects",
)


def _sql_order(tracer: Tracer, sid: str, flt: MessageFilter) -> list[int]:
    params = MessagesPageParams(session_id=sid)
    with tracer.store.use(tracer._files(params)) as view:
        query = page_query(view.present, flt, None, None)
        if query is None:
            return []
        return [r[0] for r in tracer.db.cursor().execute(*query).fetchall()]


def _paged(tracer: Tracer, sid: str, flt: MessageFilter, limit: int) -> tuple[list[int], int]:
    """Every row's seq, paged through the tracer, and the first page's total. (A damaged line
    can yield several records: a row is known by its file, line and uuid.)"""
    with tracer.store.use(tracer._files(MessagesPageParams(session_id=sid))) as view:
        names = view.file_names
        seq_of = {
            (names[r["file_id"]], r["line"], r["uuid"]): r["seq"]
            for c in view.chunks
            for r in c.to_pylist()
        }
    seqs: list[int] = []
    cursor = None
    total = -1
    while True:
        page = tracer.page(
            MessagesPageParams(session_id=sid, limit=limit, cursor=cursor, filter=flt)
        )
        if cursor is None:
            total = page.total if page.total is not None else -1
        seqs += [seq_of[(m.file, m.line, m.uuid)] for m in page.messages]
        if not page.has_more:
            return seqs, total
        cursor = page.next_cursor


def _filters_for(tracer: Tracer, sid: str) -> list[MessageFilter]:
    options = tracer.filters(SessionRef(session_id=sid))
    out = [
        MessageFilter(),
        MessageFilter(include_sidechains=True),
        MessageFilter(errors_only=True, include_sidechains=True),
        MessageFilter(kinds=[Kind.USER, Kind.ASSISTANT]),
        MessageFilter(kinds=[Kind.SYSTEM], tools=["Bash"]),
    ]
    out += [MessageFilter(tools=[t.name], include_sidechains=True) for t in options.tools[:3]]
    out += [MessageFilter(agent_id=a) for a in options.agent_ids[:2]]
    out += [MessageFilter(kinds=[k.kind]) for k in options.kinds]
    return out


def _sessions(root: Path) -> list[tuple[str, str]]:
    return [
        (p.parent.name, p.stem)
        for p in sorted(root.glob("*/*.jsonl"))
        if not p.name.startswith("agent-")
    ]


def test_every_filter_on_every_real_sample_pages_like_sql(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects"
    for src in SAMPLE_ROOTS:
        for d in src.iterdir():
            if d.is_dir():
                shutil.copytree(d, root / d.name)
    tracer = make_tracer(root)
    checked = 0
    for _, sid in _sessions(root):
        filters = _filters_for(tracer, sid)
        # A time window around the middle of the session: both bounds inclusive, like SQL.
        first = tracer.page(MessagesPageParams(session_id=sid, limit=500)).messages
        if len(first) > 2:
            mid = first[len(first) // 2].timestamp.replace(tzinfo=None)
            filters.append(MessageFilter(since=mid, until=mid + timedelta(minutes=5)))
        for flt in filters:
            expected = _sql_order(tracer, sid, flt)
            seqs, total = _paged(tracer, sid, flt, 7)
            assert seqs == expected, (sid, flt)
            assert total == len(expected), (sid, flt)
            checked += bool(expected)
    assert checked > 100  # the filters did select rows, on many sessions
    with tracer.store.use(tracer._files(MessagesPageParams(session_id=sid))) as view:
        assert len(view.orders) > 0  # the pages above were served from the in-memory order


def test_a_cursor_inside_a_run_of_equal_times_continues_exactly_after_it(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = tmp_path / "projects" / "-home-dev-p"
    root.mkdir(parents=True)
    gen = synthetic.generate_session(root, messages=400, seed=3, subagents=4)
    # Runs of seven lines share one time (like the parts of one split response): cursors of
    # pages of 3 and 5 land inside the runs.
    path = root / f"{gen.session_id}.jsonl"
    lines = path.read_bytes().splitlines()
    run_ts = None
    out = []
    for i, raw in enumerate(lines):
        entry = json.loads(raw)
        if "timestamp" in entry:
            if i % 7 == 0 or run_ts is None:
                run_ts = entry["timestamp"]
            entry["timestamp"] = run_ts
        out.append(json.dumps(entry).encode())
    path.write_bytes(b"\n".join(out) + b"\n")
    tracer = make_tracer(root.parent)
    for flt in (MessageFilter(), MessageFilter(include_sidechains=True)):
        expected = _sql_order(tracer, gen.session_id, flt)
        for limit in (3, 5, 500):
            seqs, total = _paged(tracer, gen.session_id, flt, limit)
            assert seqs == expected
            assert total == len(expected)
    with tracer.store.use(tracer._files(MessagesPageParams(session_id=gen.session_id))) as view:
        ts = view.orders.get(view, MessageFilter(), "test").ts.tolist()
    assert sum(a == b for a, b in itertools.pairwise(ts)) > 100


FILTER = st.builds(
    MessageFilter,
    kinds=st.none() | st.lists(st.sampled_from(list(Kind)), min_size=1, max_size=3, unique=True),
    tools=st.none()
    | st.lists(
        st.sampled_from(["Bash", "Edit", "Read", "Task", "Nope"]),
        min_size=1,
        max_size=2,
        unique=True,
    ),
    errors_only=st.booleans(),
    include_sidechains=st.booleans(),
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("order") / "projects" / "-home-dev-p"
    root.mkdir(parents=True)
    synthetic.generate_session(root, messages=600, seed=11, subagents=5, malformed=3)
    return root.parent


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(flt=FILTER, limit=st.integers(min_value=1, max_value=120))
def test_any_filter_and_page_size_pages_like_sql(
    generated: Path, make_tracer: Callable[..., Tracer], flt: MessageFilter, limit: int
) -> None:
    tracer = make_tracer(generated)
    sid = next(p.stem for p in generated.glob("*/*.jsonl") if not p.name.startswith("agent-"))
    seqs, total = _paged(tracer, sid, flt, limit)
    expected = _sql_order(tracer, sid, flt)
    assert seqs == expected
    assert total == len(expected)


def _user_line(sid: str, uuid: str, parent: str | None, when: datetime, text: str) -> str:
    return json.dumps(
        {
            "type": "user",
            "uuid": uuid,
            "parentUuid": parent,
            "sessionId": sid,
            "timestamp": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "isSidechain": False,
            "message": {"role": "user", "content": text},
        }
    )


@pytest.mark.parametrize("back_in_time", [False, True], ids=["in-order", "back-in-time"])
def test_an_append_extends_the_order_or_sorts_anew_and_pages_like_sql(
    tmp_path: Path, make_tracer: Callable[..., Tracer], back_in_time: bool
) -> None:
    root = tmp_path / "projects" / "-home-dev-p"
    root.mkdir(parents=True)
    gen = synthetic.generate_session(root, messages=300, seed=5, subagents=2)
    tracer = make_tracer(root.parent)
    sid = gen.session_id
    flt = MessageFilter()
    before, total = _paged(tracer, sid, flt, 40)
    path = root / f"{sid}.jsonl"
    entries = [e for e in map(json.loads, path.read_bytes().splitlines()) if "timestamp" in e]
    last = entries[-1]
    when = datetime.fromisoformat(last["timestamp"].replace("Z", "+00:00"))
    # back in time: dated before the session's middle, so it sorts among the first rows
    when = (
        datetime.fromisoformat(entries[len(entries) // 2]["timestamp"].replace("Z", "+00:00"))
        if back_in_time
        else when + timedelta(minutes=1)
    )
    with path.open("a") as f:
        for i in range(3):
            uuid = f"aaaaaaaa-0000-4000-8000-00000000000{i}"
            f.write(
                _user_line(sid, uuid, last.get("uuid"), when + timedelta(seconds=i), "more") + "\n"
            )
    after, total_after = _paged(tracer, sid, flt, 40)
    assert total_after == total + 3
    assert after == _sql_order(tracer, sid, flt)
    with tracer.store.use(tracer._files(MessagesPageParams(session_id=sid))) as view:
        sorted_rows = view.orders.sorted_rows
        bound = view.bound
    # in order, only the appended rows were sorted; back in time, the whole view was
    assert sorted_rows == (bound if back_in_time else 3)
    assert set(before) < set(after)


def test_a_text_filter_and_a_partial_view_are_left_to_sql() -> None:
    assert not pageorder.servable(MessageFilter(text="x"))
    assert pageorder.servable(MessageFilter(tools=["Bash"], errors_only=True))
