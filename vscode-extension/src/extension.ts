/**
 * Claude Code Tracer: a thin client. It finds a Python that runs the server (or installs one),
 * starts it with vscode-languageclient, and shows sessions in a tree and a webview per session.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { OPEN_TRACE_COMMAND, toServerError, TracerClient } from './client';
import { DIFF_SCHEME, DiffContentProvider } from './diff';
import { parseTraceArgs, type TraceArgs } from './edits';
import { EDITS_VIEW, EditsProvider } from './editsView';
import type { PriceOverride, ServerOptions, SessionInfo } from './protocol';
import { resumeCommand } from './sessionActions';
import { InstallError, installServer, resolvePython, versionOk, type Resolution } from './python';
import { searchSessions } from './search';
import { EXPORT_CHOICES, exportFileName, exportMessage, exportParams, exportTarget } from './sessionExport';
import { SEARCH_VIEW, SearchViewProvider } from './searchViewProvider';
import { SessionPanels } from './sessionPanel';
import { SessionsTreeProvider, type OpenSessionArgs } from './sessionsTree';
import { displayTitle } from './names';
import type { SessionView } from './shared/ipc';

const SECTION = 'claudeCodeTracer';
const RESTART_DELAY_MS = 1000;

function config(): vscode.WorkspaceConfiguration {
    return vscode.workspace.getConfiguration(SECTION);
}

export function pageSize(): number {
    const n = Math.floor(config().get<number>('pageSize', 200));
    return Math.min(500, Math.max(20, Number.isFinite(n) ? n : 200));
}

function serverOptions(context: vscode.ExtensionContext): ServerOptions {
    const root = config().get<string>('projectsRoot', '').trim();
    const ttl = config().get<number>('sessionTtlSeconds', 300);
    const archiveDir = config().get<string>('archiveDir', '').trim();
    const out: ServerOptions = {
        cacheDir: path.join(context.globalStorageUri.fsPath, 'cache'),
        sessionTtlSeconds: ttl > 0 ? ttl : 300,
        archive: config().get<boolean>('archive', true),
        // null: the archive stays in the cache folder
        archiveDir: archiveDir || null,
        // checked by the server (a bad entry is reported there and the old prices stay)
        prices: config().get<Record<string, PriceOverride>>('prices', {}),
    };
    // null resets the server to its default roots (a key left out would keep the old value).
    out.projectsRoot = root || null;
    return out;
}

class Controller implements vscode.Disposable {
    private restarting = false;
    private restartTimer: ReturnType<typeof setTimeout> | undefined;

    constructor(
        private readonly context: vscode.ExtensionContext,
        private readonly client: TracerClient,
        private readonly log: vscode.LogOutputChannel,
    ) {}

    /** Find Python (or offer to install the server), then start the language server. */
    async start(offerInstall = true): Promise<void> {
        if (this.restarting) return;
        this.restarting = true;
        // Until the server answers, the views say "Starting…" and requests wait for it.
        this.client.expectStart();
        try {
            const found = await resolvePython(this.context, this.log);
            let python = found.ready?.path;
            if (!python) {
                python = offerInstall ? await this.offerInstall(found) : undefined;
                if (!python) {
                    await this.client.stop();
                    this.client.giveUp('No Python here can run the Claude Code Tracer server.');
                    return;
                }
            }
            await vscode.workspace.fs.createDirectory(this.context.globalStorageUri);
            await this.client.start(python, serverOptions(this.context));
        } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            this.log.error(message);
            if (this.client.state !== 'failed') this.client.giveUp(message);
            void this.actionableError(message);
        } finally {
            this.restarting = false;
        }
    }

    restartSoon(): void {
        if (this.restartTimer) clearTimeout(this.restartTimer);
        this.restartTimer = setTimeout(() => {
            this.restartTimer = undefined;
            void this.start();
        }, RESTART_DELAY_MS);
    }

    private async offerInstall(found: Resolution): Promise<string | undefined> {
        const fromSetting = found.tried.some((t) => t.source === 'setting');
        const detail = found.tried.map((t) => `${t.path}: ${t.error ?? (versionOk(t.version) ? 'no server' : 'Python too old')}`).join('; ');
        this.log.warn(`no Python here runs the server (${detail})`);
        if (fromSetting) {
            const bad = found.tried[0];
            await this.actionableError(
                `The Python in claudeCodeTracer.pythonPath (${bad?.path}) cannot run the server: ${bad?.error ?? 'Python 3.11 or newer is needed'}. Install it there (pip install claude-code-tracer) or clear the setting.`,
            );
            return undefined;
        }
        const base = found.tried.find((t) => versionOk(t.version));
        if (!base) {
            await this.actionableError(
                'Claude Code Tracer needs Python 3.11 or newer. Install it, or set claudeCodeTracer.pythonPath to such an interpreter.',
            );
            return undefined;
        }
        const choice = await vscode.window.showInformationMessage(
            'Claude Code Tracer needs its Python server. Install it into a private environment (about 100 MB)?',
            'Install',
            'Choose Python…',
        );
        if (choice === 'Choose Python…') {
            await vscode.commands.executeCommand('workbench.action.openSettings', `${SECTION}.pythonPath`);
            return undefined;
        }
        if (choice !== 'Install') return undefined;
        try {
            return await installServer(this.context, base.path, this.log);
        } catch (err) {
            const message = err instanceof InstallError ? err.message : err instanceof Error ? err.message : String(err);
            this.log.error(`installing the server failed: ${message}`);
            await this.actionableError(
                `Claude Code Tracer could not install its server: ${message} You can install it yourself (pip install claude-code-tracer) and set claudeCodeTracer.pythonPath.`,
            );
            return undefined;
        }
    }

    async install(): Promise<void> {
        const found = await resolvePython(this.context, this.log);
        const base = found.tried.find((t) => versionOk(t.version));
        if (!base) {
            await this.actionableError('Claude Code Tracer needs Python 3.11 or newer to create its environment.');
            return;
        }
        try {
            const python = await installServer(this.context, base.path, this.log);
            await this.client.start(python, serverOptions(this.context));
        } catch (err) {
            const message = err instanceof Error ? err.message : String(err);
            await this.actionableError(`Claude Code Tracer could not install its server: ${message}`);
        }
    }

    private async actionableError(message: string): Promise<void> {
        const choice = await vscode.window.showErrorMessage(message, 'Show Log', 'Open Settings');
        if (choice === 'Show Log') this.log.show();
        if (choice === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', SECTION);
    }

    dispose(): void {
        if (this.restartTimer) clearTimeout(this.restartTimer);
    }
}

