/**
 * The context chart's data from a `session/context` answer (no DOM, no uPlot: tested in node).
 *
 * uPlot wants ascending x values in parallel arrays. Points are placed by time when every one
 * has a time (sorted, keeping file order among equal times); otherwise by turn number, since a
 * chart with some points at made-up times would mislead.
 */
import type { SessionContext } from '../../protocol';
import { compact, formatTime, parseTime } from '../format';

export interface ChartData {
    /** x is seconds since the epoch (uPlot's time scale); otherwise x is the turn number. */
    byTime: boolean;
    xs: number[];
    ys: number[];
    /** Per point: the message a click goes to, its time (ISO), its model, its turn number. */
    uuids: string[];
    times: (string | null)[];
    models: (string | null)[];
    turns: number[];
    compactions: { x: number; uuid: string }[];
    peak: number;
}

export function shapeContext(ctx: SessionContext): ChartData {
    const n = ctx.points.length;
    const secs = ctx.points.map((p) => parseTime(p.timestamp)?.getTime());
    const byTime = n > 0 && secs.every((s) => s !== undefined);
    const order = ctx.points.map((_, i) => i);
    if (byTime) order.sort((a, b) => (secs[a] as number) - (secs[b] as number) || a - b);
    const xs = order.map((i) => (byTime ? (secs[i] as number) / 1000 : i + 1));
    const pts = order.map((i) => ctx.points[i]!);
    const compactions = ctx.compactions.map((c) => {
        const at = parseTime(c.timestamp);
        let x: number;
        if (byTime && at) x = at.getTime() / 1000;
        else if (byTime) {
            // No time of its own: between the responses around it in the file.
            const before = secs[Math.min(Math.max(c.pointsBefore - 1, 0), n - 1)] as number;
            const after = secs[Math.min(c.pointsBefore, n - 1)] as number;
            x = (before + after) / 2000;
        } else x = c.pointsBefore + 0.5;
        return { x, uuid: c.uuid };
    });
    return {
        byTime,
        xs,
        ys: pts.map((p) => p.contextTokens),
        uuids: pts.map((p) => p.uuid),
        times: pts.map((p) => p.timestamp),
        models: pts.map((p) => p.model),
        turns: order.map((i) => i + 1),
        compactions,
        peak: pts.reduce((m, p) => Math.max(m, p.contextTokens), 0),
    };
}

/** What the chart says about one point (its caption and tooltip). */
export function pointLabel(data: ChartData, i: number, withDate: boolean): string {
    const parts = [`Turn ${data.turns[i]}`, formatTime(data.times[i] ?? null, withDate), `${compact(data.ys[i] ?? 0)} tokens of context`, data.models[i] ?? ''];
    return parts.filter(Boolean).join(' · ');
}

/** The chart's caption when no point is hovered. */
export function summaryLabel(data: ChartData): string {
    const n = data.xs.length;
    const c = data.compactions.length;
    const parts = [`Context: ${n.toLocaleString()} API calls`, `peak ${compact(data.peak)} tokens`];
    if (c) parts.push(`${c} compaction${c === 1 ? '' : 's'}`);
    return parts.join(' · ');
}
