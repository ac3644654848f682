/**
 * Pure logic of "Open trace" and of the "Claude edits of this file" view (no vscode import, so
 * it is unit-tested): the command's argument, and `files/history` touches mapped to list items.
 */
import { z } from 'zod';
import type { FileTouch } from './protocol';

const SAFE = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}$/;

/** The one argument of `claudeCodeTracer.openTrace` (from a code lens, a hover link, or the edits view). */
export const TraceArgsSchema = z.object({
    sessionId: z.string().regex(SAFE),
    project: z.string().regex(SAFE),
    uuid: z.string().min(1).max(200),
    toolUseId: z.string().min(1).max(200).nullable().optional(),
});
export type TraceArgs = z.infer<typeof TraceArgsSchema>;

/** Validate what a command link passed (an object, or the same wrapped in a one-element array). */
export function parseTraceArgs(raw: unknown): TraceArgs | undefined {
    let value = Array.isArray(raw) && raw.length === 1 ? raw[0] : raw;
    // An item of the edits view carries its touch.
    if (typeof value === 'object' && value !== null && 'touch' in value) value = (value as { touch: unknown }).touch;
    const r = TraceArgsSchema.safeParse(value);
    return r.success ? r.data : undefined;
}

/** Tools whose calls change a file (what the edits view lists). */
export const WRITE_KIND = 'write';

function parseTime(iso: string | null | undefined): Date | undefined {
    if (!iso) return undefined;
    // The server sends UTC without a zone suffix.
    const d = new Date(/Z$|[+-]\d\d:\d\d$/.test(iso) ? iso : `${iso}Z`);
    return Number.isNaN(d.getTime()) ? undefined : d;
}

/** "3 min ago", "2 h ago", "5 days ago"; "" without a time. */
export function relativeTime(iso: string | null | undefined, now: Date = new Date()): string {
    const d = parseTime(iso);
    if (!d) return '';
    const s = Math.max(0, (now.getTime() - d.getTime()) / 1000);
    if (s < 60) return 'just now';
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    const days = Math.floor(s / 86400);
    if (days < 60) return `${days} day${days === 1 ? '' : 's'} ago`;
    if (days < 365) return `${Math.floor(days / 30)} mo ago`;
    return `${Math.floor(days / 365)} y ago`;
}

function oneLine(text: string, limit: number): string {
    // eslint-disable-next-line no-control-regex
    const flat = text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').replace(/\s+/g, ' ').trim();
    return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

export interface EditItem {
    /** Stable id: session + tool call. */
    id: string;
    label: string;
    description: string;
    tooltip: string;
    touch: FileTouch;
}

/** One list item per write, in the order given (the server's: newest first). Reads and searches are left out. */
export function editItems(touches: readonly FileTouch[], now: Date = new Date()): EditItem[] {
    const out: EditItem[] = [];
    const seen = new Set<string>();
    for (const t of touches) {
        if (t.kind !== WRITE_KIND) continue;
        const id = `${t.project}/${t.sessionId}/${t.toolUseId}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const title = oneLine(t.sessionTitle ?? '', 40) || t.sessionId;
        const when = relativeTime(t.timestamp, now);
        const prompt = t.prompt ? oneLine(t.prompt, 400) : '';
        const stamp = parseTime(t.timestamp)?.toISOString().replace('T', ' ').slice(0, 19);
        out.push({
            id,
            label: title,
            description: when ? `${t.tool} · ${when}` : t.tool,
            tooltip: [`${t.tool} in “${title}”`, stamp ? `${stamp} UTC` : '', prompt ? `Prompt: ${prompt}` : '', `Session ${t.sessionId}`]
                .filter(Boolean)
                .join('\n'),
            touch: t,
        });
    }
    return out;
}

/** A page of `files/history`, as the view needs it. */
export interface HistoryPage {
    touches: FileTouch[];
    nextCursor: string | null;
    hasMore: boolean;
}

/**
 * Read history pages until `want` writes are collected or the history ends (reads and searches
 * are interleaved with writes, so one page may hold none); at most `maxPages` requests.
 */
export async function collectWrites(
    fetch: (cursor: string | null) => Promise<HistoryPage>,
    start: string | null,
    want: number,
    maxPages = 10,
): Promise<{ touches: FileTouch[]; nextCursor: string | null; hasMore: boolean }> {
    const touches: FileTouch[] = [];
    let cursor = start;
    let hasMore = true;
    for (let i = 0; i < maxPages && hasMore; i++) {
        const page = await fetch(cursor);
        for (const t of page.touches) if (t.kind === WRITE_KIND) touches.push(t);
        hasMore = page.hasMore && page.nextCursor !== null;
        cursor = page.nextCursor;
        if (touches.length >= want) break;
    }
    return { touches, nextCursor: cursor, hasMore };
}
