"""What each MCP tool returns as ``structuredContent`` (its output schema): the core's own answer
models (``models.py``, the ones the language server and the CLI return), seen through thin views
that add only what the MCP face has of its own: the bound (``Bounded``: cut or not, what was
cut, secrets masked), the citations an agent passes back, and where to continue. A field added
to a core model shows up here too; the transcript strings in it are quoted by ``render.Quoter``
(free text masked and cut, names made visible)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..models import (
    Blame,
    BlameRun,
    MessageSummary,
    MessagesWindow,
    Model,
    SearchHit,
    SearchPage,
    SessionInfo,
    SessionsPage,
    SessionSummary,
    UsageReport,
)

CITATION = "'<sessionId>#<uuid>': pass it to read_session or get_message"


class Bounded(Model):
    truncated: bool = Field(default=False, description="the result was cut to maxChars")
    note: str | None = Field(default=None, description="what was cut and how to continue")
    redactions: dict[str, int] = Field(default_factory=dict, description="secrets masked, by kind")


class Hit(SearchHit):
    """A search hit, with the session it is in (its group's) and its citation."""

    session_id: str
    project: str
    title: str | None = None
    citation: str | None = Field(default=None, description=CITATION)


class SearchResult(Bounded, SearchPage):
    """A page of search hits, one list (the core groups them by session)."""

    groups: list[Any] = Field(default_factory=list, exclude=True)
    query: str
    hits: list[Hit] = Field(default_factory=list)


class SessionRow(SessionInfo):
    """A listed session, with its dollars (``session/cost``) when asked for."""

    cost_usd: float | None = None


class SessionList(Bounded, SessionsPage):
    sessions: list[SessionRow] = Field(default_factory=list)  # type: ignore[assignment]


class ToolCall(Model):
    id: str | None = None
    name: str
    input: str = Field(description="the call's input as JSON, cut to the bound")
    input_chars: int


class _Text(MessageSummary):
    """A message without its raw content: the MCP face sends it as text, masked and cut."""

    preview: str = Field(default="", exclude=True)
    content: list[Any] | None = Field(default=None, exclude=True)


class Message(_Text):
    text: str = Field(description="the message's text (a tool result's output), cut")
    text_chars: int = Field(description="characters of the whole text")
    tool_calls: list[ToolCall] = Field(default_factory=list)
    cut: bool = Field(default=False, description="something was cut: get_message has it all")
    citation: str = Field(description=CITATION)


class SessionWindow(Bounded, MessagesWindow):
    session_id: str
    project: str | None = None
    messages: list[Message] = Field(default_factory=list)  # type: ignore[assignment]
    continue_around: str | None = Field(
        default=None,
        description="when cut mid-window: read_session around this uuid with before=0",
    )


class MessageText(Bounded, _Text):
    """A slice of one message's rendering (its text, tool calls and their results)."""

    session_id: str
    text: str = Field(description="the rendering of the message and its tool results, a slice")
    offset: int
    total_chars: int
    next_offset: int | None = None


class CitedRun(BlameRun):
    citation: str = Field(description=CITATION)


class BlameResult(Bounded, Blame):
    runs: list[CitedRun] = Field(default_factory=list)  # type: ignore[assignment]
    next_start_line: int | None = None


class SummaryResult(Bounded, SessionSummary):
    pass


class UsageResult(Bounded, UsageReport):
    pass


def output_schema(model: type[Model]) -> dict[str, Any]:
    """The JSON schema of a result as it is serialised (camelCase, times as strings)."""
    return model.model_json_schema(by_alias=True, mode="serialization")
