/**
 * The state of one session's webview: the paged top-level list, the expanded subtrees, the
 * filter, the requests in flight, progress and errors. The view asks `rowCount()` / `rowAt(r)`
 * and reports what is visible; everything that talks to the server goes through the injected
 * `RequestTracker`, so this module runs (and is tested) without a DOM.
 */
import type { Kind, MessageDetail, MessageFilter, MessagesPage, MessageSummary, RequestMethod } from '../../protocol';
import { isCancelled, RequestTracker, type WorkProgress } from './requests';
import { PagedList, type PageFetch } from './pagedList';
import { notFoundMessage, walkTo, type WalkPage } from './reveal';
import { RowIndex } from './rows';
import { detailChildren, findNode, findParent, flatten, messageNode, rowKey, type FlatRow, type TreeNode } from './tree';

export type Row =
    | { kind: 'message'; key: string; index: number; depth: 0; message: MessageSummary; expanded: boolean }
    | { kind: 'skeleton'; key: string; index: number; depth: number }
    | { kind: 'node'; key: string; index: number; depth: number; node: TreeNode };

export interface FilterState {
    kinds: Kind[];
    tools: string[];
    errorsOnly: boolean;
    text: string;
}

/** What the webview keeps in `vscode.setState` to come back where it was. */
export interface SavedView {
    filter: FilterState;
    anchorIndex: number;
    anchorPage: number;
    anchorCursor: string | null;
    total: number | undefined;
    selectedKey?: string;
}

export const DEFAULT_KINDS: Kind[] = ['user', 'assistant', 'system'];
/** Skeleton rows shown while the first screen streams in. */
export const SKELETON_ROWS = 24;

export function defaultFilter(): FilterState {
    return { kinds: [...DEFAULT_KINDS], tools: [], errorsOnly: false, text: '' };
}

export function toServerFilter(f: FilterState): MessageFilter {
    const out: MessageFilter = {};
    // Errors live on tool results: "errors only" looks at them whatever kinds are picked.
    const kinds = f.errorsOnly && !f.kinds.includes('tool_result') ? [...f.kinds, 'tool_result' as Kind] : f.kinds;
    if (kinds.length) out.kinds = kinds;
    if (f.tools.length) out.tools = [...f.tools];
    if (f.errorsOnly) out.errorsOnly = true;
    const text = f.text.trim();
    if (text) out.text = text.slice(0, 1000);
    return out;
}

export interface ProgressState {
    active: boolean;
    percentage?: number;
    message?: string;
}

export interface SessionStateOptions {
    pageSize: number;
    maxPages?: number;
    batchSize?: number;
    maxInFlight?: number;
}

export class SessionState {
    filter: FilterState = defaultFilter();
    /** Pages carry each message's content blocks (the conversation view renders them). */
    expandContent = false;
    list: PagedList<MessageSummary>;
    readonly rows = new RowIndex();
    /** Expanded top-level messages: index -> subtree root (the message node itself). */
    private readonly roots = new Map<number, TreeNode>();
    private readonly flats = new Map<number, FlatRow[]>();
    private generation = 0;
    private visibleFirst = 0;
    private visibleLast = 0;
    private streaming = false;
    progress: ProgressState = { active: false };
    error: string | undefined;
    /** A notice that does not stop paging (e.g. a failed expand). */
    notice: string | undefined;
    private readonly pageSize: number;
    private readonly maxPages: number;
    private readonly batchSize: number;
    private readonly maxInFlight: number;
    private recounting = false;
    private recountAgain = false;
    private revealSeq = 0;

    constructor(
        private readonly rpc: RequestTracker,
        options: SessionStateOptions,
        private readonly onChange: () => void = () => {},
    ) {
        this.pageSize = options.pageSize;
        this.maxPages = options.maxPages ?? 40;
        this.batchSize = options.batchSize ?? 50;
        this.maxInFlight = options.maxInFlight ?? 2;
        this.list = this.newList();
    }

    private newList(): PagedList<MessageSummary> {
        return new PagedList<MessageSummary>(this.pageSize, rowKey, this.maxPages);
    }

    private get tag(): string {
        return `g${this.generation}`;
    }

    // --- rows ------------------------------------------------------------------------------

    get loadingFirstScreen(): boolean {
        return this.list.total === undefined && !this.error;
    }

    rowCount(): number {
        const messages = this.list.count;
        const rows = this.rows.rowCount(messages);
        return this.loadingFirstScreen ? rows + SKELETON_ROWS : rows;
    }

