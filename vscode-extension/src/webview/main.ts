/**
 * The session webview's composition root: the header (header.ts) and filter bar (filterBar.ts),
 * the virtualized list (@tanstack/virtual-core, variable row heights) over SessionState (paging,
 * the detail tree) and ConversationState (the conversation view's open parts), the keys, the
 * reveal of a message (Open trace, a search hit) and the state kept across reloads. Rows are
 * drawn by render/* (detail) and conversation/* (conversation).
 *
 * Security: every string that comes from a transcript is put in the DOM with textContent (or as
 * an attribute value through the DOM API). The one exception is HTML made by markdown-it and
 * highlight.js from transcript text, and it reaches the DOM only through render/sanitize.ts
 * (DOMPurify with a short allow-list, links vetted). The page's CSP allows only this nonce'd
 * script; styles are set through the CSSOM, which the CSP permits. Rendering is in render/*.
 */
import {
    Virtualizer,
    elementScroll,
    measureElement,
    observeElementOffset,
    observeElementRect,
    type VirtualItem,
} from '@tanstack/virtual-core';
import type { Kind, MessageSummary } from '../protocol';
import { el, icon } from './dom';
import { imageOverlay } from './render/image';
import { SearchHighlight } from './matchMarks';
import { KIND_LABELS } from './render/kinds';
import { setRowCost } from './render/message';
import { buildRow, signature } from './render/row';
import { parseHostMessage, type HostToWebview, type SessionView, type WebviewToHost } from '../shared/ipc';
import { estimateHeight } from './conversation/model';
import { conversationRow } from './conversation/render';
import { ConversationState } from './conversation/state';
import { FilterBar } from './filterBar';
import { SessionHeader } from './header';
import { RequestTracker } from './state/requests';
import { defaultFilter, SessionState, type FilterState, type Row, type SavedView } from './state/session';
import { validateBatch, validateResult } from './validate';

interface VsCodeApi {
    postMessage(message: WebviewToHost): void;
    getState(): unknown;
    setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

interface PersistedState {
    sessionId: string;
    project: string | null;
    title: string;
    view?: SavedView;
    /** Pixels scrolled past the top row's start. */
    within?: number;
    /** The search query highlighted. */
    highlight?: string;
}

const vscode = acquireVsCodeApi();

/**
 * How long the page's own work takes (ms): each render of the list and each message from the
 * host, the last 2,000 of each. Read by the end-to-end test beside the frame times, which on a
 * loaded machine also hold other processes' time.
 */
const perf = { render: [] as number[], message: [] as number[] };
(window as unknown as { __cctPerf: typeof perf }).__cctPerf = perf;
function timed<T>(into: number[], f: () => T): T {
    const t0 = performance.now();
    try {
        return f();
    } finally {
        if (into.length >= 2000) into.shift();
        into.push(performance.now() - t0);
    }
}

type RevealTarget = Omit<Extract<HostToWebview, { type: 'reveal' }>, 'type' | 'highlight'>;

/** The kinds the list must show to reach a search hit: its own, and a subagent's starting tool result. */
function revealKinds(target: RevealTarget, current: readonly Kind[]): Kind[] {
    const want = new Set<Kind>(current.includes('assistant') ? current : defaultFilter().kinds);
    if (target.kind && target.kind !== 'progress' && target.kind !== 'unknown') want.add(target.kind);
    if (target.agentId) want.add('tool_result');
    return KIND_LABELS.map(([k]) => k).filter((k) => want.has(k));
}

// --- the app --------------------------------------------------------------------------------

class App {
    private readonly root = document.getElementById('app') as HTMLDivElement;
    private readonly scroller = el('div', 'scroller');
    private readonly spacer = el('div', 'spacer');
    private readonly progressBar = el('div', 'progress');
    private readonly banner = el('div', 'banner');
    private readonly status = el('div', 'status');
    private header!: SessionHeader;
    private filterBar!: FilterBar;
    private readonly rowEls = new Map<string, { el: HTMLDivElement; sig: string }>();
    /** Rows whose long output was expanded with "Show all". */
    private readonly shownAll = new Set<string>();
    private overlay: HTMLDivElement | undefined;
    private readonly tracker: RequestTracker;
    private state!: SessionState;
    /** Conversation (the default) or detail: how rows are drawn and what pages carry. */
    private view: SessionView = 'conversation';
    private conv!: ConversationState;
    /** Conversation rows' estimated heights (with a head, without), by message. */
    private readonly estimates = new WeakMap<MessageSummary, [number | undefined, number | undefined]>();
    /** Bumped when costs arrive: conversation rows carry them in their actions. */
    private costVersion = 0;
    private virtualizer!: Virtualizer<HTMLDivElement, HTMLDivElement>;
    private session: PersistedState | undefined;
    private selectedKey: string | undefined;
    private renderQueued = false;
    private saveTimer: ReturnType<typeof setTimeout> | undefined;
    private noticeTimer: ReturnType<typeof setTimeout> | undefined;
    private restoreRow: { row: number; within: number } | undefined;
    /** The session spans several days: rows show the date too. */
    private showDates = false;
    /** session/cost `responseCosts`: a response's dollars by the uuid of its first line. */
    private responseCosts = new Map<string, number>();
    /** Bumped on every state change: row keys are recomputed only then, not on every scroll. */
    private version = 0;
    private keyVersion = -1;
    private keyFnCache: ((i: number) => string) | undefined;
    /** Open trace asked for this message: walked to once the first page is in. */
    private pendingReveal: RevealTarget | undefined;
    /** A search hit in a subagent: walked into once the message that started the subagent is open. */
    private revealAgent: { index: number; agentId: string; uuid: string } | undefined;
    /** The query of the search that opened the session, marked in every row built. */
    private readonly highlight = new SearchHighlight(document, () => {
        this.highlight.refresh([...this.rowEls.values()].map((r) => r.el));
        this.persistSoon();
    });
    /** The row a reveal landed on, outlined for a moment. */
    private flashKey: string | undefined;
    private flashTimer: ReturnType<typeof setTimeout> | undefined;
    /** While walking the pages for it: the status line's text. */
    private revealStatus: string | undefined;
    /** Found and expanded: select its tool call once the message's detail is in. */
    private revealTool: { index: number; toolUseId: string } | undefined;

