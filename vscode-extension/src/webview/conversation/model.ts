/**
 * The conversation view of a message: what its content blocks are to a reader. Pure (no DOM):
 * prose to render whole, a thought to fold, a tool call to show as one line that opens in place,
 * an image. Blank text blocks (Claude Code's "\n\n") are dropped; a message holding only a
 * thought is read as a thought, not as a reply.
 */
import type { MessageSummary } from '../../protocol';
import { describeInput, fileOf, imageOf, stripAnsi, type FileLink, type ImageData } from '../state/tree';

export type ConvPart =
    | { type: 'text'; text: string }
    | { type: 'thinking'; index: number; text: string }
    | { type: 'tool'; id: string; name: string; input: unknown; summary: string; file?: FileLink }
    | { type: 'image'; label: string; image?: ImageData }
    | { type: 'other'; label: string };

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The parts of a message with its content (`messages/page` with `expand`); its preview without. */
export function conversationParts(m: MessageSummary): ConvPart[] {
    const blocks = Array.isArray(m.content) ? m.content : undefined;
    if (!blocks) return m.preview.trim() && m.preview !== '[blank text]' ? [{ type: 'text', text: stripAnsi(m.preview) }] : [];
    const out: ConvPart[] = [];
    blocks.forEach((b, i) => {
        if (typeof b === 'string') {
            if (b.trim()) out.push({ type: 'text', text: b });
            return;
        }
        if (!isRecord(b)) return;
        switch (b.type) {
            case 'text': {
                const text = typeof b.text === 'string' ? b.text : '';
                if (text.trim()) out.push({ type: 'text', text });
                return;
            }
            case 'thinking':
            case 'redacted_thinking':
                out.push({ type: 'thinking', index: i, text: typeof b.thinking === 'string' ? b.thinking : '' });
                return;
            case 'tool_use': {
                const name = typeof b.name === 'string' ? b.name : 'tool';
                const part: ConvPart = { type: 'tool', id: typeof b.id === 'string' ? b.id : `${i}`, name, input: b.input, summary: describeInput(name, b.input) };
                const file = fileOf(name, b.input);
                if (file) part.file = file;
                out.push(part);
                return;
            }
            case 'image': {
                const source = isRecord(b.source) ? b.source : {};
                const part: ConvPart = { type: 'image', label: `[image ${typeof source.media_type === 'string' ? source.media_type : ''}]` };
                const image = imageOf(b);
                if (image) part.image = image;
                out.push(part);
                return;
            }
            case 'tool_result':
                return; // shown under the call that asked for it
            default:
                out.push({ type: 'other', label: typeof b.type === 'string' ? b.type : 'block' });
        }
    });
    return out;
}

/** Only thinking: the row reads as a thought (folded), not as Claude's reply. */
export function isThoughtOnly(parts: readonly ConvPart[]): boolean {
    return parts.length > 0 && parts.every((p) => p.type === 'thinking');
}

/** Heuristic height (px) before the row is measured: the list's scrollbar starts close to right. */
export function estimateHeight(m: MessageSummary, withHead: boolean): number {
    let h = withHead ? 26 : 4;
    for (const p of conversationParts(m)) {
        if (p.type === 'text') {
            let lines = 0;
            for (const line of p.text.split('\n', 400)) lines += 1 + Math.floor(line.length / 110);
            h += 10 + Math.min(lines, 2000) * 20;
        } else if (p.type === 'image') h += 240;
        else h += 24;
    }
    return Math.max(h, 24);
}

/** Tool results that failed, by tool_use id, from `tool_result` summaries (errors-only pages). */
export function failedToolIds(results: readonly MessageSummary[]): string[] {
    const out: string[] = [];
    for (const r of results) {
        if (!r.isError) continue;
        const blocks = Array.isArray(r.content) ? r.content : [];
        const marked = blocks.filter((b) => isRecord(b) && b.type === 'tool_result' && b.is_error === true && typeof b.tool_use_id === 'string');
        // Without content, a failed result line names its calls in toolUseIds.
        if (marked.length) out.push(...marked.map((b) => (b as { tool_use_id: string }).tool_use_id));
        else out.push(...r.toolUseIds);
    }
    return out;
}
