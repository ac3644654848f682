import { describe, expect, it } from 'vitest';
import type { ContextPoint, SessionContext } from '../../src/protocol';
import { WebviewToHostSchema } from '../../src/shared/ipc';
import { pointLabel, shapeContext, summaryLabel } from '../../src/webview/chart/contextData';
import { validateResult } from '../../src/webview/validate';

const point = (uuid: string, timestamp: string | null, contextTokens: number, model: string | null = 'claude-opus-4-5'): ContextPoint => ({
    uuid,
    timestamp,
    contextTokens,
    model,
});
const ctx = (points: ContextPoint[], compactions: SessionContext['compactions'] = []): SessionContext => ({ sessionId: 's', points, compactions });
const sec = (iso: string): number => Date.parse(iso) / 1000;

describe('the context chart data', () => {
    it('places points at their times in seconds, in time order, each keeping its uuid', () => {
        const d = shapeContext(
            ctx([
                point('a', '2026-01-02T10:00:00.000Z', 1000),
                point('c', '2026-01-02T10:05:00.000Z', 3000),
                point('b', '2026-01-02T10:01:00.000Z', 2000),
            ]),
        );
        expect(d.byTime).toBe(true);
        expect(d.xs).toEqual([sec('2026-01-02T10:00:00Z'), sec('2026-01-02T10:01:00Z'), sec('2026-01-02T10:05:00Z')]);
        expect(d.uuids).toEqual(['a', 'b', 'c']);
        expect(d.ys).toEqual([1000, 2000, 3000]);
        expect(d.turns).toEqual([1, 3, 2]);
        expect(d.peak).toBe(3000);
    });

    it('keeps file order among points with the same time', () => {
        const t = '2026-01-02T10:00:00.000Z';
        const d = shapeContext(ctx([point('x', t, 5), point('y', t, 6), point('z', t, 7)]));
        expect(d.uuids).toEqual(['x', 'y', 'z']);
    });

    it('falls back to turn numbers when one point has no time, and puts a compaction between its turns', () => {
        const d = shapeContext(
            ctx([point('a', '2026-01-02T10:00:00Z', 10), point('b', null, 20), point('c', '2026-01-02T10:02:00Z', 5)], [
                { uuid: 'k', timestamp: '2026-01-02T10:01:30Z', pointsBefore: 2 },
            ]),
        );
        expect(d.byTime).toBe(false);
        expect(d.xs).toEqual([1, 2, 3]);
        expect(d.compactions).toEqual([{ x: 2.5, uuid: 'k' }]);
    });

    it('marks a compaction at its time, or halfway between its neighbours when it has none', () => {
        const points = [point('a', '2026-01-02T10:00:00Z', 90_000), point('b', '2026-01-02T10:10:00Z', 20_000)];
        const timed = shapeContext(ctx(points, [{ uuid: 'k', timestamp: '2026-01-02T10:04:00Z', pointsBefore: 1 }]));
        expect(timed.compactions).toEqual([{ x: sec('2026-01-02T10:04:00Z'), uuid: 'k' }]);
        const untimed = shapeContext(ctx(points, [{ uuid: 'k', timestamp: null, pointsBefore: 1 }]));
        expect(untimed.compactions).toEqual([{ x: sec('2026-01-02T10:05:00Z'), uuid: 'k' }]);
    });

    it('handles a session without responses', () => {
        const d = shapeContext(ctx([]));
        expect(d).toMatchObject({ xs: [], ys: [], uuids: [], peak: 0 });
        expect(summaryLabel(d)).toBe('Context: 0 API calls · peak 0 tokens');
    });

    it('says what a point is and sums the session up', () => {
        const d = shapeContext(
            ctx([point('a', '2026-01-02T10:00:00Z', 1500), point('b', '2026-01-02T10:01:00Z', 125_000, null)], [
                { uuid: 'k', timestamp: null, pointsBefore: 1 },
            ]),
        );
        expect(pointLabel(d, 0, false)).toMatch(/^Turn 1 · \d\d:\d\d:\d\d · 1.5K tokens of context · claude-opus-4-5$/);
        expect(pointLabel(d, 1, false)).toMatch(/^Turn 2 · \d\d:\d\d:\d\d · 125K tokens of context$/);
        expect(summaryLabel(d)).toBe('Context: 2 API calls · peak 125K tokens · 1 compaction');
    });
});

describe('session/context across the webview boundary', () => {
    it('the webview may ask for it, with no params of its own', () => {
        expect(WebviewToHostSchema.safeParse({ type: 'request', id: 1, method: 'session/context', params: {} }).success).toBe(true);
    });

    it('accepts a well-formed answer and refuses negative or missing token counts', () => {
        const good = ctx([point('a', null, 3)], [{ uuid: 'k', timestamp: null, pointsBefore: 0 }]);
        expect(validateResult('session/context', good).ok).toBe(true);
        expect(validateResult('session/context', ctx([point('a', null, -1)])).ok).toBe(false);
        expect(validateResult('session/context', { sessionId: 's', points: [{ uuid: 'a', timestamp: null, model: null }], compactions: [] }).ok).toBe(false);
        expect(validateResult('session/context', { ...good, compactions: [{ uuid: 'k', timestamp: null }] }).ok).toBe(false);
    });
});
