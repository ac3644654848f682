/**
 * The one door through which HTML (from markdown-it or highlight.js, both fed transcript text)
 * reaches the DOM: DOMPurify with an allow-list of harmless tags and attributes, and every link
 * rewritten to one of two safe forms (an http(s) URL, or a file of the session opened by the host).
 * Anything else loses its href and stays as text.
 */
import DOMPurify from 'dompurify';

const ALLOWED_TAGS = [
    'a', 'p', 'br', 'hr', 'em', 'strong', 's', 'del', 'code', 'pre', 'span', 'blockquote',
    'ul', 'ol', 'li', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6',
    'table', 'thead', 'tbody', 'tr', 'th', 'td',
];
const ALLOWED_ATTR = ['href', 'class', 'start', 'title'];

/** A link target that is a file of the session (absolute or relative path, optional `:line` or `#L12`). */
export function fileTarget(href: string): { path: string; line?: number } | undefined {
    let raw: string;
    try {
        raw = decodeURI(href);
    } catch {
        raw = href;
    }
    // A scheme (other than a Windows drive letter) is not a file of ours.
    if (/^[a-z][a-z0-9+.-]*:/i.test(raw) && !/^[a-z]:[\\/]/i.test(raw)) return undefined;
    if (raw.startsWith('//') || raw.startsWith('#') || !raw || raw.length > 4096) return undefined;
    // Control characters in a "path" are a disguised scheme (`jav\tascript:`), never a real file name.
    // eslint-disable-next-line no-control-regex
    if (/[\x00-\x1f\x7f]/.test(raw)) return undefined;
    let path = raw;
    let line: number | undefined;
    const hash = /#L(\d+)(?:-L?\d+)?$/.exec(path);
    if (hash) {
        line = Number(hash[1]);
        path = path.slice(0, hash.index);
    } else {
        path = path.replace(/#.*$/, '');
        const colon = /:(\d+)(?::\d+)?$/.exec(path);
        if (colon) {
            line = Number(colon[1]);
            path = path.slice(0, colon.index);
        }
    }
    if (!path || /[\0\r\n]/.test(path)) return undefined;
    return line && line > 0 ? { path, line } : { path };
}

export function isWebUrl(href: string): boolean {
    return /^https?:\/\/[^\s/]/i.test(href);
}

/** Make a link safe in place: http(s) stays a link; a path opens the file; anything else is text. */
export function secureLink(a: HTMLAnchorElement): void {
    const href = a.getAttribute('href') ?? '';
    for (const attr of [...a.attributes]) if (attr.name !== 'href' && attr.name !== 'class') a.removeAttribute(attr.name);
    if (isWebUrl(href)) {
        a.setAttribute('title', href);
        a.classList.add('web-link');
        return;
    }
    const file = fileTarget(href);
    if (file) {
        a.setAttribute('href', '#');
        a.classList.add('file-link', 'inline');
        a.dataset.action = 'open';
        a.dataset.path = file.path;
        if (file.line) a.dataset.line = String(file.line);
        a.setAttribute('title', `Open ${file.path}${file.line ? ` at line ${file.line}` : ''}`);
        return;
    }
    a.removeAttribute('href');
    a.classList.add('dead-link');
}

/** Sanitized DOM nodes from untrusted HTML, links secured. */
export function sanitizeToFragment(html: string): DocumentFragment {
    const frag = DOMPurify.sanitize(html, {
        ALLOWED_TAGS,
        ALLOWED_ATTR,
        ALLOW_DATA_ATTR: false,
        ALLOW_ARIA_ATTR: false,
        RETURN_DOM_FRAGMENT: true,
    });
    for (const a of frag.querySelectorAll('a')) secureLink(a);
    return frag;
}
