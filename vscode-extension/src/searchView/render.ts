/**
 * Draws the search box's results. Transcript text only ever becomes text nodes: a snippet is
 * split at its matched ranges into text nodes and `<mark>` elements, never parsed as HTML.
 */
import type { TextRange } from '../protocol';
import type { ViewGroup, ViewHit } from '../shared/searchIpc';
import { hitCount, type SearchState } from './state';

/**
 * The snippet with its matched ranges in `<mark>`. Ranges from the server are trusted for
 * nothing: out-of-bounds, reversed or overlapping ones are clamped or skipped.
 */
export function highlightedSnippet(doc: Document, snippet: string, highlights: readonly TextRange[]): DocumentFragment {
    const frag = doc.createDocumentFragment();
    const ranges = [...highlights].sort((a, b) => a.start - b.start);
    let at = 0;
    for (const r of ranges) {
        const start = Math.max(r.start, at);
        const end = Math.min(r.end, snippet.length);
        if (end <= start) continue;
        if (start > at) frag.append(doc.createTextNode(snippet.slice(at, start)));
        const mark = doc.createElement('mark');
        mark.textContent = snippet.slice(start, end);
        frag.append(mark);
        at = end;
    }
    if (at < snippet.length) frag.append(doc.createTextNode(snippet.slice(at)));
    return frag;
}

export { groupTitle, groupWhere } from '../names';
import { groupTitle, groupWhere } from '../names';

function hitMeta(hit: ViewHit): string {
    const parts = [hit.kind + (hit.isError ? ' (error)' : ''), hit.toolNames.filter((t) => t).join(', ')];
    if (hit.timestamp) parts.push(hit.timestamp.slice(0, 16).replace('T', ' '));
    if (hit.isSidechain) parts.push(`subagent ${hit.agentId ?? ''}`.trim());
    return parts.filter((p) => p).join(' · ');
}

export interface OpenTarget {
    sessionId: string;
    project: string;
    uuid: string;
    title: string;
    kind: ViewHit['kind'];
    /** The subagent whose transcript holds the hit. */
    agentId?: string;
}

/** The hit a result row opens, or undefined for rows that cannot be opened (no uuid, deleted file). */
export function openTarget(group: ViewGroup, hit: ViewHit): OpenTarget | undefined {
    if (!hit.uuid || group.deleted) return undefined;
    const t: OpenTarget = { sessionId: group.sessionId, project: group.project, uuid: hit.uuid, title: groupTitle(group), kind: hit.kind };
    if (hit.isSidechain && hit.agentId) t.agentId = hit.agentId;
    return t;
}

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls: string, text?: string): HTMLElementTagNameMap[K] {
    const e = doc.createElement(tag);
    e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
}

/** One line under the box: how many hits, still running, still indexing, or the error. */
export function statusText(state: SearchState): string {
    if (state.error) return state.error;
    if (!state.query.trim()) return '';
    const n = hitCount(state);
    if (state.loading && n === 0) return 'Searching…';
    if (!state.loading && n === 0) {
        return `No message matches “${state.query.trim()}” in ${state.everywhere ? 'any project' : 'this workspace’s sessions'}${state.indexing ? ' (still indexing)' : ''}.`;
    }
    const shown = state.total > n ? `${n} of ${state.total} matching messages` : `${n} matching message${n === 1 ? '' : 's'}`;
    const sessions = `in ${state.groups.length} session${state.groups.length === 1 ? '' : 's'}`;
    return `${shown} ${sessions}${state.indexing ? ' (still indexing)' : ''}${state.loading ? '…' : ''}`;
}

/** The result list: a heading per session, then a row per matching message. */
export function buildResults(doc: Document, state: SearchState, onOpen: (t: OpenTarget) => void): HTMLElement {
    const list = el(doc, 'div', 'results');
    list.setAttribute('role', 'list');
    for (const group of state.groups) {
        const section = el(doc, 'section', 'group');
        const head = el(doc, 'div', 'group-title');
        head.append(el(doc, 'span', 'name', groupTitle(group) + (group.deleted ? ' (deleted)' : '')), el(doc, 'span', 'where', groupWhere(group)));
        head.title = `${groupTitle(group)}\n${group.cwd ?? group.project}`;
        section.append(head);
        for (const hit of group.hits) {
            const target = openTarget(group, hit);
            const row = el(doc, target ? 'button' : 'div', 'hit');
            row.setAttribute('role', 'listitem');
            const snippet = el(doc, 'div', 'snippet');
            snippet.append(highlightedSnippet(doc, hit.snippet, hit.highlights));
            if (!hit.snippet) snippet.textContent = `(${hit.kind})`;
            row.append(snippet, el(doc, 'div', 'meta', hitMeta(hit)));
            if (target) {
                row.dataset.uuid = target.uuid;
                row.addEventListener('click', () => onOpen(target));
            } else {
                row.classList.add('disabled');
            }
            section.append(row);
        }
        list.append(section);
    }
    return list;
}
