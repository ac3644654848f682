/**
 * A sparse, cursor-paged list: the top level of a session's messages as the webview holds it.
 *
 * The server pages forwards only, with opaque keyset cursors (`nextCursor` = "rows after the last
 * one served"). Item i lives in page floor(i / pageSize). The cursor that fetches page p is known
 * once page p-1 has been read in full (or p = 0); cursors are tiny and never dropped, so a page
 * evicted to bound memory is fetched again with its own cursor when the user scrolls back to it
 * (paging backwards). Reaching a page whose cursor is unknown (a jump far ahead) walks the chain
 * of pages from the nearest known cursor.
 *
 * Items are deduplicated by a row key, so a batch delivered twice (or overlapping a page) never
 * shows twice. No DOM, no transport: `plan()` says what to fetch, the caller fetches and reports
 * back with `startFetch` / `appendBatch` / `finish` / `abort`.
 */

export interface PageFetch {
    page: number;
    /** Items already in the page: the fetch continues after them. */
    offset: number;
    cursor: string | null;
    limit: number;
}

export interface PageResult<T> {
    items: T[];
    nextCursor: string | null;
    hasMore: boolean;
    total?: number | null;
}

interface PageRecord<T> {
    items: T[];
    /** All its rows are here (a full page, or the last page of the list). */
    complete: boolean;
    /** Continues an incomplete page after its last item (a live append, a short page). */
    resume?: string | null;
}

export interface PlanOptions {
    /** Pages to keep ready on each side of the visible ones. */
    margin?: number;
    /** Fetches allowed in flight at once. */
    maxInFlight?: number;
}

export class PagedList<T> {
    private readonly pages = new Map<number, PageRecord<T>>();
    private readonly cursors = new Map<number, string | null>([[0, null]]);
    private readonly inFlight = new Set<number>();
    private readonly keyIndex = new Map<string, number>();
    private knownTotal: number | undefined;
    private endPage: number | undefined;

    constructor(
        readonly pageSize: number,
        private readonly keyOf: (item: T) => string,
        readonly maxPages = 40,
    ) {
        if (!Number.isInteger(pageSize) || pageSize < 1) throw new RangeError('pageSize must be a positive integer');
        if (maxPages < 3) throw new RangeError('maxPages must be at least 3');
    }

    // --- reading ---------------------------------------------------------------------------

    /** The number of item slots (loaded or not) once the server has said how many there are. */
    get total(): number | undefined {
        return this.knownTotal;
    }

    /** Slots to lay out: the known total, or what has streamed in so far. */
    get count(): number {
        if (this.knownTotal !== undefined) return this.knownTotal;
        return this.pages.get(0)?.items.length ?? 0;
    }

    /** The end of the list has been read (and nothing was appended since). */
    get atEnd(): boolean {
        return this.endPage !== undefined;
    }

    itemAt(index: number): T | undefined {
        if (index < 0) return undefined;
        const rec = this.pages.get(Math.floor(index / this.pageSize));
        return rec?.items[index % this.pageSize];
    }

    indexOfKey(key: string): number | undefined {
        return this.keyIndex.get(key);
    }

    pageOf(index: number): number {
        return Math.floor(index / this.pageSize);
    }

    residentPages(): number[] {
        return [...this.pages.keys()].sort((a, b) => a - b);
    }

    inFlightPages(): number[] {
        return [...this.inFlight].sort((a, b) => a - b);
    }

    cursorOf(page: number): string | null | undefined {
        return this.cursors.get(page);
    }

    /** The items of page p when all of them are here (for a walk that can skip the server). */
    completePage(page: number): readonly T[] | undefined {
        const rec = this.pages.get(page);
        return rec?.complete && !this.inFlight.has(page) ? rec.items : undefined;
    }

    isLoaded(index: number): boolean {
        return this.itemAt(index) !== undefined;
    }

    // --- seeding (restoring a saved scroll position) -------------------------------------------

    /** Remember a cursor learned elsewhere (a saved state), e.g. to resume at page p. */
    seedCursor(page: number, cursor: string | null): void {
        if (!this.cursors.has(page)) this.cursors.set(page, cursor);
    }

