/**
 * Shape checks of the server's answers as they reach the webview (the host relays them as they
 * are). Only what the webview relies on is checked; extra fields pass through.
 */
import { z } from 'zod';
import type { RequestMethod } from '../protocol';
import { SummarySchema } from '../shared/ipc';

const Summary = SummarySchema.extend({
    toolNames: z.array(z.string()),
    toolUseIds: z.array(z.string()),
    isError: z.boolean(),
    timestamp: z.string().nullable(),
});

const Page = z.looseObject({
    messages: z.array(Summary),
    nextCursor: z.string().nullable(),
    hasMore: z.boolean(),
    total: z.number().int().nullable().optional(),
});

const Detail = Summary.extend({
    content: z.array(z.unknown()).nullable(),
    entry: z.record(z.string(), z.unknown()),
    toolResults: z.array(z.looseObject({ uuid: z.string(), content: z.array(z.unknown()).nullable() })),
});

const Filters = z.looseObject({
    kinds: z.array(z.looseObject({ kind: z.string(), count: z.number() })),
    tools: z.array(z.looseObject({ name: z.string(), count: z.number() })),
});

const Metrics = z.looseObject({
    toolCalls: z.number(),
    errors: z.number(),
    tokens: z.looseObject({ input: z.number(), output: z.number(), cacheRead: z.number(), cacheCreation: z.number() }),
    models: z.array(z.string()),
    durationSeconds: z.number().nullable().optional(),
    subagentMessageCount: z.number().optional(),
    firstTimestamp: z.string().nullable().optional(),
    lastTimestamp: z.string().nullable().optional(),
});

const Cost = z.looseObject({
    costUsd: z.number().min(0),
    complete: z.boolean(),
    unpricedModels: z.array(z.string()),
    pricesAsOf: z.string(),
    pricesSource: z.string(),
    overriddenModels: z.array(z.string()).optional(),
    responseCosts: z.record(z.string(), z.number().min(0)).optional(),
});

const Context = z.looseObject({
    points: z.array(
        z.looseObject({
            uuid: z.string(),
            timestamp: z.string().nullable(),
            contextTokens: z.number().int().min(0),
            model: z.string().nullable(),
        }),
    ),
    compactions: z.array(
        z.looseObject({ uuid: z.string(), timestamp: z.string().nullable(), pointsBefore: z.number().int().min(0) }),
    ),
});

const SCHEMAS: Partial<Record<RequestMethod, z.ZodType>> = {
    'session/cost': Cost,
    'session/context': Context,
    'session/metrics': Metrics,
    'messages/page': Page,
    'messages/stream': Page,
    'messages/get': Detail,
    'messages/filters': Filters,
};

export function validateResult(method: RequestMethod, result: unknown): { ok: true; value: unknown } | { ok: false; message: string } {
    const schema = SCHEMAS[method];
    if (!schema) return { ok: true, value: result };
    const r = schema.safeParse(result);
    if (r.success) return { ok: true, value: r.data };
    const issue = r.error.issues[0];
    return { ok: false, message: `${issue?.path.join('.') || 'result'}: ${issue?.message ?? 'unexpected shape'}` };
}

/** A streamed batch: the same checks as a page's messages. */
export function validateBatch(messages: unknown): { ok: true; value: unknown[] } | { ok: false; message: string } {
    const r = z.array(Summary).safeParse(messages);
    if (r.success) return { ok: true, value: r.data };
    return { ok: false, message: r.error.issues[0]?.message ?? 'unexpected shape' };
}