    constructor() {
        this.tracker = new RequestTracker({
            sendRequest: (id, method, params) => vscode.postMessage({ type: 'request', id, method: method as never, params }),
            sendCancel: (id) => vscode.postMessage({ type: 'cancel', id }),
        });
        window.addEventListener('message', (ev: MessageEvent) => timed(perf.message, () => this.onHostMessage(ev.data)));
        vscode.postMessage({ type: 'ready' });
    }

    private onHostMessage(data: unknown): void {
        const msg = parseHostMessage(data);
        if (!msg) return; // not ours, or malformed: ignored
        switch (msg.type) {
            case 'init':
                this.start(msg);
                return;
            case 'response': {
                const method = this.tracker.methodOf(msg.id);
                if (!method) return; // cancelled or unknown: dropped
                const checked = validateResult(method, msg.result);
                if (checked.ok) this.tracker.resolve(msg.id, checked.value);
                else this.tracker.fail(msg.id, `malformed answer to ${method}: ${checked.message}`);
                return;
            }
            case 'error':
                this.tracker.fail(msg.id, msg.message, msg.code);
                return;
            case 'partial': {
                const checked = validateBatch(msg.messages);
                if (checked.ok) this.tracker.partial(msg.id, checked.value as MessageSummary[]);
                else this.tracker.fail(msg.id, `malformed streamed batch: ${checked.message}`);
                return;
            }
            case 'progress': {
                const p: { phase: typeof msg.phase; percentage?: number; message?: string } = { phase: msg.phase };
                if (msg.percentage !== undefined) p.percentage = msg.percentage;
                if (msg.message !== undefined) p.message = msg.message;
                this.tracker.progress(msg.id, p);
                return;
            }
            case 'title':
                this.setTitle(msg.title);
                return;
            case 'view':
                if (this.state) this.applyView(msg.view, false);
                return;
            case 'sessionChanged':
                if (msg.kind === 'changed') this.conv?.reset();
                this.state?.sessionChanged(msg.kind);
                if (this.state && msg.kind === 'appended') this.conv.loadFailures();
                // Appended: the hook lines after where the listing stopped; changed: all again.
                if (this.state && msg.kind !== 'deleted' && this.view === 'conversation') this.conv.loadHooks();
                if (this.state && msg.kind !== 'deleted') this.header.loadContextSoon();
                return;
            case 'notice':
                this.showNotice(msg.message);
                return;
            case 'pricesChanged':
                if (this.state) this.header.loadCost();
                return;
            case 'reveal': {
                const { type: _type, highlight, ...target } = msg;
                // A search's hit brings its query; Open trace from the code brings none: no highlight.
                if ((highlight ?? '') !== this.highlight.query) {
                    this.highlight.set(highlight ?? '');
                    this.highlight.refresh([...this.rowEls.values()].map((r) => r.el));
                }
                this.pendingReveal = target;
                if (this.state) this.startReveal();
                return;
            }
        }
    }

