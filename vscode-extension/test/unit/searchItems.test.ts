import { describe, expect, it } from 'vitest';
import type { SearchHit, SearchPage } from '../../src/protocol';
import { marked, searchItems, SEPARATOR } from '../../src/searchItems';

function hit(over: Partial<SearchHit> = {}): SearchHit {
    return {
        uuid: 'u-1',
        kind: 'user',
        timestamp: '2026-02-12T15:57:03.120000',
        toolNames: [],
        model: null,
        isError: false,
        isSidechain: false,
        agentId: null,
        file: 'session',
        line: 3,
        score: 1.5,
        snippet: 'fix the token refresh in auth.py',
        highlights: [
            { start: 8, end: 13 },
            { start: 14, end: 21 },
        ],
        ...over,
    };
}

describe('search quick pick rows', () => {
    it('marks the matched ranges of the snippet', () => {
        expect(marked('fix the token refresh in auth.py', hit().highlights)).toBe('fix the ‹token› ‹refresh› in auth.py');
    });

    it('cuts a long snippet around its first match and says so', () => {
        const text = 'a'.repeat(200) + ' needle ' + 'b'.repeat(200);
        const out = marked(text, [{ start: 201, end: 207 }], 60);
        expect(out.startsWith('…') && out.endsWith('…')).toBe(true);
        expect(out).toContain('‹needle›');
        expect(out.length).toBeLessThanOrEqual(60 + 4);
    });

    it('labels each row by its session title, the snippet as detail, a separator per session folder', () => {
        const page: SearchPage = {
            groups: [
                { sessionId: 'aaaaaaaa-1', project: 'p1', cwd: '/w/one', title: 'Fix the  token\nrefresh', deleted: false, hits: [hit(), hit({ uuid: 'u-2', kind: 'tool_result', toolNames: ['Bash'], isError: true })] },
                { sessionId: 'bbbbbbbb-2', project: 'p2', cwd: null, title: null, deleted: true, hits: [hit({ uuid: 'u-3' })] },
            ],
            total: 3,
            nextCursor: null,
            hasMore: false,
            indexing: false,
        };
        const items = searchItems(page);
        expect(items.map((i) => i.kind === SEPARATOR)).toEqual([true, false, false, true, false]);
        expect(items[0]!.label).toBe('w/one');
        expect(items[1]!.label).toBe('Fix the token refresh');
        expect(items[1]!.detail).toBe('fix the ‹token› ‹refresh› in auth.py');
        expect(items[1]!.target).toEqual({ sessionId: 'aaaaaaaa-1', project: 'p1', uuid: 'u-1', title: 'Fix the token refresh', kind: 'user' });
        expect(items[2]!.target?.kind).toBe('tool_result');
        expect(items[2]!.description).toBe('tool_result (error) · Bash · 2026-02-12 15:57');
        // No title known (the catalog has not seen it): its folder and short id.
        expect(items[3]!.label).toBe('p2 (deleted)');
        expect(items[4]!.label).toBe('p2 · bbbbbbbb');
        expect(items[4]!.target).toBeUndefined(); // a deleted session's file cannot be opened
        expect(items.every((i) => i.alwaysShow)).toBe(true);
    });

    it('names the subagent of a hit in a subagent transcript, so the session can walk into it', () => {
        const page: SearchPage = {
            groups: [{ sessionId: 's', project: 'p', cwd: null, title: null, deleted: false, hits: [hit({ isSidechain: true, agentId: 'a9', kind: 'assistant' }), hit({ uuid: 'u-2' })] }],
            total: 2,
            nextCursor: null,
            hasMore: false,
            indexing: false,
        };
        const [, sub, main] = searchItems(page);
        expect(sub!.target).toMatchObject({ uuid: 'u-1', kind: 'assistant', agentId: 'a9' });
        expect(main!.target).not.toHaveProperty('agentId');
    });
});
