/** A content block (text, thinking, a tool's input or result, JSON): a box with its own scroll. */
import { el } from '../dom';
import type { TreeNode } from '../state/tree';

export const BLOCK_KINDS: ReadonlySet<TreeNode['kind']> = new Set(['text', 'json', 'thinking', 'input', 'result']);

export function blockRow(e: HTMLDivElement, n: TreeNode): void {
    e.classList.add('block');
    const box = el('div', 'body-box');
    if (n.label) box.append(el('div', 'block-label', n.label));
    box.append(el('pre', n.kind === 'text' ? 'body prose' : 'body code', n.body ?? ''));
    e.append(box);
}
