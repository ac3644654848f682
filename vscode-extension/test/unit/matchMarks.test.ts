// @vitest-environment jsdom
import { describe, expect, it, vi } from 'vitest';
import { queryTerms } from '../../src/shared/queryTerms';
import { clearMarks, markRow, markText, MARK_CLASS, MAX_MARKS, SearchHighlight } from '../../src/webview/matchMarks';
import { renderMarkdown } from '../../src/webview/render/markdown';

/** A node's text with each mark written as [..]. */
function shown(node: Node): string {
    let out = '';
    for (const c of node.childNodes) {
        if (c instanceof HTMLElement && c.tagName === 'MARK') out += `[${c.textContent}]`;
        else if (c.nodeType === Node.TEXT_NODE) out += (c as Text).data;
        else out += shown(c);
    }
    return out;
}

function textBox(text: string, cls = 'label'): HTMLDivElement {
    const row = document.createElement('div');
    row.className = 'row';
    const span = document.createElement('span');
    span.className = cls;
    span.textContent = text;
    row.append(span);
    return row;
}

/** Every element under `root`, by tag name. */
function tags(root: Element): string[] {
    return [...root.querySelectorAll('*')].map((e) => e.tagName);
}

describe('markText on hostile transcript text', () => {
    it('keeps HTML in the text as text: no element but the marks appears, the text is unchanged', () => {
        const text = '<img src=x onerror="window.__pwned=1"> fix the <b>token</b> <script>alert(1)</script> token';
        const row = textBox(text);
        expect(markRow(row, queryTerms('token img script'))).toBe(5);
        expect(row.textContent).toBe(text);
        expect(tags(row)).toEqual(['SPAN', 'MARK', 'MARK', 'MARK', 'MARK', 'MARK']);
        expect([...row.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['img', 'token', 'script', 'script', 'token']);
        expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
    });

    it('leaves bidi and zero-width controls where they were, outside the marks', () => {
        const text = 'a\u202Etoken\u202C b\u2066refresh\u2069 c\u200Btoken';
        const row = textBox(text);
        markRow(row, queryTerms('token refresh'));
        expect(row.textContent).toBe(text);
        expect(shown(row)).toBe('a\u202E[token]\u202C b\u2066[refresh]\u2069 c\u200B[token]');
    });

    it('marks a match at the end of a 1 MB line and stops at MAX_MARKS on a line full of matches', () => {
        const long = `${'x'.repeat(1_000_000)} needle`;
        const row = textBox(long);
        expect(markRow(row, queryTerms('needle'))).toBe(1);
        expect(row.querySelector('mark')?.textContent).toBe('needle');
        expect(row.textContent).toBe(long);

        const full = textBox('hit '.repeat(5000));
        expect(markRow(full, queryTerms('hit'))).toBe(MAX_MARKS);
        expect(full.querySelectorAll('mark')).toHaveLength(MAX_MARKS);
        expect(full.textContent).toBe('hit '.repeat(5000));
    });

    it('marks nothing for a query of filters and exclusions only', () => {
        const row = textBox('Bash ran; errors galore');
        expect(markRow(row, queryTerms('tool:Bash -galore errors'))).toBe(0);
        expect(row.querySelector('mark')).toBeNull();
    });
});

describe('markText in rendered markdown and code', () => {
    function rendered(md: string): HTMLDivElement {
        const row = document.createElement('div');
        row.className = 'row';
        const box = renderMarkdown(md);
        box.classList.add('rendered');
        row.append(box);
        return row;
    }

    it('finds a phrase across the inline elements markdown makes, one mark per text piece', () => {
        const row = rendered('We fix the **token** refresh today.');
        expect(markRow(row, queryTerms('"token refresh"'))).toBe(1);
        expect(shown(row.querySelector('p')!)).toBe('We fix the [token][ refresh] today.');
        expect(row.querySelector('strong mark')?.textContent).toBe('token');
    });

    it('never joins the words of two blocks into one, but finds a phrase across them (as the index does)', () => {
        const row = document.createElement('div');
        const box = document.createElement('div');
        box.className = 'rendered';
        const [p1, p2] = [document.createElement('p'), document.createElement('p')];
        p1.textContent = 'first tok';
        p2.textContent = 'en second';
        box.append(p1, p2);
        row.append(box);
        expect(markRow(row, queryTerms('token'))).toBe(0);
        expect(markRow(row, queryTerms('"tok en"'))).toBe(1);
        expect([...row.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['tok', 'en']);
    });

    it('marks words inside a highlighted code block without breaking its syntax colours', () => {
        const row = rendered('```python\ndef refresh_token(cache):\n    return cache.token\n```');
        const before = row.querySelectorAll('[class^="hljs-"]').length;
        const text = row.querySelector('pre code')?.textContent;
        expect(before).toBeGreaterThan(0);
        expect(text).toContain('def refresh_token(cache):\n    return cache.token');
        expect(markRow(row, queryTerms('cache'))).toBe(2);
        expect(row.querySelectorAll('[class^="hljs-"]').length).toBe(before);
        expect(row.querySelector('pre code')?.textContent).toBe(text);
        expect(row.querySelectorAll('pre code mark')).toHaveLength(2);
    });

    it('skips buttons, icons, times and line-number gutters', () => {
        const row = textBox('token');
        for (const cls of ['time', 'meta', 'codicon']) {
            const s = document.createElement('span');
            s.className = cls;
            s.textContent = 'token';
            row.append(s);
        }
        const b = document.createElement('button');
        b.textContent = 'token';
        row.append(b);
        const box = document.createElement('div');
        box.className = 'rendered';
        box.innerHTML = '<pre class="gutter">1\n2</pre><pre class="code-lines">token 1</pre>';
        row.append(box);
        expect(markRow(row, queryTerms('token 1'))).toBe(3);
        expect([...row.querySelectorAll('mark')].map((m) => m.parentElement?.className)).toEqual(['label', 'code-lines', 'code-lines']);
    });

    it('does not join a file link and the text after it into one word (a Grep hit line)', () => {
        const row = document.createElement('div');
        const box = document.createElement('div');
        box.className = 'rendered';
        const line = document.createElement('div');
        const a = document.createElement('a');
        a.className = 'file-link';
        a.append(Object.assign(document.createElement('span'), { textContent: 'src/a.py:12' }));
        const hit = Object.assign(document.createElement('span'), { className: 'hit-text', textContent: 'def refresh' });
        line.append(a, hit);
        box.append(line);
        row.append(box);
        expect(markRow(row, queryTerms('12def'))).toBe(0);
        expect(markRow(row, queryTerms('def'))).toBe(1);
    });

    it('runs words on through colouring spans (a word split by a terminal colour change)', () => {
        const row = document.createElement('div');
        const code = document.createElement('code');
        code.className = 'rendered ansi';
        code.append(Object.assign(document.createElement('span'), { className: 'ansi-fg-red', textContent: 'ref' }), 'resh done');
        row.append(code);
        expect(markRow(row, queryTerms('refresh'))).toBe(1);
        expect([...row.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['ref', 'resh']);
    });

    it('does not let separate parts of a row run together (label then detail)', () => {
        const row = textBox('token');
        const d = document.createElement('span');
        d.className = 'detail';
        d.textContent = 'refresh';
        row.append(d);
        expect(markRow(row, queryTerms('"token refresh"'))).toBe(0);
        expect(markRow(row, queryTerms('tokenrefresh'))).toBe(0);
    });
});

describe('clearMarks', () => {
    it('gives back the same text nodes layout: one text node, no marks', () => {
        const row = textBox('a token and a token');
        markRow(row, queryTerms('token'));
        expect(row.querySelectorAll(`mark.${MARK_CLASS}`)).toHaveLength(2);
        clearMarks(row);
        expect(row.querySelector('mark')).toBeNull();
        const label = row.querySelector('.label')!;
        expect(label.childNodes).toHaveLength(1);
        expect(label.textContent).toBe('a token and a token');
    });

    it('leaves marks that are not its own (a snippet mark of another feature)', () => {
        const row = textBox('x');
        row.querySelector('.label')!.append(document.createElement('mark'));
        clearMarks(row);
        expect(row.querySelectorAll('mark')).toHaveLength(1);
    });
});

describe('SearchHighlight', () => {
    it('applies to rows built later (a row scrolled away and back is marked again)', () => {
        const h = new SearchHighlight(document, () => {});
        h.set('refresh');
        const first = textBox('refresh now');
        h.apply(first);
        expect(first.querySelectorAll('mark')).toHaveLength(1);
        const rebuilt = textBox('refresh now');
        h.apply(rebuilt);
        expect(rebuilt.querySelectorAll('mark')).toHaveLength(1);
    });

    it('shows the query as text in its chip and clears with its button', () => {
        const onClear = vi.fn();
        const h = new SearchHighlight(document, onClear);
        h.set('<b>x</b> token');
        expect(h.active).toBe(true);
        expect(h.chip.hidden).toBe(false);
        expect(h.chip.querySelector('.highlight-query')?.textContent).toBe('<b>x</b> token');
        expect(h.chip.querySelector('b')).toBeNull();
        h.chip.querySelector('button')!.click();
        expect(onClear).toHaveBeenCalledTimes(1);
        expect(h.active).toBe(false);
        expect(h.chip.hidden).toBe(true);
    });

    it('refresh re-marks rows for a new query and takes marks out when cleared', () => {
        const h = new SearchHighlight(document, () => {});
        const row = textBox('alpha beta');
        h.set('alpha');
        h.apply(row);
        h.set('beta');
        h.refresh([row]);
        expect(shown(row)).toBe('alpha [beta]');
        h.set('');
        h.refresh([row]);
        expect(row.querySelector('mark')).toBeNull();
        expect(h.chip.hidden).toBe(true);
    });

    it('a query with no text to mark (filters only) is no highlight', () => {
        const h = new SearchHighlight(document, () => {});
        h.set('tool:Bash errors');
        expect(h.active).toBe(false);
        expect(h.chip.hidden).toBe(true);
    });
});

it('marks in a plain text element (markText on its own)', () => {
    const p = document.createElement('p');
    p.textContent = 'one two';
    expect(markText(p, queryTerms('two'))).toBe(1);
    expect(shown(p)).toBe('one [two]');
});
