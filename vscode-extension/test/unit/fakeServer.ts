/**
 * An in-memory stand-in for the host + language server, answering the webview's requests the
 * way the server does (forward keyset cursors, total on the first page, streamed batches).
 */
import type { Kind, MessageDetail, MessageFilter, MessageSummary, RequestMethod } from '../../src/protocol';
import { RequestTracker } from '../../src/webview/state/requests';

export function summary(i: number, over: Partial<MessageSummary> = {}): MessageSummary {
    return {
        uuid: `u${i}`,
        parentUuid: i ? `u${i - 1}` : null,
        kind: (['user', 'assistant', 'system'] as Kind[])[i % 3]!,
        subtype: null,
        timestamp: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
        preview: `message ${i}`,
        model: null,
        effort: null,
        toolNames: [],
        toolUseIds: [],
        isError: false,
        isSidechain: false,
        agentId: null,
        spawnedAgentId: null,
        messageId: null,
        tokens: null,
        line: i + 1,
        file: 'session',
        content: null,
        ...over,
    };
}

export interface Sent {
    id: number;
    method: RequestMethod;
    params: Record<string, unknown>;
}

export class FakeServer {
    readonly sent: Sent[] = [];
    readonly cancelled: number[] = [];
    readonly queue: Sent[] = [];
    readonly details = new Map<string, MessageDetail>();
    readonly agents = new Map<string, MessageSummary[]>();
    readonly tracker: RequestTracker;
    batchSize = 10;

    constructor(public messages: MessageSummary[]) {
        this.tracker = new RequestTracker({
            sendRequest: (id, method, params) => {
                const s = { id, method, params };
                this.sent.push(s);
                this.queue.push(s);
            },
            sendCancel: (id) => this.cancelled.push(id),
        });
    }

    private rows(filter: MessageFilter | undefined): MessageSummary[] {
        if (filter?.agentId) return this.agents.get(filter.agentId) ?? [];
        let rows = this.messages;
        if (filter?.kinds?.length) rows = rows.filter((m) => filter.kinds!.includes(m.kind));
        if (filter?.text) rows = rows.filter((m) => m.preview.includes(filter.text!));
        if (filter?.errorsOnly) rows = rows.filter((m) => m.isError);
        return rows;
    }

    page(params: Record<string, unknown>) {
        const rows = this.rows(params.filter as MessageFilter | undefined);
        const cursor = (params.cursor as string | null | undefined) ?? null;
        const start = cursor === null ? 0 : rows.findIndex((m) => m.uuid === cursor.slice(6)) + 1;
        const limit = (params.limit as number | undefined) ?? 50;
        const slice = rows.slice(start, start + limit);
        const last = slice[slice.length - 1];
        return {
            messages: slice,
            nextCursor: last ? `after:${last.uuid}` : cursor,
            hasMore: start + limit < rows.length,
            total: cursor === null ? rows.length : null,
        };
    }

    /** Answer one queued request (the oldest, or the one with this id). */
    answer(id?: number): Sent | undefined {
        const k = id === undefined ? 0 : this.queue.findIndex((s) => s.id === id);
        if (k < 0 || k >= this.queue.length) return undefined;
        const [req] = this.queue.splice(k, 1);
        if (!req) return undefined;
        const t = this.tracker;
        switch (req.method) {
            case 'messages/page':
                t.resolve(req.id, this.page(req.params));
                break;
            case 'messages/stream': {
                const page = this.page(req.params);
                const all = page.messages;
                let i = 0;
                t.progress(req.id, { phase: 'begin', percentage: 0 });
                while (all.length - i > this.batchSize) {
                    t.partial(req.id, all.slice(i, i + this.batchSize));
                    i += this.batchSize;
                }
                t.progress(req.id, { phase: 'end' });
                t.resolve(req.id, { ...page, messages: all.slice(i) });
                break;
            }
            case 'messages/get': {
                const d = this.details.get(req.params.uuid as string);
                if (d) t.resolve(req.id, d);
                else t.fail(req.id, `messages/get: no message ${String(req.params.uuid)}`, -32602);
                break;
            }
            default:
                t.fail(req.id, `unexpected ${req.method}`);
        }
        return req;
    }

    /** Answer everything until nothing more is asked (letting promise callbacks run between). */
    async drain(max = 10_000): Promise<number> {
        let n = 0;
        for (; n < max; n++) {
            await flush();
            if (!this.queue.length) {
                await flush();
                if (!this.queue.length) return n;
            }
            this.answer();
        }
        throw new Error('the state kept asking');
    }
}

export async function flush(): Promise<void> {
    for (let i = 0; i < 5; i++) await Promise.resolve();
}
