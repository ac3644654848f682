/**
 * The list's clicks and keys. A click selects its row, then does what its target says
 * (`data-action`: open a file, show all of an output, open a part of a conversation row, an image,
 * copy, a diff) or toggles the row; a click in a text body only selects, so its text can be
 * copied. The keys are a tree's (arrows, Home/End, PageUp/PageDown, Enter/Space, Right/Left to
 * open and close); a conversation row's parts open with a click, not by unfolding the row.
 */
import type { SessionView, WebviewToHost } from '../../shared/ipc';
import type { ConversationState } from '../conversation/state';
import type { SessionState } from '../state/session';
import type { ImageViewer } from './imageViewer';
import type { ListView } from './list';

export interface InputHost {
    readonly state: SessionState;
    readonly conv: ConversationState;
    readonly list: ListView;
    readonly images: ImageViewer;
    view(): SessionView;
    selectedKey(): string | undefined;
    select(key: string | undefined): void;
    post(message: WebviewToHost): void;
}

export function onListClick(e: MouseEvent, h: InputHost): void {
    const target = e.target instanceof Element ? e.target : null;
    const actionEl = target?.closest<HTMLElement>('[data-action]');
    const hit = h.list.rowFromEvent(target);
    if (!hit) return;
    h.select(hit.row.key);
    const action = actionEl?.dataset.action;
    if (action === 'open' && actionEl) {
        e.preventDefault();
        const msg: WebviewToHost = { type: 'openFile', path: actionEl.dataset.path ?? '' };
        const line = Number(actionEl.dataset.line);
        if (Number.isInteger(line) && line > 0) msg.line = line;
        if (msg.path) h.post(msg);
        return;
    }
    if (action === 'show-all') {
        h.list.toggleShowAll(actionEl?.dataset.key ?? hit.row.key);
        return;
    }
    if ((action === 'part' || action === 'raw') && actionEl?.dataset.uuid) {
        // Conversation rows: a tool call, a thought, its hooks or the raw line opens in place.
        h.conv.toggle(hit.row.key, actionEl.dataset.uuid, action === 'raw' ? 'raw' : (actionEl.dataset.part ?? ''));
        return;
    }
    if (action === 'image' && actionEl instanceof HTMLImageElement) {
        h.images.open(actionEl);
        return;
    }
    if (action === 'copy' && actionEl?.dataset.uuid) {
        h.post({ type: 'copyMessage', uuid: actionEl.dataset.uuid });
        return;
    }
    if (action === 'diff' && actionEl?.dataset.uuid && actionEl.dataset.tool) {
        h.post({ type: 'showDiff', uuid: actionEl.dataset.uuid, toolUseId: actionEl.dataset.tool });
        return;
    }
    // A click on a text body selects (lets the user copy); elsewhere it toggles.
    if (target?.closest('.body-box') && action !== 'toggle') return;
    if (h.view() === 'conversation' && hit.row.kind === 'message') return; // its parts open, not the row
    if (h.state.isExpandable(hit.row)) h.state.toggle(hit.row);
    h.list.focus();
}

function selectRow(h: InputHost, row: number): void {
    const count = h.state.rowCount();
    if (!count) return;
    const r = Math.max(0, Math.min(count - 1, row));
    h.select(h.state.rowAt(r).key);
    h.list.scrollToIndex(r, 'auto');
}

function currentRow(h: InputHost): number {
    const key = h.selectedKey();
    const row = key !== undefined ? h.state.rowOfKey(key) : undefined;
    return row ?? h.list.firstVisible();
}

export function onListKey(e: KeyboardEvent, h: InputHost): void {
    if (e.target !== h.list.scroller) return;
    const state = h.state;
    const row = currentRow(h);
    const page = h.list.pageRows();
    const current = state.rowAt(row);
    if (h.view() === 'conversation' && current.kind === 'message' && ['Enter', ' ', 'ArrowRight', 'ArrowLeft'].includes(e.key)) {
        // A conversation row does not unfold into the detail tree: its parts open with a click.
        if (e.key === 'ArrowRight') selectRow(h, row + 1);
        e.preventDefault();
        return;
    }
    switch (e.key) {
        case 'ArrowDown':
            selectRow(h, h.selectedKey() === undefined ? row : row + 1);
            break;
        case 'ArrowUp':
            selectRow(h, row - 1);
            break;
        case 'PageDown':
            selectRow(h, row + page);
            break;
        case 'PageUp':
            selectRow(h, row - page);
            break;
        case 'Home':
            selectRow(h, 0);
            break;
        case 'End':
            selectRow(h, state.rowCount() - 1);
            break;
        case 'Enter':
        case ' ':
            if (state.isExpandable(current)) state.toggle(current);
            break;
        case 'ArrowRight':
            if (state.isExpandable(current) && !state.isExpanded(current)) state.toggle(current, true);
            else selectRow(h, row + 1);
            break;
        case 'ArrowLeft':
            if (state.isExpandable(current) && state.isExpanded(current)) state.toggle(current, false);
            else {
                const parent = state.parentRow(row);
                if (parent !== undefined) selectRow(h, parent);
            }
            break;
        default:
            return;
    }
    e.preventDefault();
}
