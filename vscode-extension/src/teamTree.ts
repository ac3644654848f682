/**
 * The "Team" section of the Sessions tree (the server's `team` option): shown only when the
 * server has teammates' sessions, grouped by repository and author (`teamGroups.ts` does the
 * grouping; this file only makes the tree items). A session row is the Sessions tree's own, so
 * it opens, hovers and costs like a local one.
 */
import * as vscode from 'vscode';
import type { TracerClient } from './client';
import { loadTeam, TeamListingCache, teamChildren, teamRow, type TeamNode, type TeamSessionLeaf } from './teamGroups';

export { isTeamNode, type TeamNode } from './teamGroups';

export class TeamSection {
    private readonly cache: TeamListingCache;

    /** `loaded`: a new listing landed (the tree redraws; it must not invalidate again). */
    constructor(client: Pick<TracerClient, 'request'>, loaded: () => void) {
        this.cache = new TeamListingCache(() => loadTeam((params) => client.request('sessions/list', params)), loaded);
    }

    /** The server's sessions changed: the next draw reads the team's listing again. */
    invalidate(): void {
        this.cache.invalidate();
    }

    /** The section's root node from the last listing read, or nothing when the team has no
     * session here (no option set, or not read yet): the tree's top level never waits. */
    root(): TeamNode | undefined {
        const listing = this.cache.current();
        return listing?.count ? { type: 'team', listing } : undefined;
    }

    children(node: TeamNode): (TeamNode | TeamSessionLeaf)[] {
        return teamChildren(node);
    }

    treeItem(node: TeamNode): vscode.TreeItem {
        const row = teamRow(node);
        const item = new vscode.TreeItem(row.label, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = row.id;
        item.description = row.description;
        item.tooltip = row.tooltip; // plain text: authors and remotes are untrusted
        item.iconPath = new vscode.ThemeIcon(row.icon);
        item.contextValue = node.type;
        return item;
    }
}
