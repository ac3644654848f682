/**
 * Edit and MultiEdit as an inline unified diff (jsdiff) of old_string → new_string; the result,
 * when Claude Code stored its structured patch, as that patch with the file's real line numbers.
 */
import { structuredPatch } from 'diff';
import { el } from '../../dom';
import { isRecord, str, type Rendered, type ToolRenderer } from './types';

/** Strings longer than this (together) are not diffed in the webview: the diff editor can. */
const DIFF_INPUT_LIMIT = 400_000;
const DIFF_LINES_LIMIT = 5_000;

interface Hunk {
    oldStart: number;
    oldLines: number;
    newStart: number;
    newLines: number;
    lines: string[];
}

function isHunk(v: unknown): v is Hunk {
    return (
        isRecord(v) &&
        typeof v.oldStart === 'number' &&
        typeof v.newStart === 'number' &&
        typeof v.oldLines === 'number' &&
        typeof v.newLines === 'number' &&
        Array.isArray(v.lines) &&
        v.lines.every((l) => typeof l === 'string')
    );
}

/** Hunks as diff lines: `+` added, `-` removed, ` ` context; a header per hunk when `headers`. */
export function hunksView(hunks: Hunk[], headers: boolean): Rendered {
    const box = el('div', 'diff');
    let lines = 0;
    for (const h of hunks) {
        if (headers) {
            box.append(el('div', 'diff-line hunk', `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`));
            lines++;
        }
        for (const line of h.lines) {
            if (lines >= DIFF_LINES_LIMIT) {
                box.append(el('div', 'diff-line more', '… (more lines: open "Show diff")'));
                return { node: box, lines: lines + 1 };
            }
            if (line.startsWith('\\')) continue; // "\ No newline at end of file"
            const cls = line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : 'ctx';
            box.append(el('div', `diff-line ${cls}`, line || ' '));
            lines++;
        }
    }
    return { node: box, lines };
}

/** The diff of one replacement, or undefined when it is too big to diff here. */
export function replacementDiff(oldText: string, newText: string): Rendered | undefined {
    if (oldText.length + newText.length > DIFF_INPUT_LIMIT) return undefined;
    const patch = structuredPatch('a', 'b', oldText, newText, undefined, undefined, { context: 3 });
    if (!patch.hunks.length) return { node: el('div', 'diff-note', 'No change.'), lines: 1 };
    return hunksView(patch.hunks, patch.hunks.length > 1);
}

function editInput(input: unknown): Rendered | undefined {
    if (!isRecord(input)) return undefined;
    const oldText = str(input.old_string);
    const newText = str(input.new_string);
    if (oldText === undefined || newText === undefined) return undefined;
    const diff = replacementDiff(oldText, newText);
    if (!diff) return undefined;
    if (input.replace_all === true) diff.node.prepend(el('div', 'diff-note', 'Every occurrence replaced.'));
    return diff;
}

function multiEditInput(input: unknown): Rendered | undefined {
    if (!isRecord(input) || !Array.isArray(input.edits)) return undefined;
    const box = el('div', 'multi-edit');
    let lines = 0;
    const total = input.edits.length;
    for (const [i, edit] of input.edits.entries()) {
        const one = editInput(edit);
        if (!one) return undefined;
        box.append(el('div', 'diff-note', `Edit ${i + 1} of ${total}`), one.node);
        lines += one.lines + 1;
    }
    return { node: box, lines };
}

/** The structured patch Claude Code stored with the result (real line numbers), when there is one. */
function patchResult(toolUseResult: unknown): Rendered | undefined {
    if (!isRecord(toolUseResult) || !Array.isArray(toolUseResult.structuredPatch)) return undefined;
    const hunks = toolUseResult.structuredPatch.filter(isHunk);
    if (!hunks.length) return undefined;
    return hunksView(hunks, true);
}

export const EDIT: ToolRenderer = {
    input: (v) => editInput(v.input),
    result: (v) => patchResult(v.toolUseResult),
};

export const MULTI_EDIT: ToolRenderer = {
    input: (v) => multiEditInput(v.input),
    result: (v) => patchResult(v.toolUseResult),
};
