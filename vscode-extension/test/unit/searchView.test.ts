// @vitest-environment jsdom
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEBOUNCE_MS, SearchBox } from '../../src/searchView/box';
import { buildResults, highlightedSnippet, statusText } from '../../src/searchView/render';
import { addGroups, finish, initialState, startMore, startQuery } from '../../src/searchView/state';
import { parseSearchHostMessage, parseSearchViewMessage, type SearchViewToHost, type ViewGroup, type ViewHit } from '../../src/shared/searchIpc';

function hit(n: number, over: Partial<ViewHit> = {}): ViewHit {
    return {
        uuid: `u${n}`,
        kind: 'user',
        timestamp: '2026-03-01T10:20:30Z',
        toolNames: [],
        isError: false,
        isSidechain: false,
        agentId: null,
        snippet: `fix the token refresh ${n}`,
        highlights: [{ start: 8, end: 13 }],
        ...over,
    };
}

function group(sessionId: string, hits: ViewHit[], over: Partial<ViewGroup> = {}): ViewGroup {
    return { sessionId, project: '-work-app', cwd: '/work/app', deleted: false, hits, ...over };
}

/** The snippet's text with each <mark> written as [..]: what a reader sees highlighted. */
function marked(node: ParentNode): string {
    let out = '';
    for (const child of Array.from(node.childNodes)) {
        if (child.nodeType === 3) out += child.textContent;
        else if ((child as Element).tagName === 'MARK') out += `[${child.textContent}]`;
        else out += '?';
    }
    return out;
}

describe('search view messages are validated', () => {
    it('accepts the view intents it knows', () => {
        expect(parseSearchViewMessage({ type: 'ready' })).toEqual({ type: 'ready' });
        expect(parseSearchViewMessage({ type: 'search', id: 1, query: 'token', everywhere: false, cursor: null })).toBeDefined();
        expect(parseSearchViewMessage({ type: 'open', sessionId: 's', project: 'p', uuid: 'u', title: 't' })).toBeDefined();
    });

    it.each([
        ['an unknown type', { type: 'request', id: 1, method: 'sessions/list', params: {} }],
        ['an empty query', { type: 'search', id: 1, query: '', everywhere: true, cursor: null }],
        ['a query over the limit', { type: 'search', id: 1, query: 'x'.repeat(1001), everywhere: true, cursor: null }],
        ['an extra key (a project path smuggled in)', { type: 'search', id: 1, query: 'a', everywhere: true, cursor: null, workspace: '/etc' }],
        ['a fractional id', { type: 'search', id: 1.5, query: 'a', everywhere: true, cursor: null }],
        ['an open without a uuid', { type: 'open', sessionId: 's', project: 'p', title: 't' }],
    ])('rejects %s', (_why, msg) => {
        expect(parseSearchViewMessage(msg)).toBeUndefined();
    });

    it('rejects a group whose hit has no highlights list or a bad kind', () => {
        const bad = { ...hit(1), highlights: undefined };
        expect(parseSearchHostMessage({ type: 'groups', id: 1, groups: [group('s', [bad as unknown as ViewHit])] })).toBeUndefined();
        expect(parseSearchHostMessage({ type: 'groups', id: 1, groups: [group('s', [{ ...hit(1), kind: 'root' as never }])] })).toBeUndefined();
        expect(parseSearchHostMessage({ type: 'groups', id: 1, groups: [group('s', [hit(1)])] })).toBeDefined();
    });
});

