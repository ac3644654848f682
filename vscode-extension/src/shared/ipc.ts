/**
 * The typed postMessage protocol between a session's webview and the extension host.
 *
 * Both directions are validated with zod on arrival: the host never forwards a request it did
 * not expect (only read methods of its own session, within the server's limits), and the webview
 * never acts on a malformed answer. Requests carry integer ids; answers echo them.
 */
import { z } from 'zod';
import { KINDS, LIMITS } from '../protocol';

export const SCOPE = 'claudeCodeTracer.session';

// --- webview -> host ---------------------------------------------------------------------------

const cursor = z.string().max(2048).nullable().optional();
const kind = z.enum(KINDS);
const agentId = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/);

export const FilterSchema = z.strictObject({
    kinds: z.array(kind).max(KINDS.length).nullable().optional(),
    tools: z.array(z.string().max(200)).max(200).nullable().optional(),
    errorsOnly: z.boolean().optional(),
    text: z.string().max(LIMITS.textMax).nullable().optional(),
    includeSidechains: z.boolean().optional(),
    agentId: agentId.nullable().optional(),
});

/** How a session reads: as the conversation (the default) or as the tree of every line. */
export const SessionViewSchema = z.enum(['conversation', 'detail']);
export type SessionView = z.infer<typeof SessionViewSchema>;

export const PageParamsSchema = z.strictObject({
    cursor,
    limit: z.number().int().min(1).max(LIMITS.pageMax).optional(),
    filter: FilterSchema.optional(),
    expand: z.boolean().optional(),
});

export const StreamParamsSchema = PageParamsSchema.extend({
    batchSize: z.number().int().min(1).max(LIMITS.batchMax).optional(),
});

export const GetParamsSchema = z.strictObject({ uuid: z.string().min(1).max(200) });
export const EmptyParamsSchema = z.strictObject({});

/** The server methods a webview may call, with the params it may pass (session added by the host). */
export const WEBVIEW_METHODS = {
    'messages/page': PageParamsSchema,
    'messages/stream': StreamParamsSchema,
    'messages/get': GetParamsSchema,
    'messages/filters': EmptyParamsSchema,
    'session/metrics': EmptyParamsSchema,
    'session/tools': EmptyParamsSchema,
    'session/subagents': EmptyParamsSchema,
    'session/cost': EmptyParamsSchema,
    'session/context': EmptyParamsSchema,
} as const;
export type WebviewMethod = keyof typeof WEBVIEW_METHODS;

const requestId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const WebviewToHostSchema = z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('ready') }),
    z.strictObject({
        type: z.literal('request'),
        id: requestId,
        method: z.enum(Object.keys(WEBVIEW_METHODS) as [WebviewMethod, ...WebviewMethod[]]),
        params: z.record(z.string(), z.unknown()),
    }),
    z.strictObject({ type: z.literal('cancel'), id: requestId }),
    z.strictObject({
        type: z.literal('openFile'),
        path: z.string().min(1).max(4096),
        line: z.number().int().min(1).max(10_000_000).optional(),
    }),
    z.strictObject({
        type: z.literal('showDiff'),
        uuid: z.string().min(1).max(200),
        toolUseId: z.string().min(1).max(200),
    }),
    /** Copy a message of this session (the host fetches it: the webview may hold only its preview). */
    z.strictObject({ type: z.literal('copyMessage'), uuid: z.string().min(1).max(200) }),
    z.strictObject({ type: z.literal('copySessionId') }),
    /** Resume this session in a terminal (`claude --resume <id>` in the session's folder). */
    z.strictObject({ type: z.literal('resume') }),
    /** Export this session (the host asks for the format and the file: the webview names neither). */
    z.strictObject({ type: z.literal('export') }),
    /** Conversation or detail: the user's choice, kept for every session (a setting). */
    z.strictObject({ type: z.literal('setView'), view: SessionViewSchema }),
]);
export type WebviewToHost = z.infer<typeof WebviewToHostSchema>;

// --- host -> webview ---------------------------------------------------------------------------

/** Only what the webview relies on is checked; the rest of a summary passes through. */
export const SummarySchema = z.looseObject({
    uuid: z.string(),
    kind: z.string(),
    file: z.string(),
    line: z.number(),
    preview: z.string(),
});

export const HostToWebviewSchema = z.discriminatedUnion('type', [
    z.strictObject({
        type: z.literal('init'),
        sessionId: z.string(),
        project: z.string().nullable(),
        title: z.string(),
        pageSize: z.number().int().min(1).max(LIMITS.pageMax),
        view: SessionViewSchema.optional(),
    }),
    /** The session's title as the sessions tree has it (the panel may have been opened by id). */
    z.strictObject({ type: z.literal('title'), title: z.string().max(500) }),
    /** The view setting changed (in this panel or another). */
    z.strictObject({ type: z.literal('view'), view: SessionViewSchema }),
    z.strictObject({ type: z.literal('response'), id: requestId, result: z.unknown() }),
    z.strictObject({
        type: z.literal('error'),
        id: requestId,
        message: z.string(),
        code: z.number().int().optional(),
    }),
    z.strictObject({ type: z.literal('partial'), id: requestId, messages: z.array(SummarySchema) }),
    z.strictObject({
        type: z.literal('progress'),
        id: requestId,
        phase: z.enum(['begin', 'report', 'end']),
        percentage: z.number().min(0).max(100).optional(),
        message: z.string().optional(),
    }),
    z.strictObject({
        type: z.literal('sessionChanged'),
        kind: z.enum(['created', 'appended', 'deleted', 'changed']),
    }),
    z.strictObject({ type: z.literal('notice'), message: z.string() }),
    /** The price settings changed: ask session/cost again. */
    z.strictObject({ type: z.literal('pricesChanged') }),
    /**
     * Open trace: show (select, expand) this message and, under it, this tool call. From a search
     * hit: `highlight` is the query (its terms are marked), `kind` the message's kind (the filter
     * must list it) and `agentId` the subagent whose transcript holds it.
     */
    z.strictObject({
        type: z.literal('reveal'),
        uuid: z.string().min(1).max(200),
        toolUseId: z.string().min(1).max(200).optional(),
        highlight: z.string().max(LIMITS.textMax).optional(),
        kind: kind.optional(),
        agentId: agentId.optional(),
    }),
]);
export type HostToWebview = z.infer<typeof HostToWebviewSchema>;

export function parseWebviewMessage(data: unknown): WebviewToHost | undefined {
    const r = WebviewToHostSchema.safeParse(data);
    return r.success ? r.data : undefined;
}

export function parseHostMessage(data: unknown): HostToWebview | undefined {
    const r = HostToWebviewSchema.safeParse(data);
    return r.success ? r.data : undefined;
}

/** Validate the params of a webview request for its method; a readable message when they are bad. */
export function checkParams(
    method: WebviewMethod,
    params: unknown,
): { ok: true; params: Record<string, unknown> } | { ok: false; message: string } {
    const r = WEBVIEW_METHODS[method].safeParse(params);
    if (r.success) return { ok: true, params: r.data as Record<string, unknown> };
    const issue = r.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'params';
    return { ok: false, message: `${method}: invalid ${where}: ${issue?.message ?? 'bad value'}` };
}