    /** Walk to the message Open trace named (clearing filters that would hide it). */
    private startReveal(): void {
        const target = this.pendingReveal;
        if (!target || !this.state) return;
        // A subagent's line or a tool result is a row of the detail view only.
        if (this.view === 'conversation' && (target.agentId || (target.kind && !['user', 'assistant', 'system'].includes(target.kind)))) {
            this.applyView('detail', false);
        }
        const kinds = revealKinds(target, this.state.filter.kinds);
        if (!this.state.canShowToolCalls() || kinds.length !== this.state.filter.kinds.length) {
            this.applyFilter({ ...defaultFilter(), kinds });
            this.showNotice(target.kind ? 'Filters set to show the match.' : 'Filters cleared to show the tool call.');
        }
        if (!this.state.readyToReveal) return; // render() calls again once the first page is in
        this.pendingReveal = undefined;
        this.revealTool = undefined;
        this.restoreRow = undefined; // the saved scroll position gives way to the tool call
        this.revealStatus = target.toolUseId ? 'Looking for the tool call…' : 'Looking for the message…';
        this.queueRender();
        const agentId = target.agentId;
        this.revealAgent = undefined;
        this.state
            .reveal(agentId ?? target.uuid, {
                maxPages: 500,
                what: agentId ? 'subagent' : target.toolUseId ? 'tool call' : 'message',
                ...(agentId ? { keyOf: (m: MessageSummary) => m.spawnedAgentId ?? '' } : {}),
                onProgress: (_pages, items) => {
                    this.revealStatus = `Looking for the ${target.toolUseId ? 'tool call' : 'message'}… ${items.toLocaleString()} messages read`;
                    this.queueRender();
                },
            })
            .then((r) => {
                this.revealStatus = undefined;
                // The walk's progress wrote over a notice (e.g. the filters it set): let the line clear now.
                if (this.noticeTimer) {
                    clearTimeout(this.noticeTimer);
                    this.noticeTimer = undefined;
                }
                if ('message' in r) {
                    this.showNotice(r.message);
                    this.queueRender();
                    return;
                }
                const row = this.state.rows.rowOf(r.index);
                const msgRow = this.state.rowAt(row);
                this.select(msgRow.key);
                if (msgRow.kind === 'message' && this.view === 'conversation') {
                    if (target.toolUseId) this.conv.toggle(msgRow.key, msgRow.message.uuid, `tool:${target.toolUseId}`, true);
                } else if (msgRow.kind === 'message') {
                    this.state.toggle(msgRow, true);
                    if (target.toolUseId) this.revealTool = { index: r.index, toolUseId: target.toolUseId };
                    if (agentId) this.revealAgent = { index: r.index, agentId, uuid: target.uuid };
                }
                this.flash(msgRow.key);
                this.virtualizer.scrollToIndex(row, { align: 'start' });
                this.scroller.focus({ preventScroll: true });
                this.queueRender();
            });
    }

    /** A subagent's message: one step into the subagent (expand it, read pages) until its row is in. */
    private finishRevealAgent(): void {
        const t = this.revealAgent;
        if (!t) return;
        const step = this.state.revealInAgent(t.index, t.agentId, t.uuid);
        if (step === 'waiting') return;
        this.revealAgent = undefined;
        if ('message' in step) {
            this.showNotice(step.message);
            return;
        }
        const row = this.state.rowOfKey(step.key);
        if (row === undefined) return;
        const r = this.state.rowAt(row);
        this.select(step.key);
        if (this.state.isExpandable(r) && !this.state.isExpanded(r)) this.state.toggle(r, true);
        this.flash(step.key);
        this.virtualizer.scrollToIndex(row, { align: 'start' });
    }