    rowAt(row: number): Row {
        const messages = this.list.count;
        const loc = this.rows.locate(row);
        if (loc.index >= messages) {
            return { kind: 'skeleton', key: `slot:${loc.index}`, index: loc.index, depth: 0 };
        }
        if (loc.offset === 0) {
            const message = this.list.itemAt(loc.index);
            if (!message) return { kind: 'skeleton', key: `slot:${loc.index}`, index: loc.index, depth: 0 };
            return {
                kind: 'message',
                key: rowKey(message),
                index: loc.index,
                depth: 0,
                message,
                expanded: this.roots.has(loc.index),
            };
        }
        const flat = this.flats.get(loc.index)?.[loc.offset - 1];
        if (!flat) return { kind: 'skeleton', key: `slot:${loc.index}:${loc.offset}`, index: loc.index, depth: 1 };
        return { kind: 'node', key: flat.node.id, index: loc.index, depth: flat.depth, node: flat.node };
    }

    /** Row number of a row key, if it is in the loaded part of the tree. */
    rowOfKey(key: string): number | undefined {
        const index = this.list.indexOfKey(key);
        if (index !== undefined) return this.rows.rowOf(index);
        for (const [i, flat] of this.flats) {
            const k = flat.findIndex((f) => f.node.id === key);
            if (k >= 0) return this.rows.rowOf(i) + 1 + k;
        }
        return undefined;
    }

    /** The row of the parent of row `row` (for Left-arrow navigation). */
    parentRow(row: number): number | undefined {
        const r = this.rowAt(row);
        if (r.kind !== 'node') return undefined;
        const root = this.roots.get(r.index);
        if (!root) return undefined;
        const parent = findParent(root, r.node.id);
        if (!parent || parent === root) return this.rows.rowOf(r.index);
        return this.rowOfKey(parent.id);
    }

    // --- visibility drives fetching ----------------------------------------------------------

    /** The view shows rows [first, last]; load what they need, drop what is far away. */
    visible(firstRow: number, lastRow: number): void {
        const a = this.rows.locate(Math.max(0, firstRow)).index;
        const b = this.rows.locate(Math.max(0, lastRow)).index;
        this.visibleFirst = a;
        this.visibleLast = b;
        this.ensure();
    }

    private ensure(): void {
        if (this.error) return;
        const fetches = this.list.plan(this.visibleFirst, this.visibleLast, { maxInFlight: this.maxInFlight });
        for (const f of fetches) {
            if (f.page === 0 && f.offset === 0 && this.list.total === undefined) this.stream(f);
            else this.fetchPage(f);
        }
        const evicted = this.list.evict(this.visibleFirst, this.visibleLast);
        if (evicted.length) this.onChange();
    }

    /** The first screen: batches stream in as `$/progress`, a first parse reports progress. */
    private stream(f: PageFetch): void {
        const list = this.list;
        list.startFetch(f);
        this.streaming = true;
        const started = this.rpc.start<MessagesPage>(
            'messages/stream',
            { cursor: f.cursor, limit: f.limit, filter: toServerFilter(this.filter), batchSize: this.batchSize, ...this.expandParam() },
            this.tag,
            {
                onPartial: (messages) => {
                    if (list !== this.list) return;
                    if (list.appendBatch(f.page, messages)) this.onChange();
                },
                onProgress: (p) => this.onWorkProgress(p),
            },
        );
        started.promise.then(
            (page) => {
                if (list !== this.list) return;
                this.streaming = false;
                this.progress = { active: false };
                list.finish(f.page, { items: page.messages, nextCursor: page.nextCursor, hasMore: page.hasMore, total: page.total });
                this.onChange();
                this.ensure();
            },
            (err: unknown) => {
                if (list !== this.list) return;
                this.streaming = false;
                this.progress = { active: false };
                list.abort(f.page);
                if (!isCancelled(err)) this.fail(err);
                this.onChange();
            },
        );
    }

    private onWorkProgress(p: WorkProgress): void {
        if (p.phase === 'end') this.progress = { active: false };
        else {
            this.progress = { active: true };
            if (p.percentage !== undefined) this.progress.percentage = p.percentage;
            if (p.message !== undefined) this.progress.message = p.message;
        }
        this.onChange();
    }

    private fetchPage(f: PageFetch): void {
        const list = this.list;
        list.startFetch(f);
        const started = this.rpc.start<MessagesPage>(
            'messages/page',
            { cursor: f.cursor, limit: f.limit, filter: toServerFilter(this.filter), ...this.expandParam() },
            this.tag,
        );
        started.promise.then(
            (page) => {
                if (list !== this.list) return;
                list.finish(f.page, { items: page.messages, nextCursor: page.nextCursor, hasMore: page.hasMore, total: page.total });
                this.onChange();
                this.ensure();
            },
            (err: unknown) => {
                if (list !== this.list) return;
                list.abort(f.page);
                if (!isCancelled(err)) this.fail(err);
                this.onChange();
            },
        );
    }

