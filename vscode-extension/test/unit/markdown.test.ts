// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { MARKDOWN_LIMIT, renderMarkdown } from '../../src/webview/render/markdown';
import { fileTarget } from '../../src/webview/render/sanitize';

/** Every element and attribute under `root`: what a hostile input could have smuggled in. */
function inventory(root: Element): { tags: Set<string>; attrs: Set<string> } {
    const tags = new Set<string>();
    const attrs = new Set<string>();
    for (const e of root.querySelectorAll('*')) {
        tags.add(e.tagName.toLowerCase());
        for (const a of e.attributes) attrs.add(a.name.toLowerCase());
    }
    return { tags, attrs };
}

const SAFE_TAGS = new Set(['a', 'p', 'br', 'hr', 'em', 'strong', 's', 'code', 'pre', 'span', 'blockquote', 'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td']);
const SAFE_ATTRS = new Set(['href', 'class', 'start', 'title', 'data-action', 'data-path', 'data-line']);

function expectInert(root: Element): void {
    const { tags, attrs } = inventory(root);
    for (const t of tags) expect(SAFE_TAGS, `tag <${t}>`).toContain(t);
    for (const a of attrs) expect(SAFE_ATTRS, `attribute ${a}`).toContain(a);
    for (const a of root.querySelectorAll('a[href]')) {
        const href = a.getAttribute('href') ?? '';
        expect(href === '#' || /^https?:\/\//.test(href), `href ${href}`).toBe(true);
    }
}

describe('markdown for user and assistant text', () => {
    it('renders headings, lists, emphasis, tables and inline code', () => {
        const md = renderMarkdown('## Summary\n\n- I found **two** bugs\n- in `app.py`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n');
        expect(md.querySelector('h2')?.textContent).toBe('Summary');
        expect([...md.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['I found two bugs', 'in app.py']);
        expect(md.querySelector('strong')?.textContent).toBe('two');
        expect(md.querySelectorAll('td')).toHaveLength(2);
        expect(md.textContent).not.toContain('##');
    });

    it('highlights fenced code of a known language and leaves unknown ones plain', () => {
        const md = renderMarkdown('```python\ndef f(x):\n    return "s"\n```\n\n```nosuchlang\nplain <b>text</b>\n```\n');
        const [py, other] = [...md.querySelectorAll('pre')];
        expect(py?.querySelector('.hljs-keyword')?.textContent).toBe('def');
        expect(py?.querySelector('.hljs-string')?.textContent).toBe('"s"');
        expect(py?.textContent).toBe('def f(x):\n    return "s"\n');
        expect(other?.querySelector('span')).toBeNull();
        expect(other?.textContent).toBe('plain <b>text</b>\n');
        expect(other?.querySelector('b')).toBeNull();
    });

    it('keeps http(s) links and turns file paths into open-file links', () => {
        const md = renderMarkdown('[docs](https://example.com/x) [app](src/app.py#L12) [abs](/w/a.ts:7) [dir](./lib/)');
        const [web, app, abs, dir] = [...md.querySelectorAll('a')];
        expect(web?.getAttribute('href')).toBe('https://example.com/x');
        expect(app?.getAttribute('href')).toBe('#');
        expect(app?.dataset).toMatchObject({ action: 'open', path: 'src/app.py', line: '12' });
        expect(abs?.dataset).toMatchObject({ action: 'open', path: '/w/a.ts', line: '7' });
        expect(dir?.dataset.path).toBe('./lib/');
        expect(dir?.dataset.line).toBeUndefined();
    });

    it('does not make a web link of a bare file name (app.py is also a domain)', () => {
        const md = renderMarkdown('I edited app.py and see https://example.org/page for more');
        const links = [...md.querySelectorAll('a')];
        expect(links.map((a) => a.getAttribute('href'))).toEqual(['https://example.org/page']);
    });

    it.each([
        ['a script tag', '<script>window.__pwned = 1</script>hello', '<script>'],
        ['an img with onerror', '<img src=x onerror="window.__pwned=2">', '<img'],
        ['an iframe', '<iframe src="https://evil.example"></iframe>', '<iframe'],
        ['inline style and event handlers', '<p style="color:red" onclick="x()">hi</p>', 'onclick'],
        ['an svg with onload', '<svg onload="alert(1)"><circle/></svg>', '<svg'],
    ])('shows raw HTML as text: %s', (_, input, visible) => {
        const md = renderMarkdown(input);
        expectInert(md);
        expect(md.textContent).toContain(visible);
    });

    it.each([
        ['javascript:', '[click](javascript:alert(1))'],
        ['JavaScript: with entities', '[click](jav&#x09;ascript:alert(1))'],
        ['vbscript:', '[click](vbscript:msgbox(1))'],
        ['data:', '[click](data:text/html;base64,PHNjcmlwdD4=)'],
        ['an autolink to javascript:', '<javascript:alert(1)>'],
        ['file:', '[click](file:///etc/passwd)'],
        ['a command: URI', '[click](command:workbench.action.terminal.new)'],
        ['a protocol-relative URL', '[click](//evil.example/x)'],
    ])('leaves no live link for %s', (_, input) => {
        const md = renderMarkdown(input);
        expectInert(md);
        for (const a of md.querySelectorAll('a')) expect(a.dataset.action === 'open' ? a.dataset.path : (a.getAttribute('href') ?? '')).not.toMatch(/script|data:|file:|command:|evil/i);
    });

    it('loads no remote image: the image becomes a vetted link', () => {
        const md = renderMarkdown('![tracking pixel](https://evil.example/p.png) and ![x](http://10.0.0.1/a.gif)');
        expect(md.querySelector('img')).toBeNull();
        expectInert(md);
        expect(md.textContent).toContain('tracking pixel');
    });

    it('keeps a huge table bounded: linear DOM within the limit, plain text past it', () => {
        const row = (i: number): string => `| ${i} | cell ${i} | more |`;
        const rows = 500;
        const table = ['| a | b | c |', '|---|---|---|', ...Array.from({ length: rows }, (_, i) => row(i))].join('\n');
        expect(table.length).toBeLessThan(MARKDOWN_LIMIT);
        const t0 = performance.now();
        const md = renderMarkdown(table);
        const ms = performance.now() - t0;
        expect(md.querySelectorAll('tr')).toHaveLength(rows + 1);
        expect(md.querySelectorAll('*').length).toBeLessThan((rows + 1) * 5 + 10);
        expect(ms).toBeLessThan(5000); // jsdom is slower than the webview; this catches a blow-up, not a frame

        const huge = ['| a | b | c |', '|---|---|---|', ...Array.from({ length: 20_000 }, (_, i) => row(i))].join('\n');
        const plain = renderMarkdown(huge);
        expect(plain.classList.contains('plain')).toBe(true);
        expect(plain.children).toHaveLength(0);
        expect(plain.textContent).toBe(huge);
    });

    it('bounds nesting (a thousand quote levels do not nest a thousand elements)', () => {
        const md = renderMarkdown(`${'>'.repeat(1000)} deep`);
        let depth = 0;
        for (let e: Element | null = md.querySelector('blockquote'); e; e = e.querySelector(':scope > blockquote')) depth++;
        expect(depth).toBeLessThanOrEqual(20);
        expectInert(md);
    });
});

describe('file targets of markdown links', () => {
    it.each([
        ['src/a.py', { path: 'src/a.py' }],
        ['/abs/b.ts:42', { path: '/abs/b.ts', line: 42 }],
        ['c.md#L3-L9', { path: 'c.md', line: 3 }],
        ['C:\\w\\d.cs', { path: 'C:\\w\\d.cs' }],
        ['with%20space.txt', { path: 'with space.txt' }],
    ])('%s is a file', (href, want) => {
        expect(fileTarget(href)).toEqual(want);
    });

    it.each(['https://x.y', 'mailto:a@b.c', 'javascript:x', '#anchor', '//host/x', ''])('%s is not a file', (href) => {
        expect(fileTarget(href)).toBeUndefined();
    });
});
