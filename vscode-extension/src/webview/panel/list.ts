/**
 * The virtualized list of a session (@tanstack/virtual-core, variable row heights): only the rows
 * in view (plus a few) are in the DOM, each measured once drawn. Rows are built by render/row.ts
 * (the detail view) or conversation/render.ts (the conversation view), and rebuilt only when
 * their signature changes (selection, open parts, costs, the search highlight), so scrolling
 * reuses elements. The scroller's data-* attributes say how big the window is (for people
 * debugging and for the end-to-end test).
 */
import {
    Virtualizer,
    elementScroll,
    measureElement,
    observeElementOffset,
    observeElementRect,
    type VirtualItem,
} from '@tanstack/virtual-core';
import type { MessageSummary } from '../../protocol';
import type { SessionView } from '../../shared/ipc';
import { estimateHeight } from '../conversation/model';
import { conversationRow } from '../conversation/render';
import type { ConversationState } from '../conversation/state';
import { el } from '../dom';
import type { SearchHighlight } from '../matchMarks';
import { setRowCost } from '../render/message';
import { buildRow, signature } from '../render/row';
import type { Row, SessionState } from '../state/session';
import { perf, timed } from './perf';

/** What the list reads from the page around it. */
export interface ListHost {
    readonly state: SessionState;
    readonly conv: ConversationState;
    view(): SessionView;
    selectedKey(): string | undefined;
    /** The row a reveal landed on, outlined for a moment. */
    flashKey(): string | undefined;
    showDates(): boolean;
    highlight: SearchHighlight;
    /** After each render: the chrome, the reveals in progress, the paging of what is visible. */
    afterRender(): void;
}

export class ListView {
    readonly scroller = el('div', 'scroller');
    private readonly spacer = el('div', 'spacer');
    private readonly rowEls = new Map<string, { el: HTMLDivElement; sig: string }>();
    /** Rows whose long output was expanded with "Show all". */
    readonly shownAll = new Set<string>();
    /** Conversation rows' estimated heights (with a head, without), by message. */
    private readonly estimates = new WeakMap<MessageSummary, [number | undefined, number | undefined]>();
    /** session/cost `responseCosts`: a response's dollars by the uuid of its first line. */
    private responseCosts = new Map<string, number>();
    /** Bumped when costs arrive: conversation rows carry them in their actions. */
    private costVersion = 0;
    /** Bumped on every state change: row keys are recomputed only then, not on every scroll. */
    private version = 0;
    private keyVersion = -1;
    private keyFnCache: ((i: number) => string) | undefined;
    private renderQueued = false;
    private restoreRow: { row: number; within: number } | undefined;
    private virtualizer!: Virtualizer<HTMLDivElement, HTMLDivElement>;

    constructor(private readonly host: ListHost) {}

