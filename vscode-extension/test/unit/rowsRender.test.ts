// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { MessageDetail, MessageSummary } from '../../src/protocol';
import { setRowCost } from '../../src/webview/render/message';
import { buildRow } from '../../src/webview/render/row';
import { detailChildren, imageOf } from '../../src/webview/state/tree';
import { summary } from './fakeServer';

const ctx = { selectedKey: undefined, showDates: false, shownAll: new Set<string>() };

function messageEl(over: Partial<MessageSummary>): HTMLDivElement {
    const m = summary(1, over);
    return buildRow({ kind: 'message', key: 'k', depth: 0, message: m, expanded: false, index: 0 } as never, ctx);
}

describe('message rows', () => {
    it('draws a compaction boundary as a divider', () => {
        const e = messageEl({ kind: 'system', subtype: 'compact_boundary', preview: 'Conversation compacted' });
        expect(e.classList.contains('compaction')).toBe(true);
        expect(e.querySelectorAll('.rule')).toHaveLength(2);
        expect(e.querySelector('.label')?.textContent).toBe('Conversation compacted');
    });

    it('badges the compaction summary that follows it', () => {
        const e = messageEl({ kind: 'user', preview: 'This session is being continued from a previous conversation that ran out of context.' });
        expect(e.querySelector('.badge.summary')?.textContent).toBe('compaction summary');
    });

    it('condenses hook and other harness lines, not the conversation', () => {
        expect(messageEl({ kind: 'system', subtype: 'stop_hook_summary', preview: 'Stop hook' }).classList.contains('condensed')).toBe(true);
        expect(messageEl({ kind: 'progress', preview: 'hook_progress' }).classList.contains('condensed')).toBe(true);
        expect(messageEl({ kind: 'assistant', preview: 'Hello' }).classList.contains('condensed')).toBe(false);
    });

    it('shows the cost of a response on its first row only, and none without a price', () => {
        const first = summary(1, { kind: 'assistant', preview: 'thinking' });
        const second = summary(2, { kind: 'assistant', preview: 'the answer' });
        const costs = new Map([[first.uuid, 0.1234]]);
        const withCosts = { ...ctx, costOf: (uuid: string) => costs.get(uuid) };
        const row = (m: MessageSummary): HTMLDivElement =>
            buildRow({ kind: 'message', key: m.uuid, depth: 0, message: m, expanded: false, index: 0 } as never, withCosts);
        expect(row(first).querySelector('.meta.cost')?.textContent).toBe('$0.12');
        expect(row(second).querySelector('.meta.cost')).toBeNull();
        // A user row never shows one, even if a uuid matched; nor does a row rendered without costs.
        expect(row({ ...first, kind: 'user' }).querySelector('.meta.cost')).toBeNull();
        expect(messageEl({ kind: 'assistant' }).querySelector('.meta.cost')).toBeNull();
        costs.set(first.uuid, 0.004);
        expect(row(first).querySelector('.meta.cost')?.textContent).toBe('<$0.01');
    });

    it('puts a cost that arrives later on a drawn row in place, once, before its Copy button', () => {
        const e = messageEl({ kind: 'assistant', preview: 'Hello' });
        setRowCost(e, 1.5);
        setRowCost(e, 2.25);
        expect([...e.querySelectorAll('.meta.cost')].map((c) => c.textContent)).toEqual(['$2.25']);
        expect(e.querySelector('.meta.cost')?.nextElementSibling?.classList.contains('copy')).toBe(true);
        setRowCost(e, undefined);
        expect(e.querySelector('.meta.cost')).toBeNull();
    });

    it('is less noisy: no tool name twice, tokens once per response beside its cost, nothing on a blank line', () => {
        const bash = messageEl({ kind: 'assistant', toolNames: ['Bash'], preview: 'Bash: ls -la' });
        expect(bash.querySelector('.badge.tool')?.textContent).toBe('Bash');
        expect(bash.querySelector('.label')?.textContent).toBe('ls -la');
        expect(messageEl({ kind: 'assistant', toolNames: ['Bash'], preview: 'Bashful reply' }).querySelector('.label')?.textContent).toBe('Bashful reply');
        const tokens = { input: 20_000, output: 6_000, cacheRead: 0, cacheCreation: 0 };
        const first = summary(1, { kind: 'assistant', preview: 'the answer', tokens });
        const later = summary(2, { kind: 'assistant', preview: 'more of it', tokens });
        const blank = summary(3, { kind: 'assistant', preview: '[blank text]', tokens });
        const costs = new Map([[first.uuid, 0.5], [blank.uuid, 0.25]]);
        const row = (m: MessageSummary): HTMLDivElement =>
            buildRow({ kind: 'message', key: m.uuid, depth: 0, message: m, expanded: false, index: 0 } as never, { ...ctx, costOf: (u: string) => costs.get(u) });
        expect(row(first).querySelector('.meta.cost')?.textContent).toBe('$0.50 · 26K tok');
        expect(row(later).querySelectorAll('.meta')).toHaveLength(0);
        expect(row(blank).querySelectorAll('.meta')).toHaveLength(0);
    });

    it('offers Copy message with the message uuid, and keeps a hostile preview as text', () => {
        const e = messageEl({ kind: 'user', preview: '<img src=x onerror=alert(1)>' });
        const copy = e.querySelector<HTMLButtonElement>('button[data-action="copy"]');
        expect(copy?.dataset.uuid).toBe(summary(1).uuid);
        expect(e.querySelector('img')).toBeNull();
        expect(e.querySelector('.label')?.textContent).toBe('<img src=x onerror=alert(1)>');
    });
});

