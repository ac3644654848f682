/**
 * The search box's controller: the input (debounced), the scope toggle, "load more", and the
 * host's answers. No `acquireVsCodeApi` here: it takes `post`, so the unit tests drive it in jsdom.
 */
import type { SearchHostToView, SearchViewToHost } from '../shared/searchIpc';
import { buildResults, statusText, type OpenTarget } from './render';
import { addGroups, fail, finish, initialState, startMore, startQuery, type SearchState } from './state';

export const DEBOUNCE_MS = 250;

export class SearchBox {
    state: SearchState = initialState(false);
    private workspace: string | null = null;
    private nextId = 1;
    private timer: ReturnType<typeof setTimeout> | undefined;
    readonly input: HTMLInputElement;
    readonly scope: HTMLButtonElement;
    private readonly status: HTMLDivElement;
    private readonly results: HTMLDivElement;
    readonly more: HTMLButtonElement;
    readonly wider: HTMLButtonElement;

    constructor(
        private readonly doc: Document,
        root: HTMLElement,
        private readonly post: (msg: SearchViewToHost) => void,
    ) {
        const bar = doc.createElement('div');
        bar.className = 'bar';
        this.input = doc.createElement('input');
        this.input.type = 'search';
        this.input.className = 'query';
        this.input.setAttribute('aria-label', 'Search sessions');
        this.input.spellcheck = false;
        this.scope = doc.createElement('button');
        this.scope.className = 'scope codicon';
        bar.append(this.input, this.scope);
        this.status = doc.createElement('div');
        this.status.className = 'status';
        this.status.setAttribute('aria-live', 'polite');
        this.results = doc.createElement('div');
        this.more = doc.createElement('button');
        this.more.className = 'more';
        this.more.textContent = 'Load more';
        root.append(bar, this.status, this.results, this.more);

        this.input.addEventListener('input', () => this.typed());
        this.input.addEventListener('keydown', (e) => {
            if (e.key === 'Enter') this.runNow();
        });
        this.scope.addEventListener('click', () => {
            if (!this.workspace) return;
            this.state = { ...this.state, everywhere: !this.state.everywhere };
            this.runNow();
        });
        this.more.addEventListener('click', () => this.loadMore());
        this.wider = doc.createElement('button');
        this.wider.className = 'wider';
        this.wider.textContent = 'Search every project';
        this.wider.hidden = true;
        this.wider.addEventListener('click', () => {
            this.state = { ...this.state, everywhere: true };
            this.runNow();
        });
        this.status.after(this.wider);
        this.render();
    }

    /** What to keep while the view is hidden (VS Code drops a hidden view's page). */
    saved(): { query: string; everywhere: boolean } {
        return { query: this.state.query, everywhere: this.state.everywhere };
    }

    receive(msg: SearchHostToView, restore?: { query: string; everywhere: boolean }): void {
        switch (msg.type) {
            case 'init':
                this.workspace = msg.workspace;
                this.state = { ...this.state, everywhere: !msg.workspace || (restore?.everywhere ?? false) };
                if (restore?.query.trim()) {
                    this.input.value = restore.query;
                    this.runNow();
                    return;
                }
                break;
            case 'groups':
                this.state = addGroups(this.state, msg.id, msg.groups);
                break;
            case 'done':
                this.state = finish(this.state, msg.id, msg);
                break;
            case 'error':
                this.state = fail(this.state, msg.id, msg.message);
                break;
        }
        this.render();
    }

    /** Typing: wait for a pause, then run; the host cancels whatever ran before. */
    private typed(): void {
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.timer = setTimeout(() => this.runNow(), DEBOUNCE_MS);
    }

    private runNow(): void {
        if (this.timer !== undefined) clearTimeout(this.timer);
        this.timer = undefined;
        const query = this.input.value;
        const id = this.nextId++;
        this.state = startQuery(this.state, id, query);
        if (this.state.loading) {
            this.post({ type: 'search', id, query: query.slice(0, 1000), everywhere: this.state.everywhere, cursor: null });
        } else {
            this.post({ type: 'cancel' });
        }
        this.render();
    }

    private loadMore(): void {
        const cursor = this.state.nextCursor;
        if (!cursor || this.state.loading) return;
        const id = this.nextId++;
        this.state = startMore(this.state, id);
        this.post({ type: 'search', id, query: this.state.query.slice(0, 1000), everywhere: this.state.everywhere, cursor });
        this.render();
    }

    /** Open a hit; the session highlights the query that found it. */
    private open(t: OpenTarget): void {
        this.post({ type: 'open', ...t, query: this.state.query.slice(0, 1000) });
    }

    private render(): void {
        const everywhere = this.state.everywhere;
        this.scope.classList.toggle('codicon-globe', everywhere);
        this.scope.classList.toggle('codicon-folder', !everywhere);
        this.scope.disabled = !this.workspace;
        this.scope.title = !this.workspace
            ? 'Searching every project (no workspace folder open)'
            : everywhere
              ? 'Searching every project (click: only this workspace)'
              : 'Searching this workspace (click: every project)';
        this.scope.setAttribute('aria-pressed', String(everywhere));
        this.input.placeholder = `Search ${everywhere ? 'every session' : 'this workspace'}: words, "a phrase", -not, pre*, tool:Bash`;
        this.status.textContent = statusText(this.state);
        this.status.classList.toggle('error', this.state.error !== null);
        this.results.replaceChildren(buildResults(this.doc, this.state, (t) => this.open(t)));
        this.more.hidden = !(this.state.hasMore && this.state.nextCursor);
        // Nothing in this workspace: offer the wider scope in one click.
        this.wider.hidden = !(this.workspace && !everywhere && !this.state.loading && !this.state.error && this.state.query.trim() && this.state.total === 0);
        this.more.disabled = this.state.loading;
    }
}
