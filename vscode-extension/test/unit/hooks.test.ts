// @vitest-environment jsdom
/**
 * Hook and progress lines folded into the row they report on (issue 22), on the lines of a real
 * session: spotter-a0y (Claude Code 2.1.39, 1,332 progress lines, parallel tool calls, SessionStart
 * and Stop hooks). Every expected number is counted here from the raw lines.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Kind, MessageSummary } from '../../src/protocol';
import { HookIndex, hookCountLabel, hookLabel } from '../../src/webview/conversation/hooks';
import { conversationRow } from '../../src/webview/conversation/render';
import { ConversationState } from '../../src/webview/conversation/state';
import { FakeServer, summary } from './fakeServer';

const SAMPLE = join(
    __dirname,
    '../../../server/claude_code_tracer/samples/projects/-home-USER-projects-spotter-worktrees-spotter-a0y/fa812bfe-b295-4cca-9c2f-fdf01028cb46.jsonl',
);

type Raw = Record<string, any>;
const raw: Raw[] = readFileSync(SAMPLE, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Raw);

/** The summaries the server sends for the trunk's rows (models.py MessageSummary, the fields used here). */
function summaries(): MessageSummary[] {
    const out: MessageSummary[] = [];
    raw.forEach((e, i) => {
        if (e.isSidechain || !['user', 'assistant', 'system', 'progress', 'attachment'].includes(e.type)) return;
        let kind = e.type as Kind;
        let subtype: string | null = null;
        let toolUseIds: string[] = [];
        let preview = '';
        if (e.type === 'assistant') {
            const calls = (e.message.content as Raw[]).filter((b) => b.type === 'tool_use');
            toolUseIds = calls.map((b) => b.id);
        } else if (e.type === 'user' && Array.isArray(e.message.content) && e.message.content.every((b: Raw) => b.type === 'tool_result')) {
            kind = 'tool_result';
            toolUseIds = e.message.content.map((b: Raw) => b.tool_use_id);
        } else if (e.type === 'progress') {
            subtype = e.data.type;
            toolUseIds = e.parentToolUseID ? [e.parentToolUseID] : [];
            preview = [subtype, e.data.hookName, e.data.hookEvent, e.data.command].filter(Boolean).join(' ');
        } else if (e.type === 'attachment') {
            subtype = e.attachment.type;
            toolUseIds = e.attachment.toolUseID ? [e.attachment.toolUseID] : [];
        }
        out.push(summary(i, { uuid: e.uuid, parentUuid: e.parentUuid ?? null, kind, subtype, toolUseIds, preview, line: i + 1, content: e.type === 'assistant' ? e.message.content : null }));
    });
    return out;
}

const all = summaries();
const folded = all.filter((m) => m.kind === 'progress' || m.kind === 'attachment');
const rows = all.filter((m) => m.kind !== 'progress' && m.kind !== 'attachment');
const calls = raw.filter((e) => e.type === 'assistant' && !e.isSidechain).flatMap((e) => (e.message.content as Raw[]).filter((b) => b.type === 'tool_use').map((b) => b.id as string));

