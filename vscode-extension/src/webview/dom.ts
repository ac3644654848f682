/**
 * Tiny DOM helpers shared by the renderers. Text goes in with textContent only: a transcript's
 * strings never become markup.
 */

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
}

export function icon(name: string, extra = ''): HTMLSpanElement {
    const e = el('span', `codicon codicon-${name}${extra ? ` ${extra}` : ''}`);
    e.setAttribute('aria-hidden', 'true');
    return e;
}

/** A link that opens a file of the session through the host (`openFile`), never a navigation. */
export function fileLink(path: string, line?: number, text?: string): HTMLAnchorElement {
    const link = el('a', 'file-link');
    link.href = '#';
    link.dataset.action = 'open';
    link.dataset.path = path;
    if (line) link.dataset.line = String(line);
    link.title = `Open ${path}${line ? ` at line ${line}` : ''}`;
    link.append(icon('go-to-file'), el('span', '', text ?? (line ? `${path}:${line}` : path)));
    return link;
}
