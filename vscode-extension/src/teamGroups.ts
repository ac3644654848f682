/**
 * The "Team" section of the Sessions tree, as plain data (no `vscode` import, so the unit tests
 * run it): the team's sessions (`sessions/list` with `team: true`, each with its author and
 * repository remote) grouped by repository, then by author, newest activity first.
 */
import type { SessionInfo, SessionsListParams, SessionsPage } from './protocol';

export interface AuthorGroup {
    author: string;
    sessions: SessionInfo[];
    lastTimestamp: string | null;
}

export interface RepoGroup {
    /** The normalized remote (`github.com/org/app`), or '' for sessions outside a repository. */
    remote: string;
    label: string;
    authors: AuthorGroup[];
    sessionCount: number;
    lastTimestamp: string | null;
}

export const NO_REPOSITORY = 'Outside a repository';
export const UNKNOWN_AUTHOR = 'unknown author';

/** `github.com/org/app` as `org/app` (the host is in the tooltip); a bare host stays whole. */
export function repoLabel(remote: string): string {
    if (!remote) return NO_REPOSITORY;
    const cut = remote.indexOf('/');
    return cut > 0 && cut < remote.length - 1 ? remote.slice(cut + 1) : remote;
}

function later(a: string | null, b: string | null | undefined): string | null {
    if (!b) return a;
    if (!a) return b;
    return b > a ? b : a;
}

/** Group sessions by repository, then author; groups ordered by their newest session, sessions
 * kept in the order given (newest first, as sessions/list gives them). */
export function teamGroups(sessions: SessionInfo[]): RepoGroup[] {
    const repos = new Map<string, Map<string, AuthorGroup>>();
    for (const s of sessions) {
        const remote = s.remote ?? '';
        const author = s.author || UNKNOWN_AUTHOR;
        let byAuthor = repos.get(remote);
        if (!byAuthor) repos.set(remote, (byAuthor = new Map()));
        let group = byAuthor.get(author);
        if (!group) byAuthor.set(author, (group = { author, sessions: [], lastTimestamp: null }));
        group.sessions.push(s);
        group.lastTimestamp = later(group.lastTimestamp, s.lastTimestamp);
    }
    const newestFirst = (a: { lastTimestamp: string | null }, b: { lastTimestamp: string | null }): number =>
        (b.lastTimestamp ?? '').localeCompare(a.lastTimestamp ?? '');
    const out: RepoGroup[] = [];
    for (const [remote, byAuthor] of repos) {
        const authors = [...byAuthor.values()].sort((a, b) => newestFirst(a, b) || a.author.localeCompare(b.author));
        out.push({
            remote,
            label: repoLabel(remote),
            authors,
            sessionCount: authors.reduce((n, a) => n + a.sessions.length, 0),
            lastTimestamp: authors.reduce<string | null>((t, a) => later(t, a.lastTimestamp), null),
        });
    }
    // sessions outside a repository last, whatever their age
    return out.sort((a, b) => Number(!a.remote) - Number(!b.remote) || newestFirst(a, b) || a.remote.localeCompare(b.remote));
}

export interface TeamListing {
    groups: RepoGroup[];
    count: number;
    /** more sessions than the pages read: the section says it shows the latest */
    more: boolean;
}

export type ListSessions = (params: SessionsListParams) => Promise<SessionsPage>;

/** The team's sessions, up to `pages` pages of `limit`, grouped. */
export async function loadTeam(list: ListSessions, limit = 1000, pages = 5): Promise<TeamListing> {
    const sessions: SessionInfo[] = [];
    let cursor: string | null = null;
    let more = false;
    for (let i = 0; i < pages; i++) {
        const page: SessionsPage = await list({ team: true, limit, cursor });
        sessions.push(...page.sessions);
        more = page.hasMore && !!page.nextCursor;
        cursor = page.nextCursor;
        if (!more) break;
    }
    return { groups: teamGroups(sessions), count: sessions.length, more };
}

