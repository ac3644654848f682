/**
 * The "Sessions" tree in the Claude Code Traces view: the open workspace's sessions first
 * (`sessions/list` with `workspace`), then every project. Refreshes on `sessions/didChange`.
 *
 * A session's cost is in its tooltip, asked for (`session/cost`) when the item is hovered: the
 * session list has each session's tokens but not per model and cache lifetime, so a cost needs
 * the session read, which is too much work for every row of the list.
 */
import * as vscode from 'vscode';
import type { TracerClient } from './client';
import { totalTokens, type SessionCost, type SessionInfo, type SessionsPage } from './protocol';
import { costLine } from './webview/render/cost';
import { displayTitle, distinctLabels, sessionTitle } from './names';
import { isTeamNode, TeamSection, type TeamNode } from './teamTree';

export { sessionTitle } from './names';

/** How long a hover waits for a session's cost before it shows the tooltip without one. */
const COST_WAIT_MS = 3000;

export interface OpenSessionArgs {
    sessionId: string;
    project: string;
    title: string;
}

const WORKSPACE_LIMIT = 200;
const ALL_LIMIT = 1000;
const ALL_PAGES = 5;

type Node =
    | { type: 'workspace'; folder: vscode.WorkspaceFolder }
    | { type: 'all' }
    | { type: 'project'; project: string; label: string; cwd: string | undefined; sessions: SessionInfo[] }
    | { type: 'session'; group: string; info: SessionInfo }
    | { type: 'message'; id: string; label: string; icon: string; command?: vscode.Command; tooltip?: string }
    | TeamNode;

export function relativeTime(iso: string | null | undefined, now = Date.now()): string {
    if (!iso) return '';
    const t = Date.parse(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
    if (Number.isNaN(t)) return '';
    const s = Math.round((now - t) / 1000);
    if (s < 45) return 'just now';
    const units: [number, string][] = [
        [60, 'min'],
        [3600, 'h'],
        [86400, 'd'],
        [86400 * 30, 'mo'],
        [86400 * 365, 'y'],
    ];
    let label = `${Math.max(1, Math.round(s / 60))} min`;
    for (const [size, unit] of units) {
        if (s >= size) label = `${Math.round(s / size)}${unit === 'min' ? ' min' : unit}`;
    }
    return `${label} ago`;
}

export function compactNumber(n: number): string {
    if (n < 1000) return String(n);
    if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}K`;
    if (n < 1_000_000_000) return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0)}M`;
    return `${(n / 1_000_000_000).toFixed(1)}B`;
}

export function sessionDescription(info: SessionInfo, now = Date.now()): string {
    const parts = [relativeTime(info.lastTimestamp, now), `${compactNumber(info.messageCount)} msgs`];
    const tokens = totalTokens(info.tokens);
    if (tokens) parts.push(`${compactNumber(tokens)} tok`);
    // The warning colour of the icon says there were failures; this says how many.
    if (info.errorCount) parts.push(`${compactNumber(info.errorCount)} error${info.errorCount === 1 ? '' : 's'}`);
    // Claude Code deleted its files; the tracer reads it from its archive.
    if (info.archived) parts.push(info.complete === false ? 'archived copy damaged' : 'archived');
    else if (info.deleted) parts.push('deleted');
    if (info.orphan) parts.push('subagent, session gone');
    return parts.filter(Boolean).join(' · ');
}

