/**
 * "Search Sessions": a quick pick that runs `search/query` as the user types (the current
 * workspace folder by default, every project with the button) and opens the chosen message in
 * its session's panel, at that message.
 */
import * as vscode from 'vscode';
import { toServerError, type TracerClient } from './client';
import { searchItems, type HitItem } from './searchItems';
import type { RevealTarget } from './sessionPanel';

const DEBOUNCE_MS = 250;
const LIMIT = 100;

type Open = (args: { sessionId: string; project: string; title: string }, target: RevealTarget) => void;

export function searchSessions(client: TracerClient, open: Open): void {
    const pick = vscode.window.createQuickPick<HitItem & vscode.QuickPickItem>();
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    let everywhere = !folder;
    const scopeButton = (): vscode.QuickInputButton => ({
        iconPath: new vscode.ThemeIcon(everywhere ? 'globe' : 'folder'),
        tooltip: everywhere ? 'Searching every project (click: only this workspace)' : 'Searching this workspace (click: every project)',
    });
    const placeholder = (): string =>
        `Search ${everywhere ? 'every session' : 'this workspace’s sessions'}: words, "a phrase", -not, pre*, tool:Bash, -kind:user, after:2026-01-01, errors`;
    pick.placeholder = placeholder();
    pick.matchOnDescription = false;
    pick.matchOnDetail = false;
    pick.buttons = folder ? [scopeButton()] : [];
    let timer: ReturnType<typeof setTimeout> | undefined;
    let running: vscode.CancellationTokenSource | undefined;

    const run = async (query: string): Promise<void> => {
        running?.cancel();
        const source = new vscode.CancellationTokenSource();
        running = source;
        if (!query.trim()) {
            pick.items = [];
            pick.busy = false;
            return;
        }
        pick.busy = true;
        try {
            const page = await client.request(
                'search/query',
                { query, limit: LIMIT, workspace: everywhere ? null : (folder ?? null) },
                source.token,
            );
            if (source.token.isCancellationRequested) return;
            const items = searchItems(page);
            pick.items = items;
            const more = page.hasMore ? `, the first ${LIMIT} shown` : '';
            const scope = everywhere ? 'every project' : 'this workspace’s sessions';
            pick.title = page.total
                ? `${page.total} matching messages in ${scope}${more}${page.indexing ? ' (still indexing)' : ''}`
                : `No message matches in ${scope}${page.indexing ? ' (still indexing)' : ''}${everywhere ? '' : ': the folder button searches every project'}`;
        } catch (err) {
            if (source.token.isCancellationRequested) return;
            pick.items = [];
            pick.title = toServerError(err).message;
        } finally {
            if (running === source) pick.busy = false;
        }
    };
    pick.onDidChangeValue((value) => {
        if (timer) clearTimeout(timer);
        timer = setTimeout(() => void run(value), DEBOUNCE_MS);
    });
    pick.onDidTriggerButton(() => {
        everywhere = !everywhere;
        pick.buttons = [scopeButton()];
        pick.placeholder = placeholder();
        void run(pick.value);
    });
    pick.onDidAccept(() => {
        const target = pick.selectedItems[0]?.target;
        if (!target) return;
        pick.hide();
        // The session highlights the query that found the message.
        const reveal: RevealTarget = { uuid: target.uuid, kind: target.kind, highlight: pick.value.slice(0, 1000) };
        if (target.agentId) reveal.agentId = target.agentId;
        open({ sessionId: target.sessionId, project: target.project, title: target.title }, reveal);
    });
    pick.onDidHide(() => {
        running?.cancel();
        if (timer) clearTimeout(timer);
        pick.dispose();
    });
    pick.show();
}
