/**
 * Markdown for user and assistant text: markdown-it with raw HTML off (a `<script>` in a prompt
 * stays text), images off (no remote loads: `![x](url)` becomes a link, which the sanitizer then
 * vets), bare URLs linkified, fenced code highlighted. The HTML goes through the sanitizer before
 * it becomes DOM nodes. Very long text is shown plain: parsing it would cost more than reading it.
 */
import MarkdownIt from 'markdown-it';
import { highlightHtml } from './highlight';
import { sanitizeToFragment } from './sanitize';

/** Above this many characters the text is shown as plain text. */
export const MARKDOWN_LIMIT = 60_000;

const md = new MarkdownIt('default', {
    html: false,
    linkify: true,
    typographer: false,
    breaks: false,
    maxNesting: 20,
    highlight: (code, lang) => {
        const html = highlightHtml(code, lang.trim().split(/\s+/)[0]);
        // markdown-it escapes the code itself when this returns ''.
        return html === undefined ? '' : `<pre class="code-block"><code class="hljs">${html}</code></pre>`;
    },
});
md.disable(['image']);
// Only URLs with a scheme: fuzzy links would make `app.py` (a Paraguayan domain) a web link.
md.linkify.set({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });

/** The rendered HTML (not yet sanitized: `renderMarkdown` does that). */
export function markdownHtml(text: string): string {
    return md.render(text);
}

/** Markdown as sanitized DOM nodes inside a `div.markdown`, or plain text past the limit. */
export function renderMarkdown(text: string): HTMLElement {
    const box = document.createElement('div');
    if (text.length > MARKDOWN_LIMIT) {
        box.className = 'markdown plain';
        box.textContent = text;
        return box;
    }
    box.className = 'markdown';
    box.append(sanitizeToFragment(markdownHtml(text)));
    // markdown-it's own code blocks (no known language) get the code-block class too.
    for (const pre of box.querySelectorAll('pre')) pre.classList.add('code-block');
    return box;
}
