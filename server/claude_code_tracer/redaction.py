"""Masking secrets in transcript text: ``redact(text) -> (masked text, count per kind)``.

The one public entry point every face uses (the Markdown/HTML export, the MCP server, a team
push). Two rule sets, applied together:

- **gitleaks' rule set** (``rules/gitleaks.toml``, MIT, vendored unchanged with its notice): 222
  maintained rules for provider token formats (Stripe, Google, GitLab, npm, Hugging Face, Slack
  webhooks, ...), each with the keywords that must appear before its regex is tried, an entropy
  floor and allowlists. Only the data is used; the small engine here applies it (``_load``).
- **hand-written rules** (``HAND_RULES``) for what a token-format rule set cannot see and people
  paste into a chat: a password or key *assigned* in any quoting (``password=x``,
  ``"password": "correct horse battery"``, JSON-escaped ``{\\"password\\": \\"…\\"}``,
  ``export FOO_API_KEY=…``), a password in a URL (``postgres://u:pw@host``), HTTP Basic auth,
  AWS secret access keys, and the formats this project already promised (Anthropic/OpenAI keys,
  AKIA ids, GitHub tokens, JWTs, bearer tokens, private-key blocks).

Why not detect-secrets (Apache-2.0, PyPI 1.5.0): it scans line by line and reports which lines
hold a secret, not where it is, so masking means re-finding each value; its high-entropy plugins
flag every commit hash and uuid (a transcript holds thousands); and it has no rule for Hugging
Face or generic ``*_API_KEY=`` values. gitleaks' rules are regexes with a named secret group,
exactly what masking needs.

Every rule yields spans over the *original* text; overlapping spans are merged (the earlier rule
names the kind), then masked once as ``[REDACTED:kind]``: a secret two rules both see counts
once, and masked text is never scanned again. Keywords are tested with ``in`` on the lower-cased
text before any regex runs, so text that mentions no keyword costs a few substring scans.
"""

from __future__ import annotations

import math
import re
import tomllib
import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

RULES_FILE = Path(__file__).resolve().parent / "rules" / "gitleaks.toml"
# gitleaks rules left out, and why (measured on the export of the 3.5 MB sample session)
SKIPPED_RULES = {
    "generic-api-key": "replaced by the hand-written assignment rules: its keywords (key, token, "
    "api, auth, access) are in most text of a coding session, and its lazy 50-character name "
    "prefix made the export 2.5x slower; the hand rules also take quoted multi-word and "
    "JSON-escaped values, which it does not",
}
MARKER = "[REDACTED:{}]"


@dataclass(frozen=True)
class Rule:
    """One way to find a secret: ``regex`` runs only when the lower-cased text holds one of
    ``keywords`` (all of them are tried when there are none)."""

    kind: str
    keywords: tuple[str, ...]
    regex: re.Pattern[str]
    # the secret is this group (a name or number); None: the first group that matched, else all
    group: str | int | None = None
    entropy: float | None = None
    # a secret matching one of these is not one (gitleaks' allowlists, target "secret")
    allow_secret: tuple[re.Pattern[str], ...] = ()
    # ... or whose whole match matches one of these (target "match"/"line")
    allow_match: tuple[re.Pattern[str], ...] = ()
    stopwords: tuple[str, ...] = ()
    # run only around keyword hits (see ``_windows``); False for a match that can be long
    windowed: bool = True