    /** Outline the row a reveal landed on for a moment (it stays selected). */
    private flash(key: string): void {
        this.flashKey = key;
        if (this.flashTimer) clearTimeout(this.flashTimer);
        this.flashTimer = setTimeout(() => {
            this.flashKey = undefined;
            this.flashTimer = undefined;
            this.queueRender();
        }, 1500);
        this.queueRender();
    }

    /** The revealed message's detail came in: select and open its tool call. */
    private finishRevealTool(): void {
        const t = this.revealTool;
        if (!t) return;
        const key = this.state.toolRowKey(t.index, t.toolUseId);
        if (!key) {
            if (this.state.detailFailed(t.index)) this.revealTool = undefined;
            return;
        }
        this.revealTool = undefined;
        const row = this.state.rowOfKey(key);
        if (row === undefined) return;
        const r = this.state.rowAt(row);
        this.select(key);
        if (this.state.isExpandable(r) && !this.state.isExpanded(r)) this.state.toggle(r, true);
        this.virtualizer.scrollToIndex(this.state.rows.rowOf(t.index), { align: 'start' });
    }

    private start(init: Extract<HostToWebview, { type: 'init' }>): void {
        if (this.state) return; // a second init (host reloaded) changes nothing
        const saved = vscode.getState() as PersistedState | undefined;
        this.session = { sessionId: init.sessionId, project: init.project, title: init.title };
        this.state = new SessionState(this.tracker, { pageSize: init.pageSize }, () => {
            this.version++;
            this.queueRender();
        });
        this.view = init.view ?? 'conversation';
        this.state.expandContent = this.view === 'conversation';
        this.conv = new ConversationState(this.tracker, () => this.queueRender());
        this.build(init.title);
        if (saved && saved.sessionId === init.sessionId && saved.view) {
            const row = this.state.restore(saved.view);
            this.restoreRow = { row, within: saved.within ?? 0 };
            this.selectedKey = saved.view.selectedKey;
            if (saved.highlight && !this.highlight.active) this.highlight.set(saved.highlight);
            this.filterBar.sync();
        } else {
            this.state.reset();
        }
        this.persist();
        this.filterBar.loadOptions();
        this.conv.loadFailures();
        if (this.view === 'conversation') this.conv.loadHooks();
        this.header.loadMetrics();
        this.header.loadCost();
        this.header.loadContext();
        if (this.pendingReveal) this.startReveal();
    }

    /** Switch between the conversation and the detail view; `save` keeps the choice (a setting). */
    private applyView(view: SessionView, save: boolean): void {
        if (save) vscode.postMessage({ type: 'setView', view });
        if (view === this.view) return;
        this.view = view;
        this.state.expandContent = view === 'conversation';
        this.conv.reset();
        this.conv.loadFailures();
        if (view === 'conversation') this.conv.loadHooks();
        this.syncViewButtons();
        this.applyFilter(this.state.filter);
    }

    private syncViewButtons(): void {
        this.header.syncView(this.view);
        document.body.dataset.view = this.view;
    }

    private setTitle(title: string): void {
        this.header.setTitle(title);
        this.scroller.setAttribute('aria-label', `Messages of ${title}`);
        if (this.session) {
            this.session.title = title;
            this.persistSoon();
        }
    }

    /** Costs came (or changed): the rows drawn get theirs in place, so the list does not move. */
    private costsChanged(costs: Map<string, number>): void {
        this.responseCosts = costs;
        for (const { el: row } of this.rowEls.values()) {
            const uuid = row.classList.contains('kind-assistant') ? row.querySelector<HTMLElement>(':scope > .row-action.copy')?.dataset.uuid : undefined;
            if (uuid && !row.dataset.blank) setRowCost(row, this.responseCosts.get(uuid));
        }
        this.costVersion++; // conversation rows: redrawn with theirs
        this.queueRender();
    }

    /** A click on an inline image: the image full size over the page; a click or Escape closes it. */
    private openImage(img: HTMLImageElement): void {
        this.closeImage();
        const overlay = imageOverlay(img.src, img.alt);
        const close = (): void => this.closeImage();
        overlay.addEventListener('click', close);
        overlay.addEventListener('keydown', (e) => {
            if (e.key === 'Escape') {
                e.preventDefault();
                close();
            }
        });
        this.overlay = overlay;
        this.root.append(overlay);
        overlay.focus();
    }

