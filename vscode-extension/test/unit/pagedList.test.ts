import { describe, expect, it } from 'vitest';
import { PagedList, type PageFetch } from '../../src/webview/state/pagedList';

interface Item {
    id: string;
}

const items = (from: number, to: number): Item[] => Array.from({ length: to - from }, (_, i) => ({ id: `m${from + i}` }));
const cursorAfter = (i: number): string => `after:${i}`;

/** A server over `n` items with forward-only cursors "after:<index of last row served>". */
function serve(n: number, fetch: PageFetch): { items: Item[]; nextCursor: string | null; hasMore: boolean; total: number | null } {
    const start = fetch.cursor === null ? 0 : Number(fetch.cursor.split(':')[1]) + 1;
    const end = Math.min(n, start + fetch.limit);
    return {
        items: items(start, end),
        nextCursor: end > start ? cursorAfter(end - 1) : fetch.cursor,
        hasMore: end < n,
        total: fetch.cursor === null ? n : null,
    };
}

function complete(list: PagedList<Item>, n: number, fetch: PageFetch): void {
    list.startFetch(fetch);
    list.finish(fetch.page, serve(n, fetch));
}

/** Run plan/fetch rounds until nothing more is asked for; returns the fetches made. */
function settle(list: PagedList<Item>, n: number, first: number, last: number): PageFetch[] {
    const done: PageFetch[] = [];
    for (let round = 0; round < 10_000; round++) {
        const plan = list.plan(first, last);
        if (!plan.length) return done;
        for (const f of plan) {
            complete(list, n, f);
            done.push(f);
        }
    }
    throw new Error('did not settle');
}

const key = (i: Item): string => i.id;

describe('PagedList: the first page', () => {
    it('asks for page 0 first and streams batches into it', () => {
        const list = new PagedList<Item>(10, key);
        expect(list.count).toBe(0);
        expect(list.total).toBeUndefined();
        const [first] = list.plan(0, 20);
        expect(first).toEqual({ page: 0, offset: 0, cursor: null, limit: 10 });
        list.startFetch(first!);
        expect(list.plan(0, 20)).toEqual([]); // in flight: nothing else until it is answered
        expect(list.appendBatch(0, items(0, 4))).toBe(4);
        expect(list.count).toBe(4); // what streamed so far
        expect(list.itemAt(3)).toEqual({ id: 'm3' });
        list.finish(0, { items: items(4, 10), nextCursor: cursorAfter(9), hasMore: true, total: 95 });
        expect(list.total).toBe(95);
        expect(list.count).toBe(95);
        expect(list.cursorOf(1)).toBe(cursorAfter(9));
    });

    it('drops duplicate rows, batches that overlap, and batches that arrive after the end', () => {
        const list = new PagedList<Item>(10, key);
        const f = list.plan(0, 0)[0]!;
        list.startFetch(f);
        list.appendBatch(0, items(0, 3));
        expect(list.appendBatch(0, items(2, 5))).toBe(2); // m2 was there already
        expect(list.appendBatch(0, items(0, 1))).toBe(0);
        list.finish(0, { items: items(3, 10), nextCursor: cursorAfter(9), hasMore: true, total: 30 });
        expect(Array.from({ length: 10 }, (_, i) => list.itemAt(i)?.id)).toEqual(items(0, 10).map((x) => x.id));
        // A late batch of a finished fetch is not applied (it would land out of order).
        expect(list.appendBatch(0, items(20, 25))).toBe(0);
        expect(list.itemAt(10)).toBeUndefined();
    });

    it('an aborted fetch is forgotten and asked for again', () => {
        const list = new PagedList<Item>(10, key);
        const f = list.plan(0, 5)[0]!;
        list.startFetch(f);
        list.abort(0);
        expect(list.inFlightPages()).toEqual([]);
        expect(list.plan(0, 5)[0]).toEqual(f);
    });

    it('an aborted stream that had rows is fetched again from the page start', () => {
        const list = new PagedList<Item>(10, key);
        complete(list, 100, list.plan(0, 0)[0]!); // page 0 done, total known
        const f1 = list.plan(10, 15).find((f) => f.page === 1)!;
        list.startFetch(f1);
        list.appendBatch(1, items(10, 13));
        list.abort(1);
        const again = list.plan(10, 15).find((f) => f.page === 1)!;
        expect(again).toEqual({ page: 1, offset: 0, cursor: cursorAfter(9), limit: 10 });
        list.startFetch(again);
        expect(list.itemAt(10)).toBeUndefined(); // a fresh fetch replaces the partial rows
        list.finish(1, serve(100, again));
        expect(list.itemAt(10)).toEqual({ id: 'm10' });
    });
});