    /** A total learned from a count; a list whose end is known and grew reopens its tail. */
    setTotal(total: number): void {
        if (this.endPage !== undefined && total > (this.knownTotal ?? 0)) {
            this.grow();
        }
        this.knownTotal = Math.max(0, total);
    }

    // --- planning ----------------------------------------------------------------------------

    /**
     * The fetches to start now so that items [first, last] (and `margin` pages around) get loaded:
     * nearest pages first, at most `maxInFlight` at once, chaining through unknown cursors.
     */
    plan(first: number, last: number, options: PlanOptions = {}): PageFetch[] {
        const margin = options.margin ?? 1;
        const room = (options.maxInFlight ?? 2) - this.inFlight.size;
        if (room <= 0) return [];
        const out: PageFetch[] = [];
        const planned = new Set<number>();
        const add = (fetch: PageFetch | undefined): void => {
            if (!fetch || planned.has(fetch.page) || out.length >= room) return;
            planned.add(fetch.page);
            out.push(fetch);
        };
        // A live append to a list whose last page is here: fetch it even when off screen.
        for (const [p, rec] of this.pages) {
            if (!rec.complete && rec.resume !== undefined && !this.inFlight.has(p)) add(this.fetchFor(p));
        }
        const count = this.count;
        if (this.knownTotal === undefined) {
            // Nothing known yet: the first page (streamed by the caller).
            if (!this.pages.has(0) && !this.inFlight.has(0)) add(this.fetchFor(0));
            return out;
        }
        if (count === 0) return out;
        const lastSlot = count - 1;
        const firstPage = this.pageOf(Math.max(0, Math.min(first, lastSlot)));
        const lastPage = this.pageOf(Math.max(0, Math.min(last, lastSlot)));
        const lo = Math.max(0, firstPage - margin);
        const hi = Math.min(this.pageOf(lastSlot), lastPage + margin);
        const centre = (firstPage + lastPage) / 2;
        const wanted: number[] = [];
        for (let p = lo; p <= hi; p++) wanted.push(p);
        wanted.sort((a, b) => Math.abs(a - centre) - Math.abs(b - centre) || a - b);
        for (const p of wanted) {
            if (out.length >= room) break;
            // Visible pages may walk the cursor chain; margin pages only load when it is cheap.
            const visible = p >= firstPage && p <= lastPage;
            if (visible || this.cursors.has(p) || this.pages.has(p)) add(this.fetchFor(p));
        }
        return out;
    }

    /** How page p can be fetched now, or via the nearest earlier page whose cursor is known. */
    private fetchFor(p: number): PageFetch | undefined {
        if (this.inFlight.has(p)) return undefined;
        const rec = this.pages.get(p);
        if (rec) {
            if (rec.complete) return undefined;
            if (rec.resume !== undefined) {
                return { page: p, offset: rec.items.length, cursor: rec.resume, limit: this.pageSize - rec.items.length };
            }
            // Incomplete without a way to continue (an aborted stream): read it again.
        }
        if (this.cursors.has(p)) {
            return { page: p, offset: 0, cursor: this.cursors.get(p) ?? null, limit: this.pageSize };
        }
        // Chain: the nearest earlier page with a known cursor; its answer reveals the next cursor.
        let q = p - 1;
        while (q > 0 && !this.cursors.has(q)) q--;
        if (this.inFlight.has(q)) return undefined;
        const qrec = this.pages.get(q);
        if (qrec?.complete) return undefined; // its successor's cursor is known or it is the end
        return this.fetchFor(q);
    }

    // --- applying answers --------------------------------------------------------------------

    /** A fetch is about to be sent. A fetch from offset 0 replaces whatever the page held. */
    startFetch(fetch: PageFetch): void {
        this.inFlight.add(fetch.page);
        const rec = this.pages.get(fetch.page);
        if (fetch.offset === 0 && rec) {
            this.dropItems(fetch.page, rec);
            rec.items = [];
            rec.complete = false;
            delete rec.resume;
        }
        if (!rec) this.pages.set(fetch.page, { items: [], complete: false });
    }