    private closeImage(): void {
        if (!this.overlay) return;
        this.overlay.remove();
        this.overlay = undefined;
        this.scroller.focus({ preventScroll: true });
    }

    // --- layout ----------------------------------------------------------------------------

    private build(title: string): void {
        this.filterBar = new FilterBar(
            {
                tracker: this.tracker,
                filter: () => this.state.filter,
                apply: (f) => this.applyFilter(f),
                focusList: () => this.scroller.focus(),
            },
            this.highlight.chip,
        );
        this.header = new SessionHeader(
            {
                tracker: this.tracker,
                post: (m) => vscode.postMessage(m),
                showDates: () => this.showDates,
                // A click on a point opens that turn, as Open trace does.
                openTurn: (uuid) => {
                    this.pendingReveal = { uuid };
                    this.startReveal();
                },
                chooseView: (view) => this.applyView(view, true),
                costsChanged: (costs) => this.costsChanged(costs),
                spansDays: () => {
                    this.showDates = true;
                    this.rowEls.clear();
                    this.spacer.replaceChildren();
                    this.queueRender();
                },
            },
            title,
            this.filterBar.element,
        );

        this.progressBar.append(el('div', 'bar'));
        this.progressBar.setAttribute('role', 'progressbar');
        this.banner.hidden = true;
        this.banner.setAttribute('role', 'alert');
        this.status.setAttribute('role', 'status');
        this.status.hidden = true;

        this.scroller.tabIndex = 0;
        this.scroller.setAttribute('role', 'tree');
        this.scroller.setAttribute('aria-label', `Messages of ${title}`);
        this.scroller.append(this.spacer);
        this.scroller.addEventListener('keydown', (e) => this.onKey(e));
        this.scroller.addEventListener('click', (e) => this.onClick(e));
        this.scroller.addEventListener('scroll', () => this.persistSoon(), { passive: true });
        document.addEventListener('keydown', (e) => {
            const search = this.filterBar.search;
            if (e.key === '/' && document.activeElement !== search && !(e.target instanceof HTMLInputElement)) {
                e.preventDefault();
                search.focus();
                search.select();
            } else if (e.key === 'Escape' && this.highlight.active && e.target !== search && !this.overlay) {
                this.highlight.clear();
            }
        });

        this.root.append(this.header.element, this.progressBar, this.banner, this.scroller, this.status);
        this.filterBar.sync();
        this.syncViewButtons();

        this.virtualizer = new Virtualizer<HTMLDivElement, HTMLDivElement>({
            count: this.state.rowCount(),
            getScrollElement: () => this.scroller,
            estimateSize: (i) => this.estimate(i),
            getItemKey: this.keyFn(),
            overscan: 6,
            observeElementRect,
            observeElementOffset,
            scrollToFn: elementScroll,
            measureElement,
            indexAttribute: 'data-index',
            onChange: () => this.queueRender(),
        });
        this.virtualizer._didMount();
        this.virtualizer._willUpdate();
        this.queueRender();
    }

    private keyFn(): (i: number) => string {
        if (!this.keyFnCache || this.keyVersion !== this.version) {
            const state = this.state;
            this.keyFnCache = (i: number) => state.rowAt(i).key;
            this.keyVersion = this.version;
        }
        return this.keyFnCache;
    }

    private estimate(i: number): number {
        const row = this.state.rowAt(i);
        if (this.view === 'conversation' && row.kind === 'message') {
            // Asked again for every unmeasured row whenever the list changes: computed once per message.
            const head = !this.continued(row.index, row.message);
            const known = this.estimates.get(row.message);
            const h = known?.[head ? 0 : 1] ?? estimateHeight(row.message, head);
            if (!known) this.estimates.set(row.message, head ? [h, undefined] : [undefined, h]);
            else known[head ? 0 : 1] = h;
            return h;
        }
        if (row.kind === 'node' && row.node.image) return 260;
        if (row.kind !== 'node' || row.node.body === undefined) return 24;
        const lines = Math.min(24, row.node.body.split('\n', 25).length);
        return 30 + lines * 17;
    }

    // --- filter ------------------------------------------------------------------------------

    private applyFilter(filter: FilterState): void {
        this.state.setFilter(filter);
        this.rowEls.clear();
        this.spacer.replaceChildren();
        this.virtualizer.scrollToOffset(0);
        this.filterBar.sync();
        this.persist();
    }

    // --- rendering ---------------------------------------------------------------------------

