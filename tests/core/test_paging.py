"""Keyset paging and filters against a brute-force reading of the same files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.errors import InvalidCursor
from claude_code_tracer.models import MessagesPageParams
from claude_code_tracer.tracer import Tracer

from .oracle import read_rows, session_files

SPOTTER = (
    "-home-USER-projects-spotter-worktrees-spotter-a0y",
    "fa812bfe-b295-4cca-9c2f-fdf01028cb46",
)
DEMO = ("-path-to-Demo", "fe5e1c67-53e7-4862-81ae-d0e013e3270b")


def page_all(tracer: Tracer, sid: str, limit: int, flt: dict[str, Any] | None = None) -> list[str]:
    uuids: list[str] = []
    cursor = None
    for _ in range(100_000):
        page = tracer.page(
            MessagesPageParams.model_validate(
                {"sessionId": sid, "limit": limit, "cursor": cursor, "filter": flt or {}}
            )
        )
        uuids += [m.uuid for m in page.messages]
        if not page.has_more:
            return uuids
        cursor = page.next_cursor
    raise AssertionError("paging did not end")


@pytest.mark.parametrize("limit", [1, 7, 50, 500])
def test_paging_returns_every_message_once_in_order(
    samples_root: Path, make_tracer: Callable[..., Tracer], limit: int
) -> None:
    tracer = make_tracer(samples_root)
    project, sid = SPOTTER
    expected = [r.uuid for r in read_rows([samples_root / project / f"{sid}.jsonl"])]
    expected_trunk = [
        r.uuid
        for r in read_rows(session_files(samples_root / project / f"{sid}.jsonl"))
        if not r.sidechain
    ]
    assert expected == expected_trunk
    got = page_all(tracer, sid, limit)
    assert got == expected
    assert len(set(got)) == len(got)


def test_first_page_counts_total_and_later_pages_do_not(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    _, sid = SPOTTER
    first = tracer.page(MessagesPageParams(session_id=sid, limit=10))
    assert first.total == 1853 and first.has_more
    second = tracer.page(MessagesPageParams(session_id=sid, limit=10, cursor=first.next_cursor))
    assert second.total is None
    assert first.messages[-1].uuid != second.messages[0].uuid


FILTERS: list[tuple[dict[str, Any], Callable[[Any], bool]]] = [
    ({"kinds": ["assistant"]}, lambda r: r.kind == "assistant" and not r.sidechain),
    (
        {"kinds": ["user", "tool_result"]},
        lambda r: r.kind in ("user", "tool_result") and not r.sidechain,
    ),
    ({"tools": ["Edit"]}, lambda r: "Edit" in r.tools and not r.sidechain),
    (
        {"tools": ["Bash", "Read"]},
        lambda r: bool({"Bash", "Read"} & set(r.tools)) and not r.sidechain,
    ),
    ({"errorsOnly": True}, lambda r: r.error and not r.sidechain),
    ({"includeSidechains": True}, lambda r: True),
    (
        {"includeSidechains": True, "errorsOnly": True, "kinds": ["tool_result"]},
        lambda r: r.error and r.kind == "tool_result",
    ),
    ({"agentId": "a93ccab"}, lambda r: r.agent_id == "a93ccab"),
    (
        {"text": "spotter-a0y", "kinds": ["user"]},
        lambda r: r.kind == "user" and "spotter-a0y" in r.text.lower() and not r.sidechain,
    ),
    (
        {"since": "2026-02-12T15:50:00Z", "until": "2026-02-12T16:00:00Z"},
        lambda r: not r.sidechain and "2026-02-12 15:50" <= str(r.ts) <= "2026-02-12 16:00:00",
    ),
]


@pytest.mark.parametrize(("flt", "keep"), FILTERS, ids=[str(f[0]) for f in FILTERS])
def test_each_filter_equals_brute_force(
    samples_root: Path,
    make_tracer: Callable[..., Tracer],
    flt: dict[str, Any],
    keep: Callable[[Any], bool],
) -> None:
    tracer = make_tracer(samples_root)
    project, sid = SPOTTER
    rows = read_rows(session_files(samples_root / project / f"{sid}.jsonl"))
    expected = [r.uuid for r in rows if keep(r)]
    assert expected, "the filter should select something in this sample"
    assert page_all(tracer, sid, 37, flt) == expected
    first = tracer.page(MessagesPageParams.model_validate({"sessionId": sid, "filter": flt}))
    assert first.total == len(expected)


def test_inline_sidechains_of_old_sessions_are_grouped_into_agents(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    project, sid = DEMO
    rows = read_rows(session_files(samples_root / project / f"{sid}.jsonl"))
    assert sum(r.sidechain for r in rows) == 405
    assert page_all(tracer, sid, 50, {"includeSidechains": True}) == [r.uuid for r in rows]
    subagents = tracer.subagents(MessagesPageParams(session_id=sid)).subagents
    assert len(subagents) == 5 and all(a.layout == "inline" for a in subagents)
    assert sum(a.message_count for a in subagents) == 405


def test_cursor_from_one_filter_is_refused_by_another(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    _, sid = SPOTTER
    page = tracer.page(
        MessagesPageParams.model_validate({"sessionId": sid, "filter": {"kinds": ["assistant"]}})
    )
    with pytest.raises(InvalidCursor, match="another filter"):
        tracer.page(
            MessagesPageParams.model_validate(
                {"sessionId": sid, "cursor": page.next_cursor, "filter": {"kinds": ["user"]}}
            )
        )


def test_cursor_from_another_session_is_refused(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    page = tracer.page(MessagesPageParams(session_id=SPOTTER[1]))
    with pytest.raises(InvalidCursor, match="another session"):
        tracer.page(MessagesPageParams(session_id=DEMO[1], cursor=page.next_cursor))


@pytest.mark.parametrize("bad", ["", "%%%", "bm90IGpzb24", "eyJ2IjoyfQ", "A" * 300])
def test_malformed_cursor_is_refused_with_a_clear_error(
    samples_root: Path, make_tracer: Callable[..., Tracer], bad: str
) -> None:
    tracer = make_tracer(samples_root)
    with pytest.raises(InvalidCursor, match="malformed"):
        tracer.page(MessagesPageParams(session_id=SPOTTER[1], cursor=bad or "x"))


def test_expand_carries_full_content_and_summaries_stay_short(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    _, sid = SPOTTER
    plain = tracer.page(MessagesPageParams(session_id=sid, limit=200))
    full = tracer.page(MessagesPageParams(session_id=sid, limit=200, expand=True))
    assert [m.uuid for m in plain.messages] == [m.uuid for m in full.messages]
    assert all(m.content is None for m in plain.messages)
    assert all(isinstance(m.content, list) and m.content for m in full.messages)
    assert all(len(m.preview) <= 200 for m in plain.messages)
    assert len(full.model_dump_json()) > 2 * len(plain.model_dump_json())


def test_a_page_can_start_at_a_given_message_and_continue_from_there(
    samples_root: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(samples_root)
    project, sid = SPOTTER
    expected = [r.uuid for r in read_rows([samples_root / project / f"{sid}.jsonl"])]
    target = expected[1234]
    page = tracer.page(MessagesPageParams(session_id=sid, limit=10, start_at=target))
    assert [m.uuid for m in page.messages] == expected[1234:1244]
    assert page.total == len(expected)
    after = tracer.page(MessagesPageParams(session_id=sid, limit=10, cursor=page.next_cursor))
    assert [m.uuid for m in after.messages] == expected[1244:1254]
    tools = tracer.page(
        MessagesPageParams.model_validate(
            {"sessionId": sid, "startAt": target, "filter": {"kinds": ["tool_result"]}}
        )
    )
    assert tools.messages and all(m.kind.value == "tool_result" for m in tools.messages)
    with pytest.raises(Exception, match="no message nope"):
        tracer.page(MessagesPageParams(session_id=sid, start_at="nope"))