    /** A streamed batch for a page in flight; returns how many items were new. */
    appendBatch(page: number, items: readonly T[]): number {
        if (!this.inFlight.has(page)) return 0; // not ours (aborted, or already finished)
        const rec = this.pages.get(page);
        if (!rec) return 0;
        let added = 0;
        for (const item of items) {
            if (rec.items.length >= this.pageSize) break;
            const key = this.keyOf(item);
            if (this.keyIndex.has(key)) continue;
            this.keyIndex.set(key, page * this.pageSize + rec.items.length);
            rec.items.push(item);
            added++;
        }
        return added;
    }

    /** The fetch's final answer (for a stream: the rest of the page and the cursor fields). */
    finish(page: number, result: PageResult<T>): void {
        if (!this.inFlight.has(page)) return;
        this.appendBatch(page, result.items);
        this.inFlight.delete(page);
        const rec = this.pages.get(page);
        if (!rec) return;
        const len = rec.items.length;
        const full = len >= this.pageSize;
        if (result.total !== undefined && result.total !== null) this.knownTotal = result.total;
        if (result.hasMore) {
            if (full) {
                rec.complete = true;
                delete rec.resume;
                if (result.nextCursor !== null) this.cursors.set(page + 1, result.nextCursor);
            } else {
                rec.complete = false;
                rec.resume = result.nextCursor;
            }
            if (this.endPage !== undefined && this.endPage <= page) this.endPage = undefined;
            this.knownTotal = Math.max(this.knownTotal ?? 0, page * this.pageSize + len + 1);
        } else {
            rec.complete = true;
            rec.resume = result.nextCursor; // where a later append continues
            if (full && result.nextCursor !== null) this.cursors.set(page + 1, result.nextCursor);
            this.endPage = page;
            this.knownTotal = page * this.pageSize + len;
            for (const p of [...this.pages.keys()]) {
                if (p > page) this.evictPage(p);
            }
        }
    }

    /** The fetch failed or was cancelled: forget it; a later plan() asks again. */
    abort(page: number): void {
        if (!this.inFlight.delete(page)) return;
        const rec = this.pages.get(page);
        if (rec && rec.items.length === 0 && !rec.complete) this.pages.delete(page);
    }

    /** The session grew (a live append): reopen the known end so its new rows get fetched. */
    grow(): void {
        if (this.endPage === undefined) return;
        const end = this.endPage;
        this.endPage = undefined;
        const rec = this.pages.get(end);
        const endLen = this.knownTotal !== undefined ? this.knownTotal - end * this.pageSize : 0;
        if (rec && rec.complete && rec.items.length < this.pageSize && rec.resume !== undefined) {
            rec.complete = false; // keeps `resume`: continue right after the last row seen
        } else if (rec && rec.items.length >= this.pageSize && rec.resume !== undefined) {
            this.cursors.set(end + 1, rec.resume);
            delete rec.resume;
        }
        // One skeleton slot at the end until the fetch says how many rows there are.
        this.knownTotal = Math.max(this.knownTotal ?? 0, end * this.pageSize + endLen + 1);
    }

    // --- memory bound ------------------------------------------------------------------------

    /**
     * Drop pages far from [first, last] until at most `maxPages` are resident. Pages in flight
     * and pages holding the visible items stay. Returns the evicted page numbers.
     */
    evict(first: number, last: number): number[] {
        const evicted: number[] = [];
        if (this.pages.size <= this.maxPages) return evicted;
        const lo = this.pageOf(Math.max(0, first));
        const hi = this.pageOf(Math.max(0, last));
        const distance = (p: number): number => (p < lo ? lo - p : p > hi ? p - hi : 0);
        const candidates = [...this.pages.keys()]
            .filter((p) => !this.inFlight.has(p) && distance(p) > 1)
            .sort((a, b) => distance(b) - distance(a));
        for (const p of candidates) {
            if (this.pages.size <= this.maxPages) break;
            this.evictPage(p);
            evicted.push(p);
        }
        return evicted;
    }

    private evictPage(p: number): void {
        const rec = this.pages.get(p);
        if (!rec) return;
        this.dropItems(p, rec);
        this.pages.delete(p);
        this.inFlight.delete(p);
    }

    private dropItems(p: number, rec: PageRecord<T>): void {
        for (const item of rec.items) {
            const key = this.keyOf(item);
            if (this.keyIndex.get(key) !== undefined && this.pageOf(this.keyIndex.get(key)!) === p) {
                this.keyIndex.delete(key);
            }
        }
    }
}