    private expandParam(): { expand?: true } {
        return this.expandContent ? { expand: true } : {};
    }

    private fail(err: unknown): void {
        this.error = err instanceof Error ? err.message : String(err);
    }

    /** Clear the error and try again. */
    retry(): void {
        this.error = undefined;
        this.notice = undefined;
        this.onChange();
        this.ensure();
    }

    // --- filter ------------------------------------------------------------------------------

    /** A new filter: every request in flight is cancelled and the list starts over. */
    setFilter(filter: FilterState): void {
        this.filter = { kinds: [...filter.kinds], tools: [...filter.tools], errorsOnly: filter.errorsOnly, text: filter.text };
        this.reset();
    }

    /** Start over with the same filter (the file was rewritten, or restored state). */
    reset(): void {
        this.rpc.cancelAll(this.tag);
        this.generation++;
        this.list = this.newList();
        this.rows.clear();
        this.roots.clear();
        this.flats.clear();
        this.streaming = false;
        this.progress = { active: false };
        this.error = undefined;
        this.notice = undefined;
        this.visibleFirst = 0;
        this.visibleLast = 0;
        this.onChange();
        this.ensure();
    }

    /** The session file changed on disk. */
    sessionChanged(kind: 'created' | 'appended' | 'deleted' | 'changed'): void {
        if (kind === 'deleted') {
            this.error = 'The session file was deleted.';
            this.onChange();
            return;
        }
        if (kind === 'changed') {
            this.reset();
            return;
        }
        this.recount();
    }

    /** Ask how many rows match now; a grown list fetches its new tail. */
    private recount(): void {
        if (this.list.total === undefined) return; // the first page is still coming: it will count
        if (this.recounting) {
            this.recountAgain = true;
            return;
        }
        this.recounting = true;
        const list = this.list;
        const started = this.rpc.start<MessagesPage>(
            'messages/page',
            { cursor: null, limit: 1, filter: toServerFilter(this.filter) },
            this.tag,
        );
        const done = (): void => {
            this.recounting = false;
            if (this.recountAgain) {
                this.recountAgain = false;
                this.recount();
            }
        };
        started.promise.then(
            (page) => {
                done();
                if (list !== this.list) return;
                if (typeof page.total === 'number' && page.total !== list.total) {
                    list.setTotal(page.total);
                    this.onChange();
                }
                this.ensure();
            },
            () => done(),
        );
    }

    // --- expanding ---------------------------------------------------------------------------

    isExpanded(row: Row): boolean {
        if (row.kind === 'message') return row.expanded;
        if (row.kind === 'node') return row.node.expanded;
        return false;
    }

    isExpandable(row: Row): boolean {
        if (row.kind === 'message') return true;
        if (row.kind === 'node') return row.node.expandable;
        return false;
    }

    toggle(row: Row, expand?: boolean): void {
        if (row.kind === 'message') {
            const want = expand ?? !row.expanded;
            if (want === row.expanded) return;
            if (want) this.expandMessage(row.index, row.message);
            else {
                this.roots.delete(row.index);
                this.flats.delete(row.index);
                this.rows.setExtra(row.index, 0);
                this.onChange();
            }
            return;
        }
        if (row.kind !== 'node' || !row.node.expandable) return;
        const node = row.node;
        const want = expand ?? !node.expanded;
        if (want === node.expanded) return;
        node.expanded = want;
        if (want && node.children === undefined) {
            if (node.kind === 'message' && node.message) this.loadDetail(row.index, node, node.message.uuid);
            else if (node.kind === 'agent') this.loadAgent(row.index, node);
        }
        this.reflow(row.index);
    }

    private expandMessage(index: number, message: MessageSummary): void {
        const root: TreeNode = { ...messageNode('', message), id: rowKey(message), expanded: true };
        this.roots.set(index, root);
        this.loadDetail(index, root, message.uuid);
        this.reflow(index);
    }

    private reflow(index: number): void {
        const root = this.roots.get(index);
        if (!root) return;
        const flat = flatten(root);
        this.flats.set(index, flat);
        this.rows.setExtra(index, flat.length);
        this.onChange();
    }

