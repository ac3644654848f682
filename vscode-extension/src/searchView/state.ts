/**
 * The search box's state, pure (no DOM, no timers) so the unit tests drive it: which request is
 * current, the groups streamed for it, merged by session across "load more" pages, and whether
 * more can be loaded. Answers for any request but the current one are dropped, which is what
 * makes typing ahead of a slow query safe.
 */
import type { ViewGroup } from '../shared/searchIpc';

export interface SearchState {
    query: string;
    everywhere: boolean;
    /** The request whose answers are shown; 0 before the first. */
    current: number;
    loading: boolean;
    groups: ViewGroup[];
    total: number;
    nextCursor: string | null;
    hasMore: boolean;
    indexing: boolean;
    error: string | null;
}

export function initialState(hasWorkspace: boolean): SearchState {
    return {
        query: '',
        everywhere: !hasWorkspace,
        current: 0,
        loading: false,
        groups: [],
        total: 0,
        nextCursor: null,
        hasMore: false,
        indexing: false,
        error: null,
    };
}

/** A new query (or scope): forget the old results; `id` becomes current. Empty text clears. */
export function startQuery(state: SearchState, id: number, query: string): SearchState {
    const blank = !query.trim();
    return {
        ...state,
        query,
        current: blank ? 0 : id,
        loading: !blank,
        groups: [],
        total: 0,
        nextCursor: null,
        hasMore: false,
        indexing: false,
        error: null,
    };
}

/** The next page of the same query: keep what is shown, `id` becomes current. */
export function startMore(state: SearchState, id: number): SearchState {
    return { ...state, current: id, loading: true, error: null };
}

/** A streamed group: appended, or merged into the group of the same session from an earlier page. */
export function addGroups(state: SearchState, id: number, groups: readonly ViewGroup[]): SearchState {
    if (id !== state.current) return state;
    const out = [...state.groups];
    for (const g of groups) {
        const at = out.findIndex((o) => o.sessionId === g.sessionId);
        if (at >= 0) {
            const prev = out[at]!;
            out[at] = { ...prev, hits: [...prev.hits, ...g.hits] };
        } else {
            out.push(g);
        }
    }
    return { ...state, groups: out };
}

export function finish(
    state: SearchState,
    id: number,
    page: { total: number; nextCursor: string | null; hasMore: boolean; indexing: boolean },
): SearchState {
    if (id !== state.current) return state;
    return { ...state, loading: false, total: page.total, nextCursor: page.nextCursor, hasMore: page.hasMore, indexing: page.indexing };
}

export function fail(state: SearchState, id: number, message: string): SearchState {
    if (id !== state.current) return state;
    return { ...state, loading: false, error: message, hasMore: false };
}

export function hitCount(state: SearchState): number {
    return state.groups.reduce((n, g) => n + g.hits.length, 0);
}
