"""Answers leave the server as exact JSON: custom methods' results are written by orjson (not
pygls' cattrs walk), and the client reads back exactly the text the transcript holds (non-ASCII,
emoji, bidi controls), and a lone surrogate escaped by JavaScript's JSON.stringify (``\\ud83d``,
a string cut inside an emoji) as U+FFFD, the line never dropped.
"""

from __future__ import annotations

import json
from pathlib import Path

from .lsp_support import TracerClient

SID = "0b5e8f4c-1111-4a2b-9c3d-5e6f7a8b9c0d"
PLAIN = "日本語のテキスト 🚀 \u202eevil\u202c café"
LONE = "half an emoji: \ud83d, then text"


def _write_session(projects: Path) -> None:
    folder = projects / "-home-dev-wire"
    folder.mkdir()
    lines = [
        {
            "type": "user",
            "uuid": "u-1",
            "parentUuid": None,
            "sessionId": SID,
            "timestamp": "2026-03-01T10:00:00.000Z",
            "cwd": "/home/dev/wire",
            "message": {"role": "user", "content": PLAIN},
        },
        {
            "type": "user",
            "uuid": "u-2",
            "parentUuid": "u-1",
            "sessionId": SID,
            "timestamp": "2026-03-01T10:00:01.000Z",
            "cwd": "/home/dev/wire",
            "message": {"role": "user", "content": LONE},
        },
    ]
    # json.dumps escapes the lone surrogate as \ud83d, as Claude Code's own writer would.
    text = "".join(json.dumps(line) + "\n" for line in lines)
    (folder / f"{SID}.jsonl").write_text(text, encoding="ascii")


async def test_plain_and_lone_surrogate_text_reach_the_client_exactly(
    client: TracerClient, projects: Path
) -> None:
    _write_session(projects)
    listing = await client.request("sessions/list", {"project": "-home-dev-wire"})
    (info,) = listing["sessions"]
    assert info["sessionId"] == SID
    assert info["firstPrompt"] == PLAIN

    page = await client.request(
        "messages/page", {"sessionId": SID, "project": "-home-dev-wire", "expand": True}
    )
    texts = [m["content"][0]["text"] for m in page["messages"]]
    assert texts == [PLAIN, LONE.replace("\ud83d", "\ufffd")]
    assert page["messages"][0]["preview"] == PLAIN

    one = await client.request("messages/get", {"sessionId": SID, "uuid": "u-2"})
    assert one["content"][0]["text"] == LONE.replace("\ud83d", "\ufffd")
