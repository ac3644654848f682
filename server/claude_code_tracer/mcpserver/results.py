"""What each MCP tool returns as ``structuredContent`` (its output schema): the core's answers
cut to the tool's bound, transcript strings masked and made visible, plus where to continue."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ..models import (
    FileCount,
    FileSessionInfo,
    Kind,
    Model,
    SubagentInfo,
    TextRange,
    Tokens,
    ToolStat,
    UsageRow,
    UtcTime,
)


class Bounded(Model):
    truncated: bool = Field(default=False, description="the result was cut to maxChars")
    note: str | None = Field(default=None, description="what was cut and how to continue")
    redactions: dict[str, int] = Field(default_factory=dict, description="secrets masked, by kind")


class Hit(Model):
    session_id: str
    project: str
    title: str | None = None
    uuid: str | None = None
    kind: Kind
    timestamp: UtcTime | None = None
    tool_names: list[str] = Field(default_factory=list)
    is_error: bool = False
    is_sidechain: bool = False
    snippet: str = ""
    highlights: list[TextRange] = Field(default_factory=list)
    citation: str | None = Field(
        default=None, description="'<sessionId>#<uuid>': pass it to read_session or get_message"
    )


class SearchResult(Bounded):
    query: str
    total: int
    hits: list[Hit]
    next_cursor: str | None = None
    has_more: bool = False
    indexing: bool = False


class SessionRow(Model):
    session_id: str
    project: str
    title: str | None = None
    first_prompt: str | None = None
    cwd: str | None = None
    git_branch: str | None = None
    first_timestamp: UtcTime | None = None
    last_timestamp: UtcTime | None = None
    message_count: int = 0
    tool_call_count: int = 0
    error_count: int = 0
    tokens: Tokens = Field(default_factory=Tokens)
    cost_usd: float | None = None
    deleted: bool = False
    archived: bool = False
    # false when the archived copy is damaged: message_count is what can still be read
    complete: bool = True


class SessionList(Bounded):
    sessions: list[SessionRow]
    next_cursor: str | None = None
    has_more: bool = False


class ToolCall(Model):
    id: str | None = None
    name: str
    input: str = Field(description="the call's input as JSON, cut to the bound")
    input_chars: int


class Message(Model):
    uuid: str
    kind: Kind
    timestamp: UtcTime | None = None
    model: str | None = None
    is_error: bool = False
    is_sidechain: bool = False
    agent_id: str | None = None
    tool_use_ids: list[str] = Field(default_factory=list)
    text: str = Field(description="the message's text (a tool result's output), cut")
    text_chars: int = Field(description="characters of the whole text")
    tool_calls: list[ToolCall] = Field(default_factory=list)
    cut: bool = Field(default=False, description="something was cut: get_message has it all")
    citation: str


class SessionWindow(Bounded):
    session_id: str
    project: str | None = None
    messages: list[Message]
    prev_cursor: str | None = None
    next_cursor: str | None = None
    has_before: bool = False
    has_more: bool = False
    total: int | None = None
    anchor_found: bool | None = None
    complete: bool = True
    continue_around: str | None = Field(
        default=None,
        description="when cut mid-window: read_session around this uuid with before=0",
    )


class MessageText(Bounded):
    session_id: str
    uuid: str
    kind: Kind
    timestamp: UtcTime | None = None
    model: str | None = None
    tool_names: list[str] = Field(default_factory=list)
    text: str = Field(description="the rendering of the message and its tool results, a slice")
    offset: int
    total_chars: int
    next_offset: int | None = None


class BlameLines(Model):
    start_line: int
    end_line: int
    session_id: str
    project: str
    session_title: str | None = None
    uuid: str
    tool_use_id: str
    tool: str
    timestamp: UtcTime | None = None
    prompt: str | None = None
    citation: str


class BlameResult(Bounded):
    path: str
    line_count: int
    start_line: int
    end_line: int
    attributed_lines: int
    runs: list[BlameLines]
    sessions: list[FileSessionInfo]
    next_start_line: int | None = None


class SummaryResult(Bounded):
    session_id: str
    project: str
    title: str | None = None
    cwd: str | None = None
    git_branch: str | None = None
    first_timestamp: UtcTime | None = None
    last_timestamp: UtcTime | None = None
    duration_seconds: float | None = None
    message_count: int = 0
    tool_calls: int = 0
    errors: int = 0
    tokens: Tokens = Field(default_factory=Tokens)
    subagent_tokens: Tokens = Field(default_factory=Tokens)
    cost_usd: float = 0.0
    subagent_cost_usd: float = 0.0
    cost_complete: bool = True
    unpriced_models: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    tools: list[ToolStat] = Field(default_factory=list)
    files_written: list[FileCount] = Field(default_factory=list)
    files_read: list[FileCount] = Field(default_factory=list)
    subagents: list[SubagentInfo] = Field(default_factory=list)
    resume_command: str


class UsageResult(Bounded):
    group_by: str
    since: UtcTime | None = None
    until: UtcTime | None = None
    rows: list[UsageRow]
    total: UsageRow
    sessions: int
    skipped_sessions: int = 0
    unpriced_models: list[str] = Field(default_factory=list)
    prices_as_of: str


def output_schema(model: type[Model]) -> dict[str, Any]:
    """The JSON schema of a result as it is serialised (camelCase, times as strings)."""
    return model.model_json_schema(by_alias=True, mode="serialization")
