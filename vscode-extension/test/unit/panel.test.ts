// @vitest-environment jsdom
/**
 * The session page's parts taken out of main.ts (panel/*): the host's messages routed (malformed
 * ones dropped, answers checked against their method), the kinds a reveal must show, the status
 * line and banner.
 */
import { describe, expect, it, vi } from 'vitest';
import { Chrome } from '../../src/webview/panel/chrome';
import { handleHostMessage, type HostMessageHandlers } from '../../src/webview/panel/hostMessages';
import { revealKinds } from '../../src/webview/panel/reveal';
import { RequestTracker } from '../../src/webview/state/requests';
import { SessionState } from '../../src/webview/state/session';
import { FakeServer, summary } from './fakeServer';

function handlers(tracker: RequestTracker): HostMessageHandlers & { calls: string[] } {
    const calls: string[] = [];
    return {
        calls,
        tracker,
        init: () => calls.push('init'),
        title: (t) => calls.push(`title:${t}`),
        view: (v) => calls.push(`view:${v}`),
        sessionChanged: (k) => calls.push(`changed:${k}`),
        notice: (t) => calls.push(`notice:${t}`),
        pricesChanged: () => calls.push('prices'),
        reveal: (target, highlight) => calls.push(`reveal:${target.uuid}:${target.toolUseId ?? ''}:${highlight}`),
    };
}

describe("the host's messages", () => {
    it('drops what is not a known, well-formed message', () => {
        const h = handlers(new RequestTracker({ sendRequest: () => {}, sendCancel: () => {} }));
        for (const bad of [null, 'init', { type: 'nope' }, { type: 'title' }, { type: 'title', title: 'x', extra: 1 }, { type: 'reveal', uuid: '' }]) {
            handleHostMessage(bad, h);
        }
        expect(h.calls).toEqual([]);
        handleHostMessage({ type: 'title', title: 'Fix the parser' }, h);
        handleHostMessage({ type: 'reveal', uuid: 'u1', toolUseId: 'toolu_1', highlight: 'parser' }, h);
        handleHostMessage({ type: 'reveal', uuid: 'u2' }, h);
        expect(h.calls).toEqual(['title:Fix the parser', 'reveal:u1:toolu_1:parser', 'reveal:u2::']);
    });

    it('checks an answer against its method: a malformed page fails the request, a good one resolves it', async () => {
        const tracker = new RequestTracker({ sendRequest: () => {}, sendCancel: () => {} });
        const h = handlers(tracker);
        const bad = tracker.start('messages/page', {}, 't');
        handleHostMessage({ type: 'response', id: bad.id, result: { messages: 'not a list' } }, h);
        await expect(bad.promise).rejects.toThrow(/malformed answer to messages\/page/);
        const good = tracker.start('messages/page', {}, 't');
        const page = { messages: [summary(1)], nextCursor: null, hasMore: false, total: 1 };
        handleHostMessage({ type: 'response', id: good.id, result: page }, h);
        await expect(good.promise).resolves.toMatchObject({ total: 1 });
        // An answer nobody waits for any more is dropped without a trace.
        handleHostMessage({ type: 'response', id: 999, result: page }, h);
        expect(h.calls).toEqual([]);
    });
});

describe('a reveal', () => {
    it('shows the kinds it needs: its own, and tool results for a subagent', () => {
        expect(revealKinds({ uuid: 'u' }, ['user', 'assistant'])).toEqual(['user', 'assistant']);
        expect(revealKinds({ uuid: 'u', kind: 'tool_result' }, ['user', 'assistant', 'system'])).toEqual(['user', 'assistant', 'tool_result', 'system']);
        expect(revealKinds({ uuid: 'u', agentId: 'a1' }, ['user'])).toEqual(['user', 'assistant', 'tool_result', 'system']);
        // Progress lines are never rows a search opens at.
        expect(revealKinds({ uuid: 'u', kind: 'progress' }, ['user', 'assistant'])).toEqual(['user', 'assistant']);
    });
});

describe('the status line and banner', () => {
    it('says when no message matches, shows an error with Retry, and a notice for a while', async () => {
        vi.useFakeTimers();
        try {
            const server = new FakeServer([summary(1, { kind: 'user' })]);
            const state = new SessionState(server.tracker, { pageSize: 50 }, () => {});
            const chrome = new Chrome(() => chrome.render(state, undefined));
            state.setFilter({ kinds: ['assistant'], tools: [], errorsOnly: false, text: '' });
            await server.drain();
            chrome.render(state, undefined);
            expect(chrome.status.hidden).toBe(false);
            expect(chrome.status.textContent).toBe('No messages match these filters.');
            chrome.showNotice('Message copied.');
            chrome.render(state, undefined);
            expect(chrome.status.textContent).toBe('Message copied.');
            vi.advanceTimersByTime(6001);
            expect(chrome.status.textContent).toBe('No messages match these filters.');
            chrome.render(state, 'Looking for the message… 200 messages read');
            expect(chrome.status.textContent).toBe('Looking for the message… 200 messages read');
            expect(chrome.progressBar.classList.contains('active')).toBe(true);
            state.error = 'the server stopped';
            chrome.render(state, undefined);
            expect(chrome.banner.hidden).toBe(false);
            expect(chrome.banner.querySelector('.message')?.textContent).toBe('the server stopped');
            expect(chrome.banner.querySelector('button.retry')).not.toBeNull();
        } finally {
            vi.useRealTimers();
        }
    });
});