function detail(content: unknown[], kind: MessageSummary['kind'] = 'assistant', toolResults: MessageDetail[] = []): MessageDetail {
    return { ...summary(1, { kind }), content, entry: {}, toolResults };
}

describe('content blocks in the tree', () => {
    it('collapses thinking under its label, and says when only the signature is left', () => {
        const [thought, omitted] = detailChildren(
            detail([
                { type: 'thinking', thinking: 'Let me consider **this**.', signature: 's' },
                { type: 'thinking', thinking: '', signature: 'EqQBCkYIBxgC' },
            ]),
            'm',
        );
        expect(thought?.expandable).toBe(true);
        expect(thought?.expanded).toBe(false);
        expect(thought?.children?.[0]).toMatchObject({ kind: 'text', markdown: true, thought: true, body: 'Let me consider **this**.' });
        expect(omitted).toMatchObject({ kind: 'thinking', expandable: false, detail: 'omitted: the transcript holds only its signature' });
    });

    it('marks user and assistant text for markdown, not system text', () => {
        expect(detailChildren(detail([{ type: 'text', text: '# hi' }], 'user'), 'm')[0]?.markdown).toBe(true);
        expect(detailChildren(detail([{ type: 'text', text: '# hi' }], 'system'), 'm')[0]?.markdown).toBeUndefined();
    });

    it('keeps the images of a prompt and of a tool result', () => {
        const png = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };
        const result: MessageDetail = {
            ...summary(2, { kind: 'tool_result', toolUseIds: ['t'] }),
            content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'text', text: 'shot' }, png] }],
            entry: {},
            toolResults: [],
        };
        const kids = detailChildren(detail([png, { type: 'tool_use', id: 't', name: 'Screenshot', input: {} }], 'assistant', [result]), 'm');
        expect(kids[0]?.image).toEqual({ mediaType: 'image/png', data: 'iVBORw0KGgo=' });
        const tool = kids[1];
        expect(tool?.children?.map((c) => c.kind)).toEqual(['input', 'result', 'image']);
        expect(tool?.children?.[2]?.image?.mediaType).toBe('image/png');
    });

    it.each([
        ['an SVG (scripts)', { type: 'base64', media_type: 'image/svg+xml', data: 'PHN2Zz4=' }],
        ['a URL source (a remote load)', { type: 'url', url: 'https://evil.example/p.png' }],
        ['data that is not base64', { type: 'base64', media_type: 'image/png', data: 'abc");background:url(x' }],
        ['no data', { type: 'base64', media_type: 'image/png' }],
    ])('shows no image for %s', (_, source) => {
        expect(imageOf({ type: 'image', source })).toBeUndefined();
    });
});