    private loadDetail(index: number, node: TreeNode, uuid: string): void {
        const list = this.list;
        node.loading = true;
        const started = this.rpc.start<MessageDetail>('messages/get', { uuid }, this.tag);
        started.promise.then(
            (detail) => {
                if (list !== this.list) return;
                node.loading = false;
                node.children = detailChildren(detail, node.id);
                this.reflow(index);
            },
            (err: unknown) => {
                if (list !== this.list || isCancelled(err)) return;
                node.loading = false;
                node.error = err instanceof Error ? err.message : String(err);
                this.reflow(index);
            },
        );
    }

    private loadAgent(index: number, node: TreeNode): void {
        const agent = node.agent;
        if (!agent || node.loading) return;
        const list = this.list;
        node.loading = true;
        const filter: MessageFilter = { agentId: agent.agentId, includeSidechains: true };
        if (this.filter.kinds.length) filter.kinds = [...this.filter.kinds];
        const started = this.rpc.start<MessagesPage>(
            'messages/page',
            { cursor: agent.cursor, limit: this.pageSize, filter },
            this.tag,
        );
        started.promise.then(
            (page) => {
                if (list !== this.list) return;
                node.loading = false;
                const seen = new Set((node.children ?? []).map((c) => c.id));
                const fresh = page.messages.map((m) => messageNode(node.id, m)).filter((c) => !seen.has(c.id));
                node.children = [...(node.children ?? []), ...fresh];
                agent.cursor = page.nextCursor;
                agent.hasMore = page.hasMore;
                agent.loaded = true;
                if (typeof page.total === 'number') agent.total = page.total;
                if (agent.total !== undefined) node.detail = `${agent.total} messages`;
                this.reflow(index);
            },
            (err: unknown) => {
                if (list !== this.list || isCancelled(err)) return;
                node.loading = false;
                if (node.children === undefined) node.error = err instanceof Error ? err.message : String(err);
                else this.notice = err instanceof Error ? err.message : String(err);
                this.reflow(index);
            },
        );
    }

    /** A "more" row came into view: fetch the agent's next page. */
    loadMore(row: Row): void {
        if (row.kind !== 'node' || row.node.kind !== 'more') return;
        const root = this.roots.get(row.index);
        if (!root) return;
        const agentId = row.node.id.replace(/\/more$/, '');
        const agent = findNode(root, agentId);
        if (agent && agent.agent?.hasMore && !agent.loading) this.loadAgent(row.index, agent);
    }

    // --- revealing a message (Open trace from a code lens or hover) -----------------------------

    /** The filter can show an assistant message whatever its text (needed to reveal a tool call). */
    canShowToolCalls(): boolean {
        const f = this.filter;
        return f.kinds.includes('assistant') && !f.tools.length && !f.errorsOnly && !f.text.trim();
    }

    /** The first page is in and its count known: a reveal can walk from here. */
    get readyToReveal(): boolean {
        return this.list.total !== undefined && !this.streaming && !this.error;
    }

    /**
     * Find message `uuid` by reading pages forwards (at most `maxPages`), then load its page into
     * the list: resolves to its item index, or to a sentence saying why it was not found.
     * A new filter or reset while walking stops the walk.
     */
    async reveal(
        uuid: string,
        options: {
            maxPages: number;
            onProgress?: (pages: number, items: number) => void;
            /** What `uuid` is compared with (default: the message's uuid). */
            keyOf?: (m: MessageSummary) => string;
            /** What is looked for, in the sentence when it is not found (default: "tool call"). */
            what?: string;
        },
    ): Promise<{ index: number } | { message: string }> {
        const list = this.list;
        const filter = toServerFilter(this.filter);
        const seq = ++this.revealSeq;
        const fetchPage = async (page: number, cursor: string | null): Promise<WalkPage<MessageSummary>> => {
            const next = list.cursorOf(page + 1);
            const local = list.completePage(page);
            if (local && next !== undefined) return { items: [...local], nextCursor: next, hasMore: true };
            const started = this.rpc.start<MessagesPage>('messages/page', { cursor, limit: this.pageSize, filter, ...this.expandParam() }, this.tag);
            const p = await started.promise;
            return { items: p.messages, nextCursor: p.nextCursor, hasMore: p.hasMore, total: p.total ?? null };
        };
        let walked;
        try {
            walked = await walkTo(uuid, options.keyOf ?? ((m: MessageSummary) => m.uuid), this.pageSize, fetchPage, {
                maxPages: options.maxPages,
                cancelled: () => list !== this.list || seq !== this.revealSeq,
                ...(options.onProgress ? { onProgress: options.onProgress } : {}),
            });
        } catch (err) {
            if (isCancelled(err) || list !== this.list) return { message: notFoundMessage('cancelled', 0, options.what) };
            return { message: `Could not look for the ${options.what ?? 'tool call'}: ${err instanceof Error ? err.message : String(err)}` };
        }
        if (!walked.found) return { message: notFoundMessage(walked.reason, walked.items, options.what) };
        walked.cursors.forEach((c, p) => list.seedCursor(p, c));
        if (!list.isLoaded(walked.index)) {
            const r = walked.result;
            list.startFetch({ page: walked.page, offset: 0, cursor: walked.cursors[walked.page] ?? null, limit: this.pageSize });
            list.finish(walked.page, { items: r.items, nextCursor: r.nextCursor, hasMore: r.hasMore });
        }
        this.visibleFirst = walked.index;
        this.visibleLast = walked.index;
        this.onChange();
        return { index: walked.index };
    }

