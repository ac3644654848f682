"""A brute-force search over transcript files, written apart from the index, for the tests.

Every message line is read with ``json.loads``, its text gathered by walking the JSON, cut into
words with a regular expression (runs of letters and digits, lower-cased; words over 100 UTF-8
bytes exist but never match), and each query form is checked word by word in plain Python.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

WORD = re.compile(r"[^\W_]+")
LONGEST = 100
MESSAGE_TYPES = ("user", "assistant", "system", "attachment")


@dataclass
class Msg:
    project: str
    session: str
    file: str  # "session" or the agent file's name
    line: int
    kind: str
    text: str
    tools: set[str]
    model: str
    error: bool
    ts: datetime | None
    sidechain: bool = False
    words: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.project, self.session, self.file, self.line)

    def phrase(self, *words: str) -> bool:
        """The words, consecutive in the text."""
        n = len(words)
        return any(tuple(self.words[i : i + n]) == words for i in range(len(self.words) - n + 1))

    def prefixed(self, *words: str) -> bool:
        """The words, consecutive, the last only as a prefix of a (short enough) word."""
        *head, last = words
        n = len(words)
        for i in range(len(self.words) - n + 1):
            got = self.words[i : i + n]
            if got[:-1] == head and got[-1].startswith(last) and len(got[-1].encode()) <= LONGEST:
                return True
        return False


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def _content(content: Any) -> tuple[list[str], list[str]]:
    """(texts, tool names) of a message's content."""
    if isinstance(content, str):
        return [content], []
    texts: list[str] = []
    tools: list[str] = []
    for block in content if isinstance(content, list) else []:
        if isinstance(block, str):
            texts.append(block)
        elif isinstance(block, dict):
            t = block.get("type")
            if t == "text":
                texts.append(str(block.get("text") or ""))
            elif t == "thinking":
                texts.append(str(block.get("thinking") or ""))
            elif t == "tool_use":
                texts.append(str(block.get("name") or ""))
                tools.append(str(block.get("name") or ""))
                texts.extend(_strings(block.get("input")))
            elif t == "tool_result":
                texts.extend(_content(block.get("content"))[0])
    return texts, tools


def words_of(text: str) -> list[str]:
    out = []
    for w in WORD.findall(text):
        w = w.lower()
        out.append(w if len(w.encode()) <= LONGEST else "\x00too-long")
    return out


def read_file(path: Path, project: str, session: str, agent: bool) -> list[Msg]:
    out: list[Msg] = []
    names: dict[str, str] = {}
    last_ts: str | None = None
    uuids: set[str] = set()
    for n, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        try:
            e = json.loads(raw)
        except ValueError:
            continue
        if not isinstance(e, dict):
            continue
        uuid = e.get("uuid")
        if isinstance(uuid, str) and uuid:
            if uuid in uuids:
                continue  # a replay (a resumed session): pages serve the first copy only
            uuids.add(uuid)
        if isinstance(e.get("timestamp"), str) and e["timestamp"]:
            last_ts = e["timestamp"]
        t = e.get("type")
        if t not in MESSAGE_TYPES:
            continue
        msg = e.get("message") if isinstance(e.get("message"), dict) else {}
        content = msg.get("content")
        texts: list[str] = []
        tools: list[str] = []
        kind, error, model = t, False, ""
        if t == "assistant":
            texts, tools = _content(content)
            model = str(msg.get("model") or "").lower()
            error = bool(e.get("isApiErrorMessage"))
            for b in content if isinstance(content, list) else []:
                if isinstance(b, dict) and b.get("type") == "tool_use":
                    names[str(b.get("id") or "")] = str(b.get("name") or "")
        elif t == "user":
            texts = _content(content)[0]
            blocks = content if isinstance(content, list) else []
            if blocks and all(
                isinstance(b, dict) and b.get("type") == "tool_result" for b in blocks
            ):
                kind = "tool_result"
                tools = [names.get(str(b.get("tool_use_id") or ""), "") for b in blocks]
                error = any(b.get("is_error") for b in blocks)
        elif t == "system":
            texts = [e["content"]] if isinstance(e.get("content"), str) else []
            error = e.get("level") == "error" or e.get("subtype") == "api_error"
        else:
            att = e.get("attachment")
            texts = list(_strings(att))
            error = isinstance(att, dict) and att.get("type") in (
                "hook_blocking_error",
                "hook_non_blocking_error",
            )
        ts = None
        if last_ts:
            try:
                ts = datetime.fromisoformat(last_ts)
            except ValueError:
                ts = None
        text = "\n".join(x for x in texts if x)
        out.append(
            Msg(
                project=project,
                session=session,
                file=path.name if agent else "session",
                line=n,
                kind=kind,
                text=text,
                tools={x.lower() for x in tools if x},
                model=model,
                error=error,
                ts=ts,
                sidechain=agent or bool(e.get("isSidechain")),
                words=words_of(text),
            )
        )
    return out


def read_archive(root: Path) -> list[Msg]:
    """Every message under a projects root: trunks, nested and flat subagent files."""
    out: list[Msg] = []
    for project in sorted(p for p in root.iterdir() if p.is_dir()):
        trunks = {p.stem for p in project.glob("*.jsonl") if not p.name.startswith("agent-")}
        for sid in trunks:
            out.extend(read_file(project / f"{sid}.jsonl", project.name, sid, agent=False))
            for agent in sorted((project / sid / "subagents").rglob("agent-*.jsonl")):
                out.extend(read_file(agent, project.name, sid, agent=True))
        for agent in sorted(project.glob("agent-*.jsonl")):
            sid = None
            for raw in agent.read_bytes().split(b"\n")[:20]:
                try:
                    e = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(e, dict) and isinstance(e.get("sessionId"), str):
                    sid = e["sessionId"]
                    break
            if sid in trunks:
                out.extend(read_file(agent, project.name, sid, agent=True))
    return out


Predicate = Callable[[Msg], bool]
