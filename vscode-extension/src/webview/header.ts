/**
 * A session's header: its title (taking the room left), the figures (messages, errors, tool
 * calls, tokens, duration, cost) and the actions (the Conversation/Detail switch, Resume, Copy
 * id, Export…), which wrap under the title in a narrow panel; then the context chart and the
 * filter bar. It asks the server for the figures (session/metrics, session/cost, session/context).
 */
import { totalTokens, type SessionContext, type SessionCost, type SessionMetrics } from '../protocol';
import type { SessionView, WebviewToHost } from '../shared/ipc';
import { ContextChart } from './chart/contextChart';
import { shapeContext } from './chart/contextData';
import { el, icon } from './dom';
import { compact, duration, parseTime } from './format';
import { costLabel } from './render/cost';
import type { RequestTracker } from './state/requests';

export interface HeaderHost {
    tracker: RequestTracker;
    post(message: WebviewToHost): void;
    /** The rows show dates (the session spans several days). */
    showDates(): boolean;
    /** A point of the context chart was clicked: open that turn. */
    openTurn(uuid: string): void;
    /** The view switch was clicked. */
    chooseView(view: SessionView): void;
    /** session/cost came: a response's dollars by the uuid of its first line. */
    costsChanged(costs: Map<string, number>): void;
    /** The session spans several days (its rows should show dates). */
    spansDays(): void;
}

export class SessionHeader {
    readonly element = el('header', 'toolbar');
    readonly count = el('span', 'count');
    private readonly titleLabel = el('span', 'title');
    private readonly metrics = el('span', 'metrics');
    private readonly errors = el('span', 'errors');
    private readonly cost = el('span', 'cost');
    private readonly viewButtons = new Map<SessionView, HTMLButtonElement>();
    private readonly chart: ContextChart;
    private contextAsked = 0;
    private contextTimer: ReturnType<typeof setTimeout> | undefined;

    constructor(
        private readonly host: HeaderHost,
        title: string,
        filters: HTMLElement,
    ) {
        this.chart = new ContextChart(
            (uuid) => host.openTurn(uuid),
            () => host.showDates(),
        );
        const titleRow = el('div', 'title-row');
        this.setTitle(title);
        // The title takes what is left; the figures and actions wrap under it in a narrow panel.
        const figures = el('div', 'figures');
        this.errors.hidden = true;
        this.cost.hidden = true;
        figures.append(this.count, this.errors, this.metrics, this.cost);
        const actions = el('div', 'header-actions');
        actions.append(this.viewSwitch(), ...this.sessionActions());
        titleRow.append(icon('comment-discussion'), this.titleLabel, figures, actions);
        this.element.append(titleRow, this.chart.element, filters);
    }

    setTitle(title: string): void {
        this.titleLabel.textContent = title;
        this.titleLabel.title = title;
    }

    /** Show which view is on. */
    syncView(view: SessionView): void {
        for (const [v, b] of this.viewButtons) b.setAttribute('aria-pressed', String(v === view));
    }

    private viewSwitch(): HTMLElement {
        const box = el('div', 'view-switch');
        box.setAttribute('role', 'group');
        box.setAttribute('aria-label', 'View');
        const make = (view: SessionView, codicon: string, label: string, title: string): void => {
            const b = el('button', 'toggle view');
            b.type = 'button';
            b.dataset.view = view;
            b.title = title;
            b.append(icon(codicon), el('span', '', label));
            b.addEventListener('click', () => this.host.chooseView(view));
            this.viewButtons.set(view, b);
            box.append(b);
        };
        make('conversation', 'comment-discussion', 'Conversation', 'Read the session as a conversation: prompts and answers whole, tool calls one line each');
        make('detail', 'list-tree', 'Detail', 'Every line as a tree: content blocks, tool calls and results, subagents, raw lines');
        return box;
    }

    /** Resume in terminal, Copy session id, Export: the host does them (it knows the session, the cwd). */
    private sessionActions(): HTMLButtonElement[] {
        const make = (codicon: string, label: string, title: string, message: WebviewToHost): HTMLButtonElement => {
            const b = el('button', 'action header-action');
            b.type = 'button';
            b.title = title;
            b.dataset.host = message.type;
            b.append(icon(codicon), el('span', '', label));
            b.addEventListener('click', () => this.host.post(message));
            return b;
        };
        return [
            make('terminal', 'Resume', "Resume in terminal: claude --resume in the session's folder", { type: 'resume' }),
            make('copy', 'Copy id', 'Copy session id', { type: 'copySessionId' }),
            make('export', 'Export…', 'Export this session to Markdown or one self-contained HTML file', { type: 'export' }),
        ];
    }

    /** Dollars from the server's price table; unknown models are named, never priced. */
    loadCost(): void {
        this.cost.hidden = true;
        this.host.tracker.start<SessionCost>('session/cost', {}, 'cost').promise.then(
            (c) => {
                this.host.costsChanged(new Map(Object.entries(c.responseCosts ?? {})));
                const label = costLabel(c);
                if (!label) return;
                this.cost.textContent = label.text;
                this.cost.title = label.title;
                this.cost.hidden = false;
            },
            () => {
                /* an older server has no session/cost: no price shown */
            },
        );
    }

    /** The context chart: one small point per API call, computed by the server. */
    loadContext(): void {
        const asked = ++this.contextAsked;
        this.host.tracker.start<SessionContext>('session/context', {}, 'context').promise.then(
            (c) => {
                if (asked === this.contextAsked) this.chart.show(shapeContext(c)); // else a newer one is coming
            },
            () => {
                /* an older server has no session/context: no chart */
            },
        );
    }

    /** A live session grew: the chart again, at most once a second however fast it writes. */
    loadContextSoon(): void {
        if (this.contextTimer) return;
        this.contextTimer = setTimeout(() => {
            this.contextTimer = undefined;
            this.loadContext();
        }, 1000);
    }

    loadMetrics(): void {
        this.host.tracker.start<SessionMetrics>('session/metrics', {}, 'metrics').promise.then(
            (m) => {
                // Failed tool calls, counted where they are seen first (marked on their rows below).
                this.errors.replaceChildren();
                this.errors.hidden = !m.errors;
                if (m.errors) {
                    this.errors.append(icon('error'), el('span', '', `${compact(m.errors)} error${m.errors === 1 ? '' : 's'}`));
                    this.errors.title = 'Tool calls that failed (Errors only lists them)';
                }
                const parts = [
                    `${compact(m.toolCalls)} tool calls`,
                    `${compact(totalTokens(m.tokens))} tokens`,
                    m.durationSeconds ? duration(m.durationSeconds) : '',
                    m.subagentMessageCount ? `${compact(m.subagentMessageCount)} subagent messages` : '',
                ];
                this.metrics.textContent = parts.filter(Boolean).join(' · ');
                this.metrics.title = m.models.join(', ');
                const first = parseTime(m.firstTimestamp);
                const last = parseTime(m.lastTimestamp);
                if (first && last && first.toDateString() !== last.toDateString()) this.host.spansDays();
            },
            () => {
                /* optional */
            },
        );
    }
}