/**
 * The team's listing as the tree shows it: the last one read, at once, while the next is read
 * (up to `pages` requests of 1,000 sessions, after every `sessions/didChange` of a live
 * session). The tree's top level never waits for it; `loaded` is called when a read lands with
 * a listing other than the last, for the tree to show it. A failed read keeps the last listing and is tried again next time.
 */
export class TeamListingCache {
    private last: TeamListing | undefined;
    private reading: Promise<void> | undefined;
    private stale = true;

    constructor(
        private readonly load: () => Promise<TeamListing>,
        private readonly loaded: () => void,
    ) {}

    /** The next `current` reads the listing again (the server's sessions changed). */
    invalidate(): void {
        this.stale = true;
    }

    /** The last listing read (undefined before the first lands); starts a read when one is due. */
    current(): TeamListing | undefined {
        if (this.stale && !this.reading) {
            this.stale = false;
            const reading = this.load().then(
                (listing) => {
                    // a listing like the last one redraws nothing (a live session's changes
                    // come up to twice a second; the tree's other sections are read anew on
                    // every redraw)
                    const same = this.last !== undefined && JSON.stringify(this.last) === JSON.stringify(listing);
                    this.last = listing;
                    if (!same) this.loaded();
                },
                () => {
                    this.stale = true; // the local sections say what is wrong with the server
                },
            );
            this.reading = reading.finally(() => {
                this.reading = undefined;
            });
        }
        return this.last;
    }

    /** The read under way, if any (for tests). */
    settled(): Promise<void> {
        return this.reading ?? Promise.resolve();
    }
}

export type TeamNode =
    | { type: 'team'; listing: TeamListing }
    | { type: 'teamRepo'; repo: RepoGroup }
    | { type: 'teamAuthor'; repo: RepoGroup; author: AuthorGroup };

/** A session under the section: the Sessions tree's own session node (same item, same command). */
export interface TeamSessionLeaf {
    type: 'session';
    group: string;
    info: SessionInfo;
}

const TEAM_TYPES = new Set(['team', 'teamRepo', 'teamAuthor']);

export function isTeamNode(node: { type: string }): node is TeamNode {
    return TEAM_TYPES.has(node.type);
}

export function teamChildren(node: TeamNode): (TeamNode | TeamSessionLeaf)[] {
    switch (node.type) {
        case 'team':
            return node.listing.groups.map((repo) => ({ type: 'teamRepo', repo }));
        case 'teamRepo':
            return node.repo.authors.map((author) => ({ type: 'teamAuthor', repo: node.repo, author }));
        case 'teamAuthor':
            return node.author.sessions.map((info) => ({ type: 'session', group: `team:${node.repo.remote}:${node.author.author}`, info }));
    }
}

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

/** What a section row shows: label, description, tooltip (plain text), id and icon name. */
export interface TeamRow {
    id: string;
    label: string;
    description: string;
    tooltip: string;
    icon: string;
}

export function teamRow(node: TeamNode): TeamRow {
    switch (node.type) {
        case 'team': {
            const { listing } = node;
            const authors = new Set(listing.groups.flatMap((g) => g.authors.map((a) => a.author)));
            const count = listing.more ? `latest ${plural(listing.count, 'session')}` : plural(listing.count, 'session');
            return {
                id: 'team',
                label: 'Team',
                description: `${count} · ${plural(authors.size, 'author')}`,
                tooltip: "Sessions your teammates pushed to the team database, by repository and author.",
                icon: 'organization',
            };
        }
        case 'teamRepo':
            return {
                id: `team:${node.repo.remote}`,
                label: node.repo.label,
                description: `${plural(node.repo.sessionCount, 'session')} · ${plural(node.repo.authors.length, 'author')}`,
                tooltip: node.repo.remote || 'Sessions whose folder was in no git repository with a remote',
                icon: node.repo.remote ? 'repo' : 'folder',
            };
        case 'teamAuthor':
            return {
                id: `team:${node.repo.remote}:${node.author.author}`,
                label: node.author.author,
                description: plural(node.author.sessions.length, 'session'),
                tooltip: `${node.author.author} in ${node.repo.remote || NO_REPOSITORY}`,
                icon: 'person',
            };
    }
}
