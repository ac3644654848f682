/**
 * One webview panel per session. The host side of the typed IPC (shared/ipc.ts): it validates
 * every message from the webview, forwards the allowed requests for *its own* session to the
 * server (cancellable: a `cancel` becomes `$/cancelRequest`), relays streamed batches and
 * progress, opens files and diffs. The page has a strict CSP with a fresh nonce per load, and
 * may load resources from dist/media only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { z } from 'zod';
import { toServerError, type TracerClient } from './client';
import { makeNonce, webviewHtml } from './csp';
import { diffSides, type DiffContentProvider } from './diff';
import { cwdOf, messageAsText, resumeCommand } from './sessionActions';
import type { Kind, MessagesPage, RequestMethod, SessionChange } from './protocol';
import { checkParams, parseWebviewMessage, type HostToWebview, type SessionView, type WebviewToHost } from './shared/ipc';
import { tabTitle } from './names';
import type { OpenSessionArgs } from './sessionsTree';

export const VIEW_TYPE = 'claudeCodeTracer.session';

type PartialMessages = Extract<HostToWebview, { type: 'partial' }>['messages'];

const PanelStateSchema = z.object({
    sessionId: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/),
    project: z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/),
    title: z.string().max(500).optional(),
});

/** A message (and tool call) to show: what a code lens or hover's Open trace names, or a search hit. */
export interface RevealTarget {
    uuid: string;
    toolUseId?: string;
    /** The search that found it: its terms are highlighted in the session. */
    highlight?: string;
    /** The hit's kind and, in a subagent's transcript, the subagent (how the webview reaches it). */
    kind?: Kind;
    agentId?: string;
}

export interface PanelDeps {
    extensionUri: vscode.Uri;
    client: TracerClient;
    diffs: DiffContentProvider;
    log: vscode.LogOutputChannel;
    pageSize: () => number;
    /** The view sessions open in (the `sessionView` setting), and the user's new choice. */
    sessionView?: () => SessionView;
    setSessionView?: (view: SessionView) => void;
    /** The session's title as the sessions tree shows it, whatever opened the panel. */
    titleOf?: (args: OpenSessionArgs) => Promise<string | undefined>;
}

function revealMessage(target: RevealTarget): HostToWebview {
    const msg: Extract<HostToWebview, { type: 'reveal' }> = { type: 'reveal', uuid: target.uuid };
    if (target.toolUseId) msg.toolUseId = target.toolUseId;
    if (target.highlight) msg.highlight = target.highlight;
    if (target.kind) msg.kind = target.kind;
    if (target.agentId) msg.agentId = target.agentId;
    return msg;
}

export class SessionPanels implements vscode.Disposable {
    private readonly panels = new Map<string, SessionPanel>();
    private readonly disposables: vscode.Disposable[] = [];

    constructor(private readonly deps: PanelDeps) {
        this.disposables.push(
            deps.client.onDidChangeSessions((changes) => this.onChanges(changes)),
            vscode.window.registerWebviewPanelSerializer(VIEW_TYPE, {
                deserializeWebviewPanel: async (panel, state) => {
                    const parsed = PanelStateSchema.safeParse(state);
                    if (!parsed.success) {
                        panel.dispose();
                        return;
                    }
                    const args: OpenSessionArgs = {
                        sessionId: parsed.data.sessionId,
                        project: parsed.data.project,
                        title: parsed.data.title ?? parsed.data.sessionId,
                    };
                    this.adopt(panel, args);
                },
            }),
        );
    }

    static key(args: Pick<OpenSessionArgs, 'sessionId' | 'project'>): string {
        return `${args.project}/${args.sessionId}`;
    }

    /** Open (or bring forward) a session's panel; with `target`, show that message and tool call. */
    open(args: OpenSessionArgs, target?: RevealTarget): void {
        const existing = this.panels.get(SessionPanels.key(args));
        if (existing) {
            existing.panel.reveal();
            if (target) existing.reveal(target);
            return;
        }
        const panel = vscode.window.createWebviewPanel(
            VIEW_TYPE,
            args.title,
            { viewColumn: vscode.ViewColumn.Active, preserveFocus: false },
            SessionPanel.options(this.deps.extensionUri),
        );
        this.adopt(panel, args).reveal(target);
    }

