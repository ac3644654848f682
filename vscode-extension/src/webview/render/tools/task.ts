/**
 * Task / Agent: what the subagent was asked (its description, type and prompt, the prompt as
 * markdown rather than JSON with literal `\n`), and what it answered, as markdown.
 */
import { el } from '../../dom';
import { lineCount } from '../code';
import { renderMarkdown } from '../markdown';
import { isRecord, rawText, str, type Rendered, type ToolRenderer } from './types';

export const TASK: ToolRenderer = {
    input(v) {
        if (!isRecord(v.input)) return undefined;
        const prompt = str(v.input.prompt);
        if (prompt === undefined) return undefined;
        const box = el('div', 'tool-summary task');
        const head = [str(v.input.subagent_type), str(v.input.description)].filter((s): s is string => !!s);
        if (head.length) box.append(el('div', 'tool-note', head.join(' · ')));
        const md = renderMarkdown(prompt);
        md.classList.add('task-prompt');
        box.append(md);
        return { node: box, lines: 1 + lineCount(prompt) };
    },
    result(v, text) {
        const answer = rawText(v.content) || text;
        return { node: renderMarkdown(answer), lines: lineCount(answer) };
    },
};
