/**
 * The session webview's composition root: it makes the parts and wires them together. The
 * header (header.ts) and filter bar (filterBar.ts) above the virtualized list (panel/list.ts) over
 * SessionState (paging, the detail tree) and ConversationState (the conversation view's open
 * parts, failures, folded hooks); the status line, banner and progress bar (panel/chrome.ts); the
 * walk to a message (panel/reveal.ts); clicks and keys (panel/input.ts); the host's messages
 * (panel/hostMessages.ts); the state kept across reloads (panel/persist.ts). Rows are drawn by
 * render/* (detail) and conversation/* (conversation).
 *
 * Security: every string that comes from a transcript is put in the DOM with textContent (or as
 * an attribute value through the DOM API). The one exception is HTML made by markdown-it and
 * highlight.js from transcript text, and it reaches the DOM only through render/sanitize.ts
 * (DOMPurify with a short allow-list, links vetted). The page's CSP allows only this nonce'd
 * script; styles are set through the CSSOM, which the CSP permits.
 */
import type { HostToWebview, SessionView, WebviewToHost } from '../shared/ipc';
import { ConversationState } from './conversation/state';
import { FilterBar } from './filterBar';
import { SessionHeader } from './header';
import { SearchHighlight } from './matchMarks';
import { Chrome } from './panel/chrome';
import { handleHostMessage } from './panel/hostMessages';
import { ImageViewer } from './panel/imageViewer';
import { onListClick, onListKey } from './panel/input';
import { ListView } from './panel/list';
import { exposePerf, perf, timed } from './panel/perf';
import { Persister, type PersistedState } from './panel/persist';
import { Reveal, type RevealTarget } from './panel/reveal';
import { RequestTracker } from './state/requests';
import { SessionState, type FilterState } from './state/session';

interface VsCodeApi {
    postMessage(message: WebviewToHost): void;
    getState(): unknown;
    setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
exposePerf();

class App {
    private readonly root = document.getElementById('app') as HTMLDivElement;
    private readonly tracker = new RequestTracker({
        sendRequest: (id, method, params) => vscode.postMessage({ type: 'request', id, method: method as never, params }),
        sendCancel: (id) => vscode.postMessage({ type: 'cancel', id }),
    });
    private readonly chrome = new Chrome(() => this.renderChrome());
    private readonly persister = new Persister(() => this.persist());
    /** The query of the search that opened the session, marked in every row built. */
    private readonly highlight = new SearchHighlight(document, () => {
        if (this.list) this.highlight.refresh(this.list.elements());
        this.persister.soon();
    });
    private readonly reveal: Reveal;
    private state!: SessionState;
    private conv!: ConversationState;
    private list!: ListView;
    private header!: SessionHeader;
    private filterBar!: FilterBar;
    private images!: ImageViewer;
    /** Conversation (the default) or detail: how rows are drawn and what pages carry. */
    private view: SessionView = 'conversation';
    private session: PersistedState | undefined;
    private selectedKey: string | undefined;
    /** The session spans several days: rows show the date too. */
    private showDates = false;

    constructor() {
        this.reveal = new Reveal({
            state: () => this.state,
            conv: () => this.conv,
            view: () => this.view,
            applyView: (view) => this.applyView(view, false),
            applyFilter: (f) => this.applyFilter(f),
            showNotice: (text) => this.chrome.showNotice(text),
            dropNotice: () => this.chrome.dropNotice(),
            select: (key) => this.select(key),
            scrollToIndex: (row) => this.list.scrollToIndex(row, 'start'),
            forgetRestore: () => this.list.forgetRestore(),
            focusList: () => this.list.focus(),
            queueRender: () => this.list.queueRender(),
        });
        window.addEventListener('message', (ev: MessageEvent) =>
            timed(perf.message, () =>
                handleHostMessage(ev.data, {
                    tracker: this.tracker,
                    init: (msg) => this.start(msg),
                    title: (title) => this.setTitle(title),
                    view: (view) => {
                        if (this.state) this.applyView(view, false);
                    },
                    sessionChanged: (kind) => this.sessionChanged(kind),
                    notice: (text) => this.chrome.showNotice(text),
                    pricesChanged: () => {
                        if (this.state) this.header.loadCost();
                    },
                    reveal: (target, highlight) => this.revealFromHost(target, highlight),
                }),
            ),
        );
        vscode.postMessage({ type: 'ready' });
    }

