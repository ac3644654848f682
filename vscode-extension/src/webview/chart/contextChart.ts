/**
 * The context chart in the session header, drawn with uPlot on a canvas. Under the page's CSP
 * uPlot is fine: it sets element styles through the CSSOM (allowed), its stylesheet is one of the
 * extension's media files, and it loads nothing. A canvas cannot read CSS variables, so the theme's
 * colours are read once per theme from the computed style and the chart is rebuilt when VS Code
 * changes theme (it changes the body's class).
 */
import uPlot from 'uplot';
import { el } from '../dom';
import { compact } from '../format';
import { pointLabel, summaryLabel, type ChartData } from './contextData';

const HEIGHT = 84;

function themeColour(name: string, fallback: string): string {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

export class ContextChart {
    readonly element = el('div', 'context-chart');
    private readonly caption = el('div', 'context-caption');
    private readonly plotHost = el('div', 'context-plot');
    private plot: uPlot | undefined;
    private data: ChartData | undefined;
    private readonly resize = new ResizeObserver(() => this.fit());
    /** VS Code sets the theme's class on the body and its colours on the root element's style. */
    private readonly themeWatch = new MutationObserver(() => this.redrawSoon());
    private redrawQueued = false;

    /** `onPick` gets the uuid of the response whose point was clicked. */
    constructor(
        private readonly onPick: (uuid: string) => void,
        private readonly withDate: () => boolean,
    ) {
        this.element.hidden = true;
        this.element.setAttribute('role', 'figure');
        this.element.append(this.caption, this.plotHost);
        this.resize.observe(this.element);
        this.themeWatch.observe(document.body, { attributes: true, attributeFilter: ['class'] });
        this.themeWatch.observe(document.documentElement, { attributes: true, attributeFilter: ['style'] });
    }

    /** Fewer than two points make no line: the chart stays hidden. */
    show(data: ChartData): void {
        this.data = data;
        this.element.hidden = data.xs.length < 2;
        this.draw();
    }

    /** Once per frame however many attributes changed: both of a theme switch are then in. */
    private redrawSoon(): void {
        if (this.redrawQueued) return;
        this.redrawQueued = true;
        requestAnimationFrame(() => {
            this.redrawQueued = false;
            this.draw();
        });
    }

    private draw(): void {
        this.plot?.destroy();
        this.plot = undefined;
        const data = this.data;
        if (!data || this.element.hidden) return;
        this.caption.textContent = summaryLabel(data);
        this.element.setAttribute('aria-label', summaryLabel(data));
        const fg = themeColour('--vscode-descriptionForeground', '#888');
        const line = themeColour('--vscode-charts-blue', '#3794ff');
        const mark = themeColour('--vscode-charts-orange', '#d18616');
        const grid = themeColour('--vscode-widget-border', 'rgba(128,128,128,0.25)');
        const font = `10px ${themeColour('--vscode-font-family', 'sans-serif')}`;
        // Dashed horizontal guides only: in high contrast the border colour is loud, and a grid line
        // per time tick would look like the compactions.
        const ticks = { stroke: grid, width: 1, size: 3 };
        const axis = { stroke: fg, font, ticks };
        const opts: uPlot.Options = {
            width: this.width(),
            height: HEIGHT,
            legend: { show: false },
            cursor: { drag: { x: false, y: false, setScale: false }, points: { size: 7, fill: line } },
            scales: { x: { time: data.byTime }, y: { range: [0, Math.max(1, data.peak) * 1.08] } },
            series: [{}, { stroke: line, width: 1.5, points: { show: data.xs.length <= 200, size: 4, fill: line } }],
            axes: [
                { ...axis, size: 22, space: 60, grid: { show: false } },
                { ...axis, size: 44, space: 24, grid: { stroke: grid, width: 1, dash: [2, 4] }, values: (_u, vals) => vals.map((v) => compact(v)) },
            ],
            hooks: {
                draw: [(u) => this.drawCompactions(u, mark)],
                setCursor: [(u) => this.onCursor(u)],
            },
        };
        const plot = new uPlot(opts, [data.xs, data.ys], this.plotHost);
        plot.over.addEventListener('click', () => {
            const i = plot.cursor.idx;
            const uuid = i === null || i === undefined ? undefined : data.uuids[i];
            if (uuid) this.onPick(uuid);
        });
        plot.over.title = 'Click a point to go to that turn';
        this.plot = plot;
    }

    /** A dashed vertical line at each compaction. */
    private drawCompactions(u: uPlot, colour: string): void {
        const data = this.data;
        if (!data) return;
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = colour;
        ctx.lineWidth = 2 * uPlot.pxRatio;
        ctx.setLineDash([4 * uPlot.pxRatio, 3 * uPlot.pxRatio]);
        for (const c of data.compactions) {
            const x = Math.round(u.valToPos(c.x, 'x', true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
            ctx.beginPath();
            ctx.moveTo(x, u.bbox.top);
            ctx.lineTo(x, u.bbox.top + u.bbox.height);
            ctx.stroke();
        }
        ctx.restore();
    }

    private onCursor(u: uPlot): void {
        const data = this.data;
        if (!data) return;
        const i = u.cursor.idx;
        const none = i === null || i === undefined;
        this.caption.textContent = none ? summaryLabel(data) : pointLabel(data, i, this.withDate());
        // The hovered response's exact time, as a message row's time shows it on hover.
        this.caption.title = none ? '' : (data.times[i] ?? '');
    }

    private width(): number {
        return Math.max(200, this.element.clientWidth || 600);
    }

    private fit(): void {
        if (this.plot && this.plot.width !== this.width()) this.plot.setSize({ width: this.width(), height: HEIGHT });
    }
}
