/**
 * The filter bar of a session: kinds, "Errors only", one tool, and the text box (`/` focuses it).
 * Filters run on the server: the bar only builds a FilterState and hands it to the app.
 */
import type { FilterOptions, Kind } from '../protocol';
import { el, icon } from './dom';
import { KIND_LABELS } from './render/kinds';
import type { RequestTracker } from './state/requests';
import type { FilterState } from './state/session';

export interface FilterHost {
    tracker: RequestTracker;
    /** The filter in force. */
    filter(): FilterState;
    /** A new filter: the list starts over with it. */
    apply(filter: FilterState): void;
    /** Leave the box for the list (Enter, ArrowDown, Escape). */
    focusList(): void;
}

const SEARCH_DEBOUNCE_MS = 250;

export class FilterBar {
    readonly element = el('div', 'filters');
    readonly search = el('input', 'search');
    private readonly toolSelect = el('select', 'tools');
    private readonly errorsToggle = el('button', 'toggle');
    private readonly kindButtons = new Map<Kind, HTMLButtonElement>();
    private searchTimer: ReturnType<typeof setTimeout> | undefined;

    constructor(
        private readonly host: FilterHost,
        /** Put after the box: the chip of the search that opened the session. */
        chip: HTMLElement,
    ) {
        const bar = this.element;
        bar.setAttribute('role', 'toolbar');
        bar.setAttribute('aria-label', 'Filters');
        for (const [kind, label, name] of KIND_LABELS) {
            const b = el('button', 'toggle kind');
            b.type = 'button';
            b.title = `Show ${label.toLowerCase()}`;
            b.dataset.kind = kind;
            b.append(icon(name), el('span', '', label));
            b.addEventListener('click', () => this.toggleKind(kind));
            this.kindButtons.set(kind, b);
            bar.append(b);
        }
        this.errorsToggle.type = 'button';
        this.errorsToggle.title = 'Only tool calls that failed';
        this.errorsToggle.append(icon('error'), el('span', '', 'Errors only'));
        this.errorsToggle.addEventListener('click', () => {
            const f = host.filter();
            host.apply({ ...f, errorsOnly: !f.errorsOnly });
        });
        this.toolSelect.title = 'Only calls of this tool';
        this.toolSelect.setAttribute('aria-label', 'Tool');
        this.toolSelect.append(new Option('All tools', ''));
        this.toolSelect.addEventListener('change', () => {
            const v = this.toolSelect.value;
            host.apply({ ...host.filter(), tools: v ? [v] : [] });
        });
        const searchBox = el('label', 'search-box');
        searchBox.append(icon('search'));
        const search = this.search;
        search.type = 'search';
        search.placeholder = 'Search messages (/)';
        search.setAttribute('aria-label', 'Search messages');
        search.spellcheck = false;
        search.addEventListener('input', () => {
            if (this.searchTimer) clearTimeout(this.searchTimer);
            this.searchTimer = setTimeout(() => host.apply({ ...host.filter(), text: search.value }), SEARCH_DEBOUNCE_MS);
        });
        search.addEventListener('keydown', (e) => {
            if (e.key === 'Escape') {
                if (search.value) {
                    search.value = '';
                    host.apply({ ...host.filter(), text: '' });
                }
                host.focusList();
                e.preventDefault();
            } else if (e.key === 'Enter' || e.key === 'ArrowDown') {
                host.focusList();
                e.preventDefault();
            }
        });
        searchBox.append(search);
        bar.append(this.errorsToggle, this.toolSelect, searchBox, chip);
    }

    private toggleKind(kind: Kind): void {
        const f = this.host.filter();
        const kinds = new Set(f.kinds);
        if (kinds.has(kind)) kinds.delete(kind);
        else kinds.add(kind);
        this.host.apply({ ...f, kinds: KIND_LABELS.map(([k]) => k).filter((k) => kinds.has(k)) });
    }

    /** Show the filter in force (after a restore, a reveal that changed it…). */
    sync(): void {
        const f = this.host.filter();
        for (const [kind, b] of this.kindButtons) b.setAttribute('aria-pressed', String(f.kinds.includes(kind)));
        this.errorsToggle.setAttribute('aria-pressed', String(f.errorsOnly));
        if (this.search.value !== f.text && document.activeElement !== this.search) this.search.value = f.text;
        const tool = f.tools[0] ?? '';
        if (tool && ![...this.toolSelect.options].some((o) => o.value === tool)) this.toolSelect.append(new Option(tool, tool));
        this.toolSelect.value = tool;
    }

    /** The session's kinds and tools with their counts (optional: the bar works without them). */
    loadOptions(): void {
        this.host.tracker.start<FilterOptions>('messages/filters', {}, 'filters').promise.then(
            (options) => {
                for (const { kind, count } of options.kinds) {
                    const b = this.kindButtons.get(kind);
                    if (b) b.title = `${b.title.replace(/ \(\d+\)$/, '')} (${count})`;
                }
                const current = this.toolSelect.value;
                this.toolSelect.replaceChildren(new Option('All tools', ''));
                for (const t of options.tools) this.toolSelect.append(new Option(`${t.name} (${t.count})`, t.name));
                this.toolSelect.value = current;
            },
            () => {
                /* the list still works without the counts */
            },
        );
    }
}
