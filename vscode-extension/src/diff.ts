/**
 * "Show diff" for Edit / MultiEdit / Write calls: old vs new in VS Code's diff editor, through
 * read-only virtual documents. With the `originalFile` the transcript's tool result carries, the
 * diff shows the whole file; otherwise just the old and new strings.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { DiffSides } from './diffSides';

export { diffSides, type DiffSides } from './diffSides';

export const DIFF_SCHEME = 'claude-code-tracer-diff';
const MAX_DOCS = 200;

/** Serves the two sides as read-only documents: claude-code-tracer-diff:/<id>/<old|new>/<name>. */
export class DiffContentProvider implements vscode.TextDocumentContentProvider {
    private readonly docs = new Map<string, string>();
    private seq = 0;

    provideTextDocumentContent(uri: vscode.Uri): string {
        return this.docs.get(uri.path) ?? '';
    }

    async show(sides: DiffSides, when: string): Promise<void> {
        const id = `${Date.now().toString(36)}${(this.seq++).toString(36)}`;
        const base = path.basename(sides.filePath) || 'file';
        const left = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${id}/old/${base}` });
        const right = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${id}/new/${base}` });
        this.docs.set(left.path, sides.left);
        this.docs.set(right.path, sides.right);
        while (this.docs.size > MAX_DOCS * 2) {
            const first = this.docs.keys().next().value;
            if (first === undefined) break;
            this.docs.delete(first);
        }
        const scope = sides.wholeFile ? '' : ' (edited text)';
        const title = `${base}${scope}: ${sides.toolName}${when ? ` at ${when}` : ''} — before ↔ after`;
        await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true });
    }
}
