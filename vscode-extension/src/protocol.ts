/**
 * The claude-code-tracer language server's custom protocol, on the wire (camelCase).
 *
 * Mirrors server/claude_code_tracer/models.py, the source of truth: the `Method` table and every
 * params/result model. Keep the two in step; test/unit/protocol.test.ts checks the method table
 * against models.py when the server sources sit beside this folder.
 *
 * This module has no runtime dependency on `vscode`, so the webview bundle imports it too.
 */

/** The one table of custom methods (models.py `class Method`). */
export const Method = {
    SESSIONS_LIST: 'sessions/list',
    MESSAGES_PAGE: 'messages/page',
    MESSAGES_STREAM: 'messages/stream',
    MESSAGES_GET: 'messages/get',
    SESSION_METRICS: 'session/metrics',
    SESSION_TOOLS: 'session/tools',
    SESSION_SUBAGENTS: 'session/subagents',
    SESSION_COST: 'session/cost',
    SESSION_CONTEXT: 'session/context',
    MESSAGES_FILTERS: 'messages/filters',
    SESSIONS_DID_CHANGE: 'sessions/didChange',
    FILES_SESSIONS: 'files/sessions',
    FILES_HISTORY: 'files/history',
    SEARCH_QUERY: 'search/query',
    SESSION_EXPORT: 'session/export',
} as const;
export type MethodName = (typeof Method)[keyof typeof Method];

/** models.py `Kind`. */
export const KINDS = ['user', 'assistant', 'tool_result', 'system', 'progress', 'attachment', 'unknown'] as const;
export type Kind = (typeof KINDS)[number];

export type ProgressToken = number | string;
/** ISO-8601 date-time as pydantic dumps it (`mode="json"`). */
export type IsoDateTime = string;

// --- params -----------------------------------------------------------------------------------

/** models.py `MessageFilter`. */
export interface MessageFilter {
    kinds?: Kind[] | null;
    tools?: string[] | null;
    errorsOnly?: boolean;
    text?: string | null;
    includeSidechains?: boolean;
    agentId?: string | null;
    since?: IsoDateTime | null;
    until?: IsoDateTime | null;
}

/** models.py `SessionRef`. */
export interface SessionRef {
    sessionId: string;
    project?: string | null;
}

/** models.py `SessionExportParams`. */
export interface SessionExportParams extends SessionRef {
    format?: 'md' | 'html';
    /** Mask API keys, tokens and passwords; the result counts them by kind. */
    redact?: boolean;
    /** Keep hook and progress lines (left out by default). */
    includeProgress?: boolean;
}

/** models.py `SessionsListParams`. */
export interface SessionsListParams {
    workspace?: string | null;
    project?: string | null;
    query?: string | null;
    limit?: number;
    cursor?: string | null;
    includeDeleted?: boolean;
    /** Sessions last active at or after this time (ISO 8601). */
    since?: string | null;
    /** Sessions started at or before this time (ISO 8601). */
    until?: string | null;
    /** Only the team's sessions (the `team` option's pulled copies), each with author and remote. */
    team?: boolean;
}

/** models.py `MessagesPageParams`. */
export interface MessagesPageParams extends SessionRef {
    cursor?: string | null;
    limit?: number;
    filter?: MessageFilter;
    expand?: boolean;
    /** Without a cursor: begin the page at this message (uuid). */
    startAt?: string | null;
}

/** models.py `MessagesStreamParams`. */
export interface MessagesStreamParams extends MessagesPageParams {
    /** At most this many messages; missing: every message to the end of the session. */
    limit?: number;
    partialResultToken?: ProgressToken | null;
    workDoneToken?: ProgressToken | null;
    batchSize?: number;
}

/** models.py `MessageGetParams`. */
export interface MessageGetParams extends SessionRef {
    uuid: string;
}

/** models.py `FilesSessionsParams`: which sessions touched a file. */
export interface FilesSessionsParams {
    path: string;
}

/** models.py `FilesHistoryParams`: the tool calls that named a file, newest first. */
export interface FilesHistoryParams {
    path: string;
    cursor?: string | null;
    limit?: number;
}

/**
 * models.py `SearchParams`: search every session. `query` takes words (all must match),
 * "exact phrases", -excluded, prefix*, and filters tool: kind: project: session: model:
 * after: before: and the bare word errors (a leading - excludes what a filter names).
 */
export interface SearchParams {
    query: string;
    limit?: number;
    cursor?: string | null;
    sort?: 'relevance' | 'newest';
    project?: string | null;
    /** Only sessions whose cwd is this folder (path or file: URI) or below. */
    workspace?: string | null;
    includeDeleted?: boolean;
    /** Each session's group of hits arrives as `$/progress` `{groups: [group]}`. */
    partialResultToken?: ProgressToken | null;
    workDoneToken?: ProgressToken | null;
}