    private queueRender(): void {
        if (this.renderQueued) return;
        this.renderQueued = true;
        requestAnimationFrame(() => {
            this.renderQueued = false;
            timed(perf.render, () => this.render());
        });
    }

    private render(): void {
        const state = this.state;
        const count = state.rowCount();
        const getItemKey = this.keyFn();
        if (count !== this.virtualizer.options.count || getItemKey !== this.virtualizer.options.getItemKey) {
            this.virtualizer.setOptions({ ...this.virtualizer.options, count, getItemKey });
        }
        this.virtualizer._willUpdate();
        if (this.restoreRow && state.list.isLoaded(state.rows.locate(this.restoreRow.row).index)) {
            const { row, within } = this.restoreRow;
            this.restoreRow = undefined;
            this.virtualizer.scrollToIndex(row, { align: 'start' });
            if (within) requestAnimationFrame(() => this.scroller.scrollBy(0, within));
        }
        const items = this.virtualizer.getVirtualItems();
        this.spacer.style.height = `${this.virtualizer.getTotalSize()}px`;
        const seen = new Set<string>();
        const drawn: HTMLDivElement[] = [];
        // All the DOM writes first, then the measuring reads: one layout per frame, not one per row.
        for (const item of items) {
            if (item.index >= count) continue;
            const row = state.rowAt(item.index);
            seen.add(row.key);
            const el = this.rowElement(row, item);
            if (el.parentElement !== this.spacer) this.spacer.append(el);
            drawn.push(el);
            if (row.kind === 'node' && row.node.kind === 'more' && !row.node.loading) state.loadMore(row);
        }
        for (const [key, entry] of this.rowEls) {
            if (!seen.has(key)) {
                entry.el.remove();
                this.rowEls.delete(key);
            }
        }
        for (const el of drawn) this.virtualizer.measureElement(el);
        this.renderChrome();
        if (this.pendingReveal) this.startReveal();
        if (this.revealTool) this.finishRevealTool();
        if (this.revealAgent) this.finishRevealAgent();
        const first = items[0]?.index ?? 0;
        const last = items[items.length - 1]?.index ?? 0;
        state.visible(first, last);
    }

    private renderChrome(): void {
        const s = this.state;
        const total = s.list.total;
        // For people debugging and for the end-to-end test: how big the window is.
        this.scroller.dataset.rows = String(s.rowCount());
        this.scroller.dataset.total = total === undefined ? '' : String(total);
        this.scroller.dataset.resident = String(s.list.residentPages().length);
        this.header.count.textContent =
            total === undefined ? 'loading…' : `${total.toLocaleString()} message${total === 1 ? '' : 's'}${s.filter.text || s.filter.errorsOnly || s.filter.tools.length ? ' match' : ''}`;
        const busy = s.progress.active || s.isStreaming || this.revealStatus !== undefined;
        this.progressBar.classList.toggle('active', busy);
        this.progressBar.classList.toggle('determinate', s.progress.active && s.progress.percentage !== undefined);
        const bar = this.progressBar.firstElementChild as HTMLDivElement;
        bar.style.width = s.progress.percentage !== undefined ? `${s.progress.percentage}%` : '';
        if (s.progress.active && s.progress.percentage !== undefined) {
            this.progressBar.setAttribute('aria-valuenow', String(s.progress.percentage));
            this.progressBar.title = s.progress.message ?? 'Reading the session…';
        } else {
            this.progressBar.removeAttribute('aria-valuenow');
        }
        if (s.error) {
            this.banner.hidden = false;
            const retry = el('button', 'retry');
            retry.type = 'button';
            retry.append(icon('refresh'), el('span', '', 'Retry'));
            retry.addEventListener('click', () => s.retry());
            this.banner.replaceChildren(icon('error'), el('span', 'message', s.error), retry);
        } else if (!this.banner.hidden) {
            this.banner.hidden = true;
            this.banner.replaceChildren();
        }
        if (s.notice) {
            this.showNotice(s.notice);
            s.notice = undefined;
        }
        if (this.revealStatus !== undefined) {
            this.status.hidden = false;
            this.status.textContent = this.revealStatus;
        } else if (!this.noticeTimer) {
            const empty = total === 0 && !s.isStreaming && !s.error;
            this.status.hidden = !empty;
            this.status.textContent = empty ? 'No messages match these filters.' : '';
        }
    }

