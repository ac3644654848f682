"""The text of generated transcripts: word lists, prompt and sentence templates, and a fixed
corpus of code and log lines.

The corpus is built once from its own constant seed, so a session's seed only chooses *where*
to cut, which is what makes multi-KB outputs cheap.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

_HEX: Final = "0123456789abcdef"

_NOUNS: Final = tuple(
    "session transcript index cursor buffer parser entry token cache worker query record "
    "schema payload snapshot offset reader writer handler request response config event "
    "queue batch chunk hook agent tool result digest view panel node edge tree span frame".split()
)
_VERBS: Final = tuple(
    "load parse build render flush read write merge split index resolve collect emit "
    "fetch update compute validate encode decode scan open close sync refresh reset apply "
    "filter group sort link".split()
)
_MODULES: Final = tuple(
    "os re sys json time pathlib typing logging itertools functools dataclasses "
    "collections asyncio hashlib sqlite3 duckdb orjson".split()
)
_TYPES: Final = ("str", "int", "bytes", "Path", "dict[str, Any]", "list[str]", "float", "bool")
_ERRS: Final = ("ValueError", "KeyError", "RuntimeError", "TypeError", "FileNotFoundError")
_UNICODE_BITS: Final = ("naïve", "café", "日本語", "🚀", "✓", "→", "Ünïcödé", "Ωmega", "😀")

_SPICY_PROMPTS: Final = (
    "The transcript preview renders tool output verbatim: `<script>alert(1)</script>` runs and "
    "`<img src=x onerror=alert(1)>` fires. Escape it in {file}. The log line "
    "\x1b[31mERROR\x1b[0m also keeps its colour codes, and a title with a raw\u2028line separator "
    "breaks the list. (naïve café 日本語 🚀)",
    "Bug: a Bash result containing \x1b[1;33mwarning\x1b[0m and "
    "<img src=x onerror=alert(1)> shows up unescaped in the hover for {fn}. Also this prompt has a"
    " \u2028 in it on purpose — make sure <script>alert(1)</script> is shown as text. ✓",
    "Please check {file}: the session title `<script>alert(1)</script>\u2028second line` and the "
    "ANSI-coloured \x1b[32mPASSED\x1b[0m output should be rendered as plain text, never HTML "
    "(<img src=x onerror=alert(1)>). Ünïcödé 😀",
)
_PROMPTS: Final = (
    "Can you {verb} the {noun} {noun2} in {file}? It breaks when the {noun3} is empty.",
    "Run the tests and fix whatever fails.",
    "Why is `{fn}` so slow on large files?",
    "Add a test for `{fn}` covering the empty {noun} case.",
    "Refactor {file} so the {noun} logic lives in one place.",
    "The {noun} {noun2} is wrong after a restart, look into {file}.",
    "Implement `{fn}` in {file} and wire it into the {noun} {noun2}.",
    "Commit this with a sensible message.",
    "What does `{fn}` return when the {noun} is missing?",
    "ok, now do the same for the {noun} {noun2}",
    "Rename `{fn}` to `{fn2}` everywhere.",
    "Please review {file} for error handling problems.",
)
_SENTENCES: Final = (
    "Let me check how `{fn}` handles the {noun} case.",
    "The {noun} is built in `{file}` but never flushed.",
    "I'll update `{fn}` to {verb} the {noun} before returning.",
    "Tests pass now: {n} passed, 0 failed.",
    "That failure comes from the {noun} {noun2} being `None` when the {noun3} is empty.",
    "Next I need to {verb} the {noun} {noun2}.",
    "Good, the change is in place.",
    "Now let me run the tests to confirm.",
    "I found the problem: `{fn}` reads the {noun} twice.",
    "Let me look at the existing tests for the {noun} {noun2} first.",
    "The {noun} lookup is O(n) per call, which explains the slowdown on {n} entries.",
    "I'll keep the public signature of `{fn}` unchanged so callers don't break.",
    "This matches the pattern already used in `{file}`.",
    "Done — `{fn}` now validates the {noun} up front.",
)
_THOUGHTS: Final = (
    "The user wants me to {verb} the {noun} {noun2}. I should read `{file}` first.",
    "Hmm, `{fn}` is called from two places; changing it affects the {noun} path too.",
    "Maybe the {noun3} is stale because the {noun} is cached across calls.",
    "I need to be careful not to break the {noun} ordering.",
    "Let me think about edge cases: empty {noun}, huge {noun2}, unicode in the {noun3}.",
)
_HOOK_COMMANDS: Final = (
    "/home/dev/.claude/hooks/tmux-waiting.sh clear",
    "${CLAUDE_PLUGIN_ROOT}/scripts/pre-tool-capture.sh",
    "cd ${CLAUDE_PLUGIN_ROOT}/hooks && bun run ./dist/on-stop-test.js",
    "${CLAUDE_PLUGIN_ROOT}/hooks/stop-hook.sh",
    "python3 ~/.claude/hooks/lint_on_edit.py",
)


def _fill(r: random.Random, template: str, files: Sequence[str]) -> str:
    return template.format(
        verb=r.choice(_VERBS),
        noun=r.choice(_NOUNS),
        noun2=r.choice(_NOUNS),
        noun3=r.choice(_NOUNS),
        fn=f"{r.choice(_VERBS)}_{r.choice(_NOUNS)}",
        fn2=f"{r.choice(_VERBS)}_{r.choice(_NOUNS)}",
        file=r.choice(files),
        n=r.randint(3, 900),
    )


def _code_block(r: random.Random) -> list[str]:
    kind = r.random()
    noun, verb = r.choice(_NOUNS), r.choice(_VERBS)
    if kind < 0.08:
        return [f"import {r.choice(_MODULES)}" for _ in range(r.randint(1, 4))] + [
            f"from {r.choice(_MODULES)} import {r.choice(_NOUNS)}_{r.choice(_VERBS)}",
            "",
        ]
    if kind < 0.14:
        return [
            f'<div class="{noun}-panel" data-{verb}="{r.randint(1, 99)}">',
            f"  <h2>{noun.title()} {r.choice(_UNICODE_BITS)}</h2>",
            "  <script>alert(1)</script>",
            "  <img src=x onerror=alert(1)>",
            f"  <p>{{{{ {noun}.{verb}|safe }}}}</p>",
            "</div>",
            "",
        ]
    if kind < 0.20:
        return [
            f"export function {verb}{noun.title()}(el: HTMLElement, value: string): void {{",
            "  el.innerHTML = `<span>${value}</span>`;",
            f"  console.log('\\x1b[32m{verb}\\x1b[0m', value);",
            "}",
            "",
        ]
    if kind < 0.32:
        cls = f"{noun.title()}{r.choice(_VERBS).title()}er"
        return [
            "@dataclass(slots=True)",
            f"class {cls}:",
            f'    """{noun.title()} state kept between {verb} calls."""',
            "",
            f"    {noun}: {r.choice(_TYPES)}",
            f"    {r.choice(_NOUNS)}_count: int = 0",
            "",
        ]
    arg, typ = r.choice(_NOUNS), r.choice(_TYPES)
    lines = [
        f"def {verb}_{noun}({arg}: {typ}, *, strict: bool = False) -> {r.choice(_TYPES)}:",
        f'    """{verb.title()} the {noun} from a {arg}."""',
    ]
    for _ in range(r.randint(2, 10)):
        v = r.choice(_NOUNS)
        lines.append(
            r.choice(
                (
                    f"    {v} = {r.choice(_VERBS)}_{r.choice(_NOUNS)}({arg})",
                    f"    if {v} is None:",
                    f'        raise {r.choice(_ERRS)}(f"{noun} {{{v}!r}} not found")',
                    f"    for {v} in {arg}.{r.choice(_NOUNS)}s:",
                    f"        {r.choice(_NOUNS)}.append({v})",
                    f"    # TODO: {r.choice(_VERBS)} the {v} lazily ({r.choice(_UNICODE_BITS)})",
                    f"    log.debug('{verb} %s', {v})",
                )
            )
        )
    lines += [f"    return {arg}", ""]
    return lines


def _log_line(r: random.Random) -> str:
    noun, verb = r.choice(_NOUNS), r.choice(_VERBS)
    k = r.random()
    if k < 0.25:
        ok = r.random() < 0.85
        status = "\x1b[32mPASSED\x1b[0m" if ok else "\x1b[31mFAILED\x1b[0m"
        return f"tests/test_{noun}.py::test_{verb}_{noun}_{r.randint(1, 40)} {status}"
    if k < 0.35:
        return f'  File "src/app/{noun}.py", line {r.randint(1, 900)}, in {verb}_{noun}'
    if k < 0.45:
        return f"{''.join(r.choices(_HEX, k=7))} {verb.title()} {noun} {r.choice(_NOUNS)} handling"
    if k < 0.58:
        size = r.randint(96, 99999)
        day, minute = r.randint(1, 9), r.randint(10, 59)
        return f"-rw-r--r--  1 dev dev {size:>6} Feb  {day} 10:{minute} {noun}.py"
    if k < 0.68:
        return f"\x1b[1m\x1b[33mwarning\x1b[0m: unused variable `{noun}` in {verb}_{noun}"
    if k < 0.76:
        return f" {r.randint(1, 999):>4} │     {verb}_{noun}({r.choice(_NOUNS)})"
    if k < 0.84:
        return f"src/app/{noun}.py:{r.randint(1, 500)}:{r.randint(1, 80)}: E501 line too long"
    if k < 0.90:
        return f"✓ {verb} {noun} in {r.randint(1, 999)}ms {r.choice(_UNICODE_BITS)}"
    return f"  modified:   src/app/{noun}.py"


@dataclass(frozen=True)
class _Corpus:
    code: tuple[str, ...]
    log: tuple[str, ...]
    blob: str  # the code joined by "\n", ASCII-heavy, for large outputs


@functools.cache
def _corpus() -> _Corpus:
    r = random.Random(0x5EED_C0DE)
    code: list[str] = []
    while len(code) < 6000:
        code.extend(_code_block(r))
    log = [_log_line(r) for _ in range(3000)]
    return _Corpus(tuple(code), tuple(log), "\n".join(code))


def _take(r: random.Random, lines: Sequence[str], n: int) -> list[str]:
    total = len(lines)
    start = r.randrange(total)
    if start + n <= total:
        return list(lines[start : start + n])
    out = list(lines[start:])
    while len(out) < n:
        out.extend(lines[: n - len(out)])
    return out


def _big_text(r: random.Random, nbytes: int) -> str:
    blob = _corpus().blob
    start = r.randrange(len(blob))
    reps = nbytes // len(blob) + 2
    return (blob * reps)[start : start + nbytes]


def _size_lines(r: random.Random) -> int:
    x = r.random()
    if x < 0.70:
        return r.randint(15, 120)
    if x < 0.96:
        return r.randint(120, 500)
    return r.randint(500, 1500)