    /** The row key of tool call `toolUseId` under the expanded message at `index`, once its detail is in. */
    toolRowKey(index: number, toolUseId: string): string | undefined {
        return this.flats.get(index)?.find((f) => f.node.kind === 'tool' && f.node.tool?.id === toolUseId)?.node.id;
    }

    /**
     * One step of opening message `uuid` of subagent `agentId` under the expanded message at
     * `index` (the tool result that started it): expand the subagent, read its pages until the
     * message is in, then give its row key. 'waiting' while a detail or page is being read.
     */
    revealInAgent(index: number, agentId: string, uuid: string): { key: string } | { message: string } | 'waiting' {
        const root = this.roots.get(index);
        if (!root) return { message: 'The message that started the subagent is not open.' };
        if (root.children === undefined) return root.error !== undefined ? { message: root.error } : 'waiting';
        const agent = this.flats.get(index)?.find((f) => f.node.kind === 'agent' && f.node.agent?.agentId === agentId)?.node;
        if (!agent?.agent) return { message: `Subagent ${agentId} is not under this message.` };
        if (!agent.expanded) {
            agent.expanded = true;
            if (agent.children === undefined) this.loadAgent(index, agent);
            this.reflow(index);
            return 'waiting';
        }
        if (agent.loading) return 'waiting';
        if (agent.children === undefined) return { message: agent.error ?? `Could not read subagent ${agentId}.` };
        const hit = agent.children.find((c) => c.kind === 'message' && c.message?.uuid === uuid);
        if (hit) return { key: hit.id };
        if (agent.agent.hasMore) {
            this.loadAgent(index, agent);
            return 'waiting';
        }
        return { message: `The message is not among subagent ${agentId}'s ${agent.children.length.toLocaleString()} messages.` };
    }

    /** The expanded message at `index` could not be read (its detail failed), or is not expanded. */
    detailFailed(index: number): boolean {
        const root = this.roots.get(index);
        return !root || (!root.loading && root.error !== undefined);
    }

    // --- saving and restoring the view -------------------------------------------------------

    save(topRow: number, selectedKey?: string): SavedView {
        const index = Math.min(this.rows.locate(Math.max(0, topRow)).index, Math.max(0, this.list.count - 1));
        const page = this.list.pageOf(index);
        const cursor = this.list.cursorOf(page);
        const saved: SavedView = {
            filter: { ...this.filter, kinds: [...this.filter.kinds], tools: [...this.filter.tools] },
            anchorIndex: cursor === undefined ? 0 : index,
            anchorPage: cursor === undefined ? 0 : page,
            anchorCursor: cursor ?? null,
            total: this.list.total,
        };
        if (selectedKey !== undefined) saved.selectedKey = selectedKey;
        return saved;
    }

    /** Start from a saved view: the anchor's page is fetched straight away by its cursor. */
    restore(saved: SavedView): number {
        this.filter = { ...saved.filter, kinds: [...saved.filter.kinds], tools: [...saved.filter.tools] };
        this.rpc.cancelAll(this.tag);
        this.generation++;
        this.list = this.newList();
        this.rows.clear();
        this.roots.clear();
        this.flats.clear();
        this.error = undefined;
        if (saved.anchorPage > 0 && saved.total !== undefined && saved.anchorIndex < saved.total) {
            this.list.seedCursor(saved.anchorPage, saved.anchorCursor);
            this.list.setTotal(saved.total);
            this.visibleFirst = saved.anchorIndex;
            this.visibleLast = saved.anchorIndex;
        }
        this.onChange();
        this.ensure();
        return this.rows.rowOf(this.visibleFirst);
    }

    get isStreaming(): boolean {
        return this.streaming;
    }

    /** For the tests: requests in flight belong to the current generation only. */
    get currentTag(): string {
        return this.tag;
    }

    /** Methods this state may call: the host refuses anything else. */
    static readonly methods: readonly RequestMethod[] = ['messages/stream', 'messages/page', 'messages/get'];
}
