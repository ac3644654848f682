import type { ToolView } from '../../state/tree';

/** What a tool renderer hands back: the element, and how many lines it spans (for collapsing). */
export interface Rendered {
    node: HTMLElement;
    lines: number;
}

/**
 * One tool's view of its input and its result. Either may be absent or return undefined (an
 * input it does not understand): the row then falls back to the JSON / plain-text view.
 */
export interface ToolRenderer {
    input?(view: ToolView): Rendered | undefined;
    result?(view: ToolView, text: string): Rendered | undefined;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
    return typeof v === 'string' ? v : undefined;
}

/** A result's content as text with ANSI codes kept (what the terminal printed). */
export function rawText(content: unknown): string {
    if (typeof content === 'string') return content;
    if (!Array.isArray(content)) return '';
    return content
        .map((p) => (isRecord(p) && p.type === 'text' ? (str(p.text) ?? '') : ''))
        .filter(Boolean)
        .join('\n');
}