describe('snippet highlighting', () => {
    it('wraps each matched range in <mark>, the rest as text', () => {
        const frag = highlightedSnippet(document, 'fix the token refresh', [
            { start: 8, end: 13 },
            { start: 14, end: 21 },
        ]);
        expect(marked(frag)).toBe('fix the [token] [refresh]');
        expect(frag.querySelectorAll('mark')).toHaveLength(2);
    });

    it('keeps markup in transcript text as text: no element is created from it', () => {
        const snippet = '<img src=x onerror=alert(1)> <b>token</b>';
        const div = document.createElement('div');
        div.append(highlightedSnippet(document, snippet, [{ start: 32, end: 37 }]));
        expect(div.querySelector('img, b')).toBeNull();
        expect(div.textContent).toBe(snippet);
        expect(div.querySelector('mark')?.textContent).toBe('token');
    });

    it('clamps ranges past the end, skips reversed ones and merges overlaps without losing text', () => {
        const frag = highlightedSnippet(document, 'abcdef', [
            { start: 4, end: 99 },
            { start: 3, end: 1 },
            { start: 0, end: 2 },
            { start: 1, end: 3 },
        ]);
        expect(marked(frag)).toBe('[ab][c]d[ef]');
    });
});

describe('search state', () => {
    it('merges a later page into the same session group and keeps streamed order', () => {
        let s = startQuery(initialState(true), 1, 'token');
        s = addGroups(s, 1, [group('a', [hit(1)])]);
        s = addGroups(s, 1, [group('b', [hit(2)])]);
        s = finish(s, 1, { total: 3, nextCursor: 'c1', hasMore: true, indexing: false });
        s = startMore(s, 2);
        s = addGroups(s, 2, [group('b', [hit(3)])]);
        expect(s.groups.map((g) => [g.sessionId, g.hits.map((h) => h.uuid)])).toEqual([
            ['a', ['u1']],
            ['b', ['u2', 'u3']],
        ]);
    });

    it('drops answers to a request that is no longer current (the user typed on)', () => {
        let s = startQuery(initialState(true), 1, 'tok');
        s = startQuery(s, 2, 'token');
        s = addGroups(s, 1, [group('old', [hit(9)])]);
        s = finish(s, 1, { total: 1, nextCursor: null, hasMore: false, indexing: false });
        expect(s.groups).toEqual([]);
        expect(s.loading).toBe(true);
        s = addGroups(s, 2, [group('new', [hit(1)])]);
        expect(s.groups.map((g) => g.sessionId)).toEqual(['new']);
    });

    it('searches every project by default only when there is no workspace folder', () => {
        expect(initialState(true).everywhere).toBe(false);
        expect(initialState(false).everywhere).toBe(true);
    });

    it('says how many of how many, and that the index is still building', () => {
        let s = startQuery(initialState(true), 1, 'token');
        expect(statusText(s)).toBe('Searching…');
        s = addGroups(s, 1, [group('a', [hit(1), hit(2)])]);
        s = finish(s, 1, { total: 5, nextCursor: 'c', hasMore: true, indexing: true });
        expect(statusText(s)).toBe('2 of 5 matching messages in 1 session (still indexing)');
    });

    it('says what was searched, and where, when nothing matches', () => {
        let s = startQuery(initialState(true), 1, ' frobnicate ');
        s = finish(s, 1, { total: 0, nextCursor: null, hasMore: false, indexing: false });
        expect(statusText(s)).toBe('No message matches “frobnicate” in this workspace’s sessions.');
        s = startQuery({ ...s, everywhere: true }, 2, 'frobnicate');
        s = finish(s, 2, { total: 0, nextCursor: null, hasMore: false, indexing: false });
        expect(statusText(s)).toBe('No message matches “frobnicate” in any project.');
    });
});

