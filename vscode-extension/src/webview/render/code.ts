/** Code with a line-number gutter, highlighted when its language is known. */
import { el } from '../dom';
import { highlightedCode } from './highlight';

/** Gutters past this many lines would cost more than they help; the code is still all there. */
const GUTTER_LIMIT = 20_000;

export function codeView(code: string, language: string | undefined, firstLine = 1): HTMLElement {
    const wrap = el('div', 'code-view');
    const body = code.endsWith('\n') ? code.slice(0, -1) : code;
    const count = body.split('\n', GUTTER_LIMIT + 1).length;
    if (count <= GUTTER_LIMIT) {
        const numbers: string[] = [];
        for (let i = 0; i < count; i++) numbers.push(String(firstLine + i));
        const gutter = el('pre', 'gutter', numbers.join('\n'));
        gutter.setAttribute('aria-hidden', 'true');
        wrap.append(gutter);
    }
    const pre = el('pre', 'code-lines');
    pre.append(highlightedCode(body, language));
    wrap.append(pre);
    return wrap;
}

export function lineCount(text: string): number {
    let n = 1;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
    return n;
}