    /** Make the scroller a tree and start the virtualizer. */
    mount(title: string): void {
        this.scroller.tabIndex = 0;
        this.scroller.setAttribute('role', 'tree');
        this.setLabel(title);
        this.scroller.append(this.spacer);
        this.virtualizer = new Virtualizer<HTMLDivElement, HTMLDivElement>({
            count: this.host.state.rowCount(),
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

    setLabel(title: string): void {
        this.scroller.setAttribute('aria-label', `Messages of ${title}`);
    }

    /** The session's state changed (rows came, opened, closed): keys are recomputed. */
    changed(): void {
        this.version++;
        this.queueRender();
    }

    /** Drop every drawn row (the filter, the view or the date format changed). */
    clear(): void {
        this.rowEls.clear();
        this.spacer.replaceChildren();
    }

    /** Come back to this row, this many pixels into it, once its page is in. */
    restoreTo(row: number, within: number): void {
        this.restoreRow = { row, within };
    }

    /** A reveal gives the saved scroll position way. */
    forgetRestore(): void {
        this.restoreRow = undefined;
    }

    scrollToIndex(row: number, align: 'start' | 'auto'): void {
        this.virtualizer.scrollToIndex(row, { align });
    }

    scrollToTop(): void {
        this.virtualizer.scrollToOffset(0);
    }

    focus(): void {
        this.scroller.focus({ preventScroll: true });
    }

    /** The first row in view (what a key press starts from when nothing is selected). */
    firstVisible(): number {
        return this.virtualizer.getVirtualItems()[0]?.index ?? 0;
    }

    /** The top row and the pixels scrolled past its start: what is saved to come back to. */
    topPosition(): { index: number; within: number } {
        const offset = this.scroller.scrollTop;
        const top = this.virtualizer.getVirtualItemForOffset(offset);
        return { index: top?.index ?? 0, within: top ? Math.max(0, offset - top.start) : 0 };
    }

    /** Rows per page for PageUp/PageDown. */
    pageRows(): number {
        return Math.max(1, Math.floor(this.scroller.clientHeight / 24) - 1);
    }

    toggleShowAll(key: string): void {
        if (this.shownAll.has(key)) this.shownAll.delete(key);
        else this.shownAll.add(key);
        this.queueRender();
    }

    /** The drawn rows' elements (to mark the search's matches in them). */
    elements(): HTMLDivElement[] {
        return [...this.rowEls.values()].map((r) => r.el);
    }

    costOf(uuid: string): number | undefined {
        return this.responseCosts.get(uuid);
    }

    /** Costs came (or changed): the rows drawn get theirs in place, so the list does not move. */
    setCosts(costs: Map<string, number>): void {
        this.responseCosts = costs;
        for (const { el: row } of this.rowEls.values()) {
            const uuid = row.classList.contains('kind-assistant') ? row.querySelector<HTMLElement>(':scope > .row-action.copy')?.dataset.uuid : undefined;
            if (uuid && !row.dataset.blank) setRowCost(row, this.responseCosts.get(uuid));
        }
        this.costVersion++; // conversation rows: redrawn with theirs
        this.queueRender();
    }

    /** The row under a click. */
    rowFromEvent(target: EventTarget | null): { row: Row; index: number } | undefined {
        const rowEl = target instanceof Element ? target.closest<HTMLDivElement>('.row') : null;
        if (!rowEl || rowEl.dataset.index === undefined) return undefined;
        const index = Number(rowEl.dataset.index);
        return { row: this.host.state.rowAt(index), index };
    }

    queueRender(): void {
        if (this.renderQueued) return;
        this.renderQueued = true;
        requestAnimationFrame(() => {
            this.renderQueued = false;
            timed(perf.render, () => this.render());
        });
    }

    private render(): void {
        const state = this.host.state;
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
            const e = this.rowElement(row, item);
            if (e.parentElement !== this.spacer) this.spacer.append(e);
            drawn.push(e);
            if (row.kind === 'node' && row.node.kind === 'more' && !row.node.loading) state.loadMore(row);
        }
        for (const [key, entry] of this.rowEls) {
            if (!seen.has(key)) {
                entry.el.remove();
                this.rowEls.delete(key);
            }
        }
        for (const e of drawn) this.virtualizer.measureElement(e);
        const total = state.list.total;
        this.scroller.dataset.rows = String(count);
        this.scroller.dataset.total = total === undefined ? '' : String(total);
        this.scroller.dataset.resident = String(state.list.residentPages().length);
        this.host.afterRender();
        const first = items[0]?.index ?? 0;
        const last = items[items.length - 1]?.index ?? 0;
        state.visible(first, last);
    }

    private keyFn(): (i: number) => string {
        if (!this.keyFnCache || this.keyVersion !== this.version) {
            const state = this.host.state;
            this.keyFnCache = (i: number) => state.rowAt(i).key;
            this.keyVersion = this.version;
        }
        return this.keyFnCache;
    }

    private estimate(i: number): number {
        const row = this.host.state.rowAt(i);
        if (this.host.view() === 'conversation' && row.kind === 'message') {
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

    /** The message before is the same speaker (Claude's lines of one turn): no second head. */
    private continued(index: number, m: MessageSummary): boolean {
        if (m.kind !== 'assistant' || index === 0) return false;
        const prev = this.host.state.list.itemAt(index - 1);
        return prev?.kind === 'assistant' && prev.isSidechain === m.isSidechain;
    }

    private rowSignature(row: Row): string {
        const selected = this.host.selectedKey();
        if (this.host.view() !== 'conversation' || row.kind !== 'message') return signature(row, selected, this.shownAll);
        const shown = [...this.shownAll].filter((k) => k.startsWith(`${row.key}#`)).join(',');
        return `${this.host.conv.signature(row.key)}.${this.costVersion}${this.continued(row.index, row.message) ? 'c' : ''}${row.key === selected ? 's' : ''}${shown}`;
    }

    private buildConversationRow(row: Extract<Row, { kind: 'message' }>): HTMLDivElement {
        const e = el('div', 'row');
        e.setAttribute('role', 'treeitem');
        e.setAttribute('aria-level', '1');
        e.dataset.key = row.key;
        if (row.key === this.host.selectedKey()) {
            e.classList.add('selected');
            e.setAttribute('aria-selected', 'true');
        }
        conversationRow(e, row.key, row.message, {
            state: this.host.conv,
            showDates: this.host.showDates(),
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
                this.host.view() === 'conversation' && row.kind === 'message'
                    ? this.buildConversationRow(row)
                    : buildRow(row, {
                          selectedKey: this.host.selectedKey(),
                          showDates: this.host.showDates(),
                          shownAll: this.shownAll,
                          costOf: (uuid) => this.responseCosts.get(uuid),
                      });
            this.host.highlight.apply(fresh);
            if (entry) entry.el.replaceWith(fresh);
            entry = { el: fresh, sig };
            this.rowEls.set(row.key, entry);
        }
        const e = entry.el;
        e.dataset.index = String(item.index);
        e.style.transform = `translateY(${item.start}px)`;
        e.setAttribute('aria-posinset', String(item.index + 1));
        e.classList.toggle('flash', row.key === this.host.flashKey());
        return e;
    }
}
