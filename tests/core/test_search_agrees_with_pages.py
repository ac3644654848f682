"""A search hit is a message a page serves: its id opens it (``messages/get``, a window around
it), and a line Claude Code wrote twice under one uuid (a resume replays earlier entries) is one
hit, as it is one message on the page (issue 18.8).

Both run on real sessions; expected values are counted from their raw lines."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

from claude_code_tracer.models import (
    MessageGetParams,
    MessagesPageParams,
    MessagesWindowParams,
    SearchParams,
)
from claude_code_tracer.tracer import Tracer

IRR = Path(__file__).resolve().parents[1] / "samples" / "projects"
RESUMED = "irr-1-4_session-resume-2026-05-17-23-49-01"
RESUMED_SID = "628b6a8c-5e56-4c46-bc36-d5deafb591f6"
PLAIN = "irr-04-current-session-issue-102-2026-04-07-19-57-20"
PLAIN_SID = "07f5cca9-0c06-40e6-ba3d-650e62ea92f4"
SEARCHED = ("user", "assistant", "system", "attachment")


def copy_session(tmp_path: Path, project: str, sid: str) -> Path:
    root = tmp_path / "projects"
    (root / project).mkdir(parents=True)
    shutil.copy(IRR / project / f"{sid}.jsonl", root / project / f"{sid}.jsonl")
    return root


def prompt_text(entry: dict[str, object]) -> str:
    msg = entry.get("message")
    content = msg.get("content") if isinstance(msg, dict) else None
    return content if isinstance(content, str) else ""


def test_a_hit_on_a_3000_char_uuid_opens_with_get_and_around(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_session(tmp_path, PLAIN, PLAIN_SID)
    path = root / PLAIN / f"{PLAIN_SID}.jsonl"
    lines = path.read_bytes().splitlines()
    # the first typed prompt, its uuid made 3,000 characters long
    at = next(
        i
        for i, raw in enumerate(lines)
        if json.loads(raw).get("type") == "user" and len(prompt_text(json.loads(raw))) > 10
    )
    entry = json.loads(lines[at])
    long_uuid = "u" * 3000
    entry["uuid"] = long_uuid
    word = "zqxlongidmarker"
    entry["message"]["content"] = f"{entry['message']['content']} {word}"
    lines[at] = json.dumps(entry).encode()
    path.write_bytes(b"\n".join(lines) + b"\n")

    tracer = make_tracer(root)
    page = tracer.search(SearchParams(query=word))
    hits = [h for g in page.groups for h in g.hits]
    assert page.total == 1 and len(hits) == 1
    hit = hits[0]
    assert hit.uuid is not None and hit.uuid != long_uuid
    # the id the hit carries is the one the page serves for that line, and it opens
    got = tracer.get_message(MessageGetParams(session_id=PLAIN_SID, uuid=hit.uuid))
    assert got.entry["uuid"] == long_uuid and word in got.entry["message"]["content"]
    window = tracer.window(
        MessagesWindowParams(session_id=PLAIN_SID, around=hit.uuid, before=1, limit=3)
    )
    assert window.anchor_found
    assert hit.uuid in {m.uuid for m in window.messages}
    started = tracer.page(MessagesPageParams(session_id=PLAIN_SID, start_at=hit.uuid, limit=1))
    assert [m.uuid for m in started.messages] == [hit.uuid]


def test_a_replayed_uuid_is_one_hit_as_it_is_one_message(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """The resumed session writes its first prompts twice under the same uuids (lines 3 and
    24, 16 and 37): pages serve each once, and so does search."""
    root = copy_session(tmp_path, RESUMED, RESUMED_SID)
    raw_lines = (root / RESUMED / f"{RESUMED_SID}.jsonl").read_bytes().splitlines()
    written = [
        e["uuid"]
        for e in map(json.loads, raw_lines)
        if e.get("type") == "user" and "Reply with exactly" in prompt_text(e)
    ]
    assert len(written) == 4 and len(set(written)) == 2  # the sample holds the replay
    tracer = make_tracer(root)
    served = []
    cursor = None
    while True:
        page = tracer.page(
            MessagesPageParams.model_validate(
                {"sessionId": RESUMED_SID, "limit": 200, "cursor": cursor}
            )
        )
        served.extend(m.uuid for m in page.messages)
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert sorted(u for u in served if u in set(written)) == sorted(set(written))

    found = tracer.search(SearchParams(query='"reply with exactly"', limit=50))
    hits = [h for g in found.groups for h in g.hits]
    assert found.total == 2
    assert sorted(h.uuid or "" for h in hits) == sorted(set(written))
    # each hit is the first copy: the line pages locate it at
    uuids = [json.loads(r).get("uuid") for r in raw_lines]
    first_line = {u: uuids.index(u) + 1 for u in set(written)}
    assert {h.uuid: h.line for h in hits} == first_line


def test_a_replay_appended_later_is_not_a_second_hit(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    """The replay arrives in a later append, after the first copy was indexed: still one hit."""
    root = copy_session(tmp_path, RESUMED, RESUMED_SID)
    path = root / RESUMED / f"{RESUMED_SID}.jsonl"
    raw = path.read_bytes().splitlines(True)
    cut = next(i for i, line in enumerate(raw) if i > 3 and b"afabc1a6" in line)  # line 24
    path.write_bytes(b"".join(raw[:cut]))
    tracer = make_tracer(root)
    assert tracer.search(SearchParams(query='"reply with exactly"')).total == 2
    with path.open("ab") as fh:
        fh.write(b"".join(raw[cut:]))
    tracer._index_fresh_until = 0.0
    again = tracer.search(SearchParams(query='"reply with exactly"'))
    assert again.total == 2
    assert sum(len(g.hits) for g in again.groups) == 2
