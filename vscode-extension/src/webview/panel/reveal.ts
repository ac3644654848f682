/**
 * Walking to one message: Open trace from the code (a message and maybe its tool call), a search
 * hit (maybe inside a subagent), a click on the context chart. The filters that would hide it are
 * cleared (saying so), the pages are read forwards until it is in (state/reveal.ts, bounded, with
 * a status line), then it is selected, opened and outlined for a moment. A subagent's line and a
 * tool result are rows of the detail view only: the reveal switches to it.
 */
import type { Kind, MessageSummary } from '../../protocol';
import type { HostToWebview, SessionView } from '../../shared/ipc';
import type { ConversationState } from '../conversation/state';
import { KIND_LABELS } from '../render/kinds';
import { defaultFilter, type FilterState, type SessionState } from '../state/session';

export type RevealTarget = Omit<Extract<HostToWebview, { type: 'reveal' }>, 'type' | 'highlight'>;

/** How long the row a reveal landed on stays outlined. */
const FLASH_MS = 1500;

/** The kinds the list must show to reach a search hit: its own, and a subagent's starting tool result. */
export function revealKinds(target: RevealTarget, current: readonly Kind[]): Kind[] {
    const want = new Set<Kind>(current.includes('assistant') ? current : defaultFilter().kinds);
    if (target.kind && target.kind !== 'progress' && target.kind !== 'unknown') want.add(target.kind);
    if (target.agentId) want.add('tool_result');
    return KIND_LABELS.map(([k]) => k).filter((k) => want.has(k));
}

/** What a reveal does to the page around it. */
export interface RevealHost {
    /** Undefined until the session's state exists (a reveal can come before init). */
    state(): SessionState | undefined;
    conv(): ConversationState;
    view(): SessionView;
    applyView(view: SessionView): void;
    applyFilter(filter: FilterState): void;
    showNotice(text: string): void;
    dropNotice(): void;
    select(key: string | undefined): void;
    scrollToIndex(row: number): void;
    /** The saved scroll position gives way to the message walked to. */
    forgetRestore(): void;
    focusList(): void;
    queueRender(): void;
}

export class Reveal {
    /** Asked for: walked to once the first page is in. */
    private pending: RevealTarget | undefined;
    /** A search hit in a subagent: walked into once the message that started the subagent is open. */
    private agent: { index: number; agentId: string; uuid: string } | undefined;
    /** Found and expanded: select its tool call once the message's detail is in. */
    private tool: { index: number; toolUseId: string } | undefined;
    /** While walking the pages for it: the status line's text. */
    status: string | undefined;
    /** The row a reveal landed on, outlined for a moment. */
    flashKey: string | undefined;
    private flashTimer: ReturnType<typeof setTimeout> | undefined;

    constructor(private readonly host: RevealHost) {}

    /** Walk to this message (now, or once the session's first page is in). */
    request(target: RevealTarget): void {
        this.pending = target;
        if (this.host.state()) this.start();
    }

    /** After each render: a reveal waiting for the first page, a tool call or a subagent's row to come. */
    continue(): void {
        if (this.pending) this.start();
        if (this.tool) this.finishTool();
        if (this.agent) this.finishAgent();
    }

    /** Walk to the message asked for (clearing filters that would hide it). */
    private start(): void {
        const target = this.pending;
        const state = this.host.state();
        if (!target || !state) return;
        // A subagent's line or a tool result is a row of the detail view only.
        if (this.host.view() === 'conversation' && (target.agentId || (target.kind && !['user', 'assistant', 'system'].includes(target.kind)))) {
            this.host.applyView('detail');
        }
        const kinds = revealKinds(target, state.filter.kinds);
        if (!state.canShowToolCalls() || kinds.length !== state.filter.kinds.length) {
            this.host.applyFilter({ ...defaultFilter(), kinds });
            this.host.showNotice(target.kind ? 'Filters set to show the match.' : 'Filters cleared to show the tool call.');
        }
        if (!state.readyToReveal) return; // continue() calls again once the first page is in
        this.pending = undefined;
        this.tool = undefined;
        this.host.forgetRestore();
        this.status = target.toolUseId ? 'Looking for the tool call…' : 'Looking for the message…';
        this.host.queueRender();
        const agentId = target.agentId;
        this.agent = undefined;
        state
            .reveal(agentId ?? target.uuid, {
                maxPages: 500,
                what: agentId ? 'subagent' : target.toolUseId ? 'tool call' : 'message',
                ...(agentId ? { keyOf: (m: MessageSummary) => m.spawnedAgentId ?? '' } : {}),
                onProgress: (_pages, items) => {
                    this.status = `Looking for the ${target.toolUseId ? 'tool call' : 'message'}… ${items.toLocaleString()} messages read`;
                    this.host.queueRender();
                },
            })
            .then((r) => {
                this.status = undefined;
                this.host.dropNotice();
                if ('message' in r) {
                    this.host.showNotice(r.message);
                    this.host.queueRender();
                    return;
                }
                const row = state.rows.rowOf(r.index);
                const msgRow = state.rowAt(row);
                this.host.select(msgRow.key);
                if (msgRow.kind === 'message' && this.host.view() === 'conversation') {
                    if (target.toolUseId) this.host.conv().toggle(msgRow.key, msgRow.message.uuid, `tool:${target.toolUseId}`, true);
                } else if (msgRow.kind === 'message') {
                    state.toggle(msgRow, true);
                    if (target.toolUseId) this.tool = { index: r.index, toolUseId: target.toolUseId };
                    if (agentId) this.agent = { index: r.index, agentId, uuid: target.uuid };
                }
                this.flash(msgRow.key);
                this.host.scrollToIndex(row);
                this.host.focusList();
                this.host.queueRender();
            });
    }

    /** A subagent's message: one step into the subagent (expand it, read pages) until its row is in. */
    private finishAgent(): void {
        const t = this.agent;
        const state = this.host.state();
        if (!t || !state) return;
        const step = state.revealInAgent(t.index, t.agentId, t.uuid);
        if (step === 'waiting') return;
        this.agent = undefined;
        if ('message' in step) {
            this.host.showNotice(step.message);
            return;
        }
        const row = state.rowOfKey(step.key);
        if (row === undefined) return;
        const r = state.rowAt(row);
        this.host.select(step.key);
        if (state.isExpandable(r) && !state.isExpanded(r)) state.toggle(r, true);
        this.flash(step.key);
        this.host.scrollToIndex(row);
    }

    /** The revealed message's detail came in: select and open its tool call. */
    private finishTool(): void {
        const t = this.tool;
        const state = this.host.state();
        if (!t || !state) return;
        const key = state.toolRowKey(t.index, t.toolUseId);
        if (!key) {
            if (state.detailFailed(t.index)) this.tool = undefined;
            return;
        }
        this.tool = undefined;
        const row = state.rowOfKey(key);
        if (row === undefined) return;
        const r = state.rowAt(row);
        this.host.select(key);
        if (state.isExpandable(r) && !state.isExpanded(r)) state.toggle(r, true);
        this.host.scrollToIndex(state.rows.rowOf(t.index));
    }

    /** Outline the row a reveal landed on for a moment (it stays selected). */
    private flash(key: string): void {
        this.flashKey = key;
        if (this.flashTimer) clearTimeout(this.flashTimer);
        this.flashTimer = setTimeout(() => {
            this.flashKey = undefined;
            this.flashTimer = undefined;
            this.host.queueRender();
        }, FLASH_MS);
        this.host.queueRender();
    }
}
