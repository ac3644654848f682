"""Pydantic models for everything that crosses a boundary (LSP, CLI, JSON output).

Params models forbid unknown keys so a typo in a client surfaces as a clear InvalidParams error
instead of a silently ignored filter. Every model serialises to camelCase: the faces always call
``model_dump(mode="json", by_alias=True)`` because pygls cannot serialise datetimes itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    field_validator,
)
from pydantic.alias_generators import to_camel

# A session id or project folder name as it may appear on disk: any one path segment (a space,
# "=", "%2F", a newline, unicode, a leading ".." are all names Claude Code or a user can give a
# folder, and a listed session must open with the list's own id). The pattern keeps "/", NUL and
# the segments "." and ".." out, so such a value can never name a file outside the projects root
# (checked again on the resolved path, see transcripts.resolve_session); globbing escapes it.
# (No look-ahead: pydantic's regex engine has none.)
SAFE_NAME = r"^(?:[^/\x00.][^/\x00]{0,254}|\.[^/\x00.][^/\x00]{0,253}|\.\.[^/\x00]{1,253})$"
# The longest message id a request may name. The parser serves longer transcript uuids under a
# bounded stand-in (transcripts.bounded_uuid), so every id a page serves can be asked for.
UUID_MAX_CHARS = 256
# A cursor carries the key of the last item it saw: a session's path (up to 4,096 bytes, base64
# and JSON around it) or a tool call's id. Bounded, but above the longest key a real page ends on.
CURSOR_MAX_CHARS = 16_384


def _utc_iso(value: datetime) -> str:
    """ISO 8601 in UTC with ``Z``: transcript times are stored naive-UTC, and a time without a
    zone would be read as local time by every consumer."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


# A time that leaves the server: always ISO 8601 UTC with ``Z`` on the wire (LSP, CLI --json).
UtcTime = Annotated[datetime, PlainSerializer(_utc_iso, return_type=str, when_used="json")]


class Model(BaseModel):
    # defer_build: a model's validator and serializer are built when it is first used, not at
    # import (building all of them took most of this module's ~60 ms import; a CLI command
    # uses two or three).
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, frozen=False, defer_build=True
    )

    def dump(self) -> dict[str, Any]:
        """The wire form: camelCase keys, JSON-native values."""
        return self.model_dump(mode="json", by_alias=True)


class Params(Model):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        str_max_length=4096,
        defer_build=True,
    )


class Kind(StrEnum):
    """What a message row is; each kind has its own table so unrequested kinds are never scanned."""

    USER = "user"
    ASSISTANT = "assistant"
    TOOL_RESULT = "tool_result"
    SYSTEM = "system"
    PROGRESS = "progress"
    ATTACHMENT = "attachment"
    UNKNOWN = "unknown"


ALL_KINDS: tuple[Kind, ...] = tuple(Kind)

ProgressToken = int | str


