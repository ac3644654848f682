/** WebFetch and WebSearch: the URL or the query, and the answer as markdown. */
import { el } from '../../dom';
import { lineCount } from '../code';
import { renderMarkdown } from '../markdown';
import { isWebUrl } from '../sanitize';
import { isRecord, rawText, str, type Rendered, type ToolRenderer } from './types';

function webLink(url: string): HTMLElement {
    if (!isWebUrl(url)) return el('code', '', url);
    const a = el('a', 'web-link', url);
    a.href = url;
    a.title = url;
    return a;
}

function markdownResult(text: string): Rendered {
    return { node: renderMarkdown(text), lines: lineCount(text) };
}

export const WEB_FETCH: ToolRenderer = {
    input(v) {
        if (!isRecord(v.input)) return undefined;
        const url = str(v.input.url);
        if (!url) return undefined;
        const box = el('div', 'tool-summary');
        box.append(webLink(url));
        const prompt = str(v.input.prompt);
        if (prompt) box.append(el('div', 'tool-note', prompt));
        return { node: box, lines: 1 + (prompt ? lineCount(prompt) : 0) };
    },
    result: (v, text) => markdownResult(rawText(v.content) || text),
};

export const WEB_SEARCH: ToolRenderer = {
    input(v) {
        if (!isRecord(v.input)) return undefined;
        const query = str(v.input.query);
        if (query === undefined) return undefined;
        const box = el('div', 'tool-summary');
        box.append(el('span', 'tool-note', 'Search: '), el('q', 'query', query));
        for (const key of ['allowed_domains', 'blocked_domains']) {
            const list = v.input[key];
            if (Array.isArray(list) && list.length) box.append(el('div', 'tool-note', `${key.replace('_', ' ')}: ${list.filter((d) => typeof d === 'string').join(', ')}`));
        }
        return { node: box, lines: 1 };
    },
    result: (v, text) => markdownResult(rawText(v.content) || text),
};