describe('hook and progress lines of a real session, folded into their rows', () => {
    it('puts each progress line on the tool call it names, and every line on exactly one row', () => {
        const index = new HookIndex();
        index.add([...folded].reverse()); // pages may come in any order: the rows list them in the session's
        let onCalls = 0;
        for (const id of calls) {
            const want = raw.filter((e) => e.type === 'progress' && e.parentToolUseID === id);
            const got = index.ofTool(id);
            expect(got.map((m) => m.uuid)).toEqual(want.map((e) => e.uuid));
            onCalls += got.length;
        }
        const onMessages = rows.reduce((n, m) => n + index.ofMessage(m).length, 0);
        expect(onCalls).toBeGreaterThan(1200);
        expect(onCalls + onMessages).toBe(folded.length);
    });

    it('gives a hook that runs for no tool call (SessionStart, Stop) to the message its chain follows', () => {
        const index = new HookIndex();
        index.add(folded);
        // Counted from the raw lines: the Stop hooks' lines and the message they follow.
        const stop = raw.filter((e) => e.type === 'progress' && e.data.hookEvent === 'Stop');
        expect(stop.length).toBeGreaterThan(0);
        const byUuid = new Map(raw.filter((e) => e.uuid).map((e) => [e.uuid as string, e]));
        for (const e of stop) {
            let up = byUuid.get(e.parentUuid);
            while (up && up.type === 'progress') up = byUuid.get(up.parentUuid);
            const m = rows.find((r) => r.uuid === up?.uuid)!;
            expect(index.ofMessage(m).map((h) => h.uuid)).toContain(e.uuid);
        }
        // The session's first SessionStart chain (parentUuid null) goes to the message that follows it.
        const start = raw.filter((e) => e.type === 'progress' && e.data.hookEvent === 'SessionStart');
        const first: Raw[] = [];
        for (const e of start) {
            if (e.parentUuid === null || first.some((f) => f.uuid === e.parentUuid)) first.push(e);
            else break;
        }
        expect(first.length).toBeGreaterThan(1);
        const next = rows.find((r) => r.parentUuid === first[first.length - 1]!.uuid)!;
        expect(index.ofMessage(next).map((h) => h.uuid).slice(0, first.length)).toEqual(first.map((e) => e.uuid));
    });

    it('labels a hook by its name and command, and counts a row as hooks or progress', () => {
        const pre = folded.find((m) => m.subtype === 'hook_progress' && m.preview.includes('PreToolUse:Bash'))!;
        const e = raw.find((r) => r.uuid === pre.uuid)!;
        expect(hookLabel(pre)).toEqual({ label: 'PreToolUse:Bash', detail: e.data.command });
        expect(hookCountLabel([pre, pre])).toBe('2 hooks');
        const bash = folded.find((m) => m.subtype === 'bash_progress')!;
        expect(hookCountLabel([bash])).toBe('1 progress');
        expect(hookCountLabel([pre, bash])).toBe('2 hooks and progress');
    });
});

describe('the conversation row of a tool call with hooks', () => {
    // The first Bash call of the session, and its hook lines counted from the raw lines.
    const call = raw.find((e) => e.type === 'assistant' && (e.message.content as Raw[]).some((b) => b.type === 'tool_use' && b.name === 'Bash'))!;
    const callId = (call.message.content as Raw[]).find((b) => b.type === 'tool_use')!.id as string;
    const hookNames = raw.filter((e) => e.type === 'progress' && e.parentToolUseID === callId && e.data.type === 'hook_progress').map((e) => e.data.hookName as string);
    const message = rows.find((m) => m.uuid === call.uuid)!;

    function draw(state: ConversationState): HTMLDivElement {
        const e = document.createElement('div');
        e.className = 'row';
        conversationRow(e, message.uuid, message, { state, showDates: false, continued: false, shownAll: new Set() });
        return e;
    }

    it('shows a count on the call that opens the hook lines in place, and follows appended ones', async () => {
        expect(hookNames.length).toBeGreaterThanOrEqual(2);
        expect(new Set(hookNames)).toEqual(new Set(['PreToolUse:Bash', 'PostToolUse:Bash']));
        const server = new FakeServer(all);
        const state = new ConversationState(server.tracker, () => {});
        expect(draw(state).querySelector('.hooks-badge')).toBeNull();
        state.loadHooks();
        await server.drain();
        expect(server.sent[0]!.params.filter).toMatchObject({ kinds: ['progress', 'attachment'] });
        const closed = draw(state);
        const badge = closed.querySelector<HTMLElement>('.conv-tool .tool-line .hooks-badge')!;
        expect(badge.textContent).toBe(`${hookNames.length} hooks`);
        expect(badge.getAttribute('aria-expanded')).toBe('false');
        expect(closed.querySelector('.conv-hook-list')).toBeNull();
        // One click (the badge's part) opens the list under the call, not the call's output.
        state.toggle(message.uuid, badge.dataset.uuid!, badge.dataset.part!);
        const opened = draw(state);
        expect([...opened.querySelectorAll('.conv-tool .conv-hook-list .label')].map((l) => l.textContent)).toEqual(hookNames);
        expect(opened.querySelector('.conv-tool-body')).toBeNull();

        // The session grows: the next listing starts where the last one stopped and adds the new line.
        const asked = server.sent.length;
        const late = summary(99_999, { uuid: 'late-hook', parentUuid: call.uuid, kind: 'progress', subtype: 'hook_progress', toolUseIds: [callId], preview: 'hook_progress PostToolUse:Bash PostToolUse echo late', line: 99_999 });
        server.messages = [...all, late];
        state.loadHooks();
        await server.drain();
        expect(server.sent[asked]!.params.cursor).not.toBeNull();
        expect(draw(state).querySelector('.conv-tool .hooks-badge')!.textContent).toBe(`${hookNames.length + 1} hooks`);
    });
});