class MessageFilter(Params):
    kinds: list[Kind] | None = Field(default=None, max_length=len(ALL_KINDS))
    tools: list[str] | None = Field(default=None, max_length=200)
    errors_only: bool = False
    text: str | None = Field(default=None, max_length=1000)
    include_sidechains: bool = False
    agent_id: str | None = Field(default=None, pattern=SAFE_NAME)
    since: datetime | None = None
    until: datetime | None = None

    @field_validator("tools")
    @classmethod
    def _tool_names_are_short(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(len(name) > 200 for name in value):
            raise ValueError("tool names are at most 200 characters")
        return value

    @field_validator("since", "until")
    @classmethod
    def _as_naive_utc(cls, value: datetime | None) -> datetime | None:
        # Transcript timestamps are UTC and stored naive; compare like with like.
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value


class SessionRef(Params):
    session_id: str = Field(pattern=SAFE_NAME)
    project: str | None = Field(default=None, pattern=SAFE_NAME)


class SessionsListParams(Params):
    workspace: str | None = None
    project: str | None = Field(default=None, pattern=SAFE_NAME)
    query: str | None = Field(default=None, max_length=1000)
    limit: int = Field(default=100, ge=1, le=1000)
    cursor: str | None = Field(default=None, max_length=CURSOR_MAX_CHARS)
    include_deleted: bool = False
    since: datetime | None = Field(default=None, description="last active at or after")
    until: datetime | None = Field(default=None, description="started at or before")
    team: bool = Field(
        default=False,
        description="only the team's sessions (pulled from the team database, each with its "
        "author and remote): the editor's Team section",
    )

    @field_validator("since", "until")
    @classmethod
    def _as_naive_utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value


class MessagesPageParams(SessionRef):
    cursor: str | None = Field(default=None, max_length=CURSOR_MAX_CHARS)
    limit: int = Field(default=50, ge=1, le=500)
    filter: MessageFilter = Field(default_factory=MessageFilter)
    expand: bool = False
    start_at: str | None = Field(
        default=None,
        min_length=1,
        max_length=UUID_MAX_CHARS,
        description="without a cursor: begin the page at this message (uuid), to open a trace "
        "at a tool call without walking the pages before it",
    )


JSON_SAFE_INT = (1 << 53) - 1


class MessagesStreamParams(MessagesPageParams):
    limit: int | None = Field(  # type: ignore[assignment]
        default=None,
        ge=1,
        # the largest integer a JavaScript client sends exactly; 2^63 overflowed DuckDB (-32603)
        le=JSON_SAFE_INT,
        description="at most this many messages; missing: every message to the end of the "
        "session as it is when the stream begins",
    )
    partial_result_token: ProgressToken | None = None
    work_done_token: ProgressToken | None = None
    batch_size: int = Field(default=50, ge=1, le=500)


class MessageGetParams(SessionRef):
    uuid: str = Field(min_length=1, max_length=UUID_MAX_CHARS)


class FilesSessionsParams(Params):
    path: str = Field(min_length=1)


class FilesHistoryParams(Params):
    path: str = Field(min_length=1)
    cursor: str | None = Field(default=None, max_length=CURSOR_MAX_CHARS)
    limit: int = Field(default=50, ge=1, le=500)


class Tokens(Model):
    input: int = 0
    output: int = 0
    cache_read: int = 0
    cache_creation: int = 0

    @property
    def total(self) -> int:
        return self.input + self.output + self.cache_read + self.cache_creation


class MessageSummary(Model):
    uuid: str
    parent_uuid: str | None = None
    kind: Kind
    subtype: str | None = None
    timestamp: UtcTime | None = None
    preview: str = ""
    model: str | None = None
    effort: str | None = Field(
        default=None,
        description="the reasoning effort of an assistant message (read with expand and get)",
    )
    tool_names: list[str] = Field(default_factory=list)
    tool_use_ids: list[str] = Field(
        default_factory=list,
        description="the tool calls an assistant line makes, a tool result answers, or a "
        "progress or hook line reports on (its parentToolUseID, an attachment's toolUseID)",
    )
    is_error: bool = False
    is_sidechain: bool = False
    agent_id: str | None = None
    spawned_agent_id: str | None = None
    message_id: str | None = None
    tokens: Tokens | None = None
    line: int = Field(description="1-based line number in its transcript file")
    file: str = Field(description="which file of the session: 'session' or the agent file's name")
    content: list[Any] | None = Field(default=None, description="full content blocks, with expand")


class MessagesPage(Model):
    messages: list[MessageSummary]
    next_cursor: str | None = None
    has_more: bool = False
    total: int | None = None
    complete: bool = Field(
        default=True,
        description="False while a big session is still being parsed: this page comes from its "
        "head, and later pages and the total grow as the parse goes on; also False for a "
        "deleted session whose archived copy is damaged (see warning)",
    )
    warning: str | None = Field(
        default=None, description="what is wrong with the archived copy this page comes from"
    )


class MessageDetail(MessageSummary):
    entry: dict[str, Any] = Field(default_factory=dict, description="the whole transcript line")
    tool_results: list[MessageDetail] = Field(default_factory=list)


class SessionInfo(Model):
    session_id: str
    project: str
    path: str
    cwd: str | None = None
    git_branch: str | None = None
    title: str | None = None
    tag: str | None = Field(default=None, description="the Agent SDK's tag_session (last wins)")
    first_prompt: str | None = None
    first_timestamp: UtcTime | None = None
    last_timestamp: UtcTime | None = None
    message_count: int = 0
    tool_call_count: int = 0
    error_count: int = 0
    tokens: Tokens = Field(default_factory=Tokens)
    models: list[str] = Field(default_factory=list)
    subagent_count: int = 0
    # what the subagents' transcripts add to tokens and tool calls (both already in the totals)
    subagent_tokens: Tokens = Field(default_factory=Tokens)
    subagent_tool_call_count: int = 0
    malformed_lines: int = 0
    replayed_lines: int = 0
    size_bytes: int = 0
    deleted: bool = False
    orphan: bool = Field(
        default=False,
        description="a subagent transcript whose session file is gone, listed on its own",
    )
    parent_session_id: str | None = None
    archived: bool = Field(
        default=False, description="its files are gone: it is read from the tracer's archive"
    )
    complete: bool = Field(
        default=True,
        description="false when its archived copy is damaged: messageCount is then what the "
        "verified part holds, all that can be served (warning says what is wrong)",
    )
    warning: str | None = None
    # a teammate's session (pulled from the team database): who pushed it, and the normalized
    # git remote and commit of its folder; None for this machine's own sessions
    author: str | None = None
    remote: str | None = None
    git_commit: str | None = None


class SessionsPage(Model):
    sessions: list[SessionInfo]
    next_cursor: str | None = None
    has_more: bool = False


class KindCount(Model):
    kind: Kind
    count: int


class SessionMetrics(Model):
    session_id: str
    message_count: int
    by_kind: list[KindCount]
    tokens: Tokens
    api_calls: int
    tool_calls: int
    errors: int
    models: list[str]
    first_timestamp: UtcTime | None = None
    last_timestamp: UtcTime | None = None
    duration_seconds: float | None = None
    malformed_lines: int = 0
    subagent_message_count: int = 0
    subagent_tokens: Tokens = Field(default_factory=Tokens)
    subagent_tool_calls: int = 0
    replayed_lines: int = Field(default=0, description="repeats of an earlier uuid, served once")
    invalid_timestamps: int = Field(
        default=0, description="lines whose timestamp is not a time: dated by a neighbour"
    )
    invalid_numbers: int = Field(
        default=0,
        description="lines whose usage holds a number that is no token count: served untokened",
    )
    state_lines: dict[str, int] = Field(
        default_factory=dict, description="session-state lines by type (metadata, not rows)"
    )


class ToolStat(Model):
    name: str
    calls: int
    errors: int


class SessionTools(Model):
    session_id: str
    tools: list[ToolStat]


class SubagentInfo(Model):
    agent_id: str
    file: str | None = None
    agent_type: str | None = None
    description: str | None = None
    tool_use_id: str | None = None
    message_count: int = 0
    first_timestamp: UtcTime | None = None
    last_timestamp: UtcTime | None = None
    layout: Literal["inline", "flat", "nested"] = "nested"


class SessionSubagents(Model):
    session_id: str
    subagents: list[SubagentInfo]


class ModelCost(Model):
    """One model's share of a session: its responses, tokens and (when priced) dollars."""

    model: str
    api_calls: int
    tokens: Tokens
    cache_write_one_hour: int = Field(description="of tokens.cacheCreation: the 1-hour writes")
    cost_usd: float | None = Field(description="None: the price table does not know this model")


class SessionCost(Model):
    session_id: str
    cost_usd: float = Field(description="dollars of the priced models (all of them if complete)")
    subagent_cost_usd: float = Field(
        default=0.0,
        description="of cost_usd: the subagents' transcripts' share (the session's own: the rest)",
    )
    complete: bool = Field(description="every model that used tokens has a price")
    unpriced_models: list[str]
    by_model: list[ModelCost]
    prices_as_of: str
    prices_source: str
    overridden_models: list[str] = Field(
        default_factory=list, description="models priced from the user's own prices"
    )
    response_costs: dict[str, float] = Field(
        default_factory=dict,
        description="dollars of each priced response (message.id), keyed by the uuid of its "
        "first line: the row that shows it",
    )


class ContextPoint(Model):
    """One API call of the main conversation: how much context it sent (input + cache read +
    cache creation tokens), taken from the line of its response with the most tokens."""

    uuid: str = Field(description="the response's first line: the message a click goes to")
    timestamp: UtcTime | None = None
    context_tokens: int
    model: str | None = None


class ContextCompaction(Model):
    """A compaction boundary (a system row with subtype ``compact_boundary``)."""

    uuid: str
    timestamp: UtcTime | None = None
    points_before: int = Field(
        description="how many points precede it in the file: places it when times are missing"
    )


class SessionContext(Model):
    session_id: str
    points: list[ContextPoint]
    compactions: list[ContextCompaction]


class NameCount(Model):
    name: str
    count: int


class FilterOptions(Model):
    session_id: str
    kinds: list[KindCount]
    tools: list[NameCount]
    models: list[NameCount]
    agent_ids: list[str]
    first_timestamp: UtcTime | None = None
    last_timestamp: UtcTime | None = None


TouchKind = Literal["read", "write", "search", "inferred"]


class FileTouch(Model):
    """One tool call that named a file."""

    session_id: str
    project: str
    uuid: str = Field(description="the assistant message holding the tool call")
    tool_use_id: str
    tool: str
    kind: TouchKind
    path: str
    timestamp: UtcTime | None = None
    prompt: str | None = Field(default=None, description="the human prompt that led to it")
    session_title: str | None = None
    author: str | None = Field(default=None, description="a teammate's session: who pushed it")


class FileSessionInfo(Model):
    session_id: str
    project: str
    title: str | None = None
    last_timestamp: UtcTime | None = None
    touches: int
    by_tool: dict[str, int]
    deleted: bool = False
    author: str | None = Field(default=None, description="a teammate's session: who pushed it")


class FileSessions(Model):
    path: str
    sessions: list[FileSessionInfo]


class FileHistory(Model):
    touches: list[FileTouch]
    next_cursor: str | None = None
    has_more: bool = False


class WrittenSpan(Model):
    """Lines (0-based, inclusive) of a document whose current text a session wrote."""

    start_line: int
    end_line: int
    touch: FileTouch


ChangeKind = Literal["created", "appended", "deleted", "changed"]


class SessionChange(Model):
    session_id: str
    project: str
    kind: ChangeKind


class SessionsDidChange(Model):
    changes: list[SessionChange]


# A model id or family as a price override names it ("claude-opus-4-6", "my-proxy-model").
MODEL_KEY = r"^[A-Za-z0-9][A-Za-z0-9._:@\[\]-]{0,119}$"
# US dollars per million tokens: a bound that no real price reaches, so a typo (cents for
# dollars times a thousand) is refused rather than believed.
PRICE_MAX = 100_000


class PriceOverride(Params):
    """One model family's own prices, US dollars per million tokens. Every rate is required: a
    rate guessed from the others would be a wrong price for the models that break the pattern."""

    input: Decimal = Field(ge=0, le=PRICE_MAX)
    output: Decimal = Field(ge=0, le=PRICE_MAX)
    cache_read: Decimal = Field(ge=0, le=PRICE_MAX)
    cache_write_5m: Decimal = Field(ge=0, le=PRICE_MAX, alias="cacheWrite5m")
    cache_write_1h: Decimal = Field(ge=0, le=PRICE_MAX, alias="cacheWrite1h")


PriceOverrides = Annotated[
    dict[Annotated[str, StringConstraints(pattern=MODEL_KEY)], PriceOverride],
    Field(max_length=500),
]


class TeamOptions(Params):
    """The ``team`` option: read (and with ``push``, feed) a team database (team/)."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="ignore", str_max_length=4096
    )
    url: str = Field(min_length=1, description="libpq URI or connection string; no password")
    author: str | None = Field(default=None, max_length=200)
    push: bool = False
    interval_seconds: float = Field(default=30.0, ge=0.2, le=86400)


class ServerOptions(Params):
    """initializationOptions and workspace/didChangeConfiguration settings."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="ignore",
        str_max_length=4096,
        defer_build=True,
    )
    projects_root: str | None = None
    cache_dir: str | None = None
    session_ttl_seconds: float = Field(default=300.0, gt=0)
    max_loaded_bytes: int = Field(default=1024 * 1024 * 1024, ge=1)
    watch: bool = True
    # keep every transcript read, so sessions outlive Claude Code's cleanup (archive.py)
    archive: bool = True
    archive_dir: str | None = None
    # a transcript line longer than this is served cut, with a marker, not parsed (ingest.py)
    max_line_bytes: int = Field(default=64 * 1024 * 1024, ge=1024, le=1 << 40)
    # model family -> the user's own prices, over the shipped table (pricing.py)
    prices: PriceOverrides = Field(default_factory=dict)
    # a team database whose sessions are read beside this machine's (and pushed to, with push)
    team: TeamOptions | None = None


