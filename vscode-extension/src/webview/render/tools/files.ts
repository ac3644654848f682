/** Write as highlighted code; Read as file:lines and its result as highlighted code with line numbers. */
import { el, fileLink } from '../../dom';
import { codeView, lineCount } from '../code';
import { languageOfPath } from '../highlight';
import { isRecord, rawText, str, type Rendered, type ToolRenderer } from './types';

export const WRITE: ToolRenderer = {
    input(v) {
        if (!isRecord(v.input)) return undefined;
        const content = str(v.input.content);
        const path = str(v.input.file_path) ?? '';
        if (content === undefined) return undefined;
        return { node: codeView(content, languageOfPath(path)), lines: lineCount(content) };
    },
};

// Read's result: `cat -n` lines, "   12→text" (a tab instead of the arrow in older versions).
const NUMBERED = /^\s*(\d+)(?:→|\t)(.*)$/;

/** The code and first line number of a numbered Read result, or undefined when it is not one. */
export function unnumber(text: string): { code: string; first: number } | undefined {
    const lines = text.split('\n');
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    if (!lines.length) return undefined;
    const first = NUMBERED.exec(lines[0] ?? '');
    if (!first) return undefined;
    const out: string[] = [];
    for (const line of lines) {
        const m = NUMBERED.exec(line);
        if (!m) {
            // The system reminder Claude Code appends after the file: keep the code above it.
            if (out.length) break;
            return undefined;
        }
        out.push(m[2] ?? '');
    }
    return { code: out.join('\n'), first: Number(first[1]) };
}

export const READ: ToolRenderer = {
    input(v) {
        if (!isRecord(v.input)) return undefined;
        const path = str(v.input.file_path);
        if (!path) return undefined;
        const offset = typeof v.input.offset === 'number' && v.input.offset > 0 ? v.input.offset : undefined;
        const limit = typeof v.input.limit === 'number' && v.input.limit > 0 ? v.input.limit : undefined;
        const range = offset ? `${offset}${limit ? `–${offset + limit - 1}` : ''}` : limit ? `1–${limit}` : '';
        const box = el('div', 'tool-summary');
        box.append(fileLink(path, offset, range ? `${path}:${range}` : path));
        return { node: box, lines: 1 };
    },
    result(v, text) {
        const path = isRecord(v.input) ? (str(v.input.file_path) ?? '') : '';
        const numbered = unnumber(rawText(v.content) || text);
        if (!numbered) return undefined;
        return { node: codeView(numbered.code, languageOfPath(path), numbered.first), lines: lineCount(numbered.code) };
    },
};
