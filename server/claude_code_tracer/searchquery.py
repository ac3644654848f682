"""The search box's small language, parsed by hand so user text never reaches tantivy's own query
parser: ``'`` or ``AND`` or ``field:`` typed by a person are searched for as text, never obeyed.

Syntax: words (all must match), ``"exact phrases"``, ``-excluded`` words or phrases, ``prefix*``
(also ``"a phrase endi"*``),
and filters ``tool:Bash``, ``kind:user``, ``project:NAME``, ``session:ID``, ``model:NAME``,
``tag:NAME`` (the Agent SDK's session tag), ``after:2026-01-01``, ``before:2026-02-01`` and
the bare word ``errors``. A ``name:value`` whose
name is not a filter is plain text, and a quoted ``"errors"`` is the word. A ``-`` before a filter
(but ``after:``/``before:``) or before ``errors`` excludes what it names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from .errors import InvalidRequest
from .models import Kind

# Progress lines are not indexed (2.1.x repeats whole subagent messages in them).
SEARCHED_KINDS = tuple(k.value for k in Kind if k not in (Kind.PROGRESS, Kind.UNKNOWN))
FILTERS = frozenset({"tool", "kind", "project", "session", "model", "tag", "after", "before"})
NEGATABLE = frozenset({"tool", "kind", "project", "session", "model", "tag"})


class InvalidQuery(InvalidRequest):
    """A query a person can fix: a date that is not a date, a kind that does not exist."""


@dataclass(frozen=True)
class Clause:
    """One text condition: ``text`` is what the person typed, analyzed later by the index."""

    text: str
    phrase: bool = False
    prefix: bool = False
    negated: bool = False


@dataclass
class ParsedQuery:
    clauses: list[Clause] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)
    sessions: list[str] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    after_ms: int | None = None
    before_ms: int | None = None
    errors: bool = False
    # -tool:X, -kind:X, -project:X, -session:X, -model:X, -errors
    not_tools: list[str] = field(default_factory=list)
    not_kinds: list[str] = field(default_factory=list)
    not_projects: list[str] = field(default_factory=list)
    not_sessions: list[str] = field(default_factory=list)
    not_models: list[str] = field(default_factory=list)
    not_tags: list[str] = field(default_factory=list)
    not_errors: bool = False

    @property
    def empty(self) -> bool:
        return not (
            self.clauses
            or self.tools
            or self.kinds
            or self.projects
            or self.sessions
            or self.models
            or self.tags
            or self.errors
            or self.not_tools
            or self.not_kinds
            or self.not_projects
            or self.not_sessions
            or self.not_models
            or self.not_tags
            or self.not_errors
            or self.after_ms is not None
            or self.before_ms is not None
        )


def _date_ms(name: str, value: str) -> int:
    """Milliseconds since the epoch of a typed date or date-time (UTC unless it says otherwise).

    ``after:`` keeps messages at or after that instant, ``before:`` those strictly before it, so
    ``after:2026-01-01 before:2026-02-01`` is January."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidQuery(
            f"{name}: wants a date like 2026-01-31 or 2026-01-31T12:00, not {value[:40]!r}"
        ) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return int(when.timestamp() * 1000)


def _words(text: str) -> list[tuple[str, bool]]:
    """Split on whitespace, keeping double-quoted runs together: (piece, was_quoted).

    A quote may start after a ``-`` or a ``name:``; an unclosed quote runs to the end."""
    out: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        quoted = False
        while i < n and not text[i].isspace():
            if text[i] == '"':
                quoted = True
                close = text.find('"', i + 1)
                i = n if close < 0 else close + 1
            else:
                i += 1
        out.append((text[start:i], quoted))
    return out


def _unquote(value: str) -> str:
    if value.startswith('"'):
        value = value[1:]
        if value.endswith('"'):
            value = value[:-1]
    return value


def parse(text: str) -> ParsedQuery:
    q = ParsedQuery()
    for piece, quoted in _words(text):
        negated = False
        body = piece
        if body.startswith("-") and len(body) > 1:
            negated = True
            body = body[1:]
        name, sep, value = body.partition(":")
        field_name = name.lower()
        negatable = field_name in NEGATABLE
        if sep and field_name in FILTERS and (negatable or not negated) and name[:1] != '"':
            value = _unquote(value)
            if value:
                _filter(q, field_name, value, negated)
                continue
        if body == "errors":
            if negated:
                q.not_errors = True
            else:
                q.errors = True
            continue
        if body.startswith('"') and body.endswith('"*'):  # "a phrase endi"*
            text = _unquote(body[:-1])
            q.clauses.append(Clause(text, phrase=True, prefix=True, negated=negated))
        elif body.startswith('"'):
            q.clauses.append(Clause(_unquote(body), phrase=True, negated=negated))
        elif body.endswith("*") and not quoted:
            q.clauses.append(Clause(body.rstrip("*"), prefix=True, negated=negated))
        else:
            q.clauses.append(Clause(body.replace('"', " "), negated=negated))
    return q


def _filter(q: ParsedQuery, name: str, value: str, negated: bool = False) -> None:
    if name == "tool":
        (q.not_tools if negated else q.tools).append(value.lower())
    elif name == "kind":
        kind = value.lower()
        if kind not in SEARCHED_KINDS:
            names = ", ".join(SEARCHED_KINDS)
            raise InvalidQuery(f"kind: is one of {names} (what search indexes), not {value[:40]!r}")
        (q.not_kinds if negated else q.kinds).append(kind)
    elif name == "project":
        (q.not_projects if negated else q.projects).append(value)
    elif name == "session":
        (q.not_sessions if negated else q.sessions).append(value)
    elif name == "model":
        (q.not_models if negated else q.models).append(value.lower())
    elif name == "tag":
        (q.not_tags if negated else q.tags).append(value.lower())
    elif name == "after":
        q.after_ms = _date_ms(name, value)
    elif name == "before":
        q.before_ms = _date_ms(name, value)