describe('result list', () => {
    it('groups hits under a session heading and opens a hit at its message', () => {
        const opened: unknown[] = [];
        let s = startQuery(initialState(true), 1, 'token');
        s = addGroups(s, 1, [group('aaaaaaaa-1111', [hit(1), hit(2)]), group('bbbbbbbb-2222', [hit(3)], { title: 'Fix the parser' })]);
        const list = buildResults(document, s, (t) => opened.push(t));
        expect(Array.from(list.querySelectorAll('.group-title .name')).map((e) => e.textContent)).toEqual(['/work/app · aaaaaaaa', 'Fix the parser']);
        expect(Array.from(list.querySelectorAll('.group-title .where')).map((e) => e.textContent)).toEqual(['work/app', 'work/app']);
        const rows = list.querySelectorAll<HTMLButtonElement>('.hit');
        expect(rows).toHaveLength(3);
        expect(marked(rows[2]!.querySelector('.snippet')!)).toBe('fix the [token] refresh 3');
        rows[2]!.click();
        expect(opened).toEqual([{ sessionId: 'bbbbbbbb-2222', project: '-work-app', uuid: 'u3', title: 'Fix the parser', kind: 'user' }]);
    });

    it('does not offer to open a hit without a uuid or in a deleted session', () => {
        const opened: unknown[] = [];
        let s = startQuery(initialState(true), 1, 'token');
        s = addGroups(s, 1, [group('a', [hit(1, { uuid: null })]), group('b', [hit(2)], { deleted: true })]);
        const list = buildResults(document, s, (t) => opened.push(t));
        const rows = list.querySelectorAll<HTMLElement>('.hit');
        expect(rows).toHaveLength(2);
        for (const r of Array.from(rows)) {
            expect(r.tagName).toBe('DIV');
            expect(r.classList.contains('disabled')).toBe(true);
            r.click();
        }
        expect(opened).toEqual([]);
    });
});

