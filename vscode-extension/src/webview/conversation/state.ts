/**
 * The conversation view's own state, beside SessionState (which pages the list): which tool
 * calls, thoughts and raw lines are open in each row, the details fetched to open them
 * (`messages/get`: a call's input and its results with their structured output), and which tool
 * calls failed (one errors-only listing of tool results, so a failed call is marked on its row
 * before it is opened), and the hook and progress lines folded into the rows they report on
 * (conversation/hooks.ts; read page by page in the background, then followed as the session
 * grows). No DOM; every change bumps the row's version, which is what its
 * signature (rebuild or not) is made of.
 */
import type { MessageDetail, MessagesPage, MessageSummary } from '../../protocol';
import { isCancelled, type RequestTracker } from '../state/requests';
import { detailChildren, type TreeNode } from '../state/tree';
import { HookIndex } from './hooks';
import { failedToolIds } from './model';

const TAG = 'conversation';
/** Pages of failed tool results read for the marks (500 each): far more errors than any session has. */
const FAILURE_PAGES = 20;
/** Pages of hook and progress lines read to fold them into their rows (500 each: 40,000 lines). */
const HOOK_PAGES = 80;
const HOOK_FILTER = { kinds: ['progress' as const, 'attachment' as const], includeSidechains: false };

interface DetailEntry {
    detail?: MessageDetail;
    error?: string;
    /** Row keys waiting for it (to be redrawn when it comes). */
    rows: Set<string>;
}

export class ConversationState {
    private readonly open = new Set<string>();
    private readonly details = new Map<string, DetailEntry>();
    private readonly versions = new Map<string, number>();
    private failed = new Set<string>();
    private failedVersion = 0;
    private generation = 0;
    private readonly hooks = new HookIndex();
    private hooksVersion = 0;
    /** Where the hook listing stopped: the end of the session, from which appends are read. */
    private hooksCursor: string | null = null;
    private hooksLoading = false;

    constructor(
        private readonly rpc: RequestTracker,
        private readonly onChange: () => void,
    ) {}

    /** What a row's DOM depends on (besides selection): rebuilt when this changes. */
    signature(rowKey: string): string {
        return `c${this.versions.get(rowKey) ?? 0}.${this.failedVersion}.${this.hooksVersion}`;
    }

    private bump(rowKey: string): void {
        this.versions.set(rowKey, (this.versions.get(rowKey) ?? 0) + 1);
    }

    isOpen(rowKey: string, part: string): boolean {
        return this.open.has(`${rowKey}#${part}`);
    }

    /** Open or close a part of a row: `tool:<id>`, `thought:<i>`, `hooks`, `hooks:<tool id>` or `raw`. Tools and raw lines need the detail. */
    toggle(rowKey: string, uuid: string, part: string, want?: boolean): void {
        const key = `${rowKey}#${part}`;
        const next = want ?? !this.open.has(key);
        if (next === this.open.has(key)) return;
        if (next) this.open.add(key);
        else this.open.delete(key);
        if (next && (part.startsWith('tool:') || part === 'raw')) this.loadDetail(uuid, rowKey);
        this.bump(rowKey);
        this.onChange();
    }

    isFailed(toolUseId: string): boolean {
        return this.failed.has(toolUseId);
    }

    detailOf(uuid: string): { detail?: MessageDetail; error?: string } | undefined {
        return this.details.get(uuid);
    }

    /** The tool call's node (its input and result children) once the message's detail is in. */
    toolNode(uuid: string, toolUseId: string): TreeNode | undefined {
        const d = this.details.get(uuid)?.detail;
        if (!d) return undefined;
        return detailChildren(d, `conv:${uuid}`).find((n) => n.kind === 'tool' && n.tool?.id === toolUseId);
    }

    private loadDetail(uuid: string, rowKey: string): void {
        const known = this.details.get(uuid);
        if (known) {
            known.rows.add(rowKey);
            if (known.detail || known.error === undefined) return;
        }
        const entry: DetailEntry = { rows: new Set([rowKey]) };
        this.details.set(uuid, entry);
        const gen = this.generation;
        this.rpc.start<MessageDetail>('messages/get', { uuid }, TAG).promise.then(
            (detail) => {
                if (gen !== this.generation) return;
                entry.detail = detail;
                for (const r of entry.rows) this.bump(r);
                this.onChange();
            },
            (err: unknown) => {
                if (gen !== this.generation || isCancelled(err)) return;
                entry.error = err instanceof Error ? err.message : String(err);
                for (const r of entry.rows) this.bump(r);
                this.onChange();
            },
        );
    }

    /** The hook and progress lines that report on this tool call. */
    hooksOfTool(toolUseId: string): MessageSummary[] {
        return this.hooks.ofTool(toolUseId);
    }

    /** The hook and progress lines that belong to this message and name no tool call. */
    hooksOfMessage(m: Pick<MessageSummary, 'uuid' | 'parentUuid'>): MessageSummary[] {
        return this.hooks.ofMessage(m);
    }

    /**
     * Read the session's hook and progress lines (after what was read already: called again when
     * the session grows, it reads only the appended lines). Rows are redrawn as pages come.
     */
    loadHooks(): void {
        if (this.hooksLoading) return;
        this.hooksLoading = true;
        const gen = this.generation;
        const page = (cursor: string | null, n: number): void => {
            const params = { cursor, limit: 500, filter: HOOK_FILTER };
            this.rpc.start<MessagesPage>('messages/page', params, TAG).promise.then(
                (p) => {
                    if (gen !== this.generation) return;
                    if (p.messages.length) {
                        this.hooks.add(p.messages as MessageSummary[]);
                        this.hooksVersion++;
                        this.onChange();
                    }
                    // At the end the cursor stays: the next call reads what was appended after it.
                    if (p.nextCursor) this.hooksCursor = p.nextCursor;
                    if (p.hasMore && p.nextCursor && n + 1 < HOOK_PAGES && p.messages.length) page(p.nextCursor, n + 1);
                    else this.hooksLoading = false;
                },
                () => {
                    if (gen === this.generation) this.hooksLoading = false; // rows keep what was read
                },
            );
        };
        page(this.hooksCursor, 0);
    }

    /** Read which tool calls failed (errors-only tool results), to mark their rows. */
    loadFailures(): void {
        const gen = this.generation;
        const found = new Set<string>();
        const page = (cursor: string | null, n: number): void => {
            const params = { cursor, limit: 500, filter: { kinds: ['tool_result' as const], errorsOnly: true, includeSidechains: false } };
            this.rpc.start<MessagesPage>('messages/page', params, TAG).promise.then(
                (p) => {
                    if (gen !== this.generation) return;
                    for (const id of failedToolIds(p.messages as MessageSummary[])) found.add(id);
                    if (p.hasMore && p.nextCursor && n + 1 < FAILURE_PAGES && p.messages.length) {
                        page(p.nextCursor, n + 1);
                        return;
                    }
                    this.failed = found;
                    this.failedVersion++;
                    this.onChange();
                },
                () => {
                    /* no marks: the rows still open to their results */
                },
            );
        };
        page(null, 0);
    }

    /** The session was rewritten or the view starts over: forget details, keep nothing open. */
    reset(): void {
        this.rpc.cancelAll(TAG);
        this.generation++;
        this.open.clear();
        this.details.clear();
        this.versions.clear();
        this.failed = new Set();
        this.failedVersion++;
        this.hooks.clear();
        this.hooksVersion++;
        this.hooksCursor = null;
        this.hooksLoading = false;
    }
}
