/**
 * Both sides of "Show diff" for an Edit / MultiEdit / Write call, from the `messages/get` answer
 * of the assistant message holding the tool_use. Pure (no vscode import), so it is unit-tested.
 */
import type { MessageDetail } from './protocol';

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
    return typeof v === 'string' ? v : undefined;
}

export interface DiffSides {
    filePath: string;
    toolName: string;
    left: string;
    right: string;
    /** True when the sides are whole files, false for the edited fragments only. */
    wholeFile: boolean;
}

function replaceOnce(text: string, oldText: string, newText: string, all: boolean): string | undefined {
    if (!oldText) return undefined;
    if (!text.includes(oldText)) return undefined;
    return all ? text.split(oldText).join(newText) : text.replace(oldText, () => newText);
}

/** Work out both sides of the diff for tool_use `toolUseId` of assistant message `detail`. */
export function diffSides(detail: MessageDetail, toolUseId: string): DiffSides | undefined {
    const blocks = Array.isArray(detail.content) ? detail.content : [];
    const use = blocks.find((b) => isRecord(b) && b.type === 'tool_use' && b.id === toolUseId);
    if (!isRecord(use) || !isRecord(use.input)) return undefined;
    const name = str(use.name) ?? '';
    const input = use.input;
    const filePath = str(input.file_path) ?? str(input.notebook_path) ?? 'untitled';
    const result = detail.toolResults.find((r) =>
        (Array.isArray(r.content) ? r.content : []).some((b) => isRecord(b) && b.type === 'tool_result' && b.tool_use_id === toolUseId),
    );
    const tur = result && isRecord(result.entry) && isRecord(result.entry.toolUseResult) ? result.entry.toolUseResult : undefined;
    const original = str(tur?.originalFile) ?? str(tur?.originalFileContents);

    if (name === 'Write') {
        const content = str(input.content) ?? '';
        return { filePath, toolName: name, left: original ?? '', right: content, wholeFile: true };
    }
    const edits: { old: string; new: string; all: boolean }[] = [];
    if (name === 'Edit') {
        edits.push({ old: str(input.old_string) ?? '', new: str(input.new_string) ?? '', all: input.replace_all === true });
    } else if (name === 'MultiEdit' && Array.isArray(input.edits)) {
        for (const e of input.edits) {
            if (isRecord(e)) edits.push({ old: str(e.old_string) ?? '', new: str(e.new_string) ?? '', all: e.replace_all === true });
        }
    } else {
        return undefined;
    }
    if (original !== undefined) {
        let text: string | undefined = original;
        for (const e of edits) {
            text = text === undefined ? undefined : replaceOnce(text, e.old, e.new, e.all);
        }
        if (text !== undefined) return { filePath, toolName: name, left: original, right: text, wholeFile: true };
    }
    const sep = '\n\n';
    return {
        filePath,
        toolName: name,
        left: edits.map((e) => e.old).join(sep),
        right: edits.map((e) => e.new).join(sep),
        wholeFile: false,
    };
}