    private adopt(panel: vscode.WebviewPanel, args: OpenSessionArgs): SessionPanel {
        const p = new SessionPanel(panel, args, this.deps);
        const key = SessionPanels.key(args);
        this.panels.set(key, p);
        panel.onDidDispose(() => {
            if (this.panels.get(key) === p) this.panels.delete(key);
        });
        return p;
    }

    private onChanges(changes: SessionChange[]): void {
        for (const change of changes) {
            this.panels.get(SessionPanels.key(change))?.post({ type: 'sessionChanged', kind: change.kind });
        }
    }

    /** The view setting changed: every open session switches. */
    viewChanged(view: SessionView): void {
        for (const p of this.panels.values()) p.post({ type: 'view', view });
    }

    /** The prices setting changed (the server has them): every open session asks its cost again. */
    pricesChanged(): void {
        for (const p of this.panels.values()) p.post({ type: 'pricesChanged' });
    }

    dispose(): void {
        for (const p of this.panels.values()) p.panel.dispose();
        for (const d of this.disposables) d.dispose();
    }
}

export class SessionPanel {
    private readonly inFlight = new Map<number, vscode.CancellationTokenSource>();
    private readonly disposables: vscode.Disposable[] = [];
    private readonly media: vscode.Uri;
    /** The webview said `ready` and has not been torn down since (hidden panels lose their page). */
    private live = false;
    private pendingReveal: RevealTarget | undefined;

