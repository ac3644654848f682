"""The conversation engine: one transcript file written line by line, as the CLI would."""

from __future__ import annotations

import base64
import random
from pathlib import Path
from typing import IO, Any

import orjson

from .common import _SUB_MODEL, Json, _b62, _iso, _uuid
from .text import (
    _HEX,
    _HOOK_COMMANDS,
    _NOUNS,
    _PROMPTS,
    _SENTENCES,
    _SPICY_PROMPTS,
    _THOUGHTS,
    _UNICODE_BITS,
    _VERBS,
    _corpus,
    _fill,
    _log_line,
    _take,
)
from .tools import _Call, tool_input, tool_output


class _Convo:
    """Writes one transcript file line by line against an exact line budget.

    The budget (``target``) is spent by mandatory lines (prompt, tool_use, tool_result, final
    text) that are reserved up front, and optional lines (thinking, progress, system, attachments)
    that only use what is spare — that is how the file lands on exactly ``messages`` lines while
    every tool_use still gets its tool_result.
    """

    def __init__(
        self,
        r: random.Random,
        fh: IO[bytes],
        *,
        session_id: str,
        cwd: str,
        version: str,
        branch: str,
        slug: str,
        model: str,
        clock_ms: int,
        target: int,
        progress_ratio: float,
        files: list[str],
        sidechain: bool = False,
        agent_id: str | None = None,
        subagent_dir: Path | None = None,
    ) -> None:
        self.r = r
        self.fh = fh
        self.sid = session_id
        self.cwd = cwd
        self.version = version
        self.branch = branch
        self.slug = slug
        self.model = model
        self.ms = clock_ms
        self.first_ms = -1
        self.last_tick = clock_ms
        self.last_valid_ms = -1  # newest timestamp on a line that parses
        self.target = target
        self.ratio = min(max(progress_ratio, 0.0), 0.95)
        self.files = files
        self.sidechain = sidechain
        self.agent_id = agent_id
        self.subagent_dir = subagent_dir
        # Task was renamed Agent during 2.1.x; the exact release is not known, 2.1.60 is a guess.
        parts = tuple(int(x) for x in version.split(".") if x.isdigit())
        self.task_tool = "Task" if parts < (2, 1, 60) else "Agent"

        self.count = 0
        self.reserved = 0
        self.progress = 0
        self.last_uuid: str | None = None
        self.slug_on = False
        self.tool_uses = 0
        self.errors = 0
        self.context = r.randint(8000, 20000)
        self.capture: list[Json] | None = None

        # scheduled features (main session only)
        self.subagents_total = 0
        self.subagents_left = 0
        self.subagent_ids: list[str] = []
        self.subagent_paths: list[Path] = []
        self.big_total = 0
        self.big_left = 0
        self.big_bytes = 0
        self.damage_at: list[int] = []
        self.damage_i = 0
        self.damage_written = 0
        self.malformed_written = 0
        # intact records inside damaged lines: a reader recovers them (FORMAT.md §9.4)
        self.recovered = 0
        self.compacted = False
        self.custom_titled = False
        self.queued = False
        self.turns = 0
        self.edited: list[str] = []
        self.last_prompt: str | None = None
        self.in_damage = False
        self.in_turn = False
        self.queue_ops = 0

    # -- budget --------------------------------------------------------------------------------
    def left(self) -> int:
        return self.target - self.count

    def spare(self) -> int:
        # lines still owed to scheduled subagents / big results (tool_use + tool_result each)
        # are held back too, so optional noise can never crowd them out of the budget
        pending = self.subagents_left + self.big_left
        owed = 2 * pending + (2 if pending and not self.in_turn else 0)  # + a turn to host them
        return self.target - self.count - self.reserved - owed

    # -- low level -----------------------------------------------------------------------------
    def tick(self, lo: int, hi: int) -> str:
        self.ms += self.r.randint(lo, hi)
        if self.first_ms < 0:
            self.first_ms = self.ms
        self.last_tick = self.ms
        return _iso(self.ms)

    def env(self, parent: str | None) -> Json:
        # Damage goes in before the next counted line is *built*, so that the throwaway
        # records inside damaged lines also get earlier timestamps than what follows.
        if self.damage_i < len(self.damage_at) and not self.in_damage:
            while (
                self.damage_i < len(self.damage_at) and self.damage_at[self.damage_i] <= self.count
            ):
                self.damage_i += 1
                self.write_damage()
        d: Json = {
            "parentUuid": parent,
            "isSidechain": self.sidechain,
            "userType": "external",
            "cwd": self.cwd,
            "sessionId": self.sid,
            "version": self.version,
            "gitBranch": self.branch,
        }
        if self.agent_id is not None:
            d["agentId"] = self.agent_id
        if self.slug_on:
            d["slug"] = self.slug
        return d

    def put(self, obj: Json, *, counted: bool = True, mandatory: bool = False) -> None:
        self.last_valid_ms = self.last_tick
        if counted:
            self.count += 1
            if mandatory:
                self.reserved -= 1
            if self.capture is not None and len(self.capture) < 12:
                self.capture.append(obj)
        self.fh.write(orjson.dumps(obj) + b"\n")

    def chain(self, obj: Json, *, mandatory: bool = False) -> str:
        """Emit a DAG entry that continues the chain from the previous one."""
        u: str = obj["uuid"]
        self.put(obj, mandatory=mandatory)
        self.last_uuid = u
        return u

    # -- damage --------------------------------------------------------------------------------
    def throwaway(self) -> bytes:
        """A plausible record that is only ever written inside a damaged line."""
        d = self.env(self.last_uuid)
        d["type"] = "progress"
        d["data"] = {
            "type": "hook_progress",
            "hookEvent": "PostToolUse",
            "hookName": "PostToolUse:Bash",
            "command": self.r.choice(_HOOK_COMMANDS),
        }
        tid = "toolu_01" + _b62(self.r, 22)
        d["parentToolUseID"] = tid
        d["toolUseID"] = tid
        d["timestamp"] = self.tick(1, 20)
        d["uuid"] = _uuid(self.r)
        return orjson.dumps(d)

    def ascii_cut(self, rec: bytes, lo: float, hi: float) -> bytes:
        cut = int(len(rec) * self.r.uniform(lo, hi))
        while cut > 1 and rec[cut - 1] >= 0x80:  # never split a UTF-8 sequence
            cut -= 1
        return rec[:cut]

    def write_damage(self) -> None:
        kind = self.damage_written % 5
        self.damage_written += 1
        # what a reader must recover from each kind, and whether bytes are left unexplained
        self.recovered += (0, 2, 1, 0, 1)[kind]
        self.malformed_written += (1, 0, 1, 1, 1)[kind]
        self.in_damage = True
        rec = self.throwaway()
        if kind == 0:  # truncated record (crash mid-write), then the writer moved on
            line = self.ascii_cut(rec, 0.2, 0.8)
        elif kind == 1:  # two records on one line: missing newline
            line = rec + self.throwaway()
        elif kind == 2:  # run of NUL bytes (preallocated block) before a record
            line = b"\x00" * self.r.randint(16, 4096) + rec
        elif kind == 3:  # plain garbage
            line = self.r.choice(
                (
                    b"Error: ENOSPC: no space left on device, write",
                    b"<<<<<<< HEAD",
                    b"\x1b[2K\r" + _b62(self.r, 40).encode(),
                    b"undefined",
                    b"]}",
                )
            )
        else:  # truncated splice: a record cut mid-string, the next one starts on the same line
            line = self.ascii_cut(rec, 0.3, 0.7) + self.throwaway()
        self.in_damage = False
        self.fh.write(line + b"\n")

    # -- building blocks -----------------------------------------------------------------------
    def sentences(self, k: int) -> str:
        return " ".join(_fill(self.r, self.r.choice(_SENTENCES), self.files) for _ in range(k))

    def new_usage(self) -> Json:
        created = self.r.randint(0, 6000)
        read = self.context
        self.context += created + self.r.randint(50, 2000)
        if self.context > 180_000:
            self.context = self.r.randint(20000, 40000)
        return {
            "input_tokens": self.r.randint(1, 12),
            "cache_creation_input_tokens": created,
            "cache_read_input_tokens": read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": created,
                "ephemeral_1h_input_tokens": 0,
            },
            "output_tokens": self.r.randint(1, 30),
            "service_tier": "standard",
            "inference_geo": "global" if not self.sidechain else "not_available",
        }

    def assistant(
        self, msg_id: str, req_id: str, usage: Json, block: Json, *, mandatory: bool
    ) -> str:
        """One line of a split API response: one content block, usage repeated (grown)."""
        usage["output_tokens"] += self.r.randint(5, 400)  # grows over the response's lines
        usage = dict(usage)
        d = self.env(self.last_uuid)
        d["message"] = {
            "model": self.model,
            "id": msg_id,
            "type": "message",
            "role": "assistant",
            "content": [block],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        d["requestId"] = req_id
        d["type"] = "assistant"
        d["uuid"] = _uuid(self.r)
        d["timestamp"] = self.tick(150, 2500)
        return self.chain(d, mandatory=mandatory)

    def response_ids(self) -> tuple[str, str, Json]:
        return "msg_01" + _b62(self.r, 22), "req_011C" + _b62(self.r, 20), self.new_usage()

    def thinking_block(self) -> Json:
        r = self.r
        text = " ".join(_fill(r, r.choice(_THOUGHTS), self.files) for _ in range(r.randint(1, 5)))
        sig = base64.b64encode(r.randbytes(r.randint(120, 480))).decode()
        return {"type": "thinking", "thinking": text, "signature": sig}

    def text_block(self, k: int) -> Json:
        r = self.r
        text = self.sentences(k)
        x = r.random()
        if x < 0.15:
            code = "\n".join(_take(r, _corpus().code, r.randint(4, 30)))
            text += f"\n\n```python\n{code}\n```\n"
        elif x < 0.25:
            items = "\n".join(f"- {self.sentences(1)}" for _ in range(r.randint(2, 6)))
            text = f"## Summary\n\n{items}\n\n{text}"
        elif x < 0.28:
            text += " The preview used to show `<script>alert(1)</script>` raw \u2028 — fixed."
        return {"type": "text", "text": text}

    def progress_line(self, data: Json, tool_use_id: str, parent_tool_use_id: str) -> None:
        d = self.env(self.last_uuid)
        d["type"] = "progress"
        d["data"] = data
        d["parentToolUseID"] = parent_tool_use_id
        d["toolUseID"] = tool_use_id
        d["timestamp"] = self.tick(3, 60)
        d["uuid"] = _uuid(self.r)
        self.progress += 1
        self.chain(d)

    def progress_due(self, cap: int) -> int:
        if self.ratio <= 0 or cap <= 0:
            return 0
        want = (self.ratio * self.count - self.progress) / (1 - self.ratio)
        n = int(want + self.r.random())
        return max(0, min(n, self.r.randint(1, cap), self.spare()))

    def hooks(
        self, event: str, name: str, tool_use_id: str | None, cap: int, at_least: int = 0
    ) -> None:
        n = self.progress_due(cap)
        if self.ratio > 0:
            n = min(max(n, at_least), self.spare())
        if n == 0:
            return
        tid = tool_use_id or _uuid(self.r)
        for i in range(n):
            cmd = _HOOK_COMMANDS[(i + len(event)) % len(_HOOK_COMMANDS)]
            data = {
                "type": "hook_progress",
                "hookEvent": event,
                "hookName": name,
                "command": cmd,
            }
            self.progress_line(data, tid, tid)

    # -- metadata lines (not messages) ---------------------------------------------------------
    def snapshot(self, message_id: str, update: bool) -> None:
        ts = self.tick(1, 30)
        backups: Json = {}
        for i, p in enumerate(self.edited[-8:]):
            rel = p[len(self.cwd) + 1 :] if p.startswith(self.cwd) else p
            backups[rel] = {
                "backupFileName": "".join(self.r.choices(_HEX, k=16)) + f"@v{i % 3 + 1}",
                "version": i % 3 + 1,
                "backupTime": ts,
            }
        obj = {
            "type": "file-history-snapshot",
            "messageId": message_id,
            "snapshot": {"messageId": message_id, "trackedFileBackups": backups, "timestamp": ts},
            "isSnapshotUpdate": update,
        }
        self.put(obj, counted=False)

    def title(self, kind: str) -> None:
        words = [self.r.choice(_VERBS).title(), self.r.choice(_NOUNS), self.r.choice(_NOUNS)]
        text = " ".join(words)
        if kind == "ai-title":
            self.put({"type": "ai-title", "sessionId": self.sid, "aiTitle": text}, counted=False)
        else:
            text = f"{text} {self.r.choice(_UNICODE_BITS)} <b>wip</b>"
            self.put(
                {"type": "custom-title", "customTitle": text, "sessionId": self.sid}, counted=False
            )

    def queue(self, operation: str) -> None:
        obj: Json = {
            "type": "queue-operation",
            "operation": operation,
            "timestamp": self.tick(1, 30),
            "sessionId": self.sid,
        }
        self.queue_ops += 1
        if operation == "enqueue":
            obj["content"] = _fill(self.r, self.r.choice(_PROMPTS), self.files)
        self.put(obj, counted=False)

    # -- tools ---------------------------------------------------------------------------------
    def plan_tools(self) -> list[tuple[str, bool, bool]]:
        """Tools for one API response as (tool, big output, scheduled feature)."""
        r = self.r
        k = r.choices((1, 2, 3), weights=(70, 20, 10))[0]
        names = (
            ("Read", "Grep", "Glob", "Bash")
            if self.sidechain
            else ("Read", "Bash", "Edit", "Grep", "Glob", "Write", "MultiEdit")
        )
        weights = (40, 25, 20, 15) if self.sidechain else (30, 25, 15, 10, 6, 6, 4)
        tools = [(r.choices(names, weights=weights)[0], False, False) for _ in range(k)]
        late = self.spare() <= 6
        if self.subagents_left > 0:
            done = self.subagents_total - self.subagents_left
            due = (done + 1) * self.target // (self.subagents_total + 1)
            if self.count >= due or late:
                tools[0] = ("Task", False, True)
        if self.big_left > 0:
            done = self.big_total - self.big_left
            due = (2 * done + 1) * self.target // (2 * self.big_total)
            if (self.count >= due or late) and (len(tools) > 1 or tools[0][0] != "Task"):
                tools[-1] = (r.choice(("Bash", "Read")), True, True)
        return tools

    # -- subagents -----------------------------------------------------------------------------
    def run_subagent(self, call: _Call) -> tuple[Any, Any]:
        assert self.subagent_dir is not None
        r = self.r
        agent_id = "a" + "".join(r.choices(_HEX, k=6))
        while agent_id in self.subagent_ids:
            agent_id = "a" + "".join(r.choices(_HEX, k=6))
        self.subagent_dir.mkdir(parents=True, exist_ok=True)
        path = self.subagent_dir / f"agent-{agent_id}.jsonl"
        start_ms = self.ms
        with path.open("wb", buffering=1 << 20) as fh:
            sub = _Convo(
                r,
                fh,
                session_id=self.sid,
                cwd=self.cwd,
                version=self.version,
                branch=self.branch,
                slug=self.slug,
                model=_SUB_MODEL,
                clock_ms=self.ms,
                target=r.randint(6, 40),
                progress_ratio=0.0,
                files=self.files,
                sidechain=True,
                agent_id=agent_id,
            )
            sub.slug_on = self.slug_on
            sub.capture = []
            final = sub.subagent_turn(call.input["prompt"])
        meta = {
            "agentType": call.input["subagent_type"],
            "description": call.input["description"],
            "toolUseId": call.tool_id,
        }
        (self.subagent_dir / f"agent-{agent_id}.meta.json").write_bytes(orjson.dumps(meta))
        self.subagent_ids.append(agent_id)
        self.subagent_paths.append(path)
        self.ms = max(self.ms, sub.ms)

        # heartbeats in the parent that mirror what the agent did
        n = self.progress_due(10)
        captured = sub.capture or []
        for i in range(n):
            e = captured[i % len(captured)] if captured else None
            data: Json = {
                "message": (
                    {
                        "type": e["type"],
                        "message": e["message"],
                        "uuid": e["uuid"],
                        "timestamp": e["timestamp"],
                    }
                    if e is not None and "message" in e
                    else None
                ),
                "normalizedMessages": [],
                "type": "agent_progress",
                "prompt": call.input["prompt"],
                "agentId": agent_id,
            }
            self.progress_line(data, "agent_msg_01" + _b62(r, 22), call.tool_id)

        duration = max(1, sub.ms - start_ms)
        tokens = sub.context + r.randint(500, 6000)
        usage = sub.new_usage()
        trailer = (
            f"agentId: {agent_id} (for resuming to continue this agent's work if needed)\n"
            f"<usage>total_tokens: {tokens}\ntool_uses: {sub.tool_uses}\n"
            f"duration_ms: {duration}</usage>"
        )
        content = [{"type": "text", "text": final}, {"type": "text", "text": trailer}]
        result = {
            "status": "completed",
            "prompt": call.input["prompt"],
            "agentId": agent_id,
            "content": [{"type": "text", "text": final}],
            "totalDurationMs": duration,
            "totalTokens": tokens,
            "totalToolUseCount": sub.tool_uses,
            "usage": usage,
        }
        return content, result

    def subagent_turn(self, prompt: str) -> str:
        d = self.env(None)
        d["type"] = "user"
        d["message"] = {"role": "user", "content": prompt}
        d["uuid"] = _uuid(self.r)
        d["timestamp"] = self.tick(5, 80)
        self.reserved += 2  # prompt + final text
        self.chain(d, mandatory=True)
        while self.tool_round():
            pass
        return self.final_response()

    # -- turn structure ------------------------------------------------------------------------
    def tool_round(self) -> bool:
        r = self.r
        tools = self.plan_tools()
        forced = [t for t in tools if t[2]]
        # a scheduled feature's lines are already held back by spare(); placing it releases them
        avail = self.spare() + 2 * len(forced)
        if avail < 2 * len(tools):
            tools = forced or tools[:1]
            if avail < 2 * len(tools):
                return False
        for tool, big, _ in forced:
            if tool == "Task":
                self.subagents_left -= 1
            if big:
                self.big_left -= 1
        self.reserved += 2 * len(tools)
        msg_id, req_id, usage = self.response_ids()
        if self.spare() >= 1 and r.random() < 0.4:
            self.assistant(msg_id, req_id, usage, self.thinking_block(), mandatory=False)
        if self.spare() >= 1 and r.random() < 0.6:
            self.assistant(msg_id, req_id, usage, self.text_block(r.randint(1, 2)), mandatory=False)
        calls: list[_Call] = []
        for tool, big, _ in tools:
            inp, extra = tool_input(self, tool)
            tool_id = "toolu_01" + _b62(r, 22)
            name = self.task_tool if tool == "Task" else tool
            block = {
                "type": "tool_use",
                "id": tool_id,
                "name": name,
                "input": inp,
                "caller": {"type": "direct"},
            }
            auuid = self.assistant(msg_id, req_id, usage, block, mandatory=True)
            error = not big and tool != "Task" and r.random() < 0.07
            calls.append(_Call(tool, tool_id, inp, auuid, big=big, error=error, extra=extra))
            self.tool_uses += 1
        for call in calls:
            shown = self.task_tool if call.tool == "Task" else call.tool
            self.hooks("PreToolUse", f"PreToolUse:{shown}", call.tool_id, 5)
            if call.tool == "Task":
                content, result = self.run_subagent(call)
                is_error: bool | None = None
            else:
                if call.tool == "Bash":
                    for i in range(self.progress_due(6)):
                        out = _take(r, _corpus().log, 12)
                        data = {
                            "type": "bash_progress",
                            "output": "\n".join(out[-4:]),
                            "fullOutput": "\n".join(out),
                            "elapsedTimeSeconds": i + 2,
                            "totalLines": 12 * (i + 1),
                            "timeoutMs": 120000,
                        }
                        self.progress_line(data, f"bash-progress-{i}", call.tool_id)
                self.ms += r.randint(30, 20000 if call.tool == "Bash" else 1500)
                content, result, is_error = tool_output(self, call)
            if is_error:
                self.errors += 1
            self.tool_result(call, content, result, is_error)
            self.hooks("PostToolUse", f"PostToolUse:{shown}", call.tool_id, 3)
            if self.spare() >= 1 and r.random() < 0.08:
                self.attachment(call)
        if not self.sidechain and self.edited and r.random() < 0.1 and self.last_prompt:
            self.snapshot(self.last_prompt, True)
        return True

    def tool_result(self, call: _Call, content: Any, result: Any, is_error: bool | None) -> None:
        block: Json = {"tool_use_id": call.tool_id, "type": "tool_result", "content": content}
        if is_error is not None:
            block["is_error"] = is_error
        d = self.env(call.assistant_uuid)
        d["type"] = "user"
        d["message"] = {"role": "user", "content": [block]}
        d["uuid"] = _uuid(self.r)
        d["timestamp"] = self.tick(5, 400)
        if not self.sidechain:
            d["toolUseResult"] = result
        d["sourceToolAssistantUUID"] = call.assistant_uuid
        self.chain(d, mandatory=True)

    def attachment(self, call: _Call) -> None:
        r = self.r
        d = self.env(self.last_uuid)
        d["type"] = "attachment"
        if r.random() < 0.5:
            att: Json = {
                "type": "hook_success",
                "hookName": f"PostToolUse:{call.tool}",
                "toolUseID": call.tool_id,
                "hookEvent": "PostToolUse",
                "content": "",
                "stdout": "\x1b[32m✓\x1b[0m formatted 1 file",
                "stderr": "",
                "exitCode": 0,
            }
        else:
            att = {
                "type": "hook_additional_context",
                "content": [f"[LINT]\n{_log_line(r)}"],
                "hookName": f"PostToolUse:{call.tool}",
                "toolUseID": call.tool_id,
                "hookEvent": "PostToolUse",
            }
        d["attachment"] = att
        d["uuid"] = _uuid(r)
        d["timestamp"] = self.tick(2, 50)
        self.chain(d)

    def final_response(self) -> str:
        """The closing text of a turn (its line was reserved when the turn started)."""
        msg_id, req_id, usage = self.response_ids()
        if self.spare() >= 1 and self.r.random() < 0.3:
            self.assistant(msg_id, req_id, usage, self.thinking_block(), mandatory=False)
        block = self.text_block(self.r.randint(1, 6))
        self.assistant(msg_id, req_id, usage, block, mandatory=True)
        text: str = block["text"]
        return text

    def system(self, subtype: str, **fields: Any) -> None:
        d = self.env(self.last_uuid)
        d["type"] = "system"
        d["subtype"] = subtype
        d.update(fields)
        d["timestamp"] = self.tick(2, 60)
        d["uuid"] = _uuid(self.r)
        self.chain(d)

    def turn(self, first: bool) -> None:
        r = self.r
        if self.left() <= 0:
            return
        prompt_uuid = _uuid(r)
        self.last_prompt = prompt_uuid
        self.ms += r.randint(3000, 600000) if not first else r.randint(0, 2000)
        if self.queued:
            self.queue("dequeue")
            self.queued = False
        self.snapshot(prompt_uuid, False)
        closing = self.left() >= 2
        self.reserved += 2 if closing else 1  # the prompt and the closing text
        self.in_turn = True
        if first:
            self.last_uuid = None
            # real 2.1.x files open with SessionStart hook progress as the DAG root
            self.hooks(
                "SessionStart", "SessionStart:startup", None, 4, at_least=self.r.randint(1, 4)
            )
        self.hooks("UserPromptSubmit", "UserPromptSubmit", None, 2)
        if not first and self.spare() >= 1 and r.random() < 0.03:
            self.meta_user()
        d = self.env(self.last_uuid)
        d["type"] = "user"
        if first or r.random() < 0.06:
            text = _fill(r, r.choice(_SPICY_PROMPTS), self.files)
        elif r.random() < 0.04:
            text = (
                "<command-name>/review</command-name>\n<command-message>review</command-message>\n"
                f"<command-args>{r.choice(self.files)}</command-args>"
            )
        else:
            text = _fill(r, r.choice(_PROMPTS), self.files)
        d["message"] = {"role": "user", "content": text}
        d["uuid"] = prompt_uuid
        d["timestamp"] = self.tick(5, 200)
        d["thinkingMetadata"] = {"maxThinkingTokens": 31999}
        d["todos"] = []
        d["permissionMode"] = "bypassPermissions"
        self.chain(d, mandatory=True)
        turn_start = self.ms
        self.turns += 1
        if first:
            self.title("ai-title")
        self.slug_on = True
        if not closing:
            self.in_turn = False
            return
        rounds = r.choices((0, 1, 2, 3, 5, 8), weights=(12, 25, 20, 15, 18, 10))[0]
        pending = self.subagents_left + self.big_left
        if pending:
            rounds = max(rounds, pending if self.spare() <= 6 else 1)
        for _ in range(rounds):
            if not self.tool_round():
                break
        steer = r.random() < 0.05 or (self.turns == 2 and not self.sidechain and not self.queue_ops)
        if not self.queued and steer:  # a prompt typed while Claude works, picked up next turn
            self.queue("enqueue")
            self.queued = True
        self.final_response()
        self.in_turn = False
        self.hooks("Stop", "Stop", None, 3)
        if self.spare() >= 1 and r.random() < 0.3:
            hook_infos = [{"command": c} for c in _HOOK_COMMANDS[:3]]
            self.system(
                "stop_hook_summary",
                hookCount=len(hook_infos),
                hookInfos=hook_infos,
                hookErrors=[],
                preventedContinuation=False,
                stopReason="",
                hasOutput=True,
                level="suggestion",
                toolUseID=_uuid(r),
            )
        if self.spare() >= 1 and r.random() < 0.8:
            self.system("turn_duration", durationMs=self.ms - turn_start, isMeta=False)

    def meta_user(self) -> None:
        d = self.env(self.last_uuid)
        d["type"] = "user"
        d["message"] = {
            "role": "user",
            "content": "<system-reminder>\nPostToolUse:Edit hook additional context: [LINT]\n"
            f"{_log_line(self.r)}\n</system-reminder>",
        }
        d["isMeta"] = True
        d["uuid"] = _uuid(self.r)
        d["timestamp"] = self.tick(2, 50)
        self.chain(d)

    def compaction(self) -> None:
        r = self.r
        logical = self.last_uuid
        d: Json = {"parentUuid": None, "logicalParentUuid": logical}
        d.update((k, v) for k, v in self.env(None).items() if k != "parentUuid")
        d["type"] = "system"
        d["subtype"] = "compact_boundary"
        d["content"] = "Conversation compacted"
        d["isMeta"] = False
        d["timestamp"] = self.tick(20000, 90000)
        d["uuid"] = _uuid(r)
        d["level"] = "info"
        d["compactMetadata"] = {"trigger": r.choice(("auto", "manual")), "preTokens": self.context}
        self.chain(d)
        s = self.env(self.last_uuid)
        s["type"] = "user"
        summary = "\n".join(
            f"{i + 1}. {self.sentences(r.randint(1, 3))}" for i in range(r.randint(4, 12))
        )
        s["message"] = {
            "role": "user",
            "content": "This session is being continued from a previous conversation that ran out "
            "of context. The summary below covers the earlier portion of the conversation.\n\n"
            f"Analysis:\n{summary}",
        }
        s["isVisibleInTranscriptOnly"] = True
        s["isCompactSummary"] = True
        s["uuid"] = _uuid(r)
        s["timestamp"] = self.tick(5, 100)
        self.chain(s)
        self.context = r.randint(15000, 30000)
        self.compacted = True

    def between_turns(self) -> None:
        if (
            not self.compacted
            and self.target >= 60
            and self.count >= self.target * 0.55
            and self.spare() >= 6
        ):
            self.compaction()
            self.title("ai-title")
        if not self.custom_titled and self.count >= self.target * 0.7 and self.turns > 0:
            self.title("custom-title")
            self.custom_titled = True

    def run_main(self) -> None:
        first = True
        while self.left() > 0:
            if not first:
                self.between_turns()
            self.turn(first)
            first = False
        guard = 0
        while (self.subagents_left > 0 or self.big_left > 0) and self.target > 0 and guard < 1000:
            # the budget was too small for what was asked: extend it just enough
            guard += 1
            self.target = self.count + 2 * (self.subagents_left + self.big_left) + 2
            self.turn(first)
            first = False
        if not self.custom_titled and self.turns > 0:
            self.title("custom-title")
            self.custom_titled = True
        while self.damage_i < len(self.damage_at):
            self.damage_i += 1
            self.write_damage()
