/**
 * The "Team" section of the Sessions tree (the server's `team` option): shown only when the
 * server has teammates' sessions, grouped by repository and author (`teamGroups.ts` does the
 * grouping; this file only makes the tree items). A session row is the Sessions tree's own, so
 * it opens, hovers and costs like a local one.
 */
import * as vscode from 'vscode';
import type { TracerClient } from './client';
import { isTeamNode, loadTeam, teamChildren, teamRow, type TeamListing, type TeamNode, type TeamSessionLeaf } from './teamGroups';

export { isTeamNode, type TeamNode } from './teamGroups';

export class TeamSection {
    private listing: Promise<TeamListing> | undefined;

    constructor(private readonly client: Pick<TracerClient, 'request'>) {}

    /** Forget the listing: the next expansion asks the server again. */
    invalidate(): void {
        this.listing = undefined;
    }

    /** The section's root node, or nothing when the team has no session here (no option set). */
    async root(): Promise<TeamNode | undefined> {
        this.listing ??= loadTeam((params) => this.client.request('sessions/list', params));
        let listing: TeamListing;
        try {
            listing = await this.listing;
        } catch {
            this.listing = undefined;
            return undefined; // the local sections say what is wrong with the server
        }
        return listing.count ? { type: 'team', listing } : undefined;
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