    static options(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
        return {
            enableScripts: true,
            enableCommandUris: false,
            enableFindWidget: false,
            retainContextWhenHidden: false,
            localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'media')],
        };
    }

    private readonly args: OpenSessionArgs;

    constructor(
        readonly panel: vscode.WebviewPanel,
        args: OpenSessionArgs,
        private readonly deps: PanelDeps,
    ) {
        this.args = { ...args };
        this.media = vscode.Uri.joinPath(deps.extensionUri, 'dist', 'media');
        panel.webview.options = SessionPanel.options(deps.extensionUri);
        // The tab holds ~40 characters; the header shows the whole title.
        panel.title = tabTitle(args.title);
        void this.resolveTitle();
        panel.webview.html = this.html();
        this.disposables.push(
            panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
            panel.onDidDispose(() => this.dispose()),
            panel.onDidChangeViewState(() => {
                if (!panel.visible) this.live = false; // retainContextWhenHidden is off: it reloads when shown
            }),
        );
    }

    /** One title wherever the panel was opened from (tree, search, Open by Id, a code lens). */
    private async resolveTitle(): Promise<void> {
        const title = await this.deps.titleOf?.(this.args).catch(() => undefined);
        if (!title || title === this.args.title) return;
        this.args.title = title;
        this.panel.title = tabTitle(title);
        this.post({ type: 'title', title });
    }

    /** Show a message: now if the page is up, else right after its next `ready`. */
    reveal(target: RevealTarget | undefined): void {
        if (!target) return;
        if (this.live && this.panel.visible) {
            this.pendingReveal = undefined;
            this.post(revealMessage(target));
        } else {
            this.pendingReveal = target;
        }
    }

    private html(): string {
        const webview = this.panel.webview;
        const uri = (name: string): string => webview.asWebviewUri(vscode.Uri.joinPath(this.media, name)).toString();
        return webviewHtml({
            cspSource: webview.cspSource,
            nonce: makeNonce(),
            title: this.args.title,
            styles: [uri('codicon.css'), uri('uplot.css'), uri('webview.css')],
            script: uri('webview.js'),
            root: { id: 'app', data: { session: this.args.sessionId } },
        });
    }

    post(message: HostToWebview): void {
        void this.panel.webview.postMessage(message);
    }

    private receive(raw: unknown): void {
        const msg = parseWebviewMessage(raw);
        if (!msg) {
            this.deps.log.warn('dropped a malformed message from a session webview');
            return;
        }
        switch (msg.type) {
            case 'ready':
                this.post({
                    type: 'init',
                    sessionId: this.args.sessionId,
                    project: this.args.project,
                    title: this.args.title,
                    pageSize: this.deps.pageSize(),
                    view: this.deps.sessionView?.() ?? 'conversation',
                });
                this.live = true;
                if (this.pendingReveal) {
                    this.post(revealMessage(this.pendingReveal));
                    this.pendingReveal = undefined;
                }
                return;
            case 'request':
                void this.forward(msg);
                return;
            case 'cancel':
                this.inFlight.get(msg.id)?.cancel();
                return;
            case 'openFile':
                void this.openFile(msg.path, msg.line);
                return;
            case 'showDiff':
                void this.showDiff(msg.uuid, msg.toolUseId);
                return;
            case 'copyMessage':
                void this.copyMessage(msg.uuid);
                return;
            case 'copySessionId':
                void vscode.env.clipboard.writeText(this.args.sessionId).then(() => this.post({ type: 'notice', message: 'Session id copied.' }));
                return;
            case 'resume':
                void this.resume();
                return;
            case 'setView':
                this.deps.setSessionView?.(msg.view);
                return;
            case 'export':
                // The command asks for the format and the file; the session is this panel's own.
                void vscode.commands.executeCommand('claudeCodeTracer.exportSession', {
                    sessionId: this.args.sessionId,
                    project: this.args.project,
                });
                return;
        }
    }

    private async forward(msg: Extract<WebviewToHost, { type: 'request' }>): Promise<void> {
        const { id, method } = msg;
        if (this.inFlight.has(id)) {
            this.post({ type: 'error', id, message: `request id ${id} is already in use` });
            return;
        }
        const checked = checkParams(method, msg.params);
        if (!checked.ok) {
            this.post({ type: 'error', id, message: checked.message });
            return;
        }
        // The webview only ever reads its own session: the host fills in which one.
        const params = { ...checked.params, sessionId: this.args.sessionId, project: this.args.project };
        const cts = new vscode.CancellationTokenSource();
        this.inFlight.set(id, cts);
        try {
            let result: unknown;
            if (method === 'messages/stream') {
                result = await this.deps.client.stream(
                    params,
                    (value) => {
                        if (!cts.token.isCancellationRequested && Array.isArray(value?.messages)) {
                            this.post({ type: 'partial', id, messages: value.messages as unknown as PartialMessages });
                        }
                    },
                    (value) => {
                        if (cts.token.isCancellationRequested) return;
                        const out: HostToWebview = { type: 'progress', id, phase: value.kind };
                        if ('percentage' in value && typeof value.percentage === 'number') out.percentage = value.percentage;
                        if ('message' in value && typeof value.message === 'string') out.message = value.message;
                        this.post(out);
                    },
                    cts.token,
                );
            } else {
                result = await this.deps.client.request(method as Exclude<RequestMethod, 'sessions/list'>, params as never, cts.token);
            }
            if (cts.token.isCancellationRequested) {
                this.post({ type: 'error', id, message: 'cancelled', code: -32800 });
            } else {
                this.post({ type: 'response', id, result: result as MessagesPage });
            }
        } catch (err) {
            const e = toServerError(err);
            if (cts.token.isCancellationRequested) {
                this.post({ type: 'error', id, message: 'cancelled', code: -32800 });
            } else {
                this.deps.log.warn(`${method} failed: ${e.message}`);
                const out: HostToWebview = { type: 'error', id, message: e.message };
                if (e.code !== undefined) out.code = e.code;
                this.post(out);
            }
        } finally {
            this.inFlight.delete(id);
            cts.dispose();
        }
    }

    /** Resolve a path from a transcript: absolute, or relative to the session's folder or a workspace folder. */
    private resolvePath(p: string): vscode.Uri | undefined {
        const tries: string[] = [];
        if (path.isAbsolute(p)) tries.push(p);
        for (const folder of vscode.workspace.workspaceFolders ?? []) {
            if (folder.uri.scheme === 'file') tries.push(path.resolve(folder.uri.fsPath, p));
        }
        for (const t of tries) {
            if (fs.existsSync(t)) return vscode.Uri.file(t);
        }
        return undefined;
    }

    private async openFile(p: string, line?: number): Promise<void> {
        const uri = this.resolvePath(p);
        if (!uri) {
            this.post({ type: 'notice', message: `File not found on this machine: ${p}` });
            return;
        }
        try {
            const stat = await vscode.workspace.fs.stat(uri);
            if (stat.type & vscode.FileType.Directory) {
                await vscode.commands.executeCommand('revealInExplorer', uri);
                return;
            }
            const options: vscode.TextDocumentShowOptions = { preview: true, viewColumn: vscode.ViewColumn.Beside };
            if (line && line > 0) {
                const pos = new vscode.Position(line - 1, 0);
                options.selection = new vscode.Range(pos, pos);
            }
            await vscode.window.showTextDocument(uri, options);
        } catch (err) {
            this.post({ type: 'notice', message: `Could not open ${p}: ${toServerError(err).message}` });
        }
    }

    private async showDiff(uuid: string, toolUseId: string): Promise<void> {
        try {
            const detail = await this.deps.client.request('messages/get', {
                sessionId: this.args.sessionId,
                project: this.args.project,
                uuid,
            });
            const sides = diffSides(detail, toolUseId);
            if (!sides) {
                this.post({ type: 'notice', message: 'This tool call has no diff to show.' });
                return;
            }
            const when = detail.timestamp ? detail.timestamp.replace('T', ' ').slice(0, 19) : '';
            await this.deps.diffs.show(sides, when);
        } catch (err) {
            this.post({ type: 'notice', message: `Could not show the diff: ${toServerError(err).message}` });
        }
    }

    private async copyMessage(uuid: string): Promise<void> {
        try {
            const detail = await this.deps.client.request('messages/get', { sessionId: this.args.sessionId, project: this.args.project, uuid });
            await vscode.env.clipboard.writeText(messageAsText(detail));
            this.post({ type: 'notice', message: 'Message copied.' });
        } catch (err) {
            this.post({ type: 'notice', message: `Could not copy the message: ${toServerError(err).message}` });
        }
    }

    /** The session's folder: the `cwd` of its first lines, when that folder exists here. */
    private async sessionCwd(): Promise<string | undefined> {
        const ref = { sessionId: this.args.sessionId, project: this.args.project };
        const page = await this.deps.client.request('messages/page', { ...ref, limit: 5 });
        const details = await Promise.all(page.messages.map((m) => this.deps.client.request('messages/get', { ...ref, uuid: m.uuid })));
        const cwd = cwdOf(details, path.isAbsolute);
        try {
            return cwd && fs.statSync(cwd).isDirectory() ? cwd : undefined;
        } catch {
            return undefined;
        }
    }

    /** Resume in terminal: `claude --resume <id>` (a validated id only) in a terminal opened in the session's folder. */
    private async resume(): Promise<void> {
        const command = resumeCommand(this.args.sessionId);
        if (!command) {
            this.post({ type: 'notice', message: 'This session id cannot be passed to claude --resume.' });
            return;
        }
        let cwd: string | undefined;
        try {
            cwd = await this.sessionCwd();
        } catch (err) {
            this.deps.log.warn(`resume: could not read the session's folder: ${toServerError(err).message}`);
        }
        // The title is transcript text: no control characters in the terminal's name.
        // eslint-disable-next-line no-control-regex
        const name = `Claude: ${this.args.title.replace(/[\x00-\x1f\x7f-\x9f]/g, ' ')}`.slice(0, 80);
        const options: vscode.TerminalOptions = { name, iconPath: new vscode.ThemeIcon('history') };
        if (cwd) options.cwd = cwd;
        const terminal = vscode.window.createTerminal(options);
        terminal.show();
        terminal.sendText(command, true);
        if (!cwd) this.post({ type: 'notice', message: "The session's folder is not on this machine: the terminal opened in the default folder." });
    }

    private dispose(): void {
        for (const cts of this.inFlight.values()) cts.cancel();
        this.inFlight.clear();
        for (const d of this.disposables) d.dispose();
    }
}
