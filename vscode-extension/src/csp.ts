/** The session webview's Content-Security-Policy and its per-load nonce (no vscode import: tested). */
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