    /** A message for a few seconds in the status line (a file that is not there, a failed diff). */
    private showNotice(text: string): void {
        this.status.hidden = false;
        this.status.textContent = text;
        if (this.noticeTimer) clearTimeout(this.noticeTimer);
        this.noticeTimer = setTimeout(() => {
            this.noticeTimer = undefined;
            this.renderChrome();
        }, 6000);
    }

    /** The message before is the same speaker (Claude's lines of one turn): no second head. */
    private continued(index: number, m: MessageSummary): boolean {
        if (m.kind !== 'assistant' || index === 0) return false;
        const prev = this.state.list.itemAt(index - 1);
        return prev?.kind === 'assistant' && prev.isSidechain === m.isSidechain;
    }

    private rowSignature(row: Row): string {
        if (this.view !== 'conversation' || row.kind !== 'message') return signature(row, this.selectedKey, this.shownAll);
        const shown = [...this.shownAll].filter((k) => k.startsWith(`${row.key}#`)).join(',');
        return `${this.conv.signature(row.key)}.${this.costVersion}${this.continued(row.index, row.message) ? 'c' : ''}${row.key === this.selectedKey ? 's' : ''}${shown}`;
    }

    private buildConversationRow(row: Extract<Row, { kind: 'message' }>): HTMLDivElement {
        const e = el('div', 'row');
        e.setAttribute('role', 'treeitem');
        e.setAttribute('aria-level', '1');
        e.dataset.key = row.key;
        if (row.key === this.selectedKey) {
            e.classList.add('selected');
            e.setAttribute('aria-selected', 'true');
        }
        conversationRow(e, row.key, row.message, {
            state: this.conv,
            showDates: this.showDates,
            continued: this.continued(row.index, row.message),
            costOf: (uuid) => this.responseCosts.get(uuid),
            shownAll: this.shownAll,
        });
        return e;
    }

    private rowElement(row: Row, item: VirtualItem): HTMLDivElement {
        const sig = this.rowSignature(row);
        let entry = this.rowEls.get(row.key);
        if (!entry || entry.sig !== sig) {
            const fresh =
                this.view === 'conversation' && row.kind === 'message'
                    ? this.buildConversationRow(row)
                    : buildRow(row, {
                          selectedKey: this.selectedKey,
                          showDates: this.showDates,
                          shownAll: this.shownAll,
                          costOf: (uuid) => this.responseCosts.get(uuid),
                      });
            this.highlight.apply(fresh);
            if (entry) entry.el.replaceWith(fresh);
            entry = { el: fresh, sig };
            this.rowEls.set(row.key, entry);
        }
        const e = entry.el;
        e.dataset.index = String(item.index);
        e.style.transform = `translateY(${item.start}px)`;
        e.setAttribute('aria-posinset', String(item.index + 1));
        e.classList.toggle('flash', row.key === this.flashKey);
        return e;
    }

    // --- interaction ---------------------------------------------------------------------------

    private rowFromEvent(target: EventTarget | null): { row: Row; index: number } | undefined {
        const rowEl = target instanceof Element ? target.closest<HTMLDivElement>('.row') : null;
        if (!rowEl || rowEl.dataset.index === undefined) return undefined;
        const index = Number(rowEl.dataset.index);
        return { row: this.state.rowAt(index), index };
    }