# --- hand-written rules ------------------------------------------------------------------------
# A value after ``=``/``:``: a ``${VAR}`` reference (matched so that it is not read as a bare
# value, then never masked), JSON-escaped (\"…\"), double- or single-quoted (spaces and all: a
# password may be several words), or bare (up to the next space or delimiter).
_VALUE = (
    r"(?:(?P<ref>\$\{[^}\n]{1,100}\})"  # ${VAR}: a reference, not a value (never masked)
    r"|\\\"(?P<v1>(?:(?!\\\")[^\n]){1,300}?)\\\""
    r"|\"(?P<v2>(?:[^\"\\\n]|\\.){1,300})\""
    r"|'(?P<v3>[^'\n]{1,300})'"
    r"|(?P<v4>[^\s\"'`,;&(){}\[\]<>\\]{1,300}))"
)
# between a name and its value: a closing quote (maybe JSON-escaped), then = : => :=
_ASSIGN = r"(?:\\?[\"'])?[ \t]*(?:=>|:=|[=:])[ \t]*"
_PASSWORD_NAME = r"(?i:password|passwd|passphrase|pwd)"
# (no name prefix in the pattern: FOO_API_KEY matches at API_KEY, and a lazy prefix scanned from
# every word start costs more than the rest of the rules together)
_KEY_NAME = (
    r"(?i:api[_.-]?key|apikey|secret|access[_.-]?key|private[_.-]?key|"
    r"auth[_.-]?token|access[_.-]?token|refresh[_.-]?token|client[_.-]?secret|_token)\b"
)


def _hand(kind: str, keywords: tuple[str, ...], pattern: str, **kw: Any) -> Rule:
    return Rule(kind, keywords, re.compile(pattern), **kw)


# Placeholders that are no secret: ${VAR}, $VAR, <your-key>, ***, xxx, [REDACTED...
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?[\w.]+\}?|<[^>]*>|\*+|x+|X+|\.{3}|\[REDACTED.*|%[\w]+%|\{\{.*\}\}|"
    r"(?i:null|none|true|false|undefined|changeme|password|secret|redacted))$"
)

HAND_RULES: tuple[Rule, ...] = (
    _hand(
        "private_key",
        ("private key-----",),
        r"(?P<secret>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----"
        r"[\s\S]*?-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)",
        windowed=False,
    ),
    _hand("anthropic_key", ("sk-ant-",), r"(?P<secret>\bsk-ant-[A-Za-z0-9_-]{20,})"),
    _hand("openai_key", ("sk-",), r"(?P<secret>\bsk-(?:proj-)?[A-Za-z0-9_-]{20,})"),
    _hand(
        "aws_secret_key",
        ("aws",),
        r"(?i:aws[\w.-]{0,20}?secret[\w.-]{0,20}?)" + _ASSIGN + r"\\?[\"']?"
        r"(?P<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])",
    ),
    _hand("aws_access_key", ("akia", "asia"), r"(?P<secret>\b(?:AKIA|ASIA)[0-9A-Z]{16})\b"),
    _hand(
        "github_token",
        ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
        r"(?P<secret>\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,}))",
    ),
    _hand("slack_token", ("xox",), r"(?P<secret>\bxox[abposr]-[A-Za-z0-9-]{10,})"),
    _hand("google_api_key", ("aiza",), r"(?P<secret>\bAIza[0-9A-Za-z_-]{35})(?![0-9A-Za-z_-])"),
    _hand(
        "jwt",
        ("eyj",),
        r"(?P<secret>\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})",
    ),
    _hand(
        "url_password",
        ("://",),
        r"(?i)\b[a-z][a-z0-9+.-]{1,30}://[^\s:/@\"'<>\\]{1,200}:"
        r"(?P<secret>[^\s/@\"'<>\\]{1,300})@",
    ),
    _hand(
        "basic_auth",
        ("basic",),
        r"(?i)\b(?:proxy-)?authorization\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?[ \t]*basic[ \t]+"
        r"(?P<secret>[A-Za-z0-9+/_-]{8,}={0,2})",
    ),
    _hand(
        "bearer_token",
        ("bearer",),
        r"(?i)\bbearer\s+(?P<secret>[A-Za-z0-9._~+/-]{16,}=*)",
    ),
)

