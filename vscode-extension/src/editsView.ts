/**
 * "Claude edits of this file": a tree view in the Claude Code Traces container that follows the
 * active editor and lists the sessions' writes to its file (Edit, MultiEdit, Write,
 * NotebookEdit), newest first, from `files/history` (paged by cursor: a "Load more" row).
 * Each item opens a diff of that edit; its inline action opens the trace at the tool call.
 *
 * This stands in for VS Code's Timeline view: `registerTimelineProvider` is still a proposed API
 * (`enabledApiProposals: ["timeline"]`), which stable VS Code and code-server refuse to
 * extensions that are not on the product's allow list.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { toServerError, type TracerClient } from './client';
import { diffSides, type DiffContentProvider } from './diff';
import { collectWrites, editItems, type EditItem } from './edits';
import type { FileTouch } from './protocol';

export const EDITS_VIEW = 'claudeCodeTracer.edits';
const WANT = 25;
const HISTORY_PAGE = 100;

type Node = EditItem | { more: true } | { notice: string };

export class EditsProvider implements vscode.TreeDataProvider<Node>, vscode.Disposable {
    private readonly emitter = new vscode.EventEmitter<Node | undefined>();
    readonly onDidChangeTreeData = this.emitter.event;
    private readonly disposables: vscode.Disposable[] = [];
    private file: vscode.Uri | undefined;
    private touches: FileTouch[] = [];
    private nextCursor: string | null = null;
    private hasMore = false;
    private loaded = false;
    private loading: Promise<void> | undefined;
    private error: string | undefined;
    private seq = 0;
    view: vscode.TreeView<Node> | undefined;

    constructor(
        private readonly client: TracerClient,
        private readonly diffs: DiffContentProvider,
    ) {
        this.disposables.push(
            this.emitter,
            vscode.window.onDidChangeActiveTextEditor(() => this.follow()),
            client.onDidChangeSessions(() => this.reload()),
            client.onDidChangeState((s) => {
                if (s === 'running') this.reload();
            }),
        );
        this.follow();
    }

    /** The active editor's file (file: scheme only); other editors keep the last file shown. */
    private follow(): void {
        const uri = vscode.window.activeTextEditor?.document.uri;
        if (!uri || uri.scheme !== 'file') {
            if (!this.file) this.updateChrome();
            return;
        }
        if (this.file?.toString() === uri.toString()) return;
        this.file = uri;
        this.reload();
    }

    reload(): void {
        this.seq++;
        this.touches = [];
        this.nextCursor = null;
        this.hasMore = false;
        this.loaded = false;
        this.error = undefined;
        this.loading = undefined;
        this.updateChrome();
        this.emitter.fire(undefined);
    }

    private updateChrome(): void {
        if (!this.view) return;
        this.view.description = this.file ? path.basename(this.file.fsPath) : '';
        if (!this.file) this.view.message = 'Open a file to see the edits Claude Code sessions made to it.';
        else if (this.error) this.view.message = this.error;
        else if (this.loaded && !this.touches.length && !this.hasMore) this.view.message = `No Claude Code session edited ${path.basename(this.file.fsPath)}.`;
        else this.view.message = undefined;
    }

    /** Fetch the next writes (the first ones, or after the cursor). */
    private load(): Promise<void> {
        if (this.loading) return this.loading;
        const file = this.file;
        if (!file) return Promise.resolve();
        const seq = this.seq;
        this.loading = (async () => {
            try {
                await this.client.whenReady();
                const got = await collectWrites(
                    async (cursor) => {
                        const params: { path: string; limit: number; cursor?: string } = { path: file.fsPath, limit: HISTORY_PAGE };
                        if (cursor) params.cursor = cursor;
                        return this.client.request('files/history', params);
                    },
                    this.loaded ? this.nextCursor : null,
                    WANT,
                );
                if (seq !== this.seq) return;
                this.touches.push(...got.touches);
                this.nextCursor = got.nextCursor;
                this.hasMore = got.hasMore;
            } catch (err) {
                if (seq !== this.seq) return;
                this.error = `Could not read this file's history: ${toServerError(err).message}`;
                this.hasMore = false;
            } finally {
                if (seq === this.seq) {
                    this.loaded = true;
                    this.loading = undefined;
                    this.updateChrome();
                }
            }
        })();
        return this.loading;
    }

    async loadMore(): Promise<void> {
        if (!this.hasMore) return;
        await this.load();
        this.emitter.fire(undefined);
    }

    async getChildren(element?: Node): Promise<Node[]> {
        if (element) return [];
        if (!this.file) return [];
        if (!this.loaded) await this.load();
        const out: Node[] = editItems(this.touches);
        if (this.hasMore) out.push({ more: true });
        return out;
    }

    getTreeItem(node: Node): vscode.TreeItem {
        if ('notice' in node) return new vscode.TreeItem(node.notice);
        if ('more' in node) {
            const item = new vscode.TreeItem('Load more…');
            item.iconPath = new vscode.ThemeIcon('ellipsis');
            item.command = { command: 'claudeCodeTracer.loadMoreEdits', title: 'Load more' };
            return item;
        }
        const item = new vscode.TreeItem(node.label);
        item.id = node.id;
        item.description = node.description;
        item.tooltip = node.tooltip;
        item.iconPath = new vscode.ThemeIcon(node.touch.tool === 'Write' ? 'new-file' : 'diff');
        item.contextValue = 'edit';
        item.command = { command: 'claudeCodeTracer.showEditDiff', title: 'Show diff', arguments: [node] };
        return item;
    }

    /** The diff of one edit: the tool call from `messages/get`, both sides from diffSides. */
    async showDiff(node: unknown): Promise<void> {
        const touch = node && typeof node === 'object' && 'touch' in node ? (node as EditItem).touch : undefined;
        if (!touch) return;
        try {
            const detail = await this.client.request('messages/get', { sessionId: touch.sessionId, project: touch.project, uuid: touch.uuid });
            const sides = diffSides(detail, touch.toolUseId);
            if (!sides) {
                void vscode.window.showInformationMessage(`This ${touch.tool} call has no diff to show.`);
                return;
            }
            const when = detail.timestamp ? detail.timestamp.replace('T', ' ').slice(0, 19) : '';
            await this.diffs.show(sides, when);
        } catch (err) {
            void vscode.window.showErrorMessage(`Could not show the diff: ${toServerError(err).message}`);
        }
    }

    dispose(): void {
        for (const d of this.disposables) d.dispose();
    }
}
