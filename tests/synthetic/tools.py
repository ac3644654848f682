"""Tool calls: what a call asks (its input) and what comes back (its tool_result content and
``toolUseResult``), for every tool but Task/Agent (``conversation._Convo.run_subagent``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .common import Json
from .text import _NOUNS, _VERBS, _big_text, _corpus, _size_lines, _take

if TYPE_CHECKING:
    from .conversation import _Convo


@dataclass
class _Call:
    tool: str
    tool_id: str
    input: Json
    assistant_uuid: str
    big: bool = False
    error: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def tool_input(c: _Convo, tool: str) -> tuple[Json, dict[str, Any]]:
    r = c.r
    path = r.choice(c.files)
    corpus = _corpus()
    if tool == "Read":
        inp: Json = {"file_path": path}
        if r.random() < 0.2:
            inp["offset"] = r.randint(1, 400)
            inp["limit"] = r.randint(50, 300)
        return inp, {}
    if tool == "Bash":
        noun = r.choice(_NOUNS)
        cmd, desc = r.choice(
            (
                (f"pytest -q tests/test_{noun}.py", f"Run {noun} tests"),
                ("git status --short", "Show working tree status"),
                ("git diff --stat", "Show diff summary"),
                ("git log --oneline -n 20", "Show recent commits"),
                ("ruff check src && mypy src", "Lint and type-check"),
                (f"ls -la src/{noun}", f"List {noun} directory"),
                (f"rg -n '{r.choice(_VERBS)}_{noun}' src", f"Find {noun} usages"),
                ("npm run build 2>&1 | tail -40", "Build the frontend"),
            )
        )
        inp = {"command": cmd, "description": desc}
        if r.random() < 0.2:
            inp["timeout"] = 120000
        return inp, {}
    if tool == "Edit":
        lines = _take(r, corpus.code, r.randint(40, 500))
        i = r.randrange(3, len(lines) - 8)
        k = r.randint(1, 4)
        old = lines[i : i + k]
        new = [ln + f"  # {r.choice(_VERBS)} {r.choice(_NOUNS)}" for ln in old]
        if r.random() < 0.4:
            new.append(f"    log.debug('{r.choice(_VERBS)} %s', {r.choice(_NOUNS)})")
        inp = {
            "file_path": path,
            "old_string": "\n".join(old),
            "new_string": "\n".join(new),
            "replace_all": False,
        }
        patch = {
            "oldStart": i - 2,
            "oldLines": k + 5,
            "newStart": i - 2,
            "newLines": len(new) + 5,
            "lines": [" " + x for x in lines[i - 3 : i]]
            + ["-" + x for x in old]
            + ["+" + x for x in new]
            + [" " + x for x in lines[i + k : i + k + 2]],
        }
        return inp, {"original": "\n".join(lines), "patch": patch}
    if tool == "MultiEdit":
        lines = _take(r, corpus.code, r.randint(40, 400))
        edits = []
        for _ in range(r.randint(2, 4)):
            j = r.randrange(len(lines))
            edits.append(
                {
                    "old_string": lines[j],
                    "new_string": lines[j] + f"  # {r.choice(_NOUNS)}",
                }
            )
        return {"file_path": path, "edits": edits}, {"original": "\n".join(lines)}
    if tool == "Write":
        content = "\n".join(_take(r, corpus.code, r.randint(10, 200)))
        return {"file_path": path, "content": content}, {}
    if tool == "Grep":
        inp = {"pattern": f"{r.choice(_VERBS)}_{r.choice(_NOUNS)}", "path": c.cwd}
        inp["output_mode"] = r.choice(("content", "files_with_matches"))
        if inp["output_mode"] == "content":
            inp["-n"] = True
        return inp, {}
    if tool == "Glob":
        return {"pattern": r.choice(("**/*.py", "src/**/*.ts", "tests/**/test_*.py", "*.md"))}, {}
    # Task / Agent
    noun = r.choice(_NOUNS)
    desc = f"Explore {noun} {r.choice(_NOUNS)} handling"
    prompt = (
        f"Explore the codebase to understand how the {noun} is handled. I need to know:\n\n"
        + "\n".join(
            f"{i + 1}. `{r.choice(c.files)}` — {c.sentences(1)}" for i in range(r.randint(2, 6))
        )
        + "\n\nRead the files and give a concise summary."
    )
    subtype = r.choice(("Explore", "general-purpose", "Plan"))
    return {"description": desc, "prompt": prompt, "subagent_type": subtype}, {}


def tool_output(c: _Convo, call: _Call) -> tuple[Any, Any, bool | None]:
    """Returns (tool_result content, toolUseResult, is_error) for a call."""
    r = c.r
    corpus = _corpus()
    inp = call.input
    tool = call.tool
    if call.error:
        if tool == "Bash":
            code = r.choice((1, 2, 127, 128))
            body = "\n".join(_take(r, corpus.log, r.randint(2, 40)))
            text = f"Exit code {code}\n{body}"
            return text, "Error: " + text, True
        msg = r.choice(
            (
                "String to replace not found in file.",
                "File does not exist.",
                "File has not been read yet. Read it first before writing to it.",
                "[Request interrupted by user for tool use]",
            )
        )
        if msg.startswith("["):
            return msg, "Error: " + msg, True
        return f"<tool_use_error>{msg}</tool_use_error>", "Error: " + msg, True
    if tool == "Read":
        if call.big:
            text = _big_text(r, c.big_bytes)
            lines = text.split("\n")
        else:
            lines = _take(r, corpus.code, _size_lines(r))
            text = "\n".join(lines)
        start = int(inp.get("offset", 1))
        numbered = "\n".join(f"{start + i:>6}→{ln}" for i, ln in enumerate(lines))
        result: Json = {
            "type": "text",
            "file": {
                "filePath": inp["file_path"],
                "content": text,
                "numLines": len(lines),
                "startLine": start,
                "totalLines": start - 1 + len(lines) + r.randint(0, 300),
            },
        }
        return numbered, result, None
    if tool == "Bash":
        if call.big:
            out = _big_text(r, c.big_bytes)
        else:
            out = "\n".join(_take(r, corpus.log, _size_lines(r) // 2 or 1))
        stderr = "" if r.random() < 0.9 else "\x1b[33mwarning\x1b[0m: deprecated flag"
        result = {
            "stdout": out,
            "stderr": stderr,
            "interrupted": False,
            "isImage": False,
            "noOutputExpected": False,
        }
        return (out + ("\n" + stderr if stderr else "")), result, False
    if tool == "Edit":
        path = inp["file_path"]
        c.edited.append(path)
        result = {
            "filePath": path,
            "oldString": inp["old_string"],
            "newString": inp["new_string"],
            "originalFile": call.extra["original"],
            "structuredPatch": [call.extra["patch"]],
            "userModified": False,
            "replaceAll": False,
        }
        return f"The file {path} has been updated successfully.", result, None
    if tool == "MultiEdit":
        path = inp["file_path"]
        c.edited.append(path)
        edits = [dict(e, replace_all=False) for e in inp["edits"]]
        summary = "\n".join(
            f'{i + 1}. Replaced "{e["old_string"][:40]}" with "{e["new_string"][:40]}"'
            for i, e in enumerate(edits)
        )
        result = {
            "filePath": path,
            "edits": edits,
            "originalFileContents": call.extra["original"],
            "structuredPatch": [
                {
                    "oldStart": 1 + i * 10,
                    "oldLines": 1,
                    "newStart": 1 + i * 10,
                    "newLines": 1,
                    "lines": ["-" + e["old_string"], "+" + e["new_string"]],
                }
                for i, e in enumerate(edits)
            ],
            "userModified": False,
        }
        return f"Applied {len(edits)} edits to {path}:\n{summary}", result, None
    if tool == "Write":
        path = inp["file_path"]
        c.edited.append(path)
        result = {
            "type": "create",
            "filePath": path,
            "content": inp["content"],
            "structuredPatch": [],
            "originalFile": None,
        }
        return f"File created successfully at: {path}", result, None
    if tool == "Grep":
        if inp["output_mode"] == "content":
            hits = [
                f"{r.choice(c.files)}:{r.randint(1, 900)}:{ln}"
                for ln in _take(r, corpus.code, r.randint(1, 60))
            ]
            content = "\n".join(hits)
            result = {
                "mode": "content",
                "numFiles": 0,
                "filenames": [],
                "content": content,
                "numLines": len(hits),
            }
            return content, result, None
        names = [r.choice(c.files) for _ in range(r.randint(1, 12))]
        result = {"mode": "files_with_matches", "filenames": names, "numFiles": len(names)}
        return f"Found {len(names)} files\n" + "\n".join(names), result, None
    if tool == "Glob":
        names = [r.choice(c.files) for _ in range(r.randint(1, 40))]
        result = {
            "filenames": names,
            "durationMs": r.randint(3, 400),
            "numFiles": len(names),
            "truncated": False,
        }
        return "\n".join(names), result, None
    raise AssertionError(tool)  # Task is handled by run_subagent
