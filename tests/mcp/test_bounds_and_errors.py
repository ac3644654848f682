"""Every result bounded by maxChars with a way to continue; every bad argument a tool error of
one sentence, after which the server still answers; a cancelled call leaves it serving."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
import pytest

from claude_code_tracer.mcpserver.params import MESSAGE_MIN_CHARS
from mcp import ClientSession

from ..synthetic import generate_archive
from .support import Running, error, ok

pytestmark = pytest.mark.asyncio(loop_scope="module")

ASK = "7b1f6cf4-5698-48c1-bdd5-3c95840e395c"
WRITER = "2f3afc56-121b-4178-a4b7-d39e7f6f48ca"  # 19 Edits and Writes, long tool results


@pytest.mark.parametrize("max_chars", [2_000, 3_500, 8_000])
async def test_every_tool_stays_within_max_chars(server: ClientSession, max_chars: int) -> None:
    calls: list[tuple[str, dict[str, Any]]] = [
        ("search", {"query": "the", "limit": 100}),
        ("list_sessions", {"limit": 200, "withCost": False}),
        ("read_session", {"sessionId": ASK, "limit": 100}),
        ("read_session", {"sessionId": WRITER, "around": None, "limit": 100}),
        ("session_summary", {"sessionId": WRITER}),
        ("usage", {"groupBy": "day"}),
    ]
    for name, args in calls:
        args = {k: v for k, v in args.items() if v is not None}
        got = await ok(server, name, {**args, "maxChars": max_chars})
        if got["truncated"]:
            assert got["note"], name  # says how to continue
    page = await ok(server, "read_session", {"sessionId": WRITER, "maxChars": max_chars})
    uuid = max(page["messages"], key=lambda m: m["textChars"])["uuid"]
    got = await ok(
        server, "get_message", {"sessionId": WRITER, "uuid": uuid, "maxChars": max_chars}
    )
    assert len(got["text"]) <= max_chars


async def test_a_search_cut_by_max_chars_says_so_and_its_cursor_continues(
    server: ClientSession,
) -> None:
    big = await ok(server, "search", {"query": "the", "limit": 40, "maxChars": 200_000})
    small = await ok(server, "search", {"query": "the", "limit": 40, "maxChars": 2_000})
    assert small["truncated"] and small["hasMore"] and "maxChars" in small["note"]
    shown = [h["citation"] for h in small["hits"]]
    assert shown == [h["citation"] for h in big["hits"]][: len(shown)]
    second = await ok(server, "search", {"query": "the", "limit": 40, "cursor": big["nextCursor"]})
    assert not {h["citation"] for h in second["hits"]} & {h["citation"] for h in big["hits"]}


async def test_read_session_cut_mid_window_continues_around_the_first_left_out(
    server: ClientSession,
) -> None:
    whole = await ok(
        server, "read_session", {"sessionId": WRITER, "limit": 60, "maxChars": 200_000}
    )
    uuids = [m["uuid"] for m in whole["messages"]]
    got = await ok(server, "read_session", {"sessionId": WRITER, "limit": 60, "maxChars": 2_000})
    shown = [m["uuid"] for m in got["messages"]]
    assert shown == uuids[: len(shown)]
    if got["truncated"]:
        assert got["continueAround"] == uuids[len(shown)]
        assert f"around={got['continueAround']}" in got["note"]
    else:  # the bound lowered the limit instead: the next cursor continues
        assert got["nextCursor"] and len(shown) == 2_000 // MESSAGE_MIN_CHARS


async def test_a_cut_message_says_how_much_and_where_to_get_it(server: ClientSession) -> None:
    got = await ok(server, "read_session", {"sessionId": WRITER, "limit": 50, "maxChars": 30_000})
    cut = [m for m in got["messages"] if m["cut"]]
    assert cut
    for m in cut:
        assert f"get_message sessionId={WRITER} uuid={m['uuid']}" in got["_text"]
        assert f"{m['textChars']:,} characters" in got["_text"]


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("read_session", {"sessionId": "no-such-session"}, "no session no-such-session"),
    ("read_session", {"sessionId": "../../etc"}, "plain name"),
    ("read_session", {"sessionId": ASK, "cursor": "not a cursor"}, "cursor is malformed"),
    ("read_session", {"sessionId": ASK, "around": "no-such-uuid"}, "no message no-such-uuid"),
    ("read_session", {"sessionId": ASK, "limit": 0}, "limit"),
    ("read_session", {"sessionId": ASK, "limit": 101}, "limit"),
    ("read_session", {"sessionId": ASK, "limit": "10"}, "limit"),
    ("read_session", {"sessionId": ASK, "around": "a", "cursor": "b"}, "not both"),
    ("read_session", {}, "sessionId"),
    ("read_session", {"sessionId": ASK, "kinds": ["nonsense"]}, "kinds"),
    ("search", {"query": ""}, "query"),
    ("search", {"query": "x", "limit": 1000}, "limit"),
    ("search", {"query": "x", "cursor": "garbage"}, "cursor"),
    ("search", {"query": "x", "sort": "random"}, "sort"),
    ("search", {"query": "x", "maxChars": 1999}, "maxChars"),
    ("search", {"query": "x", "bogus": 1}, "unknown argument 'bogus'"),
    ("list_sessions", {"limit": 0}, "limit"),
    ("list_sessions", {"project": "../x"}, "plain name"),
    ("list_sessions", {"since": "yesterday"}, "since"),
    ("get_message", {"sessionId": ASK}, "uuid"),
    ("get_message", {"sessionId": ASK, "uuid": "nope"}, "no message nope"),
    ("get_message", {"sessionId": ASK, "uuid": "x", "offset": -1}, "offset"),
    ("blame", {"path": "/etc/passwd"}, "outside the workspace"),
    ("blame", {"path": "../../../etc/passwd"}, "outside the workspace"),
    ("blame", {"path": "no/such/file.py"}, "no file"),
    ("blame", {"path": "x", "startLine": 0}, "startLine"),
    ("session_summary", {"sessionId": "no-such-session"}, "no session"),
    ("usage", {"groupBy": "week"}, "groupBy"),
    ("no_such_tool", {}, "there is no tool"),
]


@pytest.mark.parametrize(
    ("name", "args", "says"), BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)]
)
async def test_a_bad_argument_is_one_sentence_and_the_server_keeps_answering(
    server: ClientSession, name: str, args: dict[str, Any], says: str
) -> None:
    text = await error(server, name, args)
    assert says in text, text
    assert text.startswith(f"{name}:") or name == "no_such_tool"


async def test_a_cursor_of_another_session_is_refused(server: ClientSession) -> None:
    page = await ok(server, "read_session", {"sessionId": WRITER, "limit": 2})
    text = await error(server, "read_session", {"sessionId": ASK, "cursor": page["nextCursor"]})
    assert "another session" in text
    page = await ok(server, "read_session", {"sessionId": ASK, "limit": 2})
    assert page["messages"]


async def test_a_cancelled_call_stops_and_the_server_serves_the_next(tmp_path: Path) -> None:
    generate_archive(tmp_path, sessions=40, messages_per_session=(800, 1600), seed=7)
    root = tmp_path / "projects"
    async with Running(root, tmp_path / "cache") as session:
        progressed = anyio.Event()
        finished = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            progressed.set()

        async def first_search() -> None:
            await session.call_tool("search", {"query": "the"}, progress_callback=on_progress)
            finished.append(True)

        async with anyio.create_task_group() as tg:
            tg.start_soon(first_search)
            with anyio.fail_after(120):
                await progressed.wait()  # the index build is under way: the call is in flight
            tg.cancel_scope.cancel()
        assert finished == []
        assert len((await session.list_tools()).tools) == 7
        with anyio.fail_after(120):  # the abandoned build's thread finishes on its own
            while True:  # each answer says whether the build still runs
                got = await ok(session, "search", {"query": "the", "limit": 3})
                if not got["indexing"]:
                    break
        assert not got["indexing"] and got["total"] > 0 and len(got["hits"]) == 3
        listed = await ok(
            session, "list_sessions", {"limit": 100, "withCost": False, "maxChars": 200_000}
        )
        assert len(listed["sessions"]) == 40 and not listed["truncated"]
