/**
 * The typed postMessage protocol between the search box (a webview view in the Claude Code
 * Traces container) and the extension host. Both directions are validated with zod on arrival:
 * the host runs only `search/query` with what it checked here, and the view never draws a
 * malformed group. The view never names a server method: it sends intents.
 */
import { z } from 'zod';
import { KINDS, LIMITS } from '../protocol';

export const SEARCH_SCOPE = 'claudeCodeTracer.search';

const requestId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const id = z.string().min(1).max(200);

// --- view -> host ------------------------------------------------------------------------------

export const SearchViewToHostSchema = z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('ready') }),
    /** Run a query (a fresh one, or the next page with `cursor`); the host cancels the one before. */
    z.strictObject({
        type: z.literal('search'),
        id: requestId,
        query: z.string().min(1).max(LIMITS.textMax),
        everywhere: z.boolean(),
        cursor: z.string().max(2048).nullable(),
    }),
    z.strictObject({ type: z.literal('cancel') }),
    /** Open a hit at its message, the query's terms highlighted there. */
    z.strictObject({
        type: z.literal('open'),
        sessionId: id,
        project: z.string().min(1).max(4096),
        uuid: id,
        title: z.string().max(400),
        query: z.string().max(LIMITS.textMax).optional(),
        kind: z.enum(KINDS).optional(),
        agentId: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/).optional(),
    }),
]);
export type SearchViewToHost = z.infer<typeof SearchViewToHostSchema>;

// --- host -> view ------------------------------------------------------------------------------

export const TextRangeSchema = z.strictObject({ start: z.number().int().min(0), end: z.number().int().min(0) });

/** Fields the view does not use (score, file, line…) are dropped on arrival. */
export const SearchHitSchema = z.object({
    uuid: z.string().nullable(),
    kind: z.enum(KINDS),
    timestamp: z.string().nullable(),
    toolNames: z.array(z.string()),
    isError: z.boolean(),
    isSidechain: z.boolean(),
    agentId: z.string().nullable(),
    snippet: z.string(),
    highlights: z.array(TextRangeSchema),
});

export const SearchGroupSchema = z.object({
    sessionId: z.string(),
    project: z.string(),
    cwd: z.string().nullable(),
    title: z.string().nullable().optional(),
    deleted: z.boolean(),
    hits: z.array(SearchHitSchema),
});
export type ViewGroup = z.infer<typeof SearchGroupSchema>;
export type ViewHit = z.infer<typeof SearchHitSchema>;

export const SearchHostToViewSchema = z.discriminatedUnion('type', [
    /** Whether there is a workspace folder to search by default. */
    z.strictObject({ type: z.literal('init'), workspace: z.string().nullable() }),
    /** Streamed: one session's group of hits for request `id`. */
    z.strictObject({ type: z.literal('groups'), id: requestId, groups: z.array(SearchGroupSchema) }),
    /** Request `id` finished: its paging fields. */
    z.strictObject({
        type: z.literal('done'),
        id: requestId,
        total: z.number().int().min(0),
        nextCursor: z.string().nullable(),
        hasMore: z.boolean(),
        indexing: z.boolean(),
    }),
    z.strictObject({ type: z.literal('error'), id: requestId, message: z.string() }),
]);
export type SearchHostToView = z.infer<typeof SearchHostToViewSchema>;

export function parseSearchViewMessage(data: unknown): SearchViewToHost | undefined {
    const r = SearchViewToHostSchema.safeParse(data);
    return r.success ? r.data : undefined;
}

export function parseSearchHostMessage(data: unknown): SearchHostToView | undefined {
    const r = SearchHostToViewSchema.safeParse(data);
    return r.success ? r.data : undefined;
}
