/** A tool call's head row: name, what it does, the file it touched, "Show diff". */
import { el, fileLink, icon } from '../dom';
import type { TreeNode } from '../state/tree';

export function toolHead(e: HTMLDivElement, n: TreeNode): void {
    if (!n.tool) return;
    e.dataset.toolId = n.tool.id;
    if (n.tool.file) {
        e.append(fileLink(n.tool.file.path, n.tool.file.line));
        const rest = n.detail && n.detail !== n.tool.file.path ? n.detail.replace(n.tool.file.path, '').trim() : '';
        if (rest && !rest.startsWith(':')) e.append(el('span', 'detail', rest));
    }
    if (n.tool.diff) e.append(diffButton(n.tool.messageUuid, n.tool.id));
    if (n.error) e.append(el('span', 'badge muted', n.error));
}

export function diffButton(messageUuid: string, toolId: string): HTMLButtonElement {
    const b = el('button', 'action');
    b.type = 'button';
    b.dataset.action = 'diff';
    b.dataset.uuid = messageUuid;
    b.dataset.tool = toolId;
    b.title = 'Show this edit in the diff editor';
    b.append(icon('diff'), el('span', '', 'Show diff'));
    return b;
}

