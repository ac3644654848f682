// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import type { MessageDetail, MessageSummary } from '../../src/protocol';
import { conversationParts, estimateHeight, failedToolIds, isThoughtOnly } from '../../src/webview/conversation/model';
import { conversationRow } from '../../src/webview/conversation/render';
import { ConversationState } from '../../src/webview/conversation/state';
import { FakeServer, summary } from './fakeServer';

const bashCall = { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'make test', description: 'Run the tests' } };

function draw(state: ConversationState, m: MessageSummary, continued = false): HTMLDivElement {
    const e = document.createElement('div');
    e.className = 'row';
    conversationRow(e, m.uuid, m, { state, showDates: false, continued, shownAll: new Set() });
    return e;
}

describe('a message read as conversation', () => {
    it('drops blank text, keeps prose, thoughts and tool calls in order, and leaves results to their call', () => {
        const m = summary(1, {
            kind: 'assistant',
            content: [{ type: 'text', text: '\n\n' }, { type: 'thinking', thinking: 'hmm' }, { type: 'text', text: '## Plan' }, bashCall, { type: 'tool_result', tool_use_id: 'x', content: 'x' }],
        });
        const parts = conversationParts(m);
        expect(parts.map((p) => p.type)).toEqual(['thinking', 'text', 'tool']);
        expect(parts[2]).toMatchObject({ id: 'toolu_1', name: 'Bash', summary: 'make test' });
        expect(isThoughtOnly(parts)).toBe(false);
        expect(isThoughtOnly(conversationParts(summary(2, { kind: 'assistant', content: [{ type: 'thinking', thinking: 'only this' }] })))).toBe(true);
    });

    it('shows a long answer whole: every line rendered, nothing collapsed or cut', () => {
        const text = Array.from({ length: 300 }, (_, i) => `- item ${i}`).join('\n');
        const m = summary(1, { kind: 'assistant', content: [{ type: 'text', text }] });
        const e = draw(new ConversationState(new FakeServer([]).tracker, () => {}), m);
        expect(e.querySelectorAll('.conv-text li')).toHaveLength(300);
        expect(e.querySelector('.collapsed, .show-all')).toBeNull();
        expect(estimateHeight(m, true)).toBeGreaterThan(300 * 15);
    });

    it('reads a thought-only message as a thought, folded', () => {
        const m = summary(1, { kind: 'assistant', content: [{ type: 'thinking', thinking: 'I should **check** the parser first' }] });
        const state = new ConversationState(new FakeServer([]).tracker, () => {});
        const e = draw(state, m);
        expect(e.classList.contains('thought-only')).toBe(true);
        expect(e.querySelector('.who')?.textContent).toBe('Claude (thinking)');
        expect(e.querySelector('.thought-body')).toBeNull();
        state.toggle(m.uuid, m.uuid, 'thought:0');
        expect(draw(state, m).querySelector('.thought-body strong')?.textContent).toBe('check');
    });
});

describe('tool calls in the conversation', () => {
    const call = summary(1, { kind: 'assistant', toolNames: ['Bash'], toolUseIds: ['toolu_1'], content: [bashCall] });
    const result = summary(2, { kind: 'tool_result', isError: true, toolUseIds: ['toolu_1'] });
    const resultBlock = { type: 'tool_result', tool_use_id: 'toolu_1', is_error: true, content: 'make: *** [test] Error 2' };

    it('marks a failed call on its line before it is opened', async () => {
        const server = new FakeServer([call, result, summary(3, { kind: 'tool_result', toolUseIds: ['toolu_2'] })]);
        let changes = 0;
        const state = new ConversationState(server.tracker, () => changes++);
        expect(draw(state, call).querySelector('.conv-tool.error')).toBeNull();
        const before = state.signature(call.uuid);
        state.loadFailures();
        await server.drain();
        expect(server.sent[0]!.params.filter).toMatchObject({ kinds: ['tool_result'], errorsOnly: true });
        expect(state.signature(call.uuid)).not.toBe(before);
        expect(changes).toBeGreaterThan(0);
        const e = draw(state, call);
        expect(e.querySelector('.conv-tool.error .badge.error')?.textContent).toBe('failed');
        expect(e.querySelector('.conv-tool .codicon-error')).not.toBeNull();
        expect(failedToolIds([{ ...result, content: [resultBlock, { ...resultBlock, tool_use_id: 'toolu_9', is_error: false }] }])).toEqual(['toolu_1']);
    });

    it('opens to its command and output in one step', async () => {
        const server = new FakeServer([call, result]);
        const detail: MessageDetail = { ...call, entry: {}, toolResults: [{ ...result, content: [resultBlock], entry: {}, toolResults: [] }] };
        server.details.set(call.uuid, detail);
        const state = new ConversationState(server.tracker, () => {});
        const closed = draw(state, call);
        const line = closed.querySelector<HTMLElement>('.tool-line')!;
        expect(line.dataset.action).toBe('part');
        expect(line.querySelector('.detail')?.textContent).toBe('make test');
        state.toggle(call.uuid, line.dataset.uuid!, line.dataset.part!);
        expect(draw(state, call).querySelector('.conv-tool-body')?.textContent).toContain('Loading');
        await server.drain();
        const open = draw(state, call);
        const body = open.querySelector('.conv-tool-body')!;
        expect(body.textContent).toContain('$ make test');
        expect(body.textContent).toContain('make: *** [test] Error 2');
        expect(open.querySelector('.tool-line')?.getAttribute('aria-expanded')).toBe('true');
        expect(server.sent.filter((s) => s.method === 'messages/get')).toHaveLength(1);
    });
});