export class SessionsTreeProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
    private readonly emitter = new vscode.EventEmitter<Node | undefined>();
    readonly onDidChangeTreeData = this.emitter.event;
    private readonly disposables: vscode.Disposable[] = [this.emitter];
    private refreshTimer: ReturnType<typeof setTimeout> | undefined;
    private allCache: Promise<Node[]> | undefined;
    private readonly team: TeamSection;

    constructor(private readonly client: TracerClient) {
        this.team = new TeamSection(client, () => this.emitter.fire(undefined));
        this.disposables.push(
            client.onDidChangeSessions(() => this.refreshSoon()),
            client.onDidChangeState(() => this.refresh()),
            vscode.workspace.onDidChangeWorkspaceFolders(() => this.refresh()),
        );
    }

    refresh(): void {
        this.allCache = undefined;
        this.team.invalidate();
        this.emitter.fire(undefined);
    }

    /** Many appends arrive while a session is live: refresh at most twice a second. */
    refreshSoon(): void {
        if (this.refreshTimer) return;
        this.refreshTimer = setTimeout(() => {
            this.refreshTimer = undefined;
            this.refresh();
        }, 500);
    }

    getTreeItem(node: Node): vscode.TreeItem {
        if (isTeamNode(node)) return this.team.treeItem(node);
        switch (node.type) {
            case 'workspace': {
                const item = new vscode.TreeItem(`This workspace: ${node.folder.name}`, vscode.TreeItemCollapsibleState.Expanded);
                item.id = `ws:${node.folder.uri.toString()}`;
                item.iconPath = new vscode.ThemeIcon('root-folder');
                item.contextValue = 'group';
                return item;
            }
            case 'all': {
                const folders = vscode.workspace.workspaceFolders?.length ?? 0;
                const item = new vscode.TreeItem(
                    'All projects',
                    folders ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.Expanded,
                );
                item.id = 'all';
                item.iconPath = new vscode.ThemeIcon('folder-library');
                item.contextValue = 'group';
                return item;
            }
            case 'project': {
                const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Collapsed);
                item.id = `project:${node.project}`;
                item.description = `${node.sessions.length} session${node.sessions.length === 1 ? '' : 's'}`;
                // The full folder (the label is only the part that tells it apart from the others).
                item.tooltip = node.cwd ? `${node.cwd}\n\n${node.project}` : node.project;
                item.iconPath = new vscode.ThemeIcon('folder');
                item.contextValue = 'project';
                return item;
            }
            case 'session': {
                const info = node.info;
                const item = new vscode.TreeItem(sessionTitle(info), vscode.TreeItemCollapsibleState.None);
                item.id = `${node.group}/${info.project}/${info.sessionId}`;
                item.description = sessionDescription(info);
                // left undefined: resolveTreeItem fills it in on hover, with the cost
                item.iconPath = new vscode.ThemeIcon(
                    'comment-discussion',
                    info.errorCount ? new vscode.ThemeColor('list.warningForeground') : undefined,
                );
                item.contextValue = 'session';
                // An archived session says so in its panel's title and header: its files are gone.
                const title = displayTitle(info);
                const args: OpenSessionArgs = { sessionId: info.sessionId, project: info.project, title };
                item.command = { command: 'claudeCodeTracer.openSession', title: 'Open Session', arguments: [args] };
                item.accessibilityInformation = { label: `${sessionTitle(info)}, ${sessionDescription(info)}` };
                return item;
            }
            case 'message': {
                const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
                item.id = node.id;
                item.iconPath = new vscode.ThemeIcon(node.icon);
                if (node.command) item.command = node.command;
                if (node.tooltip) item.tooltip = node.tooltip;
                return item;
            }
        }
    }

    async resolveTreeItem(item: vscode.TreeItem, node: Node, token: vscode.CancellationToken): Promise<vscode.TreeItem> {
        if (node.type !== 'session') return item;
        const cts = new vscode.CancellationTokenSource();
        const stop = token.onCancellationRequested(() => cts.cancel());
        let timer: ReturnType<typeof setTimeout> | undefined;
        const late = new Promise<undefined>((resolve) => {
            timer = setTimeout(() => {
                cts.cancel();
                resolve(undefined);
            }, COST_WAIT_MS);
        });
        const asked = this.client
            .request('session/cost', { sessionId: node.info.sessionId, project: node.info.project }, cts.token)
            .catch(() => undefined);
        try {
            item.tooltip = this.tooltip(node.info, await Promise.race([asked, late]));
        } finally {
            clearTimeout(timer);
            stop.dispose();
            cts.dispose();
        }
        return item;
    }

    private tooltip(info: SessionInfo, cost?: SessionCost): vscode.MarkdownString {
        // Transcript text is untrusted: appendText escapes it; no command links, no HTML.
        const md = new vscode.MarkdownString(undefined, false);
        md.isTrusted = false;
        md.supportHtml = false;
        md.appendText(sessionTitle(info));
        md.appendMarkdown('\n\n');
        const rows: [string, string][] = [
            ['Session', info.sessionId],
            ['Folder', info.cwd ?? info.project],
            ['Branch', info.gitBranch ?? ''],
            ['Last activity', info.lastTimestamp ? new Date(info.lastTimestamp.endsWith('Z') ? info.lastTimestamp : `${info.lastTimestamp}Z`).toLocaleString() : ''],
            ['Messages', String(info.messageCount) + (info.complete === false ? ' (what can still be read)' : '')],
            ['Archive', info.complete === false ? info.warning ?? 'the archived copy is damaged' : ''],
            ['Tool calls', `${info.toolCallCount}${info.errorCount ? ` (${info.errorCount} errors)` : ''}`],
            ['Tokens', compactNumber(totalTokens(info.tokens))],
            ['Subagents', String(info.subagentCount)],
            ['Models', info.models.join(', ')],
            ['Cost', costLine(cost)],
        ];
        for (const [k, v] of rows) {
            if (!v) continue;
            md.appendMarkdown(`**${k}:** `);
            md.appendText(v);
            md.appendMarkdown('  \n');
        }
        return md;
    }

    async getChildren(node?: Node): Promise<Node[]> {
        if (!node) return this.roots();
        if (isTeamNode(node)) return this.team.children(node);
        try {
            switch (node.type) {
                case 'workspace':
                    return await this.workspaceSessions(node.folder);
                case 'all':
                    return await this.projects();
                case 'project':
                    return node.sessions.map((info) => ({ type: 'session', group: 'all', info }));
                default:
                    return [];
            }
        } catch (err) {
            return [this.errorNode(`err:${node.type}`, err)];
        }
    }

    private async roots(): Promise<Node[]> {
        try {
            await this.client.whenReady();
        } catch (err) {
            return [
                this.errorNode('err:server', err),
                {
                    type: 'message',
                    id: 'install',
                    label: 'Set up the server…',
                    icon: 'tools',
                    command: { command: 'claudeCodeTracer.restartServer', title: 'Set up the server' },
                },
            ];
        }
        const folders = vscode.workspace.workspaceFolders ?? [];
        const team = this.team.root(); // only with the server's `team` option; never waited for
        return [...folders.map((folder): Node => ({ type: 'workspace', folder })), { type: 'all' }, ...(team ? [team] : [])];
    }

    private errorNode(id: string, err: unknown): Node {
        const message = err instanceof Error ? err.message : String(err);
        return {
            type: 'message',
            id,
            label: message,
            icon: 'error',
            tooltip: `${message}\n\nClick to show the server log.`,
            command: { command: 'claudeCodeTracer.showLog', title: 'Show Log' },
        };
    }

    private async workspaceSessions(folder: vscode.WorkspaceFolder): Promise<Node[]> {
        const page = await this.client.request('sessions/list', { workspace: folder.uri.fsPath, limit: WORKSPACE_LIMIT });
        const nodes: Node[] = page.sessions.map((info) => ({ type: 'session', group: `ws:${folder.index}`, info }));
        if (!nodes.length) {
            nodes.push({ type: 'message', id: `none:${folder.index}`, label: 'No sessions were recorded in this folder.', icon: 'info' });
        } else if (page.hasMore) {
            nodes.push({ type: 'message', id: `more:${folder.index}`, label: `Showing the latest ${WORKSPACE_LIMIT} sessions`, icon: 'info' });
        }
        return nodes;
    }

    private projects(): Promise<Node[]> {
        this.allCache ??= this.loadProjects();
        return this.allCache;
    }

    private async loadProjects(): Promise<Node[]> {
        const sessions: SessionInfo[] = [];
        let cursor: string | null = null;
        let hasMore = false;
        for (let i = 0; i < ALL_PAGES; i++) {
            const page: SessionsPage = await this.client.request('sessions/list', { limit: ALL_LIMIT, cursor });
            sessions.push(...page.sessions);
            hasMore = page.hasMore;
            cursor = page.nextCursor;
            if (!hasMore || !cursor) break;
        }
        const byProject = new Map<string, SessionInfo[]>();
        for (const s of sessions) {
            const list = byProject.get(s.project) ?? [];
            list.push(s);
            byProject.set(s.project, list);
        }
        const groups = [...byProject.entries()].map(([project, list]) => ({ project, list, cwd: list.find((s) => s.cwd)?.cwd ?? undefined }));
        // Projects with the same folder name are told apart by as much of their path as it takes.
        const labels = distinctLabels(groups.map((g) => g.cwd ?? g.project));
        const nodes: Node[] = groups.map(({ project, list, cwd }, i) => ({ type: 'project', project, label: labels[i]!, cwd, sessions: list }));
        // Sessions come newest first, so projects are in order of their latest session already.
        if (!nodes.length) nodes.push({ type: 'message', id: 'none:all', label: 'No Claude Code sessions found.', icon: 'info' });
        if (hasMore) {
            nodes.push({ type: 'message', id: 'more:all', label: `Showing the latest ${sessions.length} sessions`, icon: 'info' });
        }
        return nodes;
    }

    dispose(): void {
        if (this.refreshTimer) clearTimeout(this.refreshTimer);
        for (const d of this.disposables) d.dispose();
    }
}
