"""The search box's language, parsed by hand: what each form becomes, and text stays text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from claude_code_tracer.searchquery import Clause, InvalidQuery, parse


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


@pytest.mark.parametrize(
    ("text", "clauses"),
    [
        ("token refresh", [Clause("token"), Clause("refresh")]),
        ('"token refresh" x', [Clause("token refresh", phrase=True), Clause("x")]),
        ('"unclosed phrase', [Clause("unclosed phrase", phrase=True)]),
        ('-mock -"dry run"', [Clause("mock", negated=True), Clause("dry run", True, False, True)]),
        ('refre* "token re"*', [Clause("refre", prefix=True), Clause("token re", True, True)]),
        ("-", [Clause("-")]),
        ("title:x AND (y", [Clause("title:x"), Clause("AND"), Clause("(y")]),
        (
            '"errors" -"errors"',
            [Clause("errors", phrase=True), Clause("errors", True, False, True)],
        ),
        ("-after:2026-01-01", [Clause("after:2026-01-01", negated=True)]),
    ],
)
def test_text_forms(text: str, clauses: list[Clause]) -> None:
    assert parse(text).clauses == clauses


def test_filters_are_taken_out_of_the_text() -> None:
    q = parse('tool:Bash KIND:user project:"spot" session:fa81 model:Opus errors word')
    assert q.clauses == [Clause("word")]
    assert (q.tools, q.kinds, q.projects, q.sessions, q.models, q.errors) == (
        ["bash"],
        ["user"],
        ["spot"],
        ["fa81"],
        ["opus"],
        True,
    )
    q = parse("after:2026-01-01 before:2026-02-01T12:00+02:00")
    assert q.after_ms == ms(2026, 1, 1) and q.before_ms == ms(2026, 2, 1, 10, 0)
    assert parse("tool:").clauses == [Clause("tool:")]  # an empty filter is text
    q = parse("-tool:Read -kind:system -project:x -session:ab -model:haiku -errors")
    assert q.clauses == [] and not q.empty
    assert (q.not_tools, q.not_kinds, q.not_projects, q.not_sessions, q.not_models) == (
        ["read"],
        ["system"],
        ["x"],
        ["ab"],
        ["haiku"],
    )
    assert q.not_errors and not q.errors


@pytest.mark.parametrize(
    "text", ["after:yesterday", "before:2026-13-01", "kind:progress", "kind:x"]
)
def test_bad_filter_values_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(InvalidQuery, match=text.split(":")[0]):
        parse(text)