    private start(init: Extract<HostToWebview, { type: 'init' }>): void {
        if (this.state) return; // a second init (host reloaded) changes nothing
        const saved = vscode.getState() as PersistedState | undefined;
        this.session = { sessionId: init.sessionId, project: init.project, title: init.title };
        this.state = new SessionState(this.tracker, { pageSize: init.pageSize }, () => this.list.changed());
        this.view = init.view ?? 'conversation';
        this.state.expandContent = this.view === 'conversation';
        this.conv = new ConversationState(this.tracker, () => this.list.queueRender());
        this.build(init.title);
        if (saved && saved.sessionId === init.sessionId && saved.view) {
            const row = this.state.restore(saved.view);
            this.list.restoreTo(row, saved.within ?? 0);
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
        this.reveal.continue();
    }

    /** The layout: header (with the filter bar), progress bar, banner, the list, the status line. */
    private build(title: string): void {
        const state = this.state;
        const conv = this.conv;
        this.list = new ListView({
            state,
            conv,
            view: () => this.view,
            selectedKey: () => this.selectedKey,
            flashKey: () => this.reveal.flashKey,
            showDates: () => this.showDates,
            highlight: this.highlight,
            afterRender: () => {
                this.renderChrome();
                this.reveal.continue();
            },
        });
        this.images = new ImageViewer(this.root, () => this.list.focus());
        this.filterBar = new FilterBar(
            { tracker: this.tracker, filter: () => this.state.filter, apply: (f) => this.applyFilter(f), focusList: () => this.list.scroller.focus() },
            this.highlight.chip,
        );
        this.header = new SessionHeader(
            {
                tracker: this.tracker,
                post: (m) => vscode.postMessage(m),
                showDates: () => this.showDates,
                // A click on a point opens that turn, as Open trace does.
                openTurn: (uuid) => this.reveal.request({ uuid }),
                chooseView: (view) => this.applyView(view, true),
                costsChanged: (costs) => this.list.setCosts(costs),
                spansDays: () => {
                    this.showDates = true;
                    this.list.clear();
                    this.list.queueRender();
                },
            },
            title,
            this.filterBar.element,
        );
        const input = {
            state,
            conv,
            list: this.list,
            images: this.images,
            view: () => this.view,
            selectedKey: () => this.selectedKey,
            select: (key: string | undefined) => this.select(key),
            post: (m: WebviewToHost) => vscode.postMessage(m),
        };
        const scroller = this.list.scroller;
        scroller.addEventListener('keydown', (e) => onListKey(e, input));
        scroller.addEventListener('click', (e) => onListClick(e, input));
        scroller.addEventListener('scroll', () => this.persister.soon(), { passive: true });
        document.addEventListener('keydown', (e) => {
            const search = this.filterBar.search;
            if (e.key === '/' && document.activeElement !== search && !(e.target instanceof HTMLInputElement)) {
                e.preventDefault();
                search.focus();
                search.select();
            } else if (e.key === 'Escape' && this.highlight.active && e.target !== search && !this.images.isOpen) {
                this.highlight.clear();
            }
        });
        this.root.append(this.header.element, this.chrome.progressBar, this.chrome.banner, scroller, this.chrome.status);
        this.filterBar.sync();
        this.syncViewButtons();
        this.list.mount(title);
    }

    private renderChrome(): void {
        const s = this.state;
        const total = s.list.total;
        this.header.count.textContent =
            total === undefined ? 'loading…' : `${total.toLocaleString()} message${total === 1 ? '' : 's'}${s.filter.text || s.filter.errorsOnly || s.filter.tools.length ? ' match' : ''}`;
        this.chrome.render(s, this.reveal.status);
    }

    private sessionChanged(kind: Extract<HostToWebview, { type: 'sessionChanged' }>['kind']): void {
        if (kind === 'changed') this.conv?.reset();
        if (!this.state) return;
        this.state.sessionChanged(kind);
        if (kind === 'appended') this.conv.loadFailures();
        // Appended: the hook lines after where the listing stopped; changed: all again.
        if (kind !== 'deleted' && this.view === 'conversation') this.conv.loadHooks();
        if (kind !== 'deleted') this.header.loadContextSoon();
    }

    private revealFromHost(target: RevealTarget, highlight: string): void {
        if (highlight !== this.highlight.query) {
            this.highlight.set(highlight);
            if (this.list) this.highlight.refresh(this.list.elements());
        }
        this.reveal.request(target);
    }

    private applyFilter(filter: FilterState): void {
        this.state.setFilter(filter);
        this.list.clear();
        this.list.scrollToTop();
        this.filterBar.sync();
        this.persist();
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
        this.header?.setTitle(title);
        this.list?.setLabel(title);
        if (this.session) {
            this.session.title = title;
            this.persister.soon();
        }
    }

    private select(key: string | undefined): void {
        if (key === this.selectedKey) return;
        this.selectedKey = key;
        this.list.queueRender();
        this.persister.soon();
    }

    private persist(): void {
        if (!this.session || !this.state) return;
        const top = this.list.topPosition();
        const state: PersistedState = { ...this.session, view: this.state.save(top.index, this.selectedKey), within: top.within };
        if (this.highlight.active) state.highlight = this.highlight.query;
        vscode.setState(state);
    }
}

new App();
