/**
 * How sessions and projects are named, the same everywhere (the tree, the Search view, the quick
 * pick, a panel's tab and header). Pure: no `vscode` import, so the unit tests run it.
 */
import type { SessionInfo } from './protocol';

/** Characters of a session's title in an editor tab (the header shows it whole). */
export const TAB_TITLE_CHARS = 40;

/** A title on one line: whitespace runs become one space. */
function flat(text: string): string {
    return text.replace(/\s+/g, ' ').trim();
}

/** A session's title: its own or summary title, else its first prompt, else its id. */
export function sessionTitle(info: Pick<SessionInfo, 'title' | 'firstPrompt' | 'sessionId'>): string {
    const raw = flat(info.title || info.firstPrompt || '');
    if (!raw) return info.sessionId;
    return raw.length > 90 ? `${raw.slice(0, 89)}…` : raw;
}

/** The title a panel is opened with: an archived session says so (its files are gone). */
export function displayTitle(info: Pick<SessionInfo, 'title' | 'firstPrompt' | 'sessionId' | 'archived'>): string {
    return info.archived ? `${sessionTitle(info)} (archived)` : sessionTitle(info);
}

/** A title cut for an editor tab, at a word boundary when one is near. */
export function tabTitle(title: string, max = TAB_TITLE_CHARS): string {
    const t = flat(title);
    if (t.length <= max) return t;
    const cut = t.slice(0, max - 1);
    const space = cut.lastIndexOf(' ');
    return `${space > max * 0.6 ? cut.slice(0, space) : cut}…`;
}

function segments(p: string): string[] {
    return p.replace(/\\/g, '/').split('/').filter(Boolean);
}

/**
 * A label per path: its last segment, with as many parent segments as it takes to tell it apart
 * from every other path given (as VS Code labels editor tabs of files with the same name):
 * `/a/x/app` and `/b/y/app` become `x/app` and `y/app`; a unique name stays as it is. Equal
 * paths get equal labels. The order of the result is the order of `paths`.
 */
export function distinctLabels(paths: readonly string[]): string[] {
    const segs = paths.map(segments);
    const depth = segs.map(() => 1);
    const label = (i: number): string => {
        const s = segs[i]!;
        return s.length ? s.slice(Math.max(0, s.length - depth[i]!)).join('/') : paths[i]!;
    };
    // Grow the clashing labels one segment at a time until no two different paths share one.
    for (let round = 0; round < 64; round++) {
        const byLabel = new Map<string, number[]>();
        paths.forEach((_, i) => {
            const l = label(i);
            byLabel.set(l, [...(byLabel.get(l) ?? []), i]);
        });
        let grew = false;
        for (const group of byLabel.values()) {
            const distinct = new Set(group.map((i) => segs[i]!.join('/')));
            if (distinct.size < 2) continue;
            for (const i of group) {
                if (depth[i]! < segs[i]!.length) {
                    depth[i] = depth[i]! + 1;
                    grew = true;
                }
            }
        }
        if (!grew) break;
    }
    return paths.map((_, i) => label(i));
}

/** The session's title as the sessions tree shows it; its folder and short id when the catalog has none. */
export function groupTitle(group: { title?: string | null; cwd: string | null; project: string; sessionId: string }): string {
    const title = (group.title ?? '').replace(/\s+/g, ' ').trim();
    if (title) return title.length > 90 ? `${title.slice(0, 89)}…` : title;
    return `${group.cwd ?? group.project} · ${group.sessionId.slice(0, 8)}`;
}

/** Where the session ran: the last two parts of its folder (the tooltip has all of it). */
export function groupWhere(group: { cwd: string | null; project: string }): string {
    if (!group.cwd) return group.project;
    const parts = group.cwd.replace(/\\/g, '/').split('/').filter(Boolean);
    return parts.slice(-2).join('/') || group.cwd;
}