/** models.py `TeamOptions`. */
export interface TeamOptions {
    url: string;
    author?: string | null;
    push?: boolean;
    intervalSeconds?: number;
}

/** models.py `ServerOptions`: initializationOptions and didChangeConfiguration settings. */
export interface ServerOptions {
    projectsRoot?: string | null;
    cacheDir?: string | null;
    sessionTtlSeconds?: number;
    maxLoadedBytes?: number;
    /** A transcript line longer than this (bytes) is served cut, with a marker (64 MB). */
    maxLineBytes?: number;
    watch?: boolean;
    /** Keep every transcript read, so sessions outlive Claude Code's cleanup. */
    archive?: boolean;
    archiveDir?: string | null;
    /** Model family -> the user's own prices (dollars per million tokens) over the shipped table. */
    prices?: Record<string, PriceOverride>;
    /** models.py `TeamOptions`: read (and with push, feed) a team database. */
    team?: TeamOptions | null;
}

/** models.py `PriceOverride`: every rate required, dollars per million tokens. */
export interface PriceOverride {
    input: number;
    output: number;
    cacheRead: number;
    cacheWrite5m: number;
    cacheWrite1h: number;
}

// --- results ----------------------------------------------------------------------------------

/** models.py `Tokens`. */
export interface Tokens {
    input: number;
    output: number;
    cacheRead: number;
    cacheCreation: number;
}

/** models.py `MessageSummary`. */
export interface MessageSummary {
    uuid: string;
    parentUuid: string | null;
    kind: Kind;
    subtype: string | null;
    timestamp: IsoDateTime | null;
    preview: string;
    model: string | null;
    /** The reasoning effort of an assistant message (filled with expand and messages/get). */
    effort: string | null;
    toolNames: string[];
    /** The tool calls an assistant line makes, a tool result answers, or a progress or hook line reports on. */
    toolUseIds: string[];
    isError: boolean;
    isSidechain: boolean;
    agentId: string | null;
    spawnedAgentId: string | null;
    messageId: string | null;
    tokens: Tokens | null;
    /** 1-based line number in its transcript file. */
    line: number;
    /** Which file of the session: 'session' or the agent file's name. */
    file: string;
    /** Full content blocks, with `expand`. */
    content: unknown[] | null;
}

/** models.py `MessagesPage`. */
export interface MessagesPage {
    messages: MessageSummary[];
    nextCursor: string | null;
    hasMore: boolean;
    total: number | null;
    /** False while a big session is still parsed: a page of its head; later pages follow. */
    complete?: boolean;
    /** Why the page is not complete when that is not parsing (a damaged archived copy). */
    warning?: string | null;
}

/** The `$/progress` value of a `messages/stream` partial result. */
export interface MessagesPartial {
    messages: MessageSummary[];
}

/** models.py `MessageDetail`. */
export interface MessageDetail extends MessageSummary {
    /** The whole transcript line. */
    entry: Record<string, unknown>;
    toolResults: MessageDetail[];
}

/** models.py `SessionInfo`. */
export interface SessionInfo {
    sessionId: string;
    project: string;
    path: string;
    cwd: string | null;
    gitBranch: string | null;
    title: string | null;
    /** The Agent SDK's tag_session (the last `tag` line of the transcript). */
    tag: string | null;
    firstPrompt: string | null;
    firstTimestamp: IsoDateTime | null;
    lastTimestamp: IsoDateTime | null;
    messageCount: number;
    toolCallCount: number;
    errorCount: number;
    tokens: Tokens;
    models: string[];
    subagentCount: number;
    /** What the subagents' transcripts add (already inside tokens and toolCallCount). */
    subagentTokens: Tokens;
    subagentToolCallCount: number;
    malformedLines: number;
    replayedLines: number;
    sizeBytes: number;
    deleted: boolean;
    /** A subagent transcript whose session file is gone, listed as a session of its own. */
    orphan: boolean;
    parentSessionId: string | null;
    /** Its files are gone: it is read from the tracer's archive. */
    archived: boolean;
    /** False when its archived copy is damaged: messageCount is what the verified part holds. */
    complete: boolean;
    /** What is wrong with the archived copy (when complete is false). */
    warning: string | null;
    /** A teammate's session (team archive): who pushed it, the repository remote and commit. */
    author?: string | null;
    remote?: string | null;
    gitCommit?: string | null;
}

/** models.py `SessionsPage`. */
export interface SessionsPage {
    sessions: SessionInfo[];
    nextCursor: string | null;
    hasMore: boolean;
}

