"""Issue #21 item 2: subagent transcripts whose session file is gone (orphans, listed as sessions
of their own) are searched like every listed session, and ``session:agent-…`` finds them.
Expected words and lines are found here in the raw lines (json.loads per line)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from claude_code_tracer.models import MessagesPageParams, SearchParams
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import copy_projects, listed

WORD = re.compile(r"[a-z]{9,}")


def words_of(value: Any, out: set[str]) -> None:
    """Every long lowercase word in the strings of a parsed line."""
    if isinstance(value, str):
        out.update(WORD.findall(value.lower()))
    elif isinstance(value, dict):
        for v in value.values():
            words_of(v, out)
    elif isinstance(value, list):
        for v in value:
            words_of(v, out)


def text_words(path: Path) -> dict[str, set[str]]:
    """uuid -> words of its message content, per user/assistant line of a file."""
    out: dict[str, set[str]] = {}
    for line in path.read_bytes().split(b"\n"):
        if not line.strip():
            continue
        entry = json.loads(line)
        if entry.get("type") not in ("user", "assistant"):
            continue
        found: set[str] = set()
        words_of((entry.get("message") or {}).get("content"), found)
        out[entry["uuid"]] = found
    return out


def test_orphan_subagent_transcripts_are_searched_and_found_by_session(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    agents = sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))
    per_file = {a.stem: text_words(a) for a in agents}
    main_words: set[str] = set()
    for words in text_words(main).values():
        main_words |= words
    main.unlink()
    # a word of exactly one orphan, in no other file
    everywhere: dict[str, set[str]] = {}
    for name, lines in per_file.items():
        for words in lines.values():
            for w in words:
                everywhere.setdefault(w, set()).add(name)
    word, owner = next(
        (w, next(iter(names)))
        for w, names in sorted(everywhere.items())
        if len(names) == 1 and w not in main_words
    )
    holding = {u for u, words in per_file[owner].items() if word in words}
    tracer = make_tracer(root)
    assert listed(tracer)[owner].orphan
    page = tracer.search(SearchParams(query=word, limit=500))
    assert [g.session_id for g in page.groups] == [owner]
    assert {h.uuid for h in page.groups[0].hits} == holding
    # the session filter names the orphan as the list does
    scoped = tracer.search(SearchParams(query=f"session:{owner}", limit=500))
    assert {g.session_id for g in scoped.groups} == {owner}
    assert scoped.total >= len(holding)
    # and the in-session filter agrees with the global search, refreshed in either order
    inside = tracer.page(
        MessagesPageParams.model_validate(
            {"sessionId": owner, "limit": 500, "filter": {"text": word}}
        )
    )
    assert holding <= {m.uuid for m in inside.messages}
    again = tracer.search(SearchParams(query=word, limit=500))
    assert [g.session_id for g in again.groups] == [owner]


def test_an_orphan_whose_session_comes_back_is_searched_under_that_session(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "irr-13-")
    main = next(root.glob("*/*.jsonl"))
    agent = sorted(main.parent.glob(f"{main.stem}/subagents/agent-*.jsonl"))[0]
    saved = main.read_bytes()
    main.unlink()
    uuids = set(text_words(agent))
    tracer = make_tracer(root)
    hits = tracer.search(SearchParams(query=f"session:{agent.stem}", limit=500))
    assert hits.total > 0
    assert {h.uuid for g in hits.groups for h in g.hits} <= uuids
    main.write_bytes(saved)
    tracer.changes_for({main: "added"})
    assert tracer.search(SearchParams(query=f"session:{agent.stem}", limit=500)).total == 0
    back = tracer.search(SearchParams(query=f"session:{main.stem}", limit=500))
    agent_hits = [h for g in back.groups for h in g.hits if h.agent_id or h.file != "session"]
    assert agent_hits


def test_a_flat_orphan_agent_file_is_searched_as_its_own_session(
    tmp_path: Path, make_tracer: Callable[..., Tracer]
) -> None:
    root = copy_projects(tmp_path, "-path-to-Demo")
    flat = sorted(root.glob("*/agent-*.jsonl"))
    owner = json.loads(flat[0].read_bytes().split(b"\n")[0])["sessionId"]
    (flat[0].parent / f"{owner}.jsonl").unlink()
    tracer = make_tracer(root)
    for agent in flat:
        uuids = set(text_words(agent))
        assert listed(tracer)[agent.stem].orphan
        page = tracer.search(SearchParams(query=f"session:{agent.stem}", limit=500))
        assert {g.session_id for g in page.groups} == {agent.stem}
        assert {h.uuid for h in page.groups[0].hits} <= uuids
        assert page.total > 0
