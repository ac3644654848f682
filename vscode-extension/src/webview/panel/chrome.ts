/**
 * Everything around the list that says how it is going: the progress bar (determinate while a
 * big session is parsed), the error banner with its Retry, and the status line (a notice for a few
 * seconds, a reveal's "Looking for the message…", "No messages match these filters.").
 */
import { el, icon } from '../dom';
import type { SessionState } from '../state/session';

/** How long a notice stays in the status line. */
const NOTICE_MS = 6000;

export class Chrome {
    readonly progressBar = el('div', 'progress');
    readonly banner = el('div', 'banner');
    readonly status = el('div', 'status');
    private noticeTimer: ReturnType<typeof setTimeout> | undefined;

    /** `redraw` is called when a notice expires (the status line shows what it covered). */
    constructor(private readonly redraw: () => void) {
        this.progressBar.append(el('div', 'bar'));
        this.progressBar.setAttribute('role', 'progressbar');
        this.banner.hidden = true;
        this.banner.setAttribute('role', 'alert');
        this.status.setAttribute('role', 'status');
        this.status.hidden = true;
    }

    /** A message for a few seconds in the status line (a file that is not there, a failed diff). */
    showNotice(text: string): void {
        this.status.hidden = false;
        this.status.textContent = text;
        if (this.noticeTimer) clearTimeout(this.noticeTimer);
        this.noticeTimer = setTimeout(() => {
            this.noticeTimer = undefined;
            this.redraw();
        }, NOTICE_MS);
    }

    /** A walk's progress wrote over a notice: let the line clear now. */
    dropNotice(): void {
        if (!this.noticeTimer) return;
        clearTimeout(this.noticeTimer);
        this.noticeTimer = undefined;
    }

    /** Bring the bar, the banner and the status line up to date with the session's state. */
    render(s: SessionState, revealStatus: string | undefined): void {
        const total = s.list.total;
        const busy = s.progress.active || s.isStreaming || revealStatus !== undefined;
        this.progressBar.classList.toggle('active', busy);
        this.progressBar.classList.toggle('determinate', s.progress.active && s.progress.percentage !== undefined);
        const bar = this.progressBar.firstElementChild as HTMLDivElement;
        bar.style.width = s.progress.percentage !== undefined ? `${s.progress.percentage}%` : '';
        if (s.progress.active && s.progress.percentage !== undefined) {
            this.progressBar.setAttribute('aria-valuenow', String(s.progress.percentage));
            this.progressBar.title = s.progress.message ?? 'Reading the session…';
        } else {
            this.progressBar.removeAttribute('aria-valuenow');
        }
        if (s.error) {
            this.banner.hidden = false;
            const retry = el('button', 'retry');
            retry.type = 'button';
            retry.append(icon('refresh'), el('span', '', 'Retry'));
            retry.addEventListener('click', () => s.retry());
            this.banner.replaceChildren(icon('error'), el('span', 'message', s.error), retry);
        } else if (!this.banner.hidden) {
            this.banner.hidden = true;
            this.banner.replaceChildren();
        }
        if (s.notice) {
            this.showNotice(s.notice);
            s.notice = undefined;
        }
        if (revealStatus !== undefined) {
            this.status.hidden = false;
            this.status.textContent = revealStatus;
        } else if (!this.noticeTimer) {
            const empty = total === 0 && !s.isStreaming && !s.error;
            this.status.hidden = !empty;
            this.status.textContent = empty ? 'No messages match these filters.' : '';
        }
    }
}