/** The session's title as the sessions tree shows it (from the catalog; undefined when it cannot be read). */
async function catalogTitle(client: TracerClient, args: Pick<TraceArgs, 'sessionId' | 'project'>): Promise<string | undefined> {
    try {
        const page = await client.request('sessions/list', { query: args.sessionId, project: args.project, limit: 5 });
        const hit = page.sessions.find((s) => s.sessionId === args.sessionId);
        return hit ? displayTitle(hit) : undefined;
    } catch {
        return undefined;
    }
}

/** A session given by the tree's context menu (its node), or by the open-session args. */
function treeSession(arg: unknown): SessionInfo | OpenSessionArgs | undefined {
    if (typeof arg !== 'object' || arg === null) return undefined;
    const rec = arg as { info?: unknown; sessionId?: unknown; project?: unknown };
    const src = (typeof rec.info === 'object' && rec.info !== null ? rec.info : rec) as { sessionId?: unknown; project?: unknown };
    return typeof src.sessionId === 'string' && typeof src.project === 'string' ? (src as SessionInfo | OpenSessionArgs) : undefined;
}

/** `claude --resume <id>` in a terminal opened in the session's folder (when it is on this machine). */
function resumeInTerminal(info: SessionInfo): void {
    const command = resumeCommand(info.sessionId);
    if (!command) {
        void vscode.window.showWarningMessage('This session id cannot be passed to claude --resume.');
        return;
    }
    let cwd: string | undefined;
    try {
        cwd = info.cwd && path.isAbsolute(info.cwd) && fs.statSync(info.cwd).isDirectory() ? info.cwd : undefined;
    } catch {
        cwd = undefined;
    }
    // The title is transcript text: no control characters in the terminal's name.
    // eslint-disable-next-line no-control-regex
    const name = `Claude: ${displayTitle(info).replace(/[\x00-\x1f\x7f-\x9f]/g, ' ')}`.slice(0, 80);
    const terminal = vscode.window.createTerminal({ name, iconPath: new vscode.ThemeIcon('history'), ...(cwd ? { cwd } : {}) });
    terminal.show();
    terminal.sendText(command, true);
    if (!cwd) void vscode.window.showInformationMessage("The session's folder is not on this machine: the terminal opened in the default folder.");
}

