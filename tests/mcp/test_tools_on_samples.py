"""Each tool on the real samples, through a real server over stdio; expected values counted
from the transcripts' raw lines."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from claude_code_tracer.mcpserver.params import MESSAGE_MIN_CHARS
from mcp import ClientSession

from .support import call, ok, raw_lines

pytestmark = pytest.mark.asyncio(loop_scope="module")

TOOLS = {
    "search",
    "list_sessions",
    "read_session",
    "get_message",
    "blame",
    "session_summary",
    "usage",
}
SIX_TIMES = "054adc29-5f19-423c-a588-c2df7e496756"  # "What is 6 times 7?"
ASK = "7b1f6cf4-5698-48c1-bdd5-3c95840e395c"  # 132 messages, AskUserQuestion calls


def session_file(samples: Path, sid: str) -> Path:
    return next(samples.glob(f"*/{sid}.jsonl"))


def trunk_uuids(path: Path) -> list[str]:
    """The uuids of a session file's message lines (not the sidechain's), first occurrence."""
    seen: list[str] = []
    for e in raw_lines(path):
        uuid = e.get("uuid")
        if isinstance(uuid, str) and not e.get("isSidechain") and uuid not in seen:
            seen.append(uuid)
    return seen


async def test_the_seven_tools_are_listed_with_strict_inputs_and_declared_outputs(
    server: ClientSession,
) -> None:
    tools = {t.name: t for t in (await server.list_tools()).tools}
    assert set(tools) == TOOLS
    for tool in tools.values():
        schema = tool.input_schema
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        assert {"maxChars", "redact"} <= set(schema["properties"]), tool.name
        assert tool.output_schema is not None and tool.output_schema["type"] == "object"
        assert tool.annotations is not None and tool.annotations.read_only_hint is True
        assert tool.annotations.destructive_hint is False
        assert tool.description
    assert {"sessionId", "around", "cursor", "before", "limit", "kinds"} <= set(
        tools["read_session"].input_schema["properties"]
    )
    assert {"path", "workspace", "startLine", "endLine"} <= set(
        tools["blame"].input_schema["properties"]
    )
    assert set(tools["usage"].input_schema["properties"]["groupBy"]["enum"]) == {
        "day",
        "model",
        "project",
    }


async def test_a_search_hit_cites_the_message_and_the_citation_reads_it(
    server: ClientSession, samples: Path
) -> None:
    prompt = next(e for e in raw_lines(session_file(samples, SIX_TIMES)) if e.get("type") == "user")
    await ok(server, "list_sessions", {"limit": 1, "withCost": False})  # the catalog is read
    found = await ok(server, "search", {"query": '"What is 6 times 7"', "limit": 5})
    hit = next(h for h in found["hits"] if h["uuid"] == prompt["uuid"])
    assert hit["sessionId"] == SIX_TIMES and hit["kind"] == "user"
    assert hit["citation"] == f"{SIX_TIMES}#{prompt['uuid']}"
    assert hit["title"] == "Calculate arithmetic multiplication"
    assert "6 times 7" in hit["snippet"] and hit["highlights"]
    whole = await ok(server, "get_message", {"citation": hit["citation"]})
    assert whole["text"] == prompt["message"]["content"]
    window = await ok(server, "read_session", {"citation": hit["citation"], "before": 1})
    assert window["anchorFound"] is True
    assert prompt["uuid"] in [m["uuid"] for m in window["messages"]]
    assert "6 times 7" in window["_text"]


async def test_list_sessions_pages_through_every_session_once_with_costs(
    server: ClientSession, samples: Path
) -> None:
    expected = {p.stem for p in samples.glob("*/*.jsonl") if trunk_uuids(p)}
    seen: list[str] = []
    cursor = None
    while True:
        args = {"limit": 7, **({"cursor": cursor} if cursor else {})}
        page = await ok(server, "list_sessions", args)
        seen += [s["sessionId"] for s in page["sessions"]]
        cursor = page["nextCursor"]
        if not page["hasMore"]:
            break
    assert len(seen) == len(set(seen))
    assert set(seen) == expected
    one = await ok(server, "list_sessions", {"query": "6 times 7"})
    row = next(s for s in one["sessions"] if s["sessionId"] == SIX_TIMES)
    assert row["firstPrompt"] == "What is 6 times 7?"
    assert row["costUsd"] is not None and row["costUsd"] > 0


async def test_list_sessions_since_keeps_the_sessions_active_after_it(
    server: ClientSession, samples: Path
) -> None:
    last: dict[str, datetime] = {}
    for p in samples.glob("*/*.jsonl"):
        stamps = [e["timestamp"] for e in raw_lines(p) if isinstance(e.get("timestamp"), str)]
        if stamps and trunk_uuids(p):
            last[p.stem] = max(datetime.fromisoformat(s.replace("Z", "+00:00")) for s in stamps)
    cut = sorted(last.values())[-6]
    page = await ok(server, "list_sessions", {"since": cut.isoformat(), "withCost": False})
    assert {s["sessionId"] for s in page["sessions"]} == {k for k, v in last.items() if v >= cut}


async def test_read_session_walks_forward_back_and_around_a_message(
    server: ClientSession, samples: Path
) -> None:
    expected = trunk_uuids(session_file(samples, ASK))
    walk: list[str] = []
    args: dict[str, object] = {"sessionId": ASK, "limit": 20, "maxChars": 100_000}
    while True:
        page = await ok(server, "read_session", args)
        walk += [m["uuid"] for m in page["messages"]]
        if not page["nextCursor"]:
            break
        args = {"sessionId": ASK, "limit": 20, "maxChars": 100_000, "cursor": page["nextCursor"]}
    assert page["hasMore"] is False
    assert sorted(walk) == sorted(expected) and len(walk) == len(set(walk)) == 132
    mid = walk[60]
    around = await ok(
        server, "read_session", {"sessionId": ASK, "around": mid, "before": 3, "limit": 4}
    )
    assert [m["uuid"] for m in around["messages"]] == walk[57:64]
    assert around["anchorFound"] is True and around["hasBefore"] and around["hasMore"]
    back = await ok(
        server, "read_session", {"sessionId": ASK, "cursor": around["prevCursor"], "limit": 5}
    )
    assert [m["uuid"] for m in back["messages"]] == walk[52:57]
    ahead = await ok(
        server, "read_session", {"sessionId": ASK, "cursor": around["nextCursor"], "limit": 5}
    )
    assert [m["uuid"] for m in ahead["messages"]] == walk[64:69]
    # under the default maxChars a window holds at most 16,000 / MESSAGE_MIN_CHARS messages
    most = 16_000 // MESSAGE_MIN_CHARS
    some = await ok(
        server, "read_session", {"sessionId": ASK, "cursor": back["prevCursor"], "limit": 100}
    )
    assert [m["uuid"] for m in some["messages"]] == walk[52 - most : 52] and some["hasBefore"]
    first = await ok(
        server,
        "read_session",
        {"sessionId": ASK, "cursor": back["prevCursor"], "limit": 100, "maxChars": 100_000},
    )
    assert [m["uuid"] for m in first["messages"]] == walk[:52]
    assert first["hasBefore"] is False and first["prevCursor"] is None


async def test_read_session_kinds_and_a_tool_call_with_its_input(
    server: ClientSession, samples: Path
) -> None:
    lines = raw_lines(session_file(samples, ASK))
    users = [e["uuid"] for e in lines if e.get("type") == "user" and not e.get("isSidechain")]
    page = await ok(
        server,
        "read_session",
        {"sessionId": ASK, "kinds": ["user", "tool_result"], "limit": 100, "maxChars": 100_000},
    )
    assert {m["kind"] for m in page["messages"]} <= {"user", "tool_result"}
    assert sorted(m["uuid"] for m in page["messages"]) == sorted(set(users))
    calls = [
        (e["uuid"], b)
        for e in lines
        if e.get("type") == "assistant"
        for b in e["message"]["content"]
        if isinstance(b, dict) and b.get("type") == "tool_use" and b["name"] == "Bash"
    ]
    uuid, block = calls[0]
    window = await ok(
        server, "read_session", {"sessionId": ASK, "around": uuid, "before": 0, "limit": 1}
    )
    [message] = window["messages"]
    [tool] = message["toolCalls"]
    assert tool["name"] == "Bash" and tool["id"] == block["id"]
    assert block["input"]["command"][:50] in tool["input"].replace('\\"', '"')


async def test_get_message_slices_a_long_message_and_continues_by_offset(
    server: ClientSession, samples: Path
) -> None:
    results = [
        (p.stem, e)
        for p in samples.glob("*/*.jsonl")
        for e in raw_lines(p)
        if e.get("type") == "user"
        and not e.get("isSidechain")
        and isinstance(e.get("toolUseResult"), dict | str)
        and len(str(e["message"]["content"])) > 6000
    ]
    sid, entry = results[0]
    parts: list[str] = []
    offset = 0
    total = None
    while True:
        got = await ok(
            server,
            "get_message",
            {"sessionId": sid, "uuid": entry["uuid"], "offset": offset, "maxChars": 2000,
             "redact": False},
        )  # fmt: skip
        assert got["offset"] == offset
        total = got["totalChars"]
        parts.append(got["text"])
        if got["nextOffset"] is None:
            assert got["truncated"] is False
            break
        assert got["truncated"] is True and str(got["nextOffset"]) in got["note"]
        offset = got["nextOffset"]
    whole = "".join(parts)
    assert len(parts) > 2 and len(whole) == total
    content = entry["message"]["content"]
    first = content[0]["content"] if isinstance(content, list) else content
    text = first if isinstance(first, str) else first[0]["text"]
    assert text[:300] in whole
    past = await call(
        server, "get_message", {"sessionId": sid, "uuid": entry["uuid"], "offset": total + 1}
    )
    assert past.is_error and "past the message" in past.content[0].text


async def test_session_summary_counts_what_the_transcript_holds(
    server: ClientSession, samples: Path
) -> None:
    lines = raw_lines(session_file(samples, ASK))
    uses = [
        b["name"]
        for e in lines
        if e.get("type") == "assistant"
        for b in e["message"]["content"]
        if isinstance(b, dict) and b.get("type") == "tool_use"
    ]
    got = await ok(server, "session_summary", {"sessionId": ASK})
    assert got["toolCalls"] == len(uses)
    assert got["messageCount"] == len(trunk_uuids(session_file(samples, ASK)))
    assert {t["name"]: t["calls"] for t in got["tools"]} == {n: uses.count(n) for n in set(uses)}
    assert got["resumeCommand"].endswith(f"claude --resume {ASK}")
    assert got["cwd"] == next(e["cwd"] for e in lines if e.get("cwd"))
    assert got["costUsd"] > 0 and got["subagentCostUsd"] == 0


async def test_session_summary_sets_the_subagents_share_apart(
    server: ClientSession, samples: Path
) -> None:
    agent_files = sorted(samples.glob("*/*/subagents/agent-*.jsonl"))
    sid = agent_files[0].parent.parent.name
    got = await ok(server, "session_summary", {"sessionId": sid})
    ids = {p.stem.removeprefix("agent-") for p in agent_files if p.parent.parent.name == sid}
    assert {a["agentId"] for a in got["subagents"]} >= ids
    assert 0 < got["subagentCostUsd"] < got["costUsd"]
    sub_output = sum(
        e["message"]["usage"]["output_tokens"]
        for p in agent_files
        if p.parent.parent.name == sid
        for e in {
            (x["message"].get("id") or x["uuid"]): x
            for x in raw_lines(p)
            if x.get("type") == "assistant" and x["message"].get("model") != "<synthetic>"
        }.values()
    )
    assert got["subagentTokens"]["output"] == sub_output


async def test_usage_counts_every_api_call_once(server: ClientSession, samples: Path) -> None:
    calls: set[tuple[str, str]] = set()
    days: set[str] = set()
    for p in samples.glob("*/**/*.jsonl"):
        sid = p.stem if p.parent.name != "subagents" else p.parent.parent.name
        if not (samples / p.relative_to(samples).parts[0] / f"{sid}.jsonl").exists():
            continue  # a subagent whose session is gone: not a session usage reads
        for e in raw_lines(p):
            msg = e.get("message")
            if e.get("type") != "assistant" or not isinstance(msg, dict):
                continue
            if msg.get("model") == "<synthetic>" or not msg.get("usage"):
                continue
            calls.add((sid, msg.get("id") or e["uuid"]))
            days.add(e["timestamp"][:10])
    by_model = await ok(server, "usage", {"groupBy": "model"})
    assert by_model["total"]["apiCalls"] == len(calls)
    assert sum(r["apiCalls"] for r in by_model["rows"]) == len(calls)
    by_day = await ok(server, "usage", {"groupBy": "day", "maxChars": 50_000})
    assert [r["key"] for r in by_day["rows"]] == sorted(days)
    assert abs(sum(r["costUsd"] for r in by_day["rows"]) - by_model["total"]["costUsd"]) < 1e-6
    one_day = sorted(days)[-1]
    narrow = await ok(
        server,
        "usage",
        {"groupBy": "day", "since": f"{one_day}T00:00:00Z", "until": f"{one_day}T23:59:59Z"},
    )
    assert [r["key"] for r in narrow["rows"]] == [one_day]
