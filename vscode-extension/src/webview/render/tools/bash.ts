/** Bash as `$ command`, its description, and its output with the terminal's colours. */
import { el } from '../../dom';
import { renderAnsi } from '../ansi';
import { lineCount } from '../code';
import { highlightedCode } from '../highlight';
import { isRecord, rawText, str, type ToolRenderer } from './types';

export const BASH: ToolRenderer = {
    input(v) {
        if (!isRecord(v.input)) return undefined;
        const command = str(v.input.command);
        if (command === undefined) return undefined;
        const box = el('div', 'bash');
        const description = str(v.input.description);
        if (description) box.append(el('div', 'tool-note', description));
        const pre = el('pre', 'command');
        pre.append(el('span', 'prompt', '$ '), highlightedCode(command, 'bash'));
        box.append(pre);
        if (v.input.run_in_background === true) box.append(el('div', 'tool-note', 'in the background'));
        return { node: box, lines: lineCount(command) + (description ? 1 : 0) };
    },
    result(v, text) {
        const raw = rawText(v.content) || text;
        const pre = el('pre', 'terminal');
        pre.append(renderAnsi(raw));
        return { node: pre, lines: lineCount(raw) };
    },
};