/** models.py `KindCount`. */
export interface KindCount {
    kind: Kind;
    count: number;
}

/** models.py `SessionMetrics`. */
export interface SessionMetrics {
    sessionId: string;
    messageCount: number;
    byKind: KindCount[];
    tokens: Tokens;
    apiCalls: number;
    toolCalls: number;
    errors: number;
    models: string[];
    firstTimestamp: IsoDateTime | null;
    lastTimestamp: IsoDateTime | null;
    durationSeconds: number | null;
    malformedLines: number;
    subagentMessageCount: number;
    subagentTokens: Tokens;
    subagentToolCalls: number;
    /** Repeats of an earlier uuid (a resumed session replays lines): served once. */
    replayedLines: number;
    /** Lines whose timestamp is not a time: dated by their neighbour. */
    invalidTimestamps: number;
    /** Lines whose usage holds a number that is no token count: served untokened. */
    invalidNumbers: number;
    /** Session-state lines by type (atis-latch, permission-mode, ...): metadata, not rows. */
    stateLines: Record<string, number>;
}

/** models.py `ToolStat`. */
export interface ToolStat {
    name: string;
    calls: number;
    errors: number;
}

/** models.py `SessionTools`. */
export interface SessionTools {
    sessionId: string;
    tools: ToolStat[];
}

/** models.py `SubagentInfo`. */
export interface SubagentInfo {
    agentId: string;
    file: string | null;
    agentType: string | null;
    description: string | null;
    toolUseId: string | null;
    messageCount: number;
    firstTimestamp: IsoDateTime | null;
    lastTimestamp: IsoDateTime | null;
    layout: 'inline' | 'flat' | 'nested';
}

/** models.py `SessionSubagents`. */
export interface SessionSubagents {
    sessionId: string;
    subagents: SubagentInfo[];
}

/** models.py `ModelCost`: one model's share of a session. */
export interface ModelCost {
    model: string;
    apiCalls: number;
    tokens: Tokens;
    /** Of tokens.cacheCreation: the 1-hour cache writes. */
    cacheWriteOneHour: number;
    /** null: the price table does not know this model. */
    costUsd: number | null;
}

/** models.py `SessionExport`: the whole session as Markdown or one self-contained HTML file. */
export interface SessionExport {
    content: string;
    /** Secrets masked, by kind (only with `redact`). */
    redactions: Record<string, number>;
}

/** models.py `SessionCost`: dollars from the price table shipped with the server (pricing.py). */
export interface SessionCost {
    sessionId: string;
    /** Dollars of the priced models (all of them when `complete`). */
    costUsd: number;
    /** Of `costUsd`: the subagents' transcripts' share (the session's own is the rest). */
    subagentCostUsd: number;
    complete: boolean;
    unpricedModels: string[];
    byModel: ModelCost[];
    pricesAsOf: string;
    pricesSource: string;
    /** Models priced from the user's own prices (the `claudeCodeTracer.prices` setting). */
    overriddenModels: string[];
    /** Dollars of each priced response, keyed by the uuid of its first line (the row that shows it). */
    responseCosts: Record<string, number>;
}

/** models.py `ContextPoint`: one main-conversation API call and the context it sent. */
export interface ContextPoint {
    /** The response's first line: the message a click on the chart goes to. */
    uuid: string;
    timestamp: string | null;
    /** Input + cache read + cache creation tokens. */
    contextTokens: number;
    model: string | null;
}

/** models.py `ContextCompaction`: a compact_boundary system row. */
export interface ContextCompaction {
    uuid: string;
    timestamp: string | null;
    /** How many points precede it in the file: places it when times are missing. */
    pointsBefore: number;
}

/** models.py `SessionContext`: the context chart's data. */
export interface SessionContext {
    sessionId: string;
    points: ContextPoint[];
    compactions: ContextCompaction[];
}

/** models.py `NameCount`. */
export interface NameCount {
    name: string;
    count: number;
}

/** models.py `FilterOptions`. */
export interface FilterOptions {
    sessionId: string;
    kinds: KindCount[];
    tools: NameCount[];
    models: NameCount[];
    agentIds: string[];
    firstTimestamp: IsoDateTime | null;
    lastTimestamp: IsoDateTime | null;
}

export type TouchKind = 'read' | 'write' | 'search' | 'inferred';

/** models.py `FileTouch`: one tool call that named a file. */
export interface FileTouch {
    sessionId: string;
    project: string;
    /** The assistant message holding the tool call. */
    uuid: string;
    toolUseId: string;
    tool: string;
    kind: TouchKind;
    path: string;
    timestamp: IsoDateTime | null;
    /** The human prompt that led to it. */
    prompt: string | null;
    sessionTitle: string | null;
    /** A teammate's session: who pushed it. */
    author?: string | null;
}