describe('the search box', () => {
    let posted: SearchViewToHost[];
    let box: SearchBox;
    let root: HTMLDivElement;

    beforeEach(() => {
        vi.useFakeTimers();
        posted = [];
        root = document.createElement('div');
        box = new SearchBox(document, root, (m) => posted.push(m));
        box.receive({ type: 'init', workspace: '/work/app' });
    });
    afterEach(() => {
        vi.useRealTimers();
    });

    function type(text: string): void {
        box.input.value = text;
        box.input.dispatchEvent(new Event('input'));
    }

    it('debounces typing into one query for the last text, scoped to the workspace', () => {
        type('t');
        type('to');
        type('token');
        vi.advanceTimersByTime(DEBOUNCE_MS - 1);
        expect(posted).toEqual([]);
        vi.advanceTimersByTime(1);
        expect(posted).toEqual([{ type: 'search', id: 1, query: 'token', everywhere: false, cursor: null }]);
    });

    it('runs again over every project when the scope is toggled', () => {
        type('token');
        vi.advanceTimersByTime(DEBOUNCE_MS);
        box.scope.click();
        expect(posted.at(-1)).toEqual({ type: 'search', id: 2, query: 'token', everywhere: true, cursor: null });
        expect(box.scope.getAttribute('aria-pressed')).toBe('true');
    });

    it('draws streamed groups as they come, then loads more with the cursor', () => {
        type('token');
        vi.advanceTimersByTime(DEBOUNCE_MS);
        box.receive({ type: 'groups', id: 1, groups: [group('a', [hit(1)])] });
        expect(root.querySelectorAll('.hit')).toHaveLength(1);
        expect(box.more.hidden).toBe(true);
        box.receive({ type: 'done', id: 1, total: 2, nextCursor: 'next', hasMore: true, indexing: false });
        expect(box.more.hidden).toBe(false);
        box.more.click();
        expect(posted.at(-1)).toEqual({ type: 'search', id: 2, query: 'token', everywhere: false, cursor: 'next' });
        box.receive({ type: 'groups', id: 2, groups: [group('b', [hit(2)])] });
        box.receive({ type: 'done', id: 2, total: 2, nextCursor: null, hasMore: false, indexing: false });
        expect(root.querySelectorAll('.hit')).toHaveLength(2);
        expect(box.more.hidden).toBe(true);
        expect(root.querySelector('.status')?.textContent).toBe('2 matching messages in 2 sessions');
    });

    it('clearing the box cancels the running query and its late answers are ignored', () => {
        type('token');
        vi.advanceTimersByTime(DEBOUNCE_MS);
        type('');
        vi.advanceTimersByTime(DEBOUNCE_MS);
        expect(posted.at(-1)).toEqual({ type: 'cancel' });
        box.receive({ type: 'groups', id: 1, groups: [group('a', [hit(1)])] });
        expect(root.querySelectorAll('.hit')).toHaveLength(0);
    });

    it('shows the server error for the current query', () => {
        type('"unclosed');
        vi.advanceTimersByTime(DEBOUNCE_MS);
        box.receive({ type: 'error', id: 1, message: 'search/query: bad query' });
        expect(root.querySelector('.status')?.textContent).toBe('search/query: bad query');
        expect(root.querySelector('.status')?.classList.contains('error')).toBe(true);
    });

    it('runs the query it is given back after being hidden, in the saved scope', () => {
        const again = new SearchBox(document, document.createElement('div'), (m) => posted.push(m));
        again.receive({ type: 'init', workspace: '/work/app' }, { query: 'token', everywhere: true });
        expect(again.input.value).toBe('token');
        expect(posted.at(-1)).toEqual({ type: 'search', id: 1, query: 'token', everywhere: true, cursor: null });
        expect(again.saved()).toEqual({ query: 'token', everywhere: true });
    });

    it('posts open with the hit it was drawn for', () => {
        type('token');
        vi.advanceTimersByTime(DEBOUNCE_MS);
        box.receive({ type: 'groups', id: 1, groups: [group('s1', [hit(7)])] });
        root.querySelector<HTMLButtonElement>('.hit')!.click();
        // The query goes along: the session highlights it.
        expect(posted.at(-1)).toEqual({ type: 'open', sessionId: 's1', project: '-work-app', uuid: 'u7', title: '/work/app · s1', kind: 'user', query: 'token' });
        expect(parseSearchViewMessage(posted.at(-1))).toEqual(posted.at(-1));
    });

    it('opens a subagent hit naming its subagent, and a main-session hit without one', () => {
        type('token');
        vi.advanceTimersByTime(DEBOUNCE_MS);
        const sub = hit(8, { kind: 'assistant', isSidechain: true, agentId: 'a1b2c3' });
        const orphanId = hit(9, { agentId: 'ignored' }); // not a sidechain: the id says nothing
        box.receive({ type: 'groups', id: 1, groups: [group('s1', [sub, orphanId])] });
        const rows = root.querySelectorAll<HTMLButtonElement>('.hit');
        rows[0]!.click();
        expect(posted.at(-1)).toMatchObject({ type: 'open', uuid: 'u8', kind: 'assistant', agentId: 'a1b2c3', query: 'token' });
        rows[1]!.click();
        expect(posted.at(-1)).not.toHaveProperty('agentId');
    });

    it('refuses an open whose query or agent id is out of bounds', () => {
        const ok = { type: 'open', sessionId: 's1', project: 'p', uuid: 'u1', title: 't', kind: 'user', query: 'q', agentId: 'a1' };
        expect(parseSearchViewMessage(ok)).toEqual(ok);
        expect(parseSearchViewMessage({ ...ok, query: 'x'.repeat(1001) })).toBeUndefined();
        expect(parseSearchViewMessage({ ...ok, agentId: '../etc' })).toBeUndefined();
        expect(parseSearchViewMessage({ ...ok, kind: 'script' })).toBeUndefined();
    });
});

describe('search view sources', () => {
    it('never writes HTML: no innerHTML, insertAdjacentHTML, document.write or eval', () => {
        const dir = resolve(__dirname, '../../src/searchView');
        const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
        expect(files.length).toBeGreaterThanOrEqual(4);
        for (const f of files) {
            const src = readFileSync(join(dir, f), 'utf8');
            expect(src, f).not.toMatch(/\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
        }
    });
});