describe('PagedList: paging forwards', () => {
    it('loads the visible pages and one page of margin, nearest first', () => {
        const list = new PagedList<Item>(10, key);
        complete(list, 100, list.plan(0, 0)[0]!);
        const plan = list.plan(0, 15, { maxInFlight: 5 });
        expect(plan.map((f) => f.page)).toEqual([1]); // page 2 (margin) has no known cursor yet
        complete(list, 100, plan[0]!);
        expect(list.plan(0, 15, { maxInFlight: 5 }).map((f) => f.page)).toEqual([2]);
    });

    it('walks the cursor chain to reach a far page, then stops at the end with an exact total', () => {
        const list = new PagedList<Item>(10, key);
        complete(list, 95, list.plan(0, 0)[0]!);
        const fetched = settle(list, 95, 90, 94);
        expect(fetched.map((f) => f.page)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        expect(list.itemAt(94)).toEqual({ id: 'm94' });
        expect(list.atEnd).toBe(true);
        expect(list.total).toBe(95);
        expect(list.plan(90, 94)).toEqual([]);
    });

    it('never has more fetches in flight than allowed', () => {
        const list = new PagedList<Item>(10, key);
        complete(list, 1000, list.plan(0, 0)[0]!);
        for (let p = 1; p < 30; p++) list.seedCursor(p, cursorAfter(p * 10 - 1));
        const plan = list.plan(100, 200, { maxInFlight: 3 });
        expect(plan).toHaveLength(3);
        for (const f of plan) list.startFetch(f);
        expect(list.plan(100, 200, { maxInFlight: 3 })).toEqual([]);
    });

    it('a short page that says there is more continues after its last row', () => {
        const list = new PagedList<Item>(10, key);
        const f = list.plan(0, 0)[0]!;
        list.startFetch(f);
        list.finish(0, { items: items(0, 6), nextCursor: cursorAfter(5), hasMore: true, total: 40 });
        const next = list.plan(0, 9)[0]!;
        expect(next).toEqual({ page: 0, offset: 6, cursor: cursorAfter(5), limit: 4 });
        complete(list, 40, next);
        expect(list.itemAt(9)).toEqual({ id: 'm9' });
        expect(list.cursorOf(1)).toBe(cursorAfter(9));
    });
});

describe('PagedList: memory bound and paging backwards', () => {
    it('evicts far pages, keeps their cursors, and fetches them again by cursor on the way back', () => {
        const list = new PagedList<Item>(10, key, 5);
        complete(list, 200, list.plan(0, 0)[0]!);
        settle(list, 200, 190, 199);
        expect(list.atEnd).toBe(true);
        list.evict(190, 199);
        expect(list.residentPages().length).toBeLessThanOrEqual(5);
        expect(list.itemAt(0)).toBeUndefined();
        expect(list.itemAt(195)).toEqual({ id: 'm195' });
        // Back to the top: page 0 and 1 come back with their own cursors, no chain walk.
        const back = list.plan(0, 12);
        expect(back.map((f) => [f.page, f.cursor])).toEqual([
            [0, null],
            [1, cursorAfter(9)],
        ]);
        for (const f of back) complete(list, 200, f);
        expect(list.itemAt(12)).toEqual({ id: 'm12' });
        expect(list.total).toBe(200); // a refetched first page keeps the count right
    });

    it('jumping into the middle after eviction uses the remembered cursor of that page', () => {
        const list = new PagedList<Item>(10, key, 4);
        complete(list, 300, list.plan(0, 0)[0]!);
        settle(list, 300, 290, 299);
        list.evict(290, 299);
        const mid = list.plan(150, 155);
        expect(mid[0]).toEqual({ page: 15, offset: 0, cursor: cursorAfter(149), limit: 10 });
    });

    it('does not evict pages in flight or the visible ones', () => {
        const list = new PagedList<Item>(10, key, 3);
        complete(list, 100, list.plan(0, 0)[0]!);
        settle(list, 100, 50, 59);
        list.evict(50, 59);
        expect(list.residentPages().length).toBeLessThanOrEqual(3);
        const f = list.plan(0, 5)[0];
        expect(f?.page).toBe(0);
        list.startFetch(f!);
        const evicted = list.evict(50, 59);
        expect(evicted).not.toContain(0);
        expect(evicted).not.toContain(5);
        expect(list.inFlightPages()).toEqual([0]);
        expect(list.itemAt(55)).toBeDefined();
    });
});

describe('PagedList: live appends', () => {
    it('reopens a partial last page and continues after the last row seen', () => {
        const list = new PagedList<Item>(10, key);
        complete(list, 25, list.plan(0, 0)[0]!);
        settle(list, 25, 20, 24);
        expect(list.total).toBe(25);
        list.grow();
        expect(list.count).toBe(26); // one skeleton slot until the tail answers
        const tail = list.plan(0, 0)[0]!; // off screen, but the tail is fetched anyway
        expect(tail).toEqual({ page: 2, offset: 5, cursor: cursorAfter(24), limit: 5 });
        complete(list, 28, tail);
        expect(list.total).toBe(28);
        expect(list.itemAt(27)).toEqual({ id: 'm27' });
        expect(list.atEnd).toBe(true);
    });

    it('a full last page continues on the next page', () => {
        const list = new PagedList<Item>(10, key);
        complete(list, 20, list.plan(0, 0)[0]!);
        settle(list, 20, 10, 19);
        list.grow();
        const tail = list.plan(19, 20);
        expect(tail).toEqual([{ page: 2, offset: 0, cursor: cursorAfter(19), limit: 10 }]);
        complete(list, 23, tail[0]!);
        expect(list.total).toBe(23);
    });

    it('a recount that finds nothing new keeps the list as it is', () => {
        const list = new PagedList<Item>(10, key);
        complete(list, 7, list.plan(0, 0)[0]!);
        list.setTotal(7);
        expect(list.atEnd).toBe(true);
        expect(list.plan(0, 6)).toEqual([]);
        list.setTotal(9);
        expect(list.count).toBe(9);
        const tail = list.plan(0, 8)[0]!;
        expect(tail).toMatchObject({ page: 0, offset: 7, cursor: cursorAfter(6) });
        complete(list, 9, tail);
        expect(list.itemAt(8)).toEqual({ id: 'm8' });
    });
});
