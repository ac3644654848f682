/**
 * A content block row: text as markdown, a tool's input and result by the tool's renderer (or
 * today's JSON / plain-text view), an image inline. Long tool output is collapsed to a few lines
 * with "Show all"; prose (markdown, text) is shown whole, never cut inside an inner scroller.
 */
import { el, icon } from '../dom';
import type { TreeNode } from '../state/tree';
import { lineCount } from './code';
import { imageThumb } from './image';
import { renderMarkdown } from './markdown';
import { renderToolInput, renderToolResult, type Rendered } from './tools';

export const BLOCK_KINDS: ReadonlySet<TreeNode['kind']> = new Set(['text', 'json', 'thinking', 'input', 'result', 'image']);

/** Outputs longer than this many lines start collapsed to COLLAPSED_LINES. */
export const COLLAPSE_OVER = 14;
export const COLLAPSED_LINES = 8;

export interface BlockContext {
    /** The row's "Show all" was clicked. */
    shownAll: boolean;
}

function plain(n: TreeNode): Rendered {
    const body = n.body ?? '';
    return { node: el('pre', n.kind === 'text' ? 'body prose' : 'body code', body), lines: lineCount(body) };
}

function content(n: TreeNode): { r: Rendered; collapsible: boolean } {
    if (n.kind === 'text' && n.markdown && n.body !== undefined) {
        const md = renderMarkdown(n.body);
        md.classList.add('body');
        return { r: { node: md, lines: lineCount(n.body) }, collapsible: false };
    }
    if (n.kind === 'input' && n.toolView) {
        const r = renderToolInput(n.toolView);
        if (r) return { r, collapsible: true };
    }
    if (n.kind === 'result' && n.toolView) {
        const r = renderToolResult(n.toolView, n.body ?? '');
        if (r) return { r, collapsible: true };
    }
    return { r: plain(n), collapsible: n.kind === 'result' || n.kind === 'input' };
}

export function blockRow(e: HTMLDivElement, n: TreeNode, ctx: BlockContext): void {
    e.classList.add('block');
    e.append(blockBox(n, ctx));
}

/**
 * A block's label and rendered content in a `div.body-box`: a long tool output is collapsed to a
 * few lines with "Show all" (`data-action="show-all"`, `data-key` when given); markdown and text
 * are shown whole.
 */
export function blockBox(n: TreeNode, ctx: BlockContext & { showAllKey?: string }): HTMLDivElement {
    const box = el('div', 'body-box');
    if (n.kind === 'image') {
        box.append(el('div', 'block-label', n.label));
        if (n.image) box.append(imageThumb(n.image, n.label));
        return box;
    }
    if (n.label) box.append(el('div', 'block-label', n.label));
    const { r, collapsible } = content(n);
    r.node.classList.add('rendered');
    if (n.toolView) r.node.classList.add(`tool-${n.toolView.name.replace(/[^A-Za-z0-9_-]/g, '_')}`);
    box.append(r.node);
    if (collapsible && r.lines > COLLAPSE_OVER) {
        r.node.classList.add(ctx.shownAll ? 'expanded-all' : 'collapsed');
        const b = el('button', 'action show-all');
        b.type = 'button';
        b.dataset.action = 'show-all';
        if (ctx.showAllKey) b.dataset.key = ctx.showAllKey;
        b.append(icon(ctx.shownAll ? 'fold' : 'unfold'), el('span', '', ctx.shownAll ? 'Show less' : `Show all ${r.lines.toLocaleString()} lines`));
        box.append(b);
    }
    return box;
}
