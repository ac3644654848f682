/**
 * The search box in the Claude Code Traces container: a webview view whose page (src/searchView)
 * sends validated intents; this host runs `search/query` for them (the current workspace folder
 * unless the view asks for every project), streams each session's group back as it arrives,
 * cancels the previous query when a new one comes, and opens a chosen hit in its session's
 * panel at that message.
 */
import * as vscode from 'vscode';
import { toServerError, type TracerClient } from './client';
import { makeNonce, webviewHtml } from './csp';
import type { RevealTarget } from './sessionPanel';
import { parseSearchViewMessage, type SearchHostToView, type SearchViewToHost } from './shared/searchIpc';

export const SEARCH_VIEW = 'claudeCodeTracer.search';
const LIMIT = 50;

type Open = (args: { sessionId: string; project: string; title: string }, target: RevealTarget) => void;

export class SearchViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
    private view: vscode.WebviewView | undefined;
    private running: vscode.CancellationTokenSource | undefined;
    private readonly media: vscode.Uri;
    private readonly disposables: vscode.Disposable[] = [];

    constructor(
        extensionUri: vscode.Uri,
        private readonly client: TracerClient,
        private readonly open: Open,
        private readonly log: vscode.LogOutputChannel,
    ) {
        this.media = vscode.Uri.joinPath(extensionUri, 'dist', 'media');
    }

    resolveWebviewView(view: vscode.WebviewView): void {
        this.view = view;
        view.webview.options = { enableScripts: true, localResourceRoots: [this.media] };
        view.webview.html = this.html(view.webview);
        this.disposables.push(
            view.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
            view.onDidDispose(() => {
                this.cancel();
                this.view = undefined;
            }),
        );
    }

    private html(webview: vscode.Webview): string {
        const uri = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(this.media, name)).toString();
        return webviewHtml({
            cspSource: webview.cspSource,
            nonce: makeNonce(),
            title: 'Search Sessions',
            styles: [uri('codicon.css'), uri('search.css')],
            script: uri('search.js'),
            root: { id: 'search' },
        });
    }

    private post(msg: SearchHostToView): void {
        void this.view?.webview.postMessage(msg);
    }

    private workspace(): string | null {
        return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? null;
    }

    private cancel(): void {
        this.running?.cancel();
        this.running?.dispose();
        this.running = undefined;
    }

    private receive(raw: unknown): void {
        const msg = parseSearchViewMessage(raw);
        if (!msg) {
            this.log.warn('dropped a malformed message from the search view');
            return;
        }
        switch (msg.type) {
            case 'ready':
                this.post({ type: 'init', workspace: this.workspace() });
                break;
            case 'search':
                void this.search(msg);
                break;
            case 'cancel':
                this.cancel();
                break;
            case 'open': {
                const target: RevealTarget = { uuid: msg.uuid };
                if (msg.query) target.highlight = msg.query;
                if (msg.kind) target.kind = msg.kind;
                if (msg.agentId) target.agentId = msg.agentId;
                this.open({ sessionId: msg.sessionId, project: msg.project, title: msg.title }, target);
                break;
            }
        }
    }

    private async search(msg: Extract<SearchViewToHost, { type: 'search' }>): Promise<void> {
        this.cancel();
        const source = new vscode.CancellationTokenSource();
        this.running = source;
        const workspace = msg.everywhere ? null : this.workspace();
        try {
            const page = await this.client.search(
                { query: msg.query, limit: LIMIT, cursor: msg.cursor, workspace },
                (groups) => {
                    if (!source.token.isCancellationRequested) this.post({ type: 'groups', id: msg.id, groups });
                },
                source.token,
            );
            if (source.token.isCancellationRequested) return;
            // Without streaming (an older server) the groups come in the page itself.
            if (page.groups.length) this.post({ type: 'groups', id: msg.id, groups: page.groups });
            this.post({ type: 'done', id: msg.id, total: page.total, nextCursor: page.nextCursor, hasMore: page.hasMore, indexing: page.indexing });
        } catch (err) {
            if (source.token.isCancellationRequested) return;
            this.post({ type: 'error', id: msg.id, message: toServerError(err).message });
        } finally {
            if (this.running === source) this.running = undefined;
            source.dispose();
        }
    }

    dispose(): void {
        this.cancel();
        for (const d of this.disposables) d.dispose();
    }
}
