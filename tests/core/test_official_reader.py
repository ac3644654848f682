"""Cross-check against Anthropic's own reader: the session functions of the ``claude-agent-sdk``
package (``list_sessions``, ``get_session_messages``, ``list_subagents``,
``get_subagent_messages``; source ``claude_agent_sdk/_internal/sessions.py``), pointed at a copy of
every real sample through ``CLAUDE_CONFIG_DIR``.

Its rules differ from this project's on purpose in places (FORMAT.md §11): it walks the
parentUuid chain from the newest leaf and returns user/assistant lines only, in chain order, and
it lists from 64 KB of each file's head and tail. So the checks are: every message it returns is
served here; where the two orders differ, the official one contradicts the lines' own times
(this project serves time order); every subagent it lists is listed here with every message it
returns; and titles agree where the rules do (a custom or AI title it finds; a first prompt that
is not a slash command)."""

from __future__ import annotations

import itertools
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from claude_code_tracer.models import SessionRef
from claude_code_tracer.tracer import Tracer

from .test_real_transcripts import all_messages, listed, sample_dirs

sdk = pytest.importorskip("claude_agent_sdk")


def times(root: Path) -> dict[str, str]:
    """uuid -> timestamp of every line of every file under the root (raw lines)."""
    out: dict[str, str] = {}
    for path in root.rglob("*.jsonl"):
        for line in path.read_bytes().split(b"\n"):
            if line.strip():
                e = json.loads(line)
                if isinstance(e.get("uuid"), str) and isinstance(e.get("timestamp"), str):
                    out.setdefault(e["uuid"], e["timestamp"])
    return out


def words(text: str | None) -> str:
    return " ".join((text or "").split())


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "claude" / "projects"
    for src in sample_dirs():
        shutil.copytree(src, root / src.name)
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "claude"))
    return root


def test_every_message_the_official_reader_returns_is_served_in_a_compatible_order(
    config_dir: Path, make_tracer: Callable[..., Tracer]
) -> None:
    tracer = make_tracer(config_dir)
    ours = listed(tracer)
    stamps = times(config_dir)
    theirs = sdk.list_sessions()
    assert len(theirs) >= 36
    checked = subagents_checked = 0
    for info in theirs:
        assert info.session_id in ours, info.session_id
        served = all_messages(tracer, info.session_id, includeSidechains=True)
        position = {m.uuid: i for i, m in enumerate(served)}
        messages = sdk.get_session_messages(info.session_id)
        assert messages
        missing = [m.uuid for m in messages if m.uuid not in position]
        assert not missing, (info.session_id, missing[:3])
        for a, b in itertools.pairwise(messages):
            if position[b.uuid] < position[a.uuid]:
                # only where the chain puts a later line first: time order decides here
                assert stamps[b.uuid] <= stamps[a.uuid], (info.session_id, a.uuid, b.uuid)
        checked += len(messages)
        listed_agents = {
            s.agent_id for s in tracer.subagents(SessionRef(session_id=info.session_id)).subagents
        }
        for agent in sdk.list_subagents(info.session_id):
            assert agent in listed_agents, (info.session_id, agent)
            for m in sdk.get_subagent_messages(info.session_id, agent):
                assert m.uuid in position, (info.session_id, agent, m.uuid)
                subagents_checked += 1
    assert checked > 1400 and subagents_checked > 50


def test_titles_agree_with_the_official_reader_where_the_rules_agree(
    config_dir: Path, make_tracer: Callable[..., Tracer]
) -> None:
    ours = listed(make_tracer(config_dir))
    compared = 0
    for info in sdk.list_sessions():
        mine = ours[info.session_id]
        if info.custom_title:  # a /rename or an ai-title it found in the head or tail
            assert words(mine.title) == words(info.custom_title), info.session_id
            compared += 1
        first: Any = info.first_prompt
        if first and mine.first_prompt and not first.startswith("/"):
            if not mine.first_prompt.startswith("/"):
                assert words(mine.first_prompt)[:60] == words(first)[:60], info.session_id
                compared += 1
    assert compared >= 40