function sessionView(): SessionView {
    return config().get<string>('sessionView', 'conversation') === 'detail' ? 'detail' : 'conversation';
}

/** Export Session…: a session from the tree (or asked by id), a format, a file; the server renders. */
async function exportSession(client: TracerClient, arg: unknown): Promise<void> {
    let target = exportTarget(arg);
    if (!target) {
        const id = (await vscode.window.showInputBox({ prompt: 'Session id to export' }))?.trim();
        if (!id) return;
        const page = await client.request('sessions/list', { query: id, limit: 5 });
        const hit = page.sessions.find((s) => s.sessionId === id);
        if (!hit) {
            void vscode.window.showWarningMessage(`No session ${id} was found.`);
            return;
        }
        target = { sessionId: hit.sessionId, project: hit.project };
    }
    const choice = await vscode.window.showQuickPick(EXPORT_CHOICES, { placeHolder: 'Export the session as' });
    if (!choice) return;
    const name = exportFileName(target.sessionId, choice.format);
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const uri = await vscode.window.showSaveDialog({
        defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
        filters: choice.format === 'html' ? { HTML: ['html'] } : { Markdown: ['md'] },
        saveLabel: 'Export',
    });
    if (!uri) return;
    const params = exportParams(target, choice);
    const result = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Exporting the session…' },
        () => client.request('session/export', params),
    );
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(result.content));
    const action = await vscode.window.showInformationMessage(exportMessage(path.basename(uri.fsPath), result, choice.redact), 'Open', 'Reveal');
    if (action === 'Open') {
        // HTML opens in the browser (it is made to be read there); Markdown in an editor.
        if (choice.format === 'html') await vscode.env.openExternal(uri);
        else await vscode.window.showTextDocument(uri);
    } else if (action === 'Reveal') {
        await vscode.commands.executeCommand('revealFileInOS', uri);
    }
}

