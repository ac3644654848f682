/**
 * "Export Session…": the choices it offers and the names and message it shows (no vscode import:
 * unit-tested). The server renders (`session/export`); this side only asks and writes the file.
 */
import type { SessionExport, SessionExportParams } from './protocol';

export interface ExportChoice {
    label: string;
    description: string;
    format: 'md' | 'html';
    redact: boolean;
}

export const EXPORT_CHOICES: readonly ExportChoice[] = [
    { label: 'Markdown', description: '.md', format: 'md', redact: false },
    { label: 'Markdown, secrets masked', description: '.md, API keys, tokens and passwords redacted', format: 'md', redact: true },
    { label: 'HTML', description: 'one self-contained file, no script', format: 'html', redact: false },
    { label: 'HTML, secrets masked', description: 'one file, API keys, tokens and passwords redacted', format: 'html', redact: true },
];

/** The session a command was given: a sessions-tree node, the open-session args, or nothing usable. */
export function exportTarget(arg: unknown): { sessionId: string; project: string } | undefined {
    if (typeof arg !== 'object' || arg === null) return undefined;
    const rec = arg as Record<string, unknown>;
    const src = typeof rec.info === 'object' && rec.info !== null ? (rec.info as Record<string, unknown>) : rec;
    if (typeof src.sessionId === 'string' && typeof src.project === 'string' && src.sessionId) {
        return { sessionId: src.sessionId, project: src.project };
    }
    return undefined;
}

export function exportParams(target: { sessionId: string; project: string }, choice: ExportChoice): SessionExportParams {
    return { sessionId: target.sessionId, project: target.project, format: choice.format, redact: choice.redact };
}

/** A file name from the session id: only the characters a file name may hold everywhere. */
export function exportFileName(sessionId: string, format: 'md' | 'html'): string {
    const safe = sessionId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 128) || 'session';
    return `claude-session-${safe}.${format}`;
}

/** What to tell the user once the file is written, the count of masked secrets included. */
export function exportMessage(fileName: string, result: SessionExport, redact: boolean): string {
    const counts = Object.entries(result.redactions).sort(([a], [b]) => a.localeCompare(b));
    const total = counts.reduce((n, [, c]) => n + c, 0);
    let text = `Exported the session to ${fileName}.`;
    if (redact) {
        text += total ? ` Masked ${total} secret${total === 1 ? '' : 's'} (${counts.map(([k, c]) => `${k} ${c}`).join(', ')}).` : ' No secrets found to mask.';
    }
    return text;
}
