import { describe, expect, it } from 'vitest';
import type { MessageDetail } from '../../src/protocol';
import { SessionState, SKELETON_ROWS, toServerFilter, defaultFilter, type Row } from '../../src/webview/state/session';
import { FakeServer, flush, summary } from './fakeServer';

function setup(n: number, pageSize = 20, maxPages = 5) {
    const server = new FakeServer(Array.from({ length: n }, (_, i) => summary(i)));
    let changes = 0;
    const state = new SessionState(server.tracker, { pageSize, maxPages, batchSize: 10 }, () => changes++);
    state.setFilter({ ...defaultFilter(), kinds: [] }); // every kind: row i = message i
    return { server, state, changes: () => changes };
}

function labels(state: SessionState, from: number, to: number): string[] {
    const out: string[] = [];
    for (let r = from; r < to; r++) {
        const row = state.rowAt(r);
        out.push(row.kind === 'message' ? row.message.preview : row.kind === 'node' ? `${row.node.kind}:${row.node.label}` : row.kind);
    }
    return out;
}

describe('SessionState: first screen and paging', () => {
    it('streams the first page, showing skeleton rows until the count is known', async () => {
        const { server, state } = setup(95);
        expect(server.sent[0]?.method).toBe('messages/stream');
        expect(state.rowCount()).toBe(SKELETON_ROWS);
        expect(state.rowAt(0).kind).toBe('skeleton');
        server.answer();
        await flush();
        expect(state.list.total).toBe(95);
        expect(state.rowCount()).toBe(95);
        expect(labels(state, 0, 3)).toEqual(['message 0', 'message 1', 'message 2']);
        expect(state.rowAt(20).kind).toBe('skeleton'); // not fetched yet
        expect(state.progress.active).toBe(false);
    });

    it('loads later pages as they come into view, and the end', async () => {
        const { server, state } = setup(95);
        await server.drain();
        state.visible(80, 94);
        await server.drain();
        expect(labels(state, 93, 95)).toEqual(['message 93', 'message 94']);
        expect(server.sent.filter((s) => s.method === 'messages/page').length).toBeGreaterThanOrEqual(4);
        // Every page request carries the filter and a cursor, never a session (the host adds it).
        for (const s of server.sent) expect(s.params).not.toHaveProperty('sessionId');
    });

    it('keeps at most maxPages pages and fetches evicted ones again when scrolled back', async () => {
        const { server, state } = setup(400, 20, 5);
        await server.drain();
        state.visible(380, 399);
        await server.drain();
        state.visible(380, 399); // eviction happens after the answers
        expect(state.list.residentPages().length).toBeLessThanOrEqual(5);
        expect(state.rowAt(0).kind).toBe('skeleton');
        const before = server.sent.length;
        state.visible(0, 19);
        await server.drain();
        expect(labels(state, 0, 2)).toEqual(['message 0', 'message 1']);
        const again = server.sent.slice(before).map((s) => s.params.cursor ?? null);
        expect(again).toContain(null); // page 0 again, by its own (null) cursor
        expect(server.sent.slice(before).every((s) => s.method === 'messages/page')).toBe(true);
    });
});

describe('SessionState: filters cancel what is in flight', () => {
    it('a new filter cancels the old requests and ignores their late answers', async () => {
        const { server, state } = setup(200);
        await server.drain();
        state.visible(100, 120);
        await flush();
        const inFlight = server.queue.map((s) => s.id);
        expect(inFlight.length).toBeGreaterThan(0);
        state.setFilter({ ...defaultFilter(), kinds: [], text: 'message 1' });
        expect(server.cancelled).toEqual(expect.arrayContaining(inFlight));
        // The old answers arrive anyway: they must not touch the new list.
        for (const id of inFlight) server.answer(id);
        await flush();
        expect(state.list.total).toBeUndefined();
        await server.drain();
        const total = server.messages.filter((m) => m.preview.includes('message 1')).length;
        expect(state.list.total).toBe(total);
        expect(labels(state, 0, 2)).toEqual(['message 1', 'message 10']);
        const last = server.sent[server.sent.length - 1]!;
        expect(last.params.filter).toEqual({ text: 'message 1' });
    });

    it('maps the filter state onto the server filter (errors live on tool results)', () => {
        expect(toServerFilter(defaultFilter())).toEqual({ kinds: ['user', 'assistant', 'system'] });
        expect(toServerFilter({ kinds: ['user'], tools: ['Bash'], errorsOnly: true, text: '  boom ' })).toEqual({
            kinds: ['user', 'tool_result'],
            tools: ['Bash'],
            errorsOnly: true,
            text: 'boom',
        });
    });

    it('shows a server error once and retries on demand', async () => {
        const { server, state } = setup(50);
        const req = server.queue.shift()!;
        server.tracker.fail(req.id, 'messages/stream: cannot read the transcript', -32803);
        await flush();
        expect(state.error).toMatch(/cannot read the transcript/);
        state.visible(0, 10);
        expect(server.queue).toHaveLength(0); // no retry loop while the error shows
        state.retry();
        await server.drain();
        expect(state.error).toBeUndefined();
        expect(state.list.total).toBe(50);
    });
});