export function activate(context: vscode.ExtensionContext): void {
    const log = vscode.window.createOutputChannel('Claude Code Tracer', { log: true });
    const client = new TracerClient(log);
    const controller = new Controller(context, client, log);
    const tree = new SessionsTreeProvider(client);
    const diffs = new DiffContentProvider();
    const panels = new SessionPanels({
        extensionUri: context.extensionUri,
        client,
        diffs,
        log,
        pageSize,
        sessionView,
        setSessionView: (view) => void config().update('sessionView', view, vscode.ConfigurationTarget.Global),
        titleOf: (args) => catalogTitle(client, args),
    });
    const view = vscode.window.createTreeView('claudeCodeTracer.sessions', { treeDataProvider: tree, showCollapseAll: true });
    // The first seconds: the server is being started, not missing (the tree waits for it).
    const startingMessage = (): void => {
        view.message = client.state === 'starting' ? 'Starting the Claude Code Tracer server…' : undefined;
    };
    startingMessage();
    context.subscriptions.push(client.onDidChangeState(startingMessage));
    const edits = new EditsProvider(client, diffs);
    const editsView = vscode.window.createTreeView(EDITS_VIEW, { treeDataProvider: edits });
    edits.view = editsView;
    const searchView = new SearchViewProvider(context.extensionUri, client, (args, target) => panels.open(args, target), log);

    context.subscriptions.push(
        log,
        client,
        controller,
        tree,
        view,
        panels,
        edits,
        editsView,
        searchView,
        vscode.window.registerWebviewViewProvider(SEARCH_VIEW, searchView),
        vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, diffs),
        // Code lenses, hover links and the edits view: the session's trace at that tool call.
        vscode.commands.registerCommand(OPEN_TRACE_COMMAND, async (raw: unknown) => {
            const args = parseTraceArgs(raw);
            if (!args) {
                log.warn('claudeCodeTracer.openTrace: ignored a malformed argument');
                return;
            }
            try {
                const title = (await catalogTitle(client, args)) ?? args.sessionId;
                panels.open({ sessionId: args.sessionId, project: args.project, title }, args.toolUseId ? { uuid: args.uuid, toolUseId: args.toolUseId } : { uuid: args.uuid });
            } catch (err) {
                void vscode.window.showErrorMessage(`Could not open the trace: ${toServerError(err).message}`);
            }
        }),
        vscode.commands.registerCommand('claudeCodeTracer.showEditDiff', (node: unknown) => edits.showDiff(node)),
        vscode.commands.registerCommand('claudeCodeTracer.loadMoreEdits', () => edits.loadMore()),
        vscode.commands.registerCommand('claudeCodeTracer.refreshEdits', () => edits.reload()),
        vscode.commands.registerCommand('claudeCodeTracer.refresh', () => tree.refresh()),
        vscode.commands.registerCommand('claudeCodeTracer.openSession', (arg: unknown) => {
            const s = treeSession(arg);
            if (!s) return;
            // From the tree item's click: its args; from its context menu: the node's SessionInfo.
            const title = 'firstPrompt' in s ? displayTitle(s) : typeof s.title === 'string' ? s.title : s.sessionId;
            panels.open({ sessionId: s.sessionId, project: s.project, title });
        }),
        // The session's context menu in the tree: copy its id, resume it, show its file.
        vscode.commands.registerCommand('claudeCodeTracer.copySessionId', async (arg: unknown) => {
            const s = treeSession(arg);
            if (!s) return;
            await vscode.env.clipboard.writeText(s.sessionId);
            vscode.window.setStatusBarMessage(`Copied session id ${s.sessionId}`, 3000);
        }),
        vscode.commands.registerCommand('claudeCodeTracer.resumeSession', (arg: unknown) => {
            const s = treeSession(arg);
            if (s && 'cwd' in s) resumeInTerminal(s);
        }),
        vscode.commands.registerCommand('claudeCodeTracer.revealSessionFile', async (arg: unknown) => {
            const s = treeSession(arg);
            if (s && 'path' in s && typeof s.path === 'string') await vscode.commands.executeCommand('revealFileInOS', vscode.Uri.file(s.path));
        }),
        vscode.commands.registerCommand('claudeCodeTracer.openSessionById', async () => {
            const id = await vscode.window.showInputBox({ prompt: 'Session id (the whole id, or its first 8 characters)', placeHolder: 'e.g. 4d5611e5-241a-462a-8d15-5122611a9569 or 4d5611e5' });
            if (!id?.trim()) return;
            try {
                const want = id.trim();
                const page = await client.request('sessions/list', { query: want, limit: 5 });
                // The whole id, or the short one shown in tabs and lists (its first characters).
                const starts = page.sessions.filter((s) => s.sessionId.startsWith(want));
                const hit = page.sessions.find((s) => s.sessionId === want) ?? (starts.length === 1 ? starts[0] : undefined);
                if (!hit) {
                    void vscode.window.showWarningMessage(
                        starts.length > 1 ? `${starts.length} sessions have ids starting with ${want}: give more of it.` : `No session ${want} was found.`,
                    );
                    return;
                }
                panels.open({ sessionId: hit.sessionId, project: hit.project, title: displayTitle(hit) });
            } catch (err) {
                void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
            }
        }),
        vscode.commands.registerCommand('claudeCodeTracer.searchSessions', () => searchSessions(client, (args, target) => panels.open(args, target))),
        vscode.commands.registerCommand('claudeCodeTracer.exportSession', async (arg: unknown) => {
            try {
                await exportSession(client, arg);
            } catch (err) {
                void vscode.window.showErrorMessage(`Could not export the session: ${toServerError(err).message}`);
            }
        }),
        vscode.commands.registerCommand('claudeCodeTracer.restartServer', () => controller.start()),
        vscode.commands.registerCommand('claudeCodeTracer.installServer', () => controller.install()),
        vscode.commands.registerCommand('claudeCodeTracer.showLog', () => log.show()),
        vscode.workspace.onDidChangeConfiguration((e) => {
            if (e.affectsConfiguration(`${SECTION}.sessionView`)) panels.viewChanged(sessionView());
            if (e.affectsConfiguration(`${SECTION}.pythonPath`)) {
                controller.restartSoon();
            } else if (
                ['projectsRoot', 'sessionTtlSeconds', 'archive', 'archiveDir', 'prices'].some((k) => e.affectsConfiguration(`${SECTION}.${k}`))
            ) {
                const prices = e.affectsConfiguration(`${SECTION}.prices`);
                void client.didChangeConfiguration(serverOptions(context)).then(
                    () => {
                        tree.refresh();
                        if (prices) panels.pricesChanged();
                    },
                    (err: unknown) => log.warn(`could not send the new settings: ${err instanceof Error ? err.message : err}`),
                );
            }
        }),
    );
    void controller.start();
}

export function deactivate(): void {
    // The subscriptions stop the client.
}