# --- search across sessions (textindex.py, searchquery.py) ---------------------------------------
class SearchParams(Params):
    query: str = Field(
        min_length=1,
        max_length=1000,
        description='words, "phrases", -excluded, prefix*, tool: kind: project: session: '
        "model: after: before: errors (-tool: and the like exclude)",
    )
    limit: int = Field(default=50, ge=1, le=500, description="hits per page")
    cursor: str | None = Field(default=None, max_length=CURSOR_MAX_CHARS)
    sort: Literal["relevance", "newest"] = "relevance"
    project: str | None = Field(default=None, pattern=SAFE_NAME)
    workspace: str | None = Field(
        default=None, description="only sessions whose cwd is this folder or below"
    )
    include_deleted: bool = False
    partial_result_token: ProgressToken | None = None
    work_done_token: ProgressToken | None = None


class TextRange(Model):
    """Characters [start, end) of a snippet that matched."""

    start: int
    end: int


class SearchHit(Model):
    uuid: str | None = Field(description="the message, for messages/page startAt")
    kind: Kind
    timestamp: UtcTime | None = None
    tool_names: list[str] = Field(default_factory=list)
    model: str | None = None
    is_error: bool = False
    is_sidechain: bool = False
    agent_id: str | None = None
    file: str = Field(description="'session' or the agent file's name, as in MessageSummary")
    line: int
    score: float = 0.0
    snippet: str = ""
    highlights: list[TextRange] = Field(default_factory=list)