# Rules that know a secret only by the name it is assigned to: tried after every token-format
# rule, so a value both see is named by its format (``HF_TOKEN=hf_…`` is a Hugging Face token).
HAND_GENERIC: tuple[Rule, ...] = (
    _hand("password", ("pass", "pwd"), _PASSWORD_NAME + _ASSIGN + _VALUE),
    _hand(
        "api_key",
        ("key", "secret", "token"),
        _KEY_NAME + _ASSIGN + _VALUE,
        entropy=2.5,
        # a bare identifier is code naming a variable (``_csrf_token: csrfToken``), not a key
        allow_secret=(re.compile(r"^[A-Za-z_.-]+$"), re.compile(r"^\d+$")),
    ),
)


# --- gitleaks' rules ---------------------------------------------------------------------------
# gitleaks ends many rules with "a delimiter or the end": a quote, a space, ';', a \n escape. In
# a transcript a token also ends at '&' (a URL), ',' ')' '}' ']' '<' '|' or a JSON escape's '\'.
_GL_END = "(?:[\\x60'\"\\s;]|\\\\[nr]|$)"
_END = "(?:[\\x60'\"\\s;&,)}\\]<>|\\\\]|$)"


def go_to_python(pattern: str) -> str:
    """A Go (RE2) regex as Python ``re`` reads it: a flag group ``(?i)`` in mid-pattern (Go
    scopes it to the rest of its group; Python accepts flags only at the start) becomes a scoped
    ``(?i:…)`` closed where its group closes, and ``\\z`` becomes ``\\Z``."""
    pattern = pattern.replace(_GL_END, _END)
    out: list[str] = []
    # per open group (the whole pattern first): how many scoped flag groups close with it
    opened = [0]
    i, n, in_class = 0, len(pattern), False
    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            out.append(r"\Z" if pattern[i + 1] == "z" else pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            if c == "]":
                in_class = False
            out.append(c)
        elif c == "[":
            in_class = True
            out.append(c)
            if pattern.startswith("^", i + 1):
                out.append("^")
                i += 1
            if pattern.startswith("]", i + 1):  # a ']' first in a class is a literal
                out.append("\\]")
                i += 1
        else:
            flags = re.match(r"\(\?([a-zA-Z]+)\)", pattern[i:])
            if flags and i > 0:
                out.append(f"(?{flags.group(1)}:")
                opened[-1] += 1
                i += flags.end()
                continue
            if c == "(":
                opened.append(0)
            elif c == ")" and len(opened) > 1:
                out.append(")" * opened.pop())
            out.append(c)
        i += 1
    out.append(")" * opened[0])
    return "".join(out)


# A rule that can match far from its keyword (any character repeated without bound, or a
# hundred or more of a class) is run over the whole text, not in windows.
_LONG_MATCH = re.compile(r"\.\*|\.\+|\(\?s|\[\\s\\S|\{\d{3,},|\{[6-9]\d,")


def _snake(rule_id: str) -> str:
    return rule_id.replace("-", "_")


@dataclass
class LoadReport:
    rules: int = 0
    skipped: list[str] = field(default_factory=list)


def _compile(pattern: str) -> re.Pattern[str]:
    with warnings.catch_warnings():
        # "possible nested set": '[[' in a Go class is a literal '[', as Python reads it today
        warnings.simplefilter("ignore", FutureWarning)
        return re.compile(go_to_python(pattern))


def _compile_all(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
    out = []
    for p in patterns:
        try:
            out.append(_compile(p))
        except re.error:
            continue
    return tuple(out)


# Most of gitleaks' keyword rules open with a lazy run of up to 50 name characters before the
# keyword (``[\w.-]{0,50}?``). It never holds the secret (a later group does), and a search tries
# every start anyway; but it makes the regex try 50 extensions at each position of a window, and
# a keyword common in ordinary text (``sumo`` in a session slug ``...-matsumoto``) put a window on
# every line: masking ran at 0.5 MB/s. Without it the same secrets are found, 10x faster.
_NAME_PREFIX = re.compile(r"^((?:\(\?i\)|\(\?i:)?)\[\\w\.-\]\{0,50\}\?")


def _without_name_prefix(pattern: str) -> str:
    while True:  # also ``[\w.-]{0,50}?(?i:[\w.-]{0,50}?...``: both runs go
        out = _NAME_PREFIX.sub(lambda m: m.group(1), pattern, count=1)
        if out == pattern:
            return out
        pattern = out


@cache
def _load() -> tuple[tuple[Rule, ...], LoadReport]:
    """gitleaks' rules as ``Rule`` values (once per process). A rule whose regex Python cannot
    compile even after ``go_to_python``, or that matches on file paths only, is skipped and
    listed in the report (``tests/core/test_redaction.py`` pins how many load)."""
    report = LoadReport()
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    glob_allow = data.get("allowlist") or {}
    global_secret = _compile_all(list(glob_allow.get("regexes") or []))
    global_stop = tuple(s.lower() for s in glob_allow.get("stopwords") or [])
    rules: list[Rule] = []
    for raw in data.get("rules") or []:
        rid = str(raw.get("id"))
        if "regex" not in raw:
            report.skipped.append(f"{rid} (matches file paths only)")
            continue
        if rid in SKIPPED_RULES:
            report.skipped.append(f"{rid} ({SKIPPED_RULES[rid]})")
            continue
        try:
            regex = _compile(_without_name_prefix(raw["regex"]))
        except re.error as exc:
            report.skipped.append(f"{rid} ({exc})")
            continue
        allow_secret = list(global_secret)
        allow_match: list[re.Pattern[str]] = []
        stop = list(global_stop)
        for allow in raw.get("allowlists") or []:
            if allow.get("paths") or allow.get("commits"):
                continue  # about files and commits, which a transcript string has none of
            target = allow.get("regexTarget", "secret")
            compiled = _compile_all(list(allow.get("regexes") or []))
            (allow_secret if target == "secret" else allow_match).extend(compiled)
            stop.extend(s.lower() for s in allow.get("stopwords") or [])
        rules.append(
            Rule(
                kind=_snake(rid),
                keywords=tuple(k.lower() for k in raw.get("keywords") or []),
                regex=regex,
                group=raw.get("secretGroup"),
                entropy=raw.get("entropy"),
                allow_secret=tuple(allow_secret),
                allow_match=tuple(allow_match),
                stopwords=tuple(stop),
                windowed=not _LONG_MATCH.search(raw["regex"]),
            )
        )
    report.rules = len(rules)
    return tuple(rules), report


@cache
def rules() -> tuple[Rule, ...]:
    """Every rule, in the order that names a secret two rules see: the hand-written token
    formats, gitleaks' formats, then the hand-written assignments."""
    loaded = _load()[0]
    return HAND_RULES + loaded + HAND_GENERIC


def load_report() -> LoadReport:
    return _load()[1]


# --- applying them -----------------------------------------------------------------------------
def shannon_entropy(text: str) -> float:
    if not text:
        return 0.0
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())


def _secret_span(rule: Rule, m: re.Match[str]) -> tuple[int, int] | None:
    if rule.group is not None:
        try:
            start, end = m.span(rule.group)
        except IndexError:
            return None
        return (start, end) if start >= 0 else None
    names = m.re.groupindex
    if names:
        for name in ("secret", "v1", "v2", "v3", "v4"):
            if name in names and m.start(name) >= 0:
                return m.span(name)
        return None
    for g in range(1, (m.re.groups or 0) + 1):
        if m.start(g) >= 0 and m.end(g) > m.start(g):
            return m.span(g)
    return m.span()


def _accepted(rule: Rule, m: re.Match[str], secret: str) -> bool:
    if not secret.strip() or _PLACEHOLDER.match(secret):
        return False
    if rule.entropy is not None and shannon_entropy(secret) < rule.entropy:
        return False
    if any(a.search(secret) for a in rule.allow_secret):
        return False
    if rule.allow_match and any(a.search(m.group(0)) for a in rule.allow_match):
        return False
    low = secret.lower()
    return not any(s in low for s in rule.stopwords)


@dataclass(frozen=True)
class _Index:
    rules: tuple[Rule, ...]
    keywords: Any  # an ahocorasick_rs.AhoCorasick over every distinct keyword
    by_keyword: tuple[tuple[int, ...], ...]  # keyword number -> the rules it lets run
    always: frozenset[int]  # rules without keywords


@cache
def _index() -> _Index:
    import ahocorasick_rs

    all_rules = rules()
    by_keyword: dict[str, list[int]] = {}
    always: list[int] = []
    for i, rule in enumerate(all_rules):
        if not rule.keywords:
            always.append(i)
        for k in rule.keywords:
            by_keyword.setdefault(k, []).append(i)
    return _Index(
        rules=all_rules,
        keywords=ahocorasick_rs.AhoCorasick(list(by_keyword)),
        by_keyword=tuple(tuple(v) for v in by_keyword.values()),
        always=frozenset(always),
    )


# A rule's regex runs only in windows around its keywords' occurrences: every rule's match holds
# one of its keywords, at most this far from the match's start and end. (A rule that must see a
# longer match, a private-key block, has no window.)
_BEFORE, _AFTER = 256, 512


def _windows(hits: list[tuple[int, int]], size: int) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(hits):
        lo, hi = max(0, s - _BEFORE), min(size, e + _AFTER)
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _matches(rule: Rule, text: str, hits: list[tuple[int, int]] | None) -> list[re.Match[str]]:
    if hits is None or not rule.windowed:
        return list(rule.regex.finditer(text))
    found: list[re.Match[str]] = []
    last_end = -1
    for lo, hi in _windows(hits, len(text)):
        for m in rule.regex.finditer(text, lo, hi):
            if m.start() < last_end:
                continue
            # the window may have cut the match short: take it again from the same start, whole
            whole = rule.regex.match(text, m.start())
            m = whole if whole is not None else m
            found.append(m)
            last_end = m.end()
    return found


def find_secrets(text: str) -> list[tuple[int, int, str]]:
    """Non-overlapping (start, end, kind) spans of the secrets in ``text``, in order."""
    if not text:
        return []
    index = _index()
    # One Aho-Corasick pass finds every keyword in the lower-cased text (255 keywords: 255
    # substring scans per string made the export of a 3.5 MB session 5x slower), and only the
    # rules those keywords name run their regex, around where the keywords are.
    hits: dict[int, list[tuple[int, int]]] = {}
    for k, ks, ke in index.keywords.find_matches_as_indexes(text.lower(), overlapping=True):
        for rule_no in index.by_keyword[k]:
            hits.setdefault(rule_no, []).append((ks, ke))
    all_rules = index.rules
    spans: list[tuple[int, int, int, str]] = []  # start, end, priority, kind
    for priority in sorted(set(hits) | index.always):
        rule = all_rules[priority]
        for m in _matches(rule, text, hits.get(priority)):
            span = _secret_span(rule, m)
            if span is None or span[1] <= span[0]:
                continue
            if _accepted(rule, m, text[span[0] : span[1]]):
                spans.append((span[0], span[1], priority, rule.kind))
    if not spans:
        return []
    # merge overlaps: the union is masked, named by the rule that comes first
    spans.sort()
    merged: list[list[Any]] = []
    for start, end, priority, kind in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            last[1] = max(last[1], end)
            if priority < last[2]:
                last[2], last[3] = priority, kind
        else:
            merged.append([start, end, priority, kind])
    return [(s, e, k) for s, e, _, k in merged]


def redact(text: str) -> tuple[str, dict[str, int]]:
    """``text`` with every secret masked as ``[REDACTED:kind]``, and how many of each kind."""
    spans = find_secrets(text)
    if not spans:
        return text, {}
    out: list[str] = []
    counts: Counter[str] = Counter()
    pos = 0
    for start, end, kind in spans:
        out.append(text[pos:start])
        out.append(MARKER.format(kind))
        counts[kind] += 1
        pos = end
    out.append(text[pos:])
    return "".join(out), dict(counts)


__all__ = ["HAND_GENERIC", "HAND_RULES", "Rule", "find_secrets", "load_report", "redact", "rules"]
