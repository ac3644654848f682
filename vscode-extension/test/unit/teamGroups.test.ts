import { describe, expect, it } from 'vitest';
import type { SessionInfo, SessionsListParams, SessionsPage } from '../../src/protocol';
import { isTeamNode, loadTeam, NO_REPOSITORY, repoLabel, teamChildren, teamGroups, TeamListingCache, teamRow, type TeamListing, type TeamNode } from '../../src/teamGroups';

function session(id: string, author: string | null, remote: string | null, last: string): SessionInfo {
    return {
        sessionId: id,
        project: `-p-${id}`,
        path: `/cache/team/${author}/${id}.jsonl`,
        title: `session ${id}`,
        firstPrompt: null,
        cwd: null,
        gitBranch: null,
        firstTimestamp: last,
        lastTimestamp: last,
        messageCount: 3,
        toolCallCount: 0,
        errorCount: 0,
        tokens: { input: 0, output: 0, cacheRead: 0, cacheCreation: 0 },
        models: [],
        subagentCount: 0,
        deleted: false,
        archived: false,
        author,
        remote,
    } as unknown as SessionInfo;
}

// newest first, as sessions/list gives them
const SESSIONS = [
    session('s5', 'bob@b', 'github.com/org/app', '2026-06-05T10:00:00'),
    session('s4', 'alice@a', 'github.com/org/lib', '2026-06-04T10:00:00'),
    session('s3', 'alice@a', 'github.com/org/app', '2026-06-03T10:00:00'),
    session('s2', 'carol@c', null, '2026-06-02T10:00:00'),
    session('s1', 'bob@b', 'github.com/org/app', '2026-06-01T10:00:00'),
];

describe('the Team section', () => {
    it('groups the team by repository, then author, newest first, outside a repository last', () => {
        const groups = teamGroups(SESSIONS);
        expect(groups.map((g) => [g.label, g.authors.map((a) => [a.author, a.sessions.map((s) => s.sessionId)])])).toEqual([
            ['org/app', [['bob@b', ['s5', 's1']], ['alice@a', ['s3']]]],
            ['org/lib', [['alice@a', ['s4']]]],
            [NO_REPOSITORY, [['carol@c', ['s2']]]],
        ]);
        expect(groups.map((g) => g.sessionCount)).toEqual([3, 1, 1]);
        // every session once
        const all = groups.flatMap((g) => g.authors.flatMap((a) => a.sessions.map((s) => s.sessionId)));
        expect(all.sort()).toEqual(['s1', 's2', 's3', 's4', 's5']);
    });

    it('names a repository by its path, a bare host whole', () => {
        expect(repoLabel('github.com/org/app')).toBe('org/app');
        expect(repoLabel('gitlab.example.com/group/sub/repo')).toBe('group/sub/repo');
        expect(repoLabel('host')).toBe('host');
        expect(repoLabel('')).toBe(NO_REPOSITORY);
    });

    it('reads every page with team: true and says when there were more', async () => {
        const asked: SessionsListParams[] = [];
        const pages: SessionsPage[] = [
            { sessions: SESSIONS.slice(0, 2), nextCursor: 'c1', hasMore: true },
            { sessions: SESSIONS.slice(2), nextCursor: null, hasMore: false },
        ];
        const listing = await loadTeam(async (params) => {
            asked.push(params);
            return pages[asked.length - 1]!;
        }, 2);
        expect(asked).toEqual([
            { team: true, limit: 2, cursor: null },
            { team: true, limit: 2, cursor: 'c1' },
        ]);
        expect(listing.count).toBe(5);
        expect(listing.more).toBe(false);
        const cut = await loadTeam(async () => ({ sessions: SESSIONS.slice(0, 1), nextCursor: 'x', hasMore: true }), 1, 1);
        expect(cut).toMatchObject({ count: 1, more: true });
        expect(teamRow({ type: 'team', listing: cut }).description).toBe('latest 1 session · 1 author');
    });

    it('walks from the section to the sessions, each a session row of its own id', async () => {
        const listing = await loadTeam(async () => ({ sessions: SESSIONS, nextCursor: null, hasMore: false }));
        const root: TeamNode = { type: 'team', listing };
        expect(teamRow(root)).toMatchObject({ label: 'Team', description: '5 sessions · 3 authors' });
        const repos = teamChildren(root);
        expect(repos.every((n) => isTeamNode(n))).toBe(true);
        const app = repos[0] as TeamNode;
        expect(teamRow(app)).toMatchObject({ label: 'org/app', description: '3 sessions · 2 authors', icon: 'repo' });
        const authors = teamChildren(app);
        expect(authors.map((a) => teamRow(a as TeamNode).label)).toEqual(['bob@b', 'alice@a']);
        const leaves = teamChildren(authors[0] as TeamNode);
        expect(leaves.map((l) => [l.type, 'info' in l ? l.info.sessionId : ''])).toEqual([
            ['session', 's5'],
            ['session', 's1'],
        ]);
        expect(leaves.some((l) => isTeamNode(l))).toBe(false);
        // row ids are unique across the section
        const ids = repos.flatMap((r) => [teamRow(r as TeamNode).id, ...teamChildren(r as TeamNode).map((a) => teamRow(a as TeamNode).id)]);
        expect(new Set(ids).size).toBe(ids.length);
    });
});

describe('the Team listing as the tree reads it', () => {
    function listing(count: number): TeamListing {
        return { groups: teamGroups(SESSIONS.slice(0, count)), count, more: false };
    }

    it('never waits: the last listing at once, the next one announced when it lands', async () => {
        const reads: ((l: TeamListing) => void)[] = [];
        let announced = 0;
        const cache = new TeamListingCache(
            () => new Promise<TeamListing>((resolve) => reads.push(resolve)),
            () => announced++,
        );
        expect(cache.current()).toBeUndefined(); // nothing read yet: no section, no wait
        expect(reads).toHaveLength(1);
        expect(cache.current()).toBeUndefined();
        expect(reads).toHaveLength(1); // one read at a time
        reads[0]!(listing(2));
        await cache.settled();
        expect(announced).toBe(1);
        expect(cache.current()?.count).toBe(2);
        expect(reads).toHaveLength(1); // not stale: no new read
        cache.invalidate();
        expect(cache.current()?.count).toBe(2); // the last listing while the next is read
        expect(reads).toHaveLength(2);
        reads[1]!(listing(3));
        await cache.settled();
        expect(announced).toBe(2);
        expect(cache.current()?.count).toBe(3);
        cache.invalidate();
        cache.current();
        reads[2]!(listing(3)); // the same listing again: nothing to redraw
        await cache.settled();
        expect(announced).toBe(2);
        expect(cache.current()?.count).toBe(3);
    });

    it('keeps the last listing when a read fails, and reads again next time', async () => {
        let fail = false;
        let reads = 0;
        const cache = new TeamListingCache(async () => {
            reads++;
            if (fail) throw new Error('server gone');
            return listing(1);
        }, () => undefined);
        cache.current();
        await cache.settled();
        expect(cache.current()?.count).toBe(1);
        fail = true;
        cache.invalidate();
        cache.current();
        await cache.settled();
        expect(cache.current()?.count).toBe(1);
        expect(reads).toBe(3); // failed, so the draw after it read again
    });
});