class SearchGroup(Model):
    session_id: str
    project: str
    cwd: str | None = None
    title: str | None = Field(
        default=None, description="the session's title as sessions/list gives it (catalog)"
    )
    deleted: bool = False
    hits: list[SearchHit]


class SearchPage(Model):
    groups: list[SearchGroup]
    total: int = Field(description="messages matching in all, over every page")
    next_cursor: str | None = None
    has_more: bool = False
    indexing: bool = Field(
        default=False, description="a first build is still running: results cover part"
    )


# --- what agents ask (the MCP face): windows, blame, summaries, usage -----------------------------
class MessagesWindowParams(SessionRef):
    """A window of a session in page order: from its start, from a cursor (either direction), or
    ``around`` a message (``before`` messages before it, ``limit`` from it on)."""

    around: str | None = Field(default=None, min_length=1, max_length=UUID_MAX_CHARS)
    cursor: str | None = Field(default=None, max_length=CURSOR_MAX_CHARS)
    before: int = Field(default=5, ge=0, le=500)
    limit: int = Field(default=20, ge=1, le=500)
    filter: MessageFilter = Field(default_factory=MessageFilter)
    expand: bool = True


class MessagesWindow(Model):
    messages: list[MessageSummary]
    prev_cursor: str | None = Field(default=None, description="the messages just before these")
    next_cursor: str | None = Field(default=None, description="the messages just after these")
    has_before: bool = False
    has_more: bool = False
    total: int | None = None
    anchor_found: bool | None = Field(
        default=None, description="with around: whether that message itself passes the filter"
    )
    complete: bool = True


