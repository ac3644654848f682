/**
 * What the session view's Resume and Copy buttons hand to VS Code (no vscode import: unit-tested).
 *
 * The resume command is the one place a transcript value reaches a shell: only a session id that
 * matches a strict pattern (letters, digits, `-`, `_`; what Claude Code's UUIDs are made of) is
 * ever put in it, so no quoting can be escaped. The folder goes to the terminal as its cwd option,
 * never into the command line.
 */
import type { MessageDetail } from './protocol';

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
/** Copied text past this is cut: the clipboard is for a message, not a dump. */
export const COPY_LIMIT = 1_000_000;

/** `claude --resume <id>`, or undefined when the id is not one a shell could take as a single word. */
export function resumeCommand(sessionId: string): string | undefined {
    return SESSION_ID.test(sessionId) ? `claude --resume ${sessionId}` : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function blockText(block: unknown): string {
    if (typeof block === 'string') return block;
    if (!isRecord(block)) return '';
    switch (block.type) {
        case 'text':
            return typeof block.text === 'string' ? block.text : '';
        case 'thinking':
            return typeof block.thinking === 'string' && block.thinking.trim() ? `[thinking]\n${block.thinking}` : '';
        case 'tool_use': {
            let input = '';
            try {
                input = JSON.stringify(block.input, null, 2) ?? '';
            } catch {
                input = '';
            }
            return `[${typeof block.name === 'string' ? block.name : 'tool'}]\n${input}`;
        }
        case 'tool_result': {
            const c = block.content;
            const text = typeof c === 'string' ? c : Array.isArray(c) ? c.map(blockText).filter(Boolean).join('\n') : '';
            return block.is_error === true ? `[error]\n${text}` : text;
        }
        case 'image':
            return '[image]';
        default:
            return '';
    }
}

/** A message as plain text: its text, thinking, tool calls (name and input) and tool results. */
export function messageAsText(detail: Pick<MessageDetail, 'content' | 'entry' | 'preview'>): string {
    let blocks: unknown[] | undefined = Array.isArray(detail.content) ? detail.content : undefined;
    if (!blocks) {
        const message = isRecord(detail.entry) ? detail.entry.message : undefined;
        const c = isRecord(message) ? message.content : undefined;
        blocks = typeof c === 'string' ? [c] : Array.isArray(c) ? c : undefined;
    }
    const text = blocks ? blocks.map(blockText).filter(Boolean).join('\n\n') : '';
    const out = text || detail.preview;
    return out.length > COPY_LIMIT ? `${out.slice(0, COPY_LIMIT)}\n… (cut at ${COPY_LIMIT.toLocaleString()} characters)` : out;
}

/** The session's folder from the first lines' `cwd`, when it is an absolute path (existence is the caller's check). */
export function cwdOf(details: Pick<MessageDetail, 'entry'>[], isAbsolute: (p: string) => boolean): string | undefined {
    for (const d of details) {
        const cwd = isRecord(d.entry) ? d.entry.cwd : undefined;
        if (typeof cwd === 'string' && cwd.length < 4096 && !/[\0\r\n]/.test(cwd) && isAbsolute(cwd)) return cwd;
    }
    return undefined;
}