    private onClick(e: MouseEvent): void {
        const target = e.target instanceof Element ? e.target : null;
        const actionEl = target?.closest<HTMLElement>('[data-action]');
        const hit = this.rowFromEvent(target);
        if (!hit) return;
        this.select(hit.row.key);
        const action = actionEl?.dataset.action;
        if (action === 'open' && actionEl) {
            e.preventDefault();
            const msg: WebviewToHost = { type: 'openFile', path: actionEl.dataset.path ?? '' };
            const line = Number(actionEl.dataset.line);
            if (Number.isInteger(line) && line > 0) msg.line = line;
            if (msg.path) vscode.postMessage(msg);
            return;
        }
        if (action === 'show-all') {
            const key = actionEl?.dataset.key ?? hit.row.key;
            if (this.shownAll.has(key)) this.shownAll.delete(key);
            else this.shownAll.add(key);
            this.queueRender();
            return;
        }
        if ((action === 'part' || action === 'raw') && actionEl?.dataset.uuid) {
            // Conversation rows: a tool call, a thought or the raw line opens in place.
            this.conv.toggle(hit.row.key, actionEl.dataset.uuid, action === 'raw' ? 'raw' : (actionEl.dataset.part ?? ''));
            return;
        }
        if (action === 'image' && actionEl instanceof HTMLImageElement) {
            this.openImage(actionEl);
            return;
        }
        if (action === 'copy' && actionEl?.dataset.uuid) {
            vscode.postMessage({ type: 'copyMessage', uuid: actionEl.dataset.uuid });
            return;
        }
        if (action === 'diff' && actionEl?.dataset.uuid && actionEl.dataset.tool) {
            vscode.postMessage({ type: 'showDiff', uuid: actionEl.dataset.uuid, toolUseId: actionEl.dataset.tool });
            return;
        }
        // A click on a text body selects (lets the user copy); elsewhere it toggles.
        if (target?.closest('.body-box') && action !== 'toggle') return;
        if (this.view === 'conversation' && hit.row.kind === 'message') return; // its parts open, not the row
        if (this.state.isExpandable(hit.row)) this.state.toggle(hit.row);
        this.scroller.focus({ preventScroll: true });
    }

    private select(key: string | undefined): void {
        if (key === this.selectedKey) return;
        this.selectedKey = key;
        this.queueRender();
        this.persistSoon();
    }

    private selectRow(row: number): void {
        const count = this.state.rowCount();
        if (!count) return;
        const r = Math.max(0, Math.min(count - 1, row));
        this.select(this.state.rowAt(r).key);
        this.virtualizer.scrollToIndex(r, { align: 'auto' });
    }

    private currentRow(): number {
        const row = this.selectedKey !== undefined ? this.state.rowOfKey(this.selectedKey) : undefined;
        if (row !== undefined) return row;
        return this.virtualizer.getVirtualItems()[0]?.index ?? 0;
    }

    private onKey(e: KeyboardEvent): void {
        if (e.target !== this.scroller) return;
        const row = this.currentRow();
        const page = Math.max(1, Math.floor(this.scroller.clientHeight / 24) - 1);
        const current = this.state.rowAt(row);
        if (this.view === 'conversation' && current.kind === 'message' && ['Enter', ' ', 'ArrowRight', 'ArrowLeft'].includes(e.key)) {
            // A conversation row does not unfold into the detail tree: its parts open with a click.
            if (e.key === 'ArrowRight') this.selectRow(row + 1);
            e.preventDefault();
            return;
        }
        switch (e.key) {
            case 'ArrowDown':
                this.selectRow(this.selectedKey === undefined ? row : row + 1);
                break;
            case 'ArrowUp':
                this.selectRow(row - 1);
                break;
            case 'PageDown':
                this.selectRow(row + page);
                break;
            case 'PageUp':
                this.selectRow(row - page);
                break;
            case 'Home':
                this.selectRow(0);
                break;
            case 'End':
                this.selectRow(this.state.rowCount() - 1);
                break;
            case 'Enter':
            case ' ':
                if (this.state.isExpandable(current)) this.state.toggle(current);
                break;
            case 'ArrowRight':
                if (this.state.isExpandable(current) && !this.state.isExpanded(current)) this.state.toggle(current, true);
                else this.selectRow(row + 1);
                break;
            case 'ArrowLeft':
                if (this.state.isExpandable(current) && this.state.isExpanded(current)) this.state.toggle(current, false);
                else {
                    const parent = this.state.parentRow(row);
                    if (parent !== undefined) this.selectRow(parent);
                }
                break;
            default:
                return;
        }
        e.preventDefault();
    }

    // --- persistence (scroll position survives hide/show and reloads) ---------------------------

    private persistSoon(): void {
        if (this.saveTimer) return;
        this.saveTimer = setTimeout(() => {
            this.saveTimer = undefined;
            this.persist();
        }, 200);
    }

    private persist(): void {
        if (!this.session || !this.state) return;
        const offset = this.scroller.scrollTop;
        const top = this.virtualizer.getVirtualItemForOffset(offset);
        const state: PersistedState = {
            ...this.session,
            view: this.state.save(top?.index ?? 0, this.selectedKey),
            within: top ? Math.max(0, offset - top.start) : 0,
        };
        if (this.highlight.active) state.highlight = this.highlight.query;
        vscode.setState(state);
    }
}

new App();
