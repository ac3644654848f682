import { describe, expect, it } from 'vitest';
import { collectWrites, editItems, parseTraceArgs, relativeTime, type HistoryPage } from '../../src/edits';
import type { FileTouch } from '../../src/protocol';
import { parseHostMessage } from '../../src/shared/ipc';

function touch(i: number, over: Partial<FileTouch> = {}): FileTouch {
    return {
        sessionId: `s${i % 3}`,
        project: '-w',
        uuid: `u${i}`,
        toolUseId: `toolu_${i}`,
        tool: 'Edit',
        kind: 'write',
        path: '/w/a.py',
        timestamp: `2026-03-01T10:00:${String(i % 60).padStart(2, '0')}`,
        prompt: `fix the thing\\n number ${i}`,
        sessionTitle: `Session ${i % 3}`,
        ...over,
    };
}

describe('parseTraceArgs', () => {
    const ok = { sessionId: 'abc-1', project: '-home-me-proj', uuid: 'u1', toolUseId: 'toolu_1' };
    it('takes the object a code lens or hover link passes, also wrapped in an array or an edits item', () => {
        expect(parseTraceArgs(ok)).toEqual(ok);
        expect(parseTraceArgs([ok])).toEqual(ok);
        expect(parseTraceArgs({ label: 'x', touch: { ...ok, tool: 'Edit', kind: 'write' } })).toEqual(ok);
        expect(parseTraceArgs({ sessionId: 'abc', project: 'p', uuid: 'u' })).toEqual({ sessionId: 'abc', project: 'p', uuid: 'u' });
    });
    it('refuses anything else', () => {
        expect(parseTraceArgs(undefined)).toBeUndefined();
        expect(parseTraceArgs({ ...ok, sessionId: '../etc' })).toBeUndefined();
        expect(parseTraceArgs({ ...ok, uuid: '' })).toBeUndefined();
        expect(parseTraceArgs([ok, ok])).toBeUndefined();
    });
});

describe('editItems: history touches to the edits view', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    it('keeps the writes only, in the given order (newest first), once each', () => {
        const touches = [touch(5), touch(4, { kind: 'read', tool: 'Read' }), touch(3, { tool: 'Write' }), touch(5), touch(2, { kind: 'search', tool: 'Grep' })];
        const items = editItems(touches, now);
        expect(items.map((i) => i.touch.uuid)).toEqual(['u5', 'u3']);
        expect(items[0]).toMatchObject({ label: 'Session 2', description: 'Edit · 1 h ago', id: '-w/s2/toolu_5' });
        expect(items[1]).toMatchObject({ label: 'Session 0', description: 'Write · 1 h ago' });
        expect(items[0]?.tooltip).toContain('2026-03-01 10:00:05 UTC');
        expect(items[0]?.tooltip).toContain('Prompt: fix the thing');
    });
    it('falls back to the session id without a title, and flattens long titles', () => {
        const [a, b] = editItems([touch(1, { sessionTitle: null }), touch(2, { sessionTitle: `a\n${'x'.repeat(200)}` })], now);
        expect(a?.label).toBe('s1');
        expect(b?.label.length).toBeLessThanOrEqual(40);
        expect(b?.label).not.toContain('\n');
    });
    it('says how long ago', () => {
        expect(relativeTime('2026-03-01T11:59:30', now)).toBe('just now');
        expect(relativeTime('2026-03-01T11:45:00Z', now)).toBe('15 min ago');
        expect(relativeTime('2026-02-27T12:00:00Z', now)).toBe('2 days ago');
        expect(relativeTime('2025-10-01T00:00:00Z', now)).toBe('5 mo ago');
        expect(relativeTime('2024-01-01T00:00:00Z', now)).toBe('2 y ago');
        expect(relativeTime(null, now)).toBe('');
    });
});

describe('collectWrites: paging the history by cursor', () => {
    function history(touches: FileTouch[], size: number) {
        const cursors: (string | null)[] = [];
        const fetch = async (cursor: string | null): Promise<HistoryPage> => {
            cursors.push(cursor);
            const start = cursor ? Number(cursor) : 0;
            const end = start + size;
            return { touches: touches.slice(start, end), nextCursor: String(Math.min(end, touches.length)), hasMore: end < touches.length };
        };
        return { fetch, cursors };
    }
    it('reads pages until it has enough writes, and goes on from its cursor', async () => {
        const all = Array.from({ length: 30 }, (_, i) => touch(i, i % 3 === 0 ? {} : { kind: 'read', tool: 'Read' }));
        const h = history(all, 6);
        const first = await collectWrites(h.fetch, null, 4);
        expect(first.touches.map((t) => t.uuid)).toEqual(['u0', 'u3', 'u6', 'u9']);
        expect(first).toMatchObject({ nextCursor: '12', hasMore: true });
        const rest = await collectWrites(h.fetch, first.nextCursor, 100);
        expect(rest.touches.map((t) => t.uuid)).toEqual(['u12', 'u15', 'u18', 'u21', 'u24', 'u27']);
        expect(rest.hasMore).toBe(false);
        expect(h.cursors).toEqual([null, '6', '12', '18', '24']);
    });
    it('stops after maxPages even with no writes found', async () => {
        const all = Array.from({ length: 100 }, (_, i) => touch(i, { kind: 'read' }));
        const h = history(all, 5);
        const r = await collectWrites(h.fetch, null, 10, 3);
        expect(r).toMatchObject({ touches: [], nextCursor: '15', hasMore: true });
    });
});

describe('the reveal message of the webview protocol', () => {
    it('is validated like the others', () => {
        expect(parseHostMessage({ type: 'reveal', uuid: 'u1', toolUseId: 't1' })).toEqual({ type: 'reveal', uuid: 'u1', toolUseId: 't1' });
        expect(parseHostMessage({ type: 'reveal', uuid: 'u1' })).toEqual({ type: 'reveal', uuid: 'u1' });
        expect(parseHostMessage({ type: 'reveal', uuid: '' })).toBeUndefined();
        expect(parseHostMessage({ type: 'reveal', uuid: 'u1', extra: 1 })).toBeUndefined();
    });
});
