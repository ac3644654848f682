import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkParams, parseHostMessage, parseWebviewMessage } from '../../src/shared/ipc';
import { contentSecurityPolicy, makeNonce } from '../../src/csp';

describe('webview -> host messages are validated', () => {
    it('accepts the typed envelopes', () => {
        expect(parseWebviewMessage({ type: 'ready' })).toEqual({ type: 'ready' });
        expect(parseWebviewMessage({ type: 'request', id: 3, method: 'messages/page', params: { limit: 10 } })).toBeDefined();
        expect(parseWebviewMessage({ type: 'cancel', id: 3 })).toEqual({ type: 'cancel', id: 3 });
        expect(parseWebviewMessage({ type: 'openFile', path: '/a/b.py', line: 4 })).toBeDefined();
        expect(parseWebviewMessage({ type: 'showDiff', uuid: 'u', toolUseId: 'toolu_1' })).toBeDefined();
        expect(parseWebviewMessage({ type: 'copyMessage', uuid: 'u' })).toEqual({ type: 'copyMessage', uuid: 'u' });
        expect(parseWebviewMessage({ type: 'copySessionId' })).toEqual({ type: 'copySessionId' });
        expect(parseWebviewMessage({ type: 'resume' })).toEqual({ type: 'resume' });
        expect(parseWebviewMessage({ type: 'export' })).toEqual({ type: 'export' });
    });

    it.each([
        ['not an object', 'hello'],
        ['an unknown type', { type: 'eval', code: '1' }],
        ['an extra key', { type: 'cancel', id: 1, extra: true }],
        ['a fractional id', { type: 'cancel', id: 1.5 }],
        ['a negative id', { type: 'cancel', id: -1 }],
        ['a string id', { type: 'cancel', id: '1' }],
        ['a method the webview may not call', { type: 'request', id: 1, method: 'sessions/list', params: {} }],
        ['an arbitrary method', { type: 'request', id: 1, method: 'workspace/executeCommand', params: {} }],
        ['params that are not an object', { type: 'request', id: 1, method: 'messages/page', params: [1] }],
        ['a line 0', { type: 'openFile', path: '/a', line: 0 }],
        ['an empty path', { type: 'openFile', path: '' }],
        ['a resume that names its own command', { type: 'resume', command: 'rm -rf ~' }],
        ['a resume of another session', { type: 'resume', sessionId: 'other' }],
        ['a copy without a uuid', { type: 'copyMessage' }],
        ['an export that names its file', { type: 'export', path: '/home/u/.bashrc' }],
        ['an export of another session', { type: 'export', sessionId: 'other' }],
        ['an export that picks its format', { type: 'export', format: 'html' }],
    ])('rejects %s', (_, msg) => {
        expect(parseWebviewMessage(msg)).toBeUndefined();
    });

    it('checks request params against the server limits, with a readable message', () => {
        expect(checkParams('messages/page', { cursor: null, limit: 200, filter: { kinds: ['user'] } }).ok).toBe(true);
        const big = checkParams('messages/page', { limit: 5000 });
        expect(big.ok).toBe(false);
        expect(!big.ok && big.message).toMatch(/^messages\/page: invalid limit/);
        expect(checkParams('messages/page', { sessionId: 'other' }).ok).toBe(false); // the host picks the session
        expect(checkParams('messages/page', { filter: { kinds: ['nope'] } }).ok).toBe(false);
        expect(checkParams('messages/page', { filter: { agentId: '../../etc' } }).ok).toBe(false);
        expect(checkParams('messages/get', { uuid: 'x' }).ok).toBe(true);
        expect(checkParams('messages/get', {}).ok).toBe(false);
        expect(checkParams('messages/filters', { anything: 1 }).ok).toBe(false);
    });
});

describe('host -> webview messages are validated', () => {
    it('accepts answers and rejects malformed ones', () => {
        expect(parseHostMessage({ type: 'response', id: 1, result: { messages: [] } })).toBeDefined();
        expect(parseHostMessage({ type: 'error', id: 1, message: 'boom', code: -32602 })).toBeDefined();
        expect(parseHostMessage({ type: 'progress', id: 1, phase: 'report', percentage: 40 })).toBeDefined();
        expect(parseHostMessage({ type: 'progress', id: 1, phase: 'report', percentage: 400 })).toBeUndefined();
        expect(parseHostMessage({ type: 'partial', id: 1, messages: [{ uuid: 'u' }] })).toBeUndefined();
        expect(parseHostMessage({ type: 'sessionChanged', kind: 'exploded' })).toBeUndefined();
        expect(parseHostMessage({ type: 'pricesChanged' })).toEqual({ type: 'pricesChanged' });
        expect(parseHostMessage({ type: 'pricesChanged', prices: {} })).toBeUndefined();
        expect(parseHostMessage({ type: 'init', sessionId: 's', project: null, title: 't', pageSize: 5000 })).toBeUndefined();
    });

    it('carries a search hit to reveal: the query to highlight, the kind, the subagent, all bounded', () => {
        const reveal = { type: 'reveal', uuid: 'u1', highlight: '"token refresh" -draft', kind: 'tool_result', agentId: 'a1b2' };
        expect(parseHostMessage(reveal)).toEqual(reveal);
        expect(parseHostMessage({ type: 'reveal', uuid: 'u1' })).toEqual({ type: 'reveal', uuid: 'u1' });
        expect(parseHostMessage({ ...reveal, highlight: 'x'.repeat(1001) })).toBeUndefined();
        expect(parseHostMessage({ ...reveal, highlight: 42 })).toBeUndefined();
        expect(parseHostMessage({ ...reveal, kind: 'html' })).toBeUndefined();
        expect(parseHostMessage({ ...reveal, agentId: '../../x' })).toBeUndefined();
        expect(parseHostMessage({ ...reveal, html: '<b>' })).toBeUndefined();
    });
});

describe('the webview page', () => {
    it('never writes HTML: no innerHTML, insertAdjacentHTML, document.write or eval in its sources', () => {
        const dir = resolve(__dirname, '..', '..', 'src', 'webview');
        const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
        expect(files.length).toBeGreaterThan(3);
        for (const f of files) {
            const src = readFileSync(join(dir, f), 'utf8');
            expect(src, f).not.toMatch(/\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
        }
    });

    it('has a strict CSP: nonce-only scripts, no inline styles or scripts without the nonce', () => {
        const csp = contentSecurityPolicy('https://cspsource.example', 'N0NCE');
        expect(csp).toBe(
            "default-src 'none'; script-src 'nonce-N0NCE'; style-src https://cspsource.example 'nonce-N0NCE'; font-src https://cspsource.example; img-src https://cspsource.example data:",
        );
        expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    });

    it('makes a fresh nonce per load', () => {
        const a = makeNonce();
        expect(a).toMatch(/^[A-Za-z0-9]{20,}$/);
        expect(makeNonce()).not.toBe(a);
    });
});
