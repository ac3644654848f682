/** AskUserQuestion: each question, its options, and the answer the user chose. */
import { el, icon } from '../../dom';
import { isRecord, str, type ToolRenderer } from './types';

/** The answers Claude Code stored with the result: question text → chosen label(s). */
function answersOf(toolUseResult: unknown): Map<string, string> {
    const out = new Map<string, string>();
    if (isRecord(toolUseResult) && isRecord(toolUseResult.answers)) {
        for (const [q, a] of Object.entries(toolUseResult.answers)) if (typeof a === 'string') out.set(q, a);
    }
    return out;
}

function questionsView(input: unknown, answers: Map<string, string>): HTMLElement | undefined {
    if (!isRecord(input) || !Array.isArray(input.questions)) return undefined;
    const box = el('div', 'questions');
    for (const q of input.questions) {
        if (!isRecord(q)) return undefined;
        const question = str(q.question) ?? '';
        const item = el('div', 'question');
        const header = str(q.header);
        if (header) item.append(el('span', 'badge muted', header));
        item.append(el('span', 'question-text', question));
        const answer = answers.get(question);
        const chosen = new Set((answer ?? '').split(',').map((s) => s.trim()));
        const options = el('ul', 'options');
        for (const o of Array.isArray(q.options) ? q.options : []) {
            if (!isRecord(o)) continue;
            const label = str(o.label) ?? '';
            const picked = answer !== undefined && (answer === label || chosen.has(label));
            const li = el('li', picked ? 'option chosen' : 'option');
            li.append(icon(picked ? 'pass-filled' : 'circle-large-outline'), el('span', 'option-label', label));
            const description = str(o.description);
            if (description) li.append(el('span', 'tool-note', ` — ${description}`));
            options.append(li);
        }
        item.append(options);
        if (answer !== undefined) item.append(el('div', 'answer', `Answer: ${answer}`));
        box.append(item);
    }
    return box;
}

/** The result: each question with the answer given (marked when it is one of the options). */
function answersView(input: unknown, answers: Map<string, string>): HTMLElement {
    const box = el('div', 'questions');
    const questions = isRecord(input) && Array.isArray(input.questions) ? input.questions.filter(isRecord) : [];
    const labels = new Map(questions.map((q) => [str(q.question) ?? '', (Array.isArray(q.options) ? q.options : []).map((o) => (isRecord(o) ? (str(o.label) ?? '') : ''))]));
    for (const [question, answer] of answers) {
        const item = el('div', 'question');
        item.append(el('span', 'question-text', question));
        const known = labels.get(question) ?? [];
        const picked = answer.split(',').map((s) => s.trim()).every((a) => known.includes(a));
        const line = el('div', picked ? 'answer option chosen' : 'answer');
        line.append(icon(picked ? 'pass-filled' : 'comment'), el('span', 'option-label', answer));
        item.append(line);
        box.append(item);
    }
    return box;
}

export const ASK_USER_QUESTION: ToolRenderer = {
    input(v) {
        const node = questionsView(v.input, new Map());
        return node ? { node, lines: node.querySelectorAll('li, .question').length } : undefined;
    },
    result(v) {
        const answers = answersOf(v.toolUseResult);
        if (!answers.size) return undefined;
        const node = answersView(v.input, answers);
        return { node, lines: answers.size * 2 };
    },
};
