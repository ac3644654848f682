"""Refused params read as one sentence on every face, naming the field as the face does."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from claude_code_tracer.errors import describe_validation_error
from claude_code_tracer.models import MessagesWindowParams, SessionRef


def _refusal(model: type[SessionRef], data: object) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return caught.value


def test_each_face_names_its_fields_in_one_sentence() -> None:
    exc = _refusal(SessionRef, {"sessionId": "../etc", "bogus": 1})
    lsp = describe_validation_error("session/metrics", exc)
    mcp = describe_validation_error("session_summary", exc, "argument", "arguments")
    assert lsp.startswith("session/metrics: invalid params: ")
    assert mcp.startswith("session_summary: invalid arguments: ")
    for text, noun in ((lsp, "parameter"), (mcp, "argument")):
        assert f"unknown {noun} 'bogus'" in text and "sessionId must be a plain name" in text
        assert text.endswith(".") and "\n" not in text and "https://" not in text


def test_a_missing_field_and_a_wrong_shape_are_said_plainly() -> None:
    assert "'sessionId' is required" in describe_validation_error(
        "messages/window", _refusal(MessagesWindowParams, {})
    )
    assert "params must be an object, got list" in describe_validation_error(
        "messages/window", _refusal(MessagesWindowParams, [1])
    )


def test_more_than_five_problems_are_counted_not_listed() -> None:
    exc = _refusal(SessionRef, {"sessionId": "x", **{f"extra{i}": i for i in range(8)}})
    text = describe_validation_error("m", exc)
    assert text.count("unknown parameter") == 5 and "and 3 more." in text