class BlameParams(Params):
    path: str = Field(min_length=1, description="absolute, or relative to workspace")
    workspace: str | None = Field(
        default=None, description="the folder the path must stay inside (its root for blame)"
    )
    start_line: int | None = Field(default=None, ge=1, description="1-based, inclusive")
    end_line: int | None = Field(default=None, ge=1, description="1-based, inclusive")


class BlameRun(Model):
    """Lines (1-based, inclusive) whose current text one tool call wrote (the newest write that
    covers them), with the prompt that led to it."""

    start_line: int
    end_line: int
    touch: FileTouch


class Blame(Model):
    path: str
    line_count: int
    start_line: int
    end_line: int
    runs: list[BlameRun]
    attributed_lines: int = Field(description="lines of [startLine, endLine] some run covers")
    sessions: list[FileSessionInfo] = Field(
        description="every session whose tool calls read, searched or wrote the file"
    )


class FileCount(Model):
    path: str
    count: int


class SessionSummary(Model):
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
    subagent_tokens: Tokens = Field(
        default_factory=Tokens, description="of tokens: the subagents' transcripts"
    )
    cost_usd: float = 0.0
    subagent_cost_usd: float = Field(default=0.0, description="of cost_usd: the subagents'")
    cost_complete: bool = True
    unpriced_models: list[str] = Field(default_factory=list)
    models: list[str] = Field(default_factory=list)
    tools: list[ToolStat] = Field(default_factory=list)
    files_written: list[FileCount] = Field(default_factory=list)
    files_read: list[FileCount] = Field(default_factory=list)
    subagents: list[SubagentInfo] = Field(default_factory=list)
    resume_command: str
    deleted: bool = False
    archived: bool = False


