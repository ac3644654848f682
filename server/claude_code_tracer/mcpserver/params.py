"""The arguments of each MCP tool: camelCase like the LSP methods, unknown keys refused, bounds
declared (they are the tools' input schemas). Each is the core's params model where the tool
is one core call (narrower limits where an agent's context asks for it); what only the MCP face
has is the output bound (``maxChars``), the masking of secrets (``redact``), and citations."""

from __future__ import annotations

from typing import Any, Literal, TypeVar

from pydantic import Field, model_validator

from ..models import (
    CURSOR_MAX_CHARS,
    SAFE_NAME,
    UUID_MAX_CHARS,
    BlameParams,
    Kind,
    MessageFilter,
    MessagesWindowParams,
    Params,
    SessionRef,
    SessionsListParams,
    UsageParams,
)

# The least a message of a window is given, whatever maxChars / limit says, and what of it its
# fields and heading take (the rest is its text's share).
MESSAGE_MIN_CHARS = 750
MESSAGE_OVERHEAD = 600
# About 4,000 tokens: a result an agent can take into its context without crowding it.
DEFAULT_MAX_CHARS = 16_000
MIN_MAX_CHARS = 2_000
MAX_MAX_CHARS = 200_000
# "<sessionId>#<uuid>": what search hits carry and read_session / get_message accept.
CITATION_MAX_CHARS = 200 + 1 + UUID_MAX_CHARS

P = TypeVar("P", bound=Params)


class ToolParams(Params):
    max_chars: int = Field(
        default=DEFAULT_MAX_CHARS,
        ge=MIN_MAX_CHARS,
        le=MAX_MAX_CHARS,
        description="bound on the result's text (and on its structured content's JSON)",
    )
    redact: bool = Field(
        default=True, description="mask API keys, tokens and passwords (false: show them)"
    )

    def core(self, params: type[P], **given: Any) -> P:
        """The core's params of the one ``Tracer`` call: the fields they share with these
        arguments, by name, and ``given`` (what the tool decides); checked by the core's model."""
        shared = {
            name: getattr(self, name)
            for name in params.model_fields
            if name in type(self).model_fields and name not in given
        }
        return params(**shared, **given)


class SearchArgs(ToolParams):
    """``SearchParams`` but its language server's progress tokens (MCP has its own)."""

    query: str = Field(
        min_length=1,
        max_length=1000,
        description='words (all must match), "exact phrases", -excluded, prefix*, and filters '
        "tool:Bash kind:user project:NAME session:ID model:NAME after:2026-01-01 "
        "before:2026-02-01 errors",
    )
    limit: int = Field(default=10, ge=1, le=100, description="hits per page")
    cursor: str | None = Field(default=None, max_length=CURSOR_MAX_CHARS)
    sort: Literal["relevance", "newest"] = "relevance"
    project: str | None = Field(default=None, pattern=SAFE_NAME)
    workspace: str | None = Field(
        default=None,
        max_length=4096,
        description="only sessions whose cwd is this folder or below (default: every project)",
    )
    include_deleted: bool = False


class ListSessionsArgs(ToolParams, SessionsListParams):
    limit: int = Field(default=20, ge=1, le=200)
    with_cost: bool = Field(
        default=True, description="each row's dollars (reads each listed session once)"
    )


class _Addressed(ToolParams):
    session_id: str | None = Field(default=None, pattern=SAFE_NAME)
    project: str | None = Field(default=None, pattern=SAFE_NAME)
    citation: str | None = Field(
        default=None,
        min_length=3,
        max_length=CITATION_MAX_CHARS,
        description="'<sessionId>#<uuid>' as a search hit gives it, instead of sessionId and "
        "the message's uuid",
    )

    def cited(self) -> tuple[str | None, str | None]:
        if self.citation is None:
            return None, None
        sid, _, uuid = self.citation.partition("#")
        return sid, uuid or None


class ReadSessionArgs(_Addressed):
    around: str | None = Field(
        default=None,
        min_length=1,
        max_length=UUID_MAX_CHARS,
        description="a message uuid: `before` messages before it and `limit` from it on",
    )
    cursor: str | None = Field(
        default=None, max_length=CURSOR_MAX_CHARS, description="a nextCursor or prevCursor"
    )
    before: int = Field(default=5, ge=0, le=100)
    limit: int = Field(default=20, ge=1, le=100)
    kinds: list[Kind] | None = Field(default=None, max_length=len(Kind))
    include_sidechains: bool = False
    agent_id: str | None = Field(default=None, pattern=SAFE_NAME)

    @model_validator(mode="after")
    def _one_way_in(self) -> ReadSessionArgs:
        sid, uuid = self.cited()
        if self.session_id is None and sid is None:
            raise ValueError("give sessionId (or a citation)")
        if self.around is not None and self.cursor is not None:
            raise ValueError("give around or cursor, not both")
        if uuid is not None and self.cursor is not None:
            raise ValueError("give a citation or a cursor, not both")
        return self

    def window(self) -> MessagesWindowParams:
        """The core's window (``Tracer.window`` decides from where): the citation's session and
        message, and no more messages than ``maxChars`` can give each a readable share of."""
        sid, cited_uuid = self.cited()
        around = self.around or cited_uuid
        room = self.max_chars // MESSAGE_MIN_CHARS
        limit = max(1, min(self.limit, room))
        return self.core(
            MessagesWindowParams,
            session_id=self.session_id or sid,
            around=around,
            before=min(self.before, max(0, room - limit)) if around else 0,
            limit=limit,
            filter=MessageFilter(
                kinds=self.kinds, include_sidechains=self.include_sidechains, agent_id=self.agent_id
            ),
            expand=True,
        )


class GetMessageArgs(_Addressed):
    uuid: str | None = Field(default=None, min_length=1, max_length=UUID_MAX_CHARS)
    offset: int = Field(
        default=0, ge=0, description="the character to start at (a previous nextOffset)"
    )

    @model_validator(mode="after")
    def _addressed(self) -> GetMessageArgs:
        sid, uuid = self.cited()
        if (self.session_id or sid) is None or (self.uuid or uuid) is None:
            raise ValueError("give sessionId and uuid (or a citation)")
        return self


class BlameArgs(ToolParams, BlameParams):
    workspace: str | None = Field(
        default=None,
        description="the folder the path must stay inside (default: the server's workspace)",
    )


class SessionSummaryArgs(ToolParams, SessionRef):
    pass


class UsageArgs(ToolParams, UsageParams):
    pass
