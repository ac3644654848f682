/**
 * The webviews' page shell: the Content-Security-Policy, its per-load nonce, and the one HTML
 * skeleton both webviews (a session's panel, the Search view) load. No vscode import: tested.
 */
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
    return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

/** Only the nonce'd script runs; styles and fonts come from the extension's own media folder. */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
    return [
        "default-src 'none'",
        `script-src 'nonce-${nonce}'`,
        `style-src ${cspSource} 'nonce-${nonce}'`,
        `font-src ${cspSource}`,
        `img-src ${cspSource} data:`,
    ].join('; ');
}

/** Escaped for an attribute value or element text: the title is transcript text. */
function escapeHtml(text: string): string {
    return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface WebviewShell {
    /** `webview.cspSource`. */
    cspSource: string;
    /** A fresh `makeNonce()` per load. */
    nonce: string;
    title: string;
    /** Webview URIs of the stylesheets (from the extension's media folder), in order. */
    styles: readonly string[];
    /** The webview URI of the page's one script. */
    script: string;
    /** The element the script builds the page in: its id and data-* attributes. */
    root: { id: string; data?: Readonly<Record<string, string>> };
}

const NAME = /^[a-z][a-z0-9-]*$/;

/**
 * The HTML of a webview: the strict CSP in a meta tag, the stylesheets and the one script each
 * carrying the nonce, and an empty root element. Every value is escaped; the root's id and data
 * names are checked to be plain names (they come from this extension, never from a transcript).
 */
export function webviewHtml(s: WebviewShell): string {
    const csp = contentSecurityPolicy(s.cspSource, s.nonce);
    if (!NAME.test(s.root.id)) throw new Error(`webviewHtml: bad root id ${s.root.id}`);
    const data = Object.entries(s.root.data ?? {})
        .map(([k, v]) => {
            if (!NAME.test(k)) throw new Error(`webviewHtml: bad data attribute ${k}`);
            return ` data-${k}="${escapeHtml(v)}"`;
        })
        .join('');
    const links = s.styles.map((href) => `<link rel="stylesheet" nonce="${s.nonce}" href="${escapeHtml(href)}">`);
    return [
        '<!DOCTYPE html>',
        '<html lang="en">',
        '<head>',
        '<meta charset="UTF-8">',
        `<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">`,
        '<meta name="viewport" content="width=device-width, initial-scale=1.0">',
        ...links,
        `<title>${escapeHtml(s.title)}</title>`,
        '</head>',
        '<body>',
        `<div id="${s.root.id}"${data}></div>`,
        `<script nonce="${s.nonce}" src="${escapeHtml(s.script)}"></script>`,
        '</body>',
        '</html>',
    ].join('\n');
}
