/**
 * Finding a message by uuid in a session whose pages are read forwards with opaque cursors
 * (the code lens / hover "Open trace" link names the message, not its position).
 *
 * The walk reads page after page with the list's own page size and filter, so every cursor it
 * learns is the cursor of page p of the list (item i lives in page floor(i / pageSize)): once the
 * message is found, the list is seeded with those cursors and the found page, and the view can
 * scroll straight to its index. Pages the list already holds are answered locally. The walk is
 * bounded (`maxPages`), reports progress after every page, and stops when cancelled.
 * No DOM, no transport.
 */

export interface WalkPage<T> {
    items: T[];
    nextCursor: string | null;
    hasMore: boolean;
    total?: number | null;
}

export interface WalkOptions {
    /** Pages to read at most before giving up. */
    maxPages: number;
    /** After each page: how many pages and items have been looked at. */
    onProgress?: (pages: number, items: number) => void;
    /** Checked before each page: true stops the walk. */
    cancelled?: () => boolean;
}

export type WalkResult<T> =
    | {
          found: true;
          /** The page holding the message, and where in it. */
          page: number;
          offset: number;
          index: number;
          /** cursors[p] fetches page p, for p = 0..page. */
          cursors: (string | null)[];
          result: WalkPage<T>;
      }
    | { found: false; reason: 'end' | 'limit' | 'cancelled'; pages: number; items: number };

/**
 * Read pages 0, 1, 2… (`fetchPage(p, cursor)`) until an item with `keyOf(item) === key` shows up.
 */
export async function walkTo<T>(
    key: string,
    keyOf: (item: T) => string,
    pageSize: number,
    fetchPage: (page: number, cursor: string | null) => Promise<WalkPage<T>>,
    options: WalkOptions,
): Promise<WalkResult<T>> {
    const cursors: (string | null)[] = [null];
    let items = 0;
    for (let p = 0; p < options.maxPages; p++) {
        if (options.cancelled?.()) return { found: false, reason: 'cancelled', pages: p, items };
        const cursor = cursors[p] ?? null;
        const result = await fetchPage(p, cursor);
        if (options.cancelled?.()) return { found: false, reason: 'cancelled', pages: p + 1, items };
        const offset = result.items.findIndex((item) => keyOf(item) === key);
        if (offset >= 0) {
            return { found: true, page: p, offset, index: p * pageSize + offset, cursors, result };
        }
        items += result.items.length;
        options.onProgress?.(p + 1, items);
        // A short page or the end: nothing further to read.
        if (!result.hasMore || result.items.length < pageSize || result.nextCursor === null) {
            return { found: false, reason: 'end', pages: p + 1, items };
        }
        cursors.push(result.nextCursor);
    }
    return { found: false, reason: 'limit', pages: options.maxPages, items };
}

/** A plain sentence for a walk that did not find the message. */
export function notFoundMessage(reason: 'end' | 'limit' | 'cancelled', items: number, what = 'tool call'): string {
    switch (reason) {
        case 'end':
            return `This ${what} is not among the session's ${items.toLocaleString()} messages (it may be in a subagent's transcript, or the session was rewritten).`;
        case 'limit':
            return `Stopped looking for this ${what} after the first ${items.toLocaleString()} messages.`;
        case 'cancelled':
            return `Stopped looking for this ${what}.`;
    }
}