class UsageParams(Params):
    group_by: Literal["day", "model", "project"] = "day"
    since: datetime | None = None
    until: datetime | None = None
    project: str | None = Field(default=None, pattern=SAFE_NAME)
    workspace: str | None = None

    @field_validator("since", "until")
    @classmethod
    def _as_naive_utc(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value


class UsageRow(Model):
    key: str = Field(description="the day (YYYY-MM-DD, UTC), the model or the project")
    api_calls: int = 0
    tokens: Tokens = Field(default_factory=Tokens)
    cost_usd: float = Field(default=0.0, description="dollars of the priced calls")
    unpriced_calls: int = 0
    sessions: int = 0


class UsageReport(Model):
    group_by: Literal["day", "model", "project"]
    since: UtcTime | None = None
    until: UtcTime | None = None
    rows: list[UsageRow]
    total: UsageRow
    sessions: int = Field(description="sessions with calls in the period")
    skipped_sessions: int = Field(default=0, description="sessions that could not be read")
    unpriced_models: list[str] = Field(default_factory=list)
    prices_as_of: str


# --- methods: the one table the extension's protocol.ts mirrors -----------------------------------
class SessionExportParams(SessionRef):
    format: Literal["md", "html"] = "md"
    redact: bool = False
    include_progress: bool = Field(
        default=False, description="keep hook and progress lines (left out by default)"
    )


class SessionExport(Model):
    content: str = Field(description="the whole session as Markdown or one self-contained HTML")
    redactions: dict[str, int] = Field(
        default_factory=dict, description="secrets masked, by kind (only with redact)"
    )


def build_models() -> int:
    """Build every model's validator and serializer now; returns how many were built. They are
    deferred (``defer_build``) so that the CLI imports this module cheaply; the language server
    builds them all when it starts (``lsp.server.prepare_process``)."""
    built = 0
    todo: list[type[BaseModel]] = [Model]
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        if not cls.__pydantic_complete__:
            cls.model_rebuild(force=True)
            built += 1
    return built


class Method:
    SESSIONS_LIST = "sessions/list"
    MESSAGES_PAGE = "messages/page"
    MESSAGES_STREAM = "messages/stream"
    MESSAGES_GET = "messages/get"
    SESSION_METRICS = "session/metrics"
    SESSION_TOOLS = "session/tools"
    SESSION_SUBAGENTS = "session/subagents"
    SESSION_COST = "session/cost"
    SESSION_CONTEXT = "session/context"
    MESSAGES_FILTERS = "messages/filters"
    SESSIONS_DID_CHANGE = "sessions/didChange"
    FILES_SESSIONS = "files/sessions"
    FILES_HISTORY = "files/history"
    SEARCH_QUERY = "search/query"
    SESSION_EXPORT = "session/export"


METHOD_PARAMS: dict[str, type[Params]] = {
    Method.SESSIONS_LIST: SessionsListParams,
    Method.MESSAGES_PAGE: MessagesPageParams,
    Method.MESSAGES_STREAM: MessagesStreamParams,
    Method.MESSAGES_GET: MessageGetParams,
    Method.SESSION_METRICS: SessionRef,
    Method.SESSION_TOOLS: SessionRef,
    Method.SESSION_SUBAGENTS: SessionRef,
    Method.SESSION_COST: SessionRef,
    Method.SESSION_CONTEXT: SessionRef,
    Method.MESSAGES_FILTERS: SessionRef,
    Method.FILES_SESSIONS: FilesSessionsParams,
    Method.FILES_HISTORY: FilesHistoryParams,
    Method.SEARCH_QUERY: SearchParams,
    Method.SESSION_EXPORT: SessionExportParams,
}

METHOD_RESULTS: dict[str, type[Model]] = {
    Method.SESSIONS_LIST: SessionsPage,
    Method.MESSAGES_PAGE: MessagesPage,
    Method.MESSAGES_STREAM: MessagesPage,
    Method.MESSAGES_GET: MessageDetail,
    Method.SESSION_METRICS: SessionMetrics,
    Method.SESSION_TOOLS: SessionTools,
    Method.SESSION_SUBAGENTS: SessionSubagents,
    Method.SESSION_COST: SessionCost,
    Method.SESSION_CONTEXT: SessionContext,
    Method.MESSAGES_FILTERS: FilterOptions,
    Method.FILES_SESSIONS: FileSessions,
    Method.FILES_HISTORY: FileHistory,
    Method.SEARCH_QUERY: SearchPage,
    Method.SESSION_EXPORT: SessionExport,
}