function detail(i: number, content: unknown[], toolResults: MessageDetail[] = []): MessageDetail {
    return { ...summary(i), content, entry: { uuid: `u${i}` }, toolResults };
}

describe('SessionState: expanding', () => {
    it('expands a message into content blocks, a tool call with its result, and a subagent transcript', async () => {
        const { server, state } = setup(10);
        await server.drain();
        const result: MessageDetail = {
            ...summary(100, { kind: 'tool_result', toolUseIds: ['toolu_1'], spawnedAgentId: 'a1' }),
            content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'agent done' }],
            entry: {},
            toolResults: [],
        };
        server.details.set('u1', detail(1, [{ type: 'text', text: 'Let me delegate.' }, { type: 'tool_use', id: 'toolu_1', name: 'Task', input: { description: 'explore' } }], [result]));
        server.agents.set('a1', [summary(200, { preview: 'sub 1', isSidechain: true, agentId: 'a1' }), summary(201, { preview: 'sub 2', isSidechain: true, agentId: 'a1' })]);
        state.toggle(state.rowAt(1));
        const pending = state.rowAt(2);
        expect(pending.kind === 'node' && pending.node.kind).toBe('loading'); // skeleton while fetching
        await server.drain();
        expect(labels(state, 1, 5)).toEqual(['message 1', 'text:', 'tool:Task', 'raw:Raw line session:2']);
        expect(labels(state, 5, 6)).toEqual(['message 2']);
        const tool = state.rowAt(3) as Extract<Row, { kind: 'node' }>;
        state.toggle(tool);
        expect(labels(state, 4, 7)).toEqual(['input:Input', 'result:Result', 'agent:Subagent a1']);
        state.toggle(state.rowAt(6));
        await server.drain();
        const agentReq = server.sent.find((s) => (s.params.filter as { agentId?: string } | undefined)?.agentId === 'a1');
        expect(agentReq?.params.filter).toMatchObject({ agentId: 'a1', includeSidechains: true });
        expect(labels(state, 7, 9)).toEqual(['message:sub 1', 'message:sub 2']);
        expect(state.rowAt(7).depth).toBe(3); // message 0 > tool 1 > agent 2 > its messages 3
        // Left from a nested row goes to its parent.
        expect(state.parentRow(7)).toBe(6);
        expect(state.parentRow(6)).toBe(3);
        expect(state.parentRow(3)).toBe(1);
        // Collapsing the message removes all its rows.
        state.toggle(state.rowAt(1));
        expect(state.rowCount()).toBe(10);
        expect(labels(state, 2, 3)).toEqual(['message 2']);
    });

    it('a failed expand shows the error under the row', async () => {
        const { server, state } = setup(5);
        await server.drain();
        state.toggle(state.rowAt(2));
        await server.drain();
        const r = state.rowAt(3);
        expect(r.kind === 'node' && r.node.kind).toBe('error');
        expect(r.kind === 'node' && r.node.label).toMatch(/no message u2/);
    });
});

describe('SessionState: live sessions and restoring', () => {
    it('an append recounts and fetches the new tail without a reload', async () => {
        const { server, state } = setup(25);
        await server.drain();
        state.visible(0, 24);
        await server.drain();
        expect(state.list.total).toBe(25);
        server.messages.push(summary(25, { preview: 'new one' }), summary(26, { preview: 'newer' }));
        state.sessionChanged('appended');
        await server.drain();
        expect(state.list.total).toBe(27);
        expect(labels(state, 25, 27)).toEqual(['new one', 'newer']);
    });

    it('saves the top row with its page cursor, and restores straight to it', async () => {
        const { server, state } = setup(300, 20);
        await server.drain();
        state.visible(150, 170);
        await server.drain();
        const saved = state.save(state.rows.rowOf(155), 'session:156');
        expect(saved).toMatchObject({ anchorIndex: 155, anchorPage: 7, total: 300, selectedKey: 'session:156' });
        expect(saved.anchorCursor).toBe('after:u139');
        // A fresh webview (the panel was hidden and shown again).
        const again = new FakeServer(server.messages);
        const restored = new SessionState(again.tracker, { pageSize: 20, batchSize: 10 });
        const row = restored.restore(saved);
        expect(row).toBe(155);
        expect(again.sent[0]).toMatchObject({ method: 'messages/page', params: { cursor: 'after:u139' } });
        again.answer();
        await flush();
        expect(labels(restored, 155, 156)).toEqual(['message 155']);
    });
});
