import { describe, expect, it } from 'vitest';
import { RowIndex } from '../../src/webview/state/rows';

/** The obvious model: every row listed. */
function brute(messages: number, extras: Map<number, number>): { index: number; offset: number }[] {
    const rows: { index: number; offset: number }[] = [];
    for (let i = 0; i < messages; i++) {
        rows.push({ index: i, offset: 0 });
        for (let k = 1; k <= (extras.get(i) ?? 0); k++) rows.push({ index: i, offset: k });
    }
    return rows;
}

function rng(seed: number): () => number {
    let s = seed >>> 0;
    return () => {
        s = (s * 1664525 + 1013904223) >>> 0;
        return s / 2 ** 32;
    };
}

describe('RowIndex', () => {
    it('with nothing expanded, row = message', () => {
        const r = new RowIndex();
        expect(r.rowCount(100_000)).toBe(100_000);
        expect(r.locate(12_345)).toEqual({ index: 12_345, offset: 0 });
        expect(r.rowOf(99_999)).toBe(99_999);
    });

    it('places the rows of expanded messages right after them', () => {
        const r = new RowIndex();
        r.setExtra(2, 3);
        r.setExtra(5, 1);
        expect(r.rowCount(10)).toBe(14);
        expect(r.locate(2)).toEqual({ index: 2, offset: 0 });
        expect(r.locate(3)).toEqual({ index: 2, offset: 1 });
        expect(r.locate(5)).toEqual({ index: 2, offset: 3 });
        expect(r.locate(6)).toEqual({ index: 3, offset: 0 });
        expect(r.rowOf(5)).toBe(8);
        expect(r.locate(9)).toEqual({ index: 5, offset: 1 });
        expect(r.locate(10)).toEqual({ index: 6, offset: 0 });
        r.setExtra(2, 0); // collapse
        expect(r.rowCount(10)).toBe(11);
        expect(r.locate(6)).toEqual({ index: 5, offset: 1 });
    });

    it('ignores expansions past the end of the list when counting', () => {
        const r = new RowIndex();
        r.setExtra(50, 4);
        expect(r.rowCount(10)).toBe(10);
        expect(r.rowCount(51)).toBe(55);
    });

    it('agrees with listing every row, over random expansions', () => {
        const random = rng(7);
        for (let trial = 0; trial < 40; trial++) {
            const messages = 1 + Math.floor(random() * 200);
            const extras = new Map<number, number>();
            const r = new RowIndex();
            for (let k = 0; k < 25; k++) {
                const i = Math.floor(random() * messages);
                const n = Math.floor(random() * 6);
                r.setExtra(i, n);
                if (n) extras.set(i, n);
                else extras.delete(i);
            }
            const rows = brute(messages, extras);
            expect(r.rowCount(messages)).toBe(rows.length);
            rows.forEach((loc, row) => {
                expect(r.locate(row)).toEqual(loc);
                if (loc.offset === 0) expect(r.rowOf(loc.index)).toBe(row);
            });
        }
    });
});
