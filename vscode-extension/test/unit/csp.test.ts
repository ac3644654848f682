// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, webviewHtml, type WebviewShell } from '../../src/csp';

const SRC = 'https://cspsource.example';
const media = (name: string): string => `${SRC}/dist/media/${name}`;

/** The two pages the extension loads, as sessionPanel.ts and searchViewProvider.ts describe them. */
const SHELLS: [string, WebviewShell][] = [
    [
        'a session panel',
        {
            cspSource: SRC,
            nonce: 'N0NCE',
            title: 'Fix the </title><script>window.__pwned=1</script> "bug"',
            styles: [media('codicon.css'), media('uplot.css'), media('webview.css')],
            script: media('webview.js'),
            root: { id: 'app', data: { session: '11111111-2222"><script>x</script>' } },
        },
    ],
    [
        'the Search view',
        { cspSource: SRC, nonce: 'N0NCE', title: 'Search Sessions', styles: [media('codicon.css'), media('search.css')], script: media('search.js'), root: { id: 'search' } },
    ],
];

describe.each(SHELLS)('the page shell of %s', (_, shell) => {
    const doc = new DOMParser().parseFromString(webviewHtml(shell), 'text/html');

    it('declares the strict CSP in a meta tag, before any resource', () => {
        const meta = doc.head.querySelector('meta[http-equiv="Content-Security-Policy"]');
        expect(meta?.getAttribute('content')).toBe(contentSecurityPolicy(SRC, 'N0NCE'));
        expect(meta?.getAttribute('content')).not.toMatch(/unsafe-inline|unsafe-eval/);
        const first = doc.head.querySelector('link, script');
        expect(meta!.compareDocumentPosition(first!) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    });

    it('loads its stylesheets and its one script with the nonce, from the media folder only', () => {
        const links = [...doc.querySelectorAll('link')];
        expect(links.map((l) => l.getAttribute('href'))).toEqual(shell.styles);
        expect(links.every((l) => l.getAttribute('nonce') === 'N0NCE' && l.rel === 'stylesheet')).toBe(true);
        const scripts = [...doc.querySelectorAll('script')];
        expect(scripts).toHaveLength(1);
        expect(scripts[0]!.getAttribute('src')).toBe(shell.script);
        expect(scripts[0]!.getAttribute('nonce')).toBe('N0NCE');
        expect(scripts[0]!.textContent).toBe('');
        expect(doc.querySelectorAll('style, [style], [onerror], [onload]')).toHaveLength(0);
    });

    it('keeps its title and root attributes as text, whatever they hold', () => {
        expect(doc.title).toBe(shell.title);
        const root = doc.getElementById(shell.root.id);
        expect(root?.parentElement).toBe(doc.body);
        expect(root?.childNodes).toHaveLength(0);
        for (const [k, v] of Object.entries(shell.root.data ?? {})) expect(root?.getAttribute(`data-${k}`)).toBe(v);
    });
});

it('refuses a root id or data name that is not a plain name', () => {
    const base = SHELLS[1]![1];
    expect(() => webviewHtml({ ...base, root: { id: 'x" onload="y' } })).toThrow(/bad root id/);
    expect(() => webviewHtml({ ...base, root: { id: 'x', data: { 'a b': 'c' } } })).toThrow(/bad data attribute/);
});
