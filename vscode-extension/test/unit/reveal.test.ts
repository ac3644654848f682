import { describe, expect, it } from 'vitest';
import type { MessageDetail } from '../../src/protocol';
import { defaultFilter, SessionState } from '../../src/webview/state/session';
import { notFoundMessage, walkTo, type WalkPage } from '../../src/webview/state/reveal';
import { FakeServer, flush, summary } from './fakeServer';

function pages(n: number, size: number) {
    const items = Array.from({ length: n }, (_, i) => `m${i}`);
    const calls: (string | null)[] = [];
    const fetch = async (p: number, cursor: string | null): Promise<WalkPage<string>> => {
        calls.push(cursor);
        const start = cursor === null ? 0 : Number(cursor.slice(1));
        expect(start).toBe(p * size); // each cursor is the one of page p
        const slice = items.slice(start, start + size);
        return { items: slice, nextCursor: `c${start + slice.length}`, hasMore: start + size < n };
    };
    return { fetch, calls };
}

describe('walkTo: paging forwards to a message', () => {
    it('finds a message several pages in, with the cursor of every page on the way', async () => {
        const { fetch, calls } = pages(95, 20);
        const progress: number[] = [];
        const r = await walkTo('m67', (s) => s, 20, fetch, { maxPages: 10, onProgress: (_p, items) => progress.push(items) });
        expect(r).toMatchObject({ found: true, page: 3, offset: 7, index: 67, cursors: [null, 'c20', 'c40', 'c60'] });
        expect(calls).toEqual([null, 'c20', 'c40', 'c60']);
        expect(progress).toEqual([20, 40, 60]);
    });

    it('finds a message on the first page with one request', async () => {
        const { fetch, calls } = pages(95, 20);
        const r = await walkTo('m3', (s) => s, 20, fetch, { maxPages: 10 });
        expect(r).toMatchObject({ found: true, page: 0, index: 3 });
        expect(calls).toHaveLength(1);
    });

    it('stops at the end of the session, at the page limit, and when cancelled', async () => {
        const a = pages(95, 20);
        expect(await walkTo('nope', (s) => s, 20, a.fetch, { maxPages: 10 })).toEqual({ found: false, reason: 'end', pages: 5, items: 95 });
        const b = pages(95, 20);
        expect(await walkTo('m90', (s) => s, 20, b.fetch, { maxPages: 2 })).toEqual({ found: false, reason: 'limit', pages: 2, items: 40 });
        expect(b.calls).toHaveLength(2);
        const c = pages(95, 20);
        let n = 0;
        const r = await walkTo('m90', (s) => s, 20, c.fetch, { maxPages: 10, cancelled: () => ++n > 3 });
        expect(r).toMatchObject({ found: false, reason: 'cancelled' });
        expect(c.calls.length).toBeLessThan(3);
    });

    it('says plainly why a message was not found', () => {
        expect(notFoundMessage('end', 1234)).toMatch(/not among the session's 1,234 messages/);
        expect(notFoundMessage('limit', 100_000)).toMatch(/after the first 100,000 messages/);
    });
});

function detailWithTool(i: number, toolId: string): MessageDetail {
    return {
        ...summary(i, { kind: 'assistant', toolNames: ['Edit'], toolUseIds: [toolId] }),
        entry: {},
        content: [
            { type: 'text', text: 'editing' },
            { type: 'tool_use', id: toolId, name: 'Edit', input: { file_path: '/w/a.py', old_string: 'a', new_string: 'b' } },
        ],
        toolResults: [],
    } as MessageDetail;
}

describe('SessionState.reveal', () => {
    async function ready(n: number, pageSize = 20) {
        const server = new FakeServer(Array.from({ length: n }, (_, i) => summary(i)));
        const state = new SessionState(server.tracker, { pageSize, maxPages: 5, batchSize: 10 });
        state.setFilter({ ...defaultFilter(), kinds: [] });
        await server.drain();
        expect(state.readyToReveal).toBe(true);
        return { server, state };
    }

    it('walks to a message far from the loaded pages, loads its page and seeds the cursors before it', async () => {
        const { server, state } = await ready(300);
        const before = server.sent.length;
        const p = state.reveal('u257', { maxPages: 50 });
        await server.drain();
        const r = await p;
        expect(r).toEqual({ index: 257 });
        const row = state.rowAt(state.rows.rowOf(257));
        expect(row.kind === 'message' && row.message.uuid).toBe('u257');
        // Pages 0 and 1 were resident: the walk asked for pages 2..12 only, each with a page-sized limit.
        const walk = server.sent.slice(before).filter((s) => s.method === 'messages/page');
        expect(state.list.residentPages().slice(0, 2)).toEqual([0, 1]);
        expect(walk[0]?.params.cursor).toBe('after:u39');
        expect(walk).toHaveLength(11);
        expect(walk.every((s) => s.params.limit === 20)).toBe(true);
        for (let p = 0; p <= 12; p++) expect(state.list.cursorOf(p)).not.toBeUndefined();
        // Scrolling back to an earlier page fetches it by its seeded cursor, no walk again.
        const n0 = server.sent.length;
        state.visible(state.rows.rowOf(100), state.rows.rowOf(110));
        await server.drain();
        expect(server.sent.length - n0).toBeLessThanOrEqual(3);
        const r100 = state.rowAt(state.rows.rowOf(100));
        expect(r100.kind === 'message' && r100.message.uuid).toBe('u100');
    });

    it('says so when the message is not in the session, or the walk hit its bound', async () => {
        const { server, state } = await ready(100);
        const p = state.reveal('missing', { maxPages: 50 });
        await server.drain();
        expect(await p).toEqual({ message: expect.stringMatching(/not among the session's 100 messages/) });
        const q = state.reveal('u99', { maxPages: 2 });
        await server.drain();
        expect(await q).toEqual({ message: expect.stringMatching(/after the first 40 messages/) });
        const r = state.reveal('missing', { maxPages: 50, what: 'message' });
        await server.drain();
        expect(await r).toEqual({ message: expect.stringMatching(/^This message is not among/) });
    });

    it('stops walking when the filter changes', async () => {
        const { server, state } = await ready(300);
        const p = state.reveal('u280', { maxPages: 50 });
        await flush();
        server.answer();
        await flush();
        state.setFilter(defaultFilter());
        await server.drain();
        expect(await p).toEqual({ message: expect.stringMatching(/Stopped looking/) });
    });

    it('expands the revealed message and finds the row of its tool call', async () => {
        const { server, state } = await ready(100);
        server.details.set('u44', detailWithTool(44, 'toolu_x'));
        const p = state.reveal('u44', { maxPages: 50 });
        await server.drain();
        const r = await p;
        expect(r).toEqual({ index: 44 });
        const row = state.rowAt(state.rows.rowOf(44));
        expect(state.toolRowKey(44, 'toolu_x')).toBeUndefined();
        state.toggle(row, true);
        expect(state.detailFailed(44)).toBe(false);
        await server.drain();
        const key = state.toolRowKey(44, 'toolu_x');
        expect(key).toBeDefined();
        const toolRow = state.rowAt(state.rowOfKey(key!)!);
        expect(toolRow.kind === 'node' && toolRow.node.tool?.id).toBe('toolu_x');
    });

    it('walks to the tool result that started a subagent, then into the subagent to a message on its second page', async () => {
        const { server, state } = await ready(100);
        server.messages[63] = summary(63, { kind: 'tool_result', spawnedAgentId: 'agent7', preview: 'spawned' });
        server.details.set('u63', {
            ...server.messages[63]!,
            entry: {},
            content: [{ type: 'tool_result', tool_use_id: 'toolu_t', content: 'done' }],
            toolResults: [],
        } as MessageDetail);
        // 30 subagent messages: with pages of 20 the one looked for (the 26th) is on the second page.
        server.agents.set('agent7', Array.from({ length: 30 }, (_, i) => summary(500 + i, { isSidechain: true, agentId: 'agent7', preview: `sub ${i}` })));
        const p = state.reveal('agent7', { maxPages: 50, keyOf: (m) => m.spawnedAgentId ?? '' });
        await server.drain();
        expect(await p).toEqual({ index: 63 });
        state.toggle(state.rowAt(state.rows.rowOf(63)), true);
        let step = state.revealInAgent(63, 'agent7', 'u525');
        for (let i = 0; i < 10 && step === 'waiting'; i++) {
            await server.drain();
            step = state.revealInAgent(63, 'agent7', 'u525');
        }
        expect(step).not.toBe('waiting');
        const key = (step as { key: string }).key;
        const row = state.rowAt(state.rowOfKey(key)!);
        expect(row.kind === 'node' && row.node.message?.uuid).toBe('u525');
        expect(row.depth).toBe(2); // tool result > subagent > its message
        const agentPages = server.sent.filter((s) => (s.params.filter as { agentId?: string } | undefined)?.agentId === 'agent7');
        expect(agentPages).toHaveLength(2);
    });

    it('says why when a subagent message cannot be reached', async () => {
        const { server, state } = await ready(10);
        server.messages[3] = summary(3, { kind: 'tool_result', spawnedAgentId: 'agent7' });
        server.details.set('u3', { ...server.messages[3]!, entry: {}, content: [], toolResults: [] } as MessageDetail);
        server.agents.set('agent7', [summary(500, { isSidechain: true, agentId: 'agent7' })]);
        expect(state.revealInAgent(3, 'agent7', 'u500')).toEqual({ message: expect.stringMatching(/not open/) });
        state.toggle(state.rowAt(state.rows.rowOf(3)), true);
        expect(state.revealInAgent(3, 'agent7', 'u500')).toBe('waiting');
        await server.drain();
        expect(state.revealInAgent(3, 'other', 'u500')).toEqual({ message: 'Subagent other is not under this message.' });
        expect(state.revealInAgent(3, 'agent7', 'gone')).toBe('waiting'); // expands the subagent first
        await server.drain();
        expect(state.revealInAgent(3, 'agent7', 'gone')).toEqual({ message: expect.stringMatching(/not among subagent agent7's 1 messages/) });
    });

    it('knows when a filter would hide tool calls', () => {
        const server = new FakeServer([]);
        const state = new SessionState(server.tracker, { pageSize: 20 });
        expect(state.canShowToolCalls()).toBe(true);
        state.setFilter({ ...defaultFilter(), text: 'foo' });
        expect(state.canShowToolCalls()).toBe(false);
        state.setFilter({ ...defaultFilter(), kinds: ['user'] });
        expect(state.canShowToolCalls()).toBe(false);
    });
});
