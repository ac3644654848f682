/**
 * The search's match highlighted inside a session: the query's terms marked in the rows as they
 * are built. Transcript text is untrusted, so a mark is made by splitting the text nodes that are
 * already there and wrapping the matched pieces in `<mark>` elements built with the DOM API: no
 * string of the transcript is ever parsed as HTML, and the text reads exactly as before.
 *
 * Matching runs over the text of a whole row part (a label, a rendered block), so a phrase is found
 * across the elements markdown and syntax highlighting put in it (`the <strong>token</strong>
 * refresh`), while text of different elements never runs into one word (`<b>tok</b>en`), as
 * the index, which reads `**tok**en`, does not join them either.
 */
import { findMatches, queryTerms, type Term } from '../shared/queryTerms';

export const MARK_CLASS = 'search-match';
/** More marks than this in one row would slow the page for no reader's benefit. */
export const MAX_MARKS = 500;
/** The parts of a row that hold transcript text (not its buttons, icons, times or line numbers). */
const TARGETS = '.label, .detail, .rendered';
const SKIP = 'button, .codicon, .gutter, .time, .meta';

/**
 * A span that only colours its text (syntax highlighting, terminal colours): the text runs on
 * through it. Every other element stands for something between words: a paragraph, a badge, or
 * markdown's `**`, backticks and link brackets, which split words in the indexed text too.
 */
function colouring(e: Element): boolean {
    if (e.tagName !== 'SPAN') return false;
    const first = e.classList.item(0);
    return first === null || first.startsWith('hljs') || first.startsWith('ansi');
}

/** NodeFilter.SHOW_TEXT (a number, so this module needs no DOM globals to load). */
const SHOW_TEXT = 0x4;

/** `e` or an ancestor of it up to `root` (inclusive) matches `selector`. */
function within(e: Element | null, selector: string, root: Element): boolean {
    const hit = e?.closest(selector);
    return !!hit && (hit === root || root.contains(hit));
}

/** The element whose text a text node's words belong to. */
function blockOf(node: Node, root: Element): Element {
    let e = node.parentElement;
    while (e && e !== root && colouring(e)) e = e.parentElement;
    return e ?? root;
}

interface Segment {
    node: Text;
    start: number;
}

/** Mark the terms' matches under `root`; returns how many marks were made. */
export function markText(root: Element, terms: readonly Term[], limit = MAX_MARKS): number {
    if (!terms.length || limit <= 0) return 0;
    const doc = root.ownerDocument;
    const segments: Segment[] = [];
    let text = '';
    let block: Element | undefined;
    const walker = doc.createTreeWalker(root, SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const t = n as Text;
        if (!t.data || within(t.parentElement, SKIP, root)) continue;
        const b = blockOf(t, root);
        if (block !== undefined && b !== block) text += '\n'; // a separator no word crosses
        block = b;
        segments.push({ node: t, start: text.length });
        text += t.data;
    }
    const ranges = findMatches(text, terms, limit);
    if (!ranges.length) return 0;
    let r = 0;
    for (const seg of segments) {
        const end = seg.start + seg.node.data.length;
        while (r < ranges.length && ranges[r]!.end <= seg.start) r++;
        const pieces: { start: number; end: number }[] = [];
        for (let k = r; k < ranges.length && ranges[k]!.start < end; k++) {
            const a = Math.max(ranges[k]!.start, seg.start) - seg.start;
            const b = Math.min(ranges[k]!.end, end) - seg.start;
            if (b > a) pieces.push({ start: a, end: b });
        }
        if (pieces.length) wrap(seg.node, pieces);
    }
    return ranges.length;
}

/** Replace a text node by its text with `pieces` in marks (text nodes and elements only). */
function wrap(node: Text, pieces: readonly { start: number; end: number }[]): void {
    const doc = node.ownerDocument;
    const data = node.data;
    const frag = doc.createDocumentFragment();
    let at = 0;
    for (const p of pieces) {
        if (p.start > at) frag.append(doc.createTextNode(data.slice(at, p.start)));
        const mark = doc.createElement('mark');
        mark.className = MARK_CLASS;
        mark.textContent = data.slice(p.start, p.end);
        frag.append(mark);
        at = p.end;
    }
    if (at < data.length) frag.append(doc.createTextNode(data.slice(at)));
    node.replaceWith(frag);
}

/** Mark the terms in a row's text-holding parts. */
export function markRow(row: Element, terms: readonly Term[]): number {
    let made = 0;
    // The outermost parts only: a part inside another is marked with it.
    const parts = [...row.querySelectorAll(TARGETS)].filter((p) => !within(p.parentElement, TARGETS, row));
    for (const part of parts) made += markText(part, terms, MAX_MARKS - made);
    return made;
}

/** Take the marks out again: each becomes its text, merged with the text around it. */
export function clearMarks(root: Element): void {
    const parents = new Set<Node>();
    for (const mark of root.querySelectorAll(`mark.${MARK_CLASS}`)) {
        const parent = mark.parentNode;
        if (!parent) continue;
        mark.replaceWith(mark.ownerDocument.createTextNode(mark.textContent ?? ''));
        parents.add(parent);
    }
    for (const p of parents) p.normalize();
}

/**
 * The session view's highlight: the query it came with, applied to every row as it is built (so
 * it survives a row leaving the window and coming back), cleared with Escape or the chip's button.
 */
export class SearchHighlight {
    private terms: Term[] = [];
    query = '';
    readonly chip: HTMLDivElement;
    private readonly label: HTMLSpanElement;

    constructor(
        private readonly doc: Document,
        private readonly onClear: () => void,
    ) {
        this.chip = doc.createElement('div');
        this.chip.className = 'highlight-chip';
        this.chip.hidden = true;
        this.chip.setAttribute('role', 'status');
        const icon = doc.createElement('span');
        icon.className = 'codicon codicon-search';
        icon.setAttribute('aria-hidden', 'true');
        this.label = doc.createElement('span');
        this.label.className = 'highlight-query';
        const close = doc.createElement('button');
        close.type = 'button';
        close.className = 'highlight-clear';
        close.title = 'Clear the highlight (Escape)';
        close.setAttribute('aria-label', 'Clear the highlight');
        const x = doc.createElement('span');
        x.className = 'codicon codicon-close';
        x.setAttribute('aria-hidden', 'true');
        close.append(x);
        close.addEventListener('click', () => this.clear());
        this.chip.append(icon, this.label, close);
    }

    get active(): boolean {
        return this.terms.length > 0;
    }

    /** Highlight this query from now on (an empty or text-less query clears). */
    set(query: string): void {
        this.query = query;
        this.terms = queryTerms(query);
        this.label.textContent = this.active ? query : '';
        this.chip.title = this.active ? `Matches of the search “${query}” are highlighted` : '';
        this.chip.hidden = !this.active;
    }

    clear(): void {
        if (!this.active) return;
        this.set('');
        this.onClear();
    }

    /** Mark a freshly built row (no-op without a highlight). */
    apply(row: Element): void {
        if (this.active) markRow(row, this.terms);
    }

    /** Re-mark rows already in the page after the query changed (or take their marks out). */
    refresh(rows: Iterable<Element>): void {
        for (const row of rows) {
            clearMarks(row);
            this.apply(row);
        }
    }
}
