"""Every string that reaches SQL is data: quotes and SQL fragments change nothing but the match."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from claude_code_tracer.errors import TracerError
from claude_code_tracer.models import (
    MessageGetParams,
    MessagesPageParams,
    SessionsListParams,
)
from claude_code_tracer.tracer import Tracer

from .test_store import SID, entry, write

NASTY = [
    "'",
    "' OR '1'='1",
    "x'); DROP TABLE sessions; --",
    '" OR ""="',
    "%' UNION SELECT * FROM duckdb_tables() --",
    "\\' ; SELECT 1; --",
]


@pytest.fixture
def tracer(tmp_path: Path, make_tracer: Callable[..., Tracer]) -> Tracer:
    root = tmp_path / "projects"
    lines = [entry(i) for i in range(5)]
    lines.append(entry(5, message={"role": "user", "content": "quote ' OR '1'='1 inside"}))
    write(root / "-work-proj" / f"{SID}.jsonl", lines)
    return make_tracer(root)


def tables(tracer: Tracer) -> int:
    return int(tracer.db.cursor().execute("SELECT count(*) FROM duckdb_tables()").fetchall()[0][0])


@pytest.mark.parametrize("value", NASTY)
def test_injected_text_in_message_filters_is_data(tracer: Tracer, value: str) -> None:
    tracer.page(MessagesPageParams(session_id=SID))
    before = tables(tracer)
    for flt in ({"text": value}, {"tools": [value]}, {"agentId": "a" + value}):
        try:
            page = tracer.page(MessagesPageParams.model_validate({"sessionId": SID, "filter": flt}))
        except ValidationError:
            assert "agentId" in flt  # the id pattern refuses quotes outright
            continue
        text = flt.get("text")
        hit = isinstance(text, str) and text.lower() in "quote ' or '1'='1 inside"
        expected = ["u-000005"] if hit else []
        assert [m.uuid for m in page.messages] == expected
    assert tables(tracer) == before


@pytest.mark.parametrize("value", NASTY)
def test_injected_text_in_session_list_params_is_data(tracer: Tracer, value: str) -> None:
    assert len(tracer.list_sessions(SessionsListParams()).sessions) == 1
    assert tracer.list_sessions(SessionsListParams(query=value)).sessions == []
    assert tracer.list_sessions(SessionsListParams(workspace=value)).sessions == []
    assert len(tracer.list_sessions(SessionsListParams()).sessions) == 1


@pytest.mark.parametrize("value", NASTY)
def test_injected_ids_are_refused_or_not_found(tracer: Tracer, value: str) -> None:
    with pytest.raises((ValidationError, TracerError)):
        tracer.page(MessagesPageParams.model_validate({"sessionId": value}))
    with pytest.raises(TracerError):
        tracer.get_message(MessageGetParams(session_id=SID, uuid=value))
    with pytest.raises((ValidationError, TracerError)):
        tracer.page(MessagesPageParams.model_validate({"sessionId": SID, "cursor": value}))
    assert len(tracer.page(MessagesPageParams(session_id=SID)).messages) == 6
