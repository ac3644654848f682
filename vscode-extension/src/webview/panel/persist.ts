/**
 * What the webview keeps with `vscode.setState` so that hiding, showing or reloading the panel
 * comes back where it was: the session, its title, the list's saved view (filter, anchor page,
 * selection), the pixels scrolled past the top row and the highlighted query.
 */
import type { SavedView } from '../state/session';

export interface PersistedState {
    sessionId: string;
    project: string | null;
    title: string;
    view?: SavedView;
    /** Pixels scrolled past the top row's start. */
    within?: number;
    /** The search query highlighted. */
    highlight?: string;
}

/** Saves at most every 200 ms (scrolling fires far more often). */
export class Persister {
    private timer: ReturnType<typeof setTimeout> | undefined;

    constructor(private readonly save: () => void) {}

    soon(): void {
        if (this.timer) return;
        this.timer = setTimeout(() => {
            this.timer = undefined;
            this.save();
        }, 200);
    }

    now(): void {
        this.save();
    }
}
