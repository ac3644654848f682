"""Issue 18 over the real server (stdio): ``sessions/list`` corrects the count of a deleted
session whose archive is damaged, a search hit on a 3,000-character uuid opens with
``messages/get``, and the ``maxLineBytes`` option cuts a line over it.

Expected values are counted from raw lines of real sessions (see the core tests of each)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.tracer import Tracer, TracerOptions

from ..core.test_archive_integrity import BIG, _truncate, archived_in_two_parts, segments
from ..core.test_archive_list_count import messages_in
from .raw_server import RawServer, frame, request

IRR = Path(__file__).resolve().parents[1] / "samples" / "projects"
PLAIN = "irr-04-current-session-issue-102-2026-04-07-19-57-20"
PLAIN_SID = "07f5cca9-0c06-40e6-ba3d-650e62ea92f4"


@pytest.fixture
def server() -> Iterator[RawServer]:
    srv = RawServer()
    yield srv
    code, err = srv.close()
    assert code == 0, err


def start(srv: RawServer, projects: Path, cache: Path, **options: Any) -> None:
    opts = {"projectsRoot": str(projects), "cacheDir": str(cache), **options}
    srv.send(request(0, "initialize", {"capabilities": {}, "initializationOptions": opts}))
    assert "result" in srv.wait_for(0)
    srv.send(frame({"jsonrpc": "2.0", "method": "initialized", "params": {}}))


def ask(srv: RawServer, n: int, method: str, params: dict[str, Any]) -> Any:
    srv.send(request(n, method, params))
    answer = srv.wait_for(n)
    assert "result" in answer, answer
    return answer["result"]


def test_sessions_list_shows_what_a_damaged_archive_can_serve(
    tmp_path: Path, server: RawServer
) -> None:
    made: list[Tracer] = []

    def make(root: Path) -> Tracer:
        made.append(Tracer(TracerOptions(projects_roots=[root], cache_dir=tmp_path / "cache")))
        return made[-1]

    root, gen, one, two = archived_in_two_parts(tmp_path, make)
    for tracer in made:
        tracer.close()
    _truncate(segments(gen)[1])
    start(server, root, tmp_path / "cache")
    listed = ask(server, 1, "sessions/list", {"limit": 100})
    [info] = [s for s in listed["sessions"] if s["sessionId"] == BIG]
    assert info["deleted"] and info["archived"]
    assert info["messageCount"] == messages_in(one) < messages_in(one + two)
    assert info["complete"] is False and "0001" in info["warning"]


def long_uuid_session(tmp_path: Path) -> tuple[Path, str, str]:
    root = tmp_path / "projects"
    (root / PLAIN).mkdir(parents=True)
    lines = (IRR / PLAIN / f"{PLAIN_SID}.jsonl").read_bytes().splitlines()
    at = next(
        i
        for i, raw in enumerate(lines)
        if json.loads(raw).get("type") == "user"
        and isinstance(json.loads(raw)["message"].get("content"), str)
    )
    entry = json.loads(lines[at])
    entry["uuid"] = "u" * 3000
    entry["message"]["content"] += " zqxlongidmarker"
    lines[at] = json.dumps(entry).encode()
    (root / PLAIN / f"{PLAIN_SID}.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    return root, entry["uuid"], entry["message"]["content"]


def test_a_search_hit_on_a_3000_char_uuid_opens_over_lsp(
    tmp_path: Path, server: RawServer
) -> None:
    root, long_uuid, text = long_uuid_session(tmp_path)
    start(server, root, tmp_path / "cache")
    found = ask(server, 1, "search/query", {"query": "zqxlongidmarker"})
    hits = [h for g in found["groups"] for h in g["hits"]]
    assert found["total"] == 1 and len(hits) == 1 and len(hits[0]["uuid"]) <= 256
    got = ask(server, 2, "messages/get", {"sessionId": PLAIN_SID, "uuid": hits[0]["uuid"]})
    assert got["entry"]["uuid"] == long_uuid and got["entry"]["message"]["content"] == text


def test_the_max_line_bytes_option_cuts_a_longer_line(tmp_path: Path, server: RawServer) -> None:
    root = tmp_path / "projects"
    shutil.copytree(IRR / PLAIN, root / PLAIN)
    lines = (root / PLAIN / f"{PLAIN_SID}.jsonl").read_bytes().splitlines()
    sizes = sorted(map(len, lines))
    longest = json.loads(max(lines, key=len))
    start(server, root, tmp_path / "cache", maxLineBytes=(sizes[-1] + sizes[-2]) // 2)
    got = ask(server, 1, "messages/get", {"sessionId": PLAIN_SID, "uuid": longest["uuid"]})
    assert got["entry"]["oversizeLine"] == sizes[-1]
    assert got["entry"]["timestamp"] == longest["timestamp"]
