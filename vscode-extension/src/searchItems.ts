/**
 * What the "Search Sessions" quick pick shows for a `search/query` page: a separator per session,
 * then one row per matching message. Pure (no `vscode` import) so the unit tests run it.
 */
import type { SearchHit, SearchPage, TextRange } from './protocol';
import { groupTitle, groupWhere } from './names';

/** vscode.QuickPickItemKind.Separator, without importing vscode. */
export const SEPARATOR = -1;
/** Characters of snippet a quick pick row shows, around the first match. */
export const LABEL_CHARS = 110;

export interface HitItem {
    label: string;
    kind?: number;
    description?: string;
    detail?: string;
    alwaysShow: boolean;
    /** Set on rows that open a message; separators have none. */
    target?: { sessionId: string; project: string; uuid: string; title: string; kind: SearchHit['kind']; agentId?: string };
}

/** A one-line piece of the snippet around its first match; matches wrapped in ‹ and ›. */
export function marked(snippet: string, highlights: readonly TextRange[], width = LABEL_CHARS): string {
    const text = snippet.replace(/\s+/g, ' ');
    const first = highlights[0]?.start ?? 0;
    const start = Math.max(0, Math.min(first - 20, text.length - width));
    const end = Math.min(text.length, start + width);
    let out = '';
    let at = start;
    for (const r of highlights) {
        if (r.start < at || r.end > end) continue;
        out += text.slice(at, r.start) + '‹' + text.slice(r.start, r.end) + '›';
        at = r.end;
    }
    out += text.slice(at, end);
    return (start > 0 ? '…' : '') + out.trim() + (end < text.length ? '…' : '');
}

function when(iso: string | null): string {
    return iso ? iso.slice(0, 16).replace('T', ' ') : '';
}

function describeHit(hit: SearchHit): string {
    const tools = hit.toolNames.filter((t) => t).join(', ');
    const parts = [hit.kind + (hit.isError ? ' (error)' : ''), tools, when(hit.timestamp)];
    if (hit.isSidechain) parts.push(`subagent ${hit.agentId ?? ''}`.trim());
    return parts.filter((p) => p).join(' · ');
}

/** Separators and rows for a page; hits without a uuid (rare old lines) cannot be opened. */
export function searchItems(page: SearchPage): HitItem[] {
    const items: HitItem[] = [];
    for (const group of page.groups) {
        const title = groupTitle(group);
        const where = groupWhere(group);
        items.push({ label: `${where}${group.deleted ? ' (deleted)' : ''}`, kind: SEPARATOR, alwaysShow: true });
        for (const hit of group.hits) {
            // Rows are told apart by their session and what matched, not by a snippet alone.
            const item: HitItem = {
                label: title,
                description: describeHit(hit),
                detail: marked(hit.snippet, hit.highlights) || `(${hit.kind})`,
                alwaysShow: true,
            };
            if (hit.uuid && !group.deleted) {
                item.target = { sessionId: group.sessionId, project: group.project, uuid: hit.uuid, title, kind: hit.kind };
                if (hit.isSidechain && hit.agentId) item.target.agentId = hit.agentId;
            }
            items.push(item);
        }
    }
    return items;
}
