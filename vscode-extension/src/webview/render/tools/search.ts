/** Grep and Glob: the pattern and where; the result's paths (and path:line hits) as file links. */
import { el, fileLink } from '../../dom';
import { lineCount } from '../code';
import { isRecord, rawText, str, type Rendered, type ToolRenderer } from './types';

const LINK_LINES = 2_000;
// path:line:text (Grep's content mode with line numbers), path:line-text is a context line.
const HIT = /^(.+?):(\d+)([:-])(.*)$/;
const PATHISH = /^(?:\/|\.{1,2}\/|~\/|[A-Za-z]:[\\/]|[\w.@-]+[\\/])[^\s]*$|^[\w.@-]+\.[A-Za-z0-9]{1,8}$/;

/** One result line: a file link (with its line), a hit with its text, or plain text. */
export function resultLine(line: string): HTMLElement {
    const row = el('div', 'hit');
    const hit = HIT.exec(line);
    if (hit && PATHISH.test(hit[1] ?? '')) {
        row.append(fileLink(hit[1] ?? '', Number(hit[2])), el('span', hit[3] === '-' ? 'hit-text context' : 'hit-text', hit[4] ?? ''));
        return row;
    }
    if (PATHISH.test(line.trim())) {
        row.append(fileLink(line.trim()));
        return row;
    }
    row.textContent = line;
    return row;
}

function linksResult(text: string): Rendered {
    const box = el('div', 'hits');
    const lines = text.split('\n');
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    for (const line of lines.slice(0, LINK_LINES)) box.append(resultLine(line));
    if (lines.length > LINK_LINES) box.append(el('div', 'tool-note', `… ${(lines.length - LINK_LINES).toLocaleString()} more lines`));
    return { node: box, lines: Math.min(lines.length, LINK_LINES + 1) };
}

function patternInput(input: unknown, extra: string[]): Rendered | undefined {
    if (!isRecord(input)) return undefined;
    const pattern = str(input.pattern);
    if (pattern === undefined) return undefined;
    const box = el('div', 'tool-summary');
    box.append(el('code', 'pattern', pattern));
    const path = str(input.path);
    if (path) box.append(el('span', 'tool-note', ' in '), fileLink(path));
    for (const key of extra) {
        const v = input[key];
        if (typeof v === 'string' || typeof v === 'number' || v === true) box.append(el('span', 'tool-note', ` ${key}: ${String(v)}`));
    }
    return { node: box, lines: lineCount(pattern) };
}

export const GREP: ToolRenderer = {
    input: (v) => patternInput(v.input, ['glob', 'type', 'output_mode', '-i', 'multiline']),
    result: (v, text) => linksResult(rawText(v.content) || text),
};

export const GLOB: ToolRenderer = {
    input: (v) => patternInput(v.input, []),
    result: (v, text) => linksResult(rawText(v.content) || text),
};