/** models.py `FileSessionInfo`. */
export interface FileSessionInfo {
    sessionId: string;
    project: string;
    title: string | null;
    lastTimestamp: IsoDateTime | null;
    touches: number;
    byTool: Record<string, number>;
    deleted: boolean;
    /** A teammate's session: who pushed it. */
    author?: string | null;
}

/** models.py `FileSessions`. */
export interface FileSessions {
    path: string;
    sessions: FileSessionInfo[];
}

/** models.py `FileHistory`. */
export interface FileHistory {
    touches: FileTouch[];
    nextCursor: string | null;
    hasMore: boolean;
}

/** models.py `WrittenSpan`: lines (0-based, inclusive) of a document whose current text a session wrote. */
export interface WrittenSpan {
    startLine: number;
    endLine: number;
    touch: FileTouch;
}

export type ChangeKind = 'created' | 'appended' | 'deleted' | 'changed';

/** models.py `SessionChange`. */
export interface SessionChange {
    sessionId: string;
    project: string;
    kind: ChangeKind;
}

/** models.py `SessionsDidChange`: the `sessions/didChange` notification's params. */
export interface SessionsDidChange {
    changes: SessionChange[];
}

/** models.py `TextRange`: characters [start, end) of a snippet that matched. */
export interface TextRange {
    start: number;
    end: number;
}

/** models.py `SearchHit`: one matching message; `uuid` opens it (messages/page `startAt`). */
export interface SearchHit {
    uuid: string | null;
    kind: Kind;
    timestamp: IsoDateTime | null;
    toolNames: string[];
    model: string | null;
    isError: boolean;
    isSidechain: boolean;
    agentId: string | null;
    file: string;
    line: number;
    score: number;
    snippet: string;
    highlights: TextRange[];
}

/** models.py `SearchGroup`: the hits of one session within a page. */
export interface SearchGroup {
    sessionId: string;
    project: string;
    cwd: string | null;
    /** The session's title, as listed. */
    title: string | null;
    deleted: boolean;
    hits: SearchHit[];
}

/** models.py `SearchPage`. */
export interface SearchPage {
    groups: SearchGroup[];
    total: number;
    nextCursor: string | null;
    hasMore: boolean;
    /** A first build of the index is still running: the results cover part of the archive. */
    indexing: boolean;
}

// --- the method table with its types (models.py METHOD_PARAMS / METHOD_RESULTS) ---------------

export interface RequestTypes {
    'sessions/list': { params: SessionsListParams; result: SessionsPage };
    'messages/page': { params: MessagesPageParams; result: MessagesPage };
    'messages/stream': { params: MessagesStreamParams; result: MessagesPage };
    'messages/get': { params: MessageGetParams; result: MessageDetail };
    'session/metrics': { params: SessionRef; result: SessionMetrics };
    'session/tools': { params: SessionRef; result: SessionTools };
    'session/subagents': { params: SessionRef; result: SessionSubagents };
    'session/cost': { params: SessionRef; result: SessionCost };
    'session/context': { params: SessionRef; result: SessionContext };
    'messages/filters': { params: SessionRef; result: FilterOptions };
    'files/sessions': { params: FilesSessionsParams; result: FileSessions };
    'files/history': { params: FilesHistoryParams; result: FileHistory };
    'search/query': { params: SearchParams; result: SearchPage };
    'session/export': { params: SessionExportParams; result: SessionExport };
}
export type RequestMethod = keyof RequestTypes;
export type ParamsOf<M extends RequestMethod> = RequestTypes[M]['params'];
export type ResultOf<M extends RequestMethod> = RequestTypes[M]['result'];

export const REQUEST_METHODS: readonly RequestMethod[] = [
    Method.SESSIONS_LIST,
    Method.MESSAGES_PAGE,
    Method.MESSAGES_STREAM,
    Method.MESSAGES_GET,
    Method.SESSION_METRICS,
    Method.SESSION_TOOLS,
    Method.SESSION_SUBAGENTS,
    Method.SESSION_COST,
    Method.SESSION_CONTEXT,
    Method.MESSAGES_FILTERS,
    Method.FILES_SESSIONS,
    Method.FILES_HISTORY,
    Method.SEARCH_QUERY,
    Method.SESSION_EXPORT,
];

/** Server limits (models.py Field constraints) the client must stay within. */
export const LIMITS = {
    pageMax: 500,
    batchMax: 500,
    listMax: 1000,
    textMax: 1000,
} as const;

export function totalTokens(t: Tokens | null | undefined): number {
    return t ? t.input + t.output + t.cacheRead + t.cacheCreation : 0;
}
